/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Three namespaces in a line, for the router and middlebox tests:
 *
 *   [client: eth0 198.18.64.1] --- [r: eth0 .64.2, eth1 198.18.65.1] --- [server: eth0 .65.2]
 *
 * r forwards; the client routes the server's subnet through r. The server
 * gets no route back unless a test adds one (the NAT test must not).
 */
#ifndef WGL_NET3_H
#define WGL_NET3_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netns/netns.h"
#include "netns/router.h"

struct wgl_net3 {
	struct wgl_ns *client, *r, *server;
};

static inline int wgl_net3_build(struct wgl_net3 *n)
{
	int err;

	n->client = wgl_ns_new("client", false);
	n->r = wgl_ns_new("r", false);
	n->server = wgl_ns_new("server", false);
	if (!n->client || !n->r || !n->server)
		return -errno;
	err = wgl_veth_add(n->client, "eth0", n->r, "eth0");
	err = err ?: wgl_veth_add(n->r, "eth1", n->server, "eth0");
	err = err ?: wgl_addr_add(n->client, "eth0", "198.18.64.1/24");
	err = err ?: wgl_addr_add(n->r, "eth0", "198.18.64.2/24");
	err = err ?: wgl_addr_add(n->r, "eth1", "198.18.65.1/24");
	err = err ?: wgl_addr_add(n->server, "eth0", "198.18.65.2/24");
	err = err ?: wgl_link_set_up(n->client, "eth0", true);
	err = err ?: wgl_link_set_up(n->r, "eth0", true);
	err = err ?: wgl_link_set_up(n->r, "eth1", true);
	err = err ?: wgl_link_set_up(n->server, "eth0", true);
	err = err ?: wgl_route_add(n->client, "198.18.65.0/24", "198.18.64.2", "eth0");
	return err ?: wgl_router_forwarding(n->r, true);
}

static inline void wgl_net3_free(struct wgl_net3 *n)
{
	wgl_ns_free(n->server);
	wgl_ns_free(n->r);
	wgl_ns_free(n->client);
}

/* A UDP socket bound in ns to addr:port, receiving with a timeout of rcv_s; fd or -errno. */
static inline int wgl_net3_udp(struct wgl_ns *ns, const char *addr, uint16_t port, int rcv_s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = rcv_s };
	int fd = wgl_ns_socket(ns, AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return fd;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

#endif
