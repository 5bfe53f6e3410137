// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's datagram relay: a UDP socket on the agent's host that the
 * controller drives one datagram at a time (udp_open, udp_send, udp_recv),
 * so a probe of wglab's own WireGuard engine can speak from a remote node's
 * address. Bound only to an address in the benchmarking ranges (one the
 * host already has: binding adds nothing to it), sending only into them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/agent_priv.h"

#define MAX_DATAGRAM 65535
#define MAX_WAIT_MS 60000

union sa_any {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/* ip:port into *a; its length, or 0 when ip is not an address in the benchmarking ranges. */
static socklen_t to_sockaddr(const char *ip, int port, union sa_any *a)
{
	memset(a, 0, sizeof(*a));
	if (!ip || !wgl_addr_allowed(ip) || port < 0 || port > 65535)
		return 0;
	if (inet_pton(AF_INET, ip, &a->in4.sin_addr) == 1) {
		a->in4.sin_family = AF_INET;
		a->in4.sin_port = htons((uint16_t)port);
		return sizeof(a->in4);
	}
	if (inet_pton(AF_INET6, ip, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port);
		return sizeof(a->in6);
	}
	return 0;
}

static int fail(char *why, size_t len, int err, const char *fmt, const char *arg)
{
	snprintf(why, len, fmt, arg);
	return err;
}

static int port_of(int fd)
{
	union sa_any a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, &a.sa, &len) < 0)
		return -errno;
	return ntohs(a.sa.sa_family == AF_INET ? a.in4.sin_port : a.in6.sin6_port);
}

int wgl_agent_op_udp_open(const json_t *args, json_t **res, char *why, size_t len)
{
	const char *ip = json_string_value(json_object_get(args, "addr"));
	int port = json_object_get(args, "port") ?
		   (int)json_integer_value(json_object_get(args, "port")) : 0;
	union sa_any a;
	socklen_t alen = to_sockaddr(ip, port, &a);
	int id, fd;

	if (!alen)
		return fail(why, len, -EPERM, "%.64s: not an address (and port) in the "
			    "benchmarking ranges", ip);
	id = wgl_agent_new_handle(WGL_AH_UDP);
	if (id < 0)
		return fail(why, len, id, "%s", "too many handles");
	fd = wgl_ns_socket(wgl_agent.ns, a.sa.sa_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, &a.sa, alen) < 0) {
		int err = fd < 0 ? fd : -errno;

		if (fd >= 0)
			close(fd);
		wgl_agent.handles[id].kind = WGL_AH_FREE;
		return fail(why, len, err, "%.64s: cannot bind a UDP socket there", ip);
	}
	wgl_agent.handles[id].udp_fd = fd;
	*res = json_pack("{s:i s:i}", "handle", id, "port", port_of(fd));
	return *res ? 0 : -ENOMEM;
}

int wgl_agent_op_udp_send(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h = wgl_agent_own_handle(args, WGL_AH_UDP, why, len);
	const char *ip = json_string_value(json_object_get(args, "addr"));
	const char *b64 = json_string_value(json_object_get(args, "data"));
	int port = (int)json_integer_value(json_object_get(args, "port"));
	unsigned char *bin;
	size_t n = 0;
	union sa_any a;
	socklen_t alen = to_sockaddr(ip, port, &a);
	int err = 0;

	(void)res;
	if (!h)
		return -ENOENT;
	if (!alen || port == 0)
		return fail(why, len, -EPERM, "%.64s: not a destination in the benchmarking ranges",
			    ip);
	if (strlen(b64) > (MAX_DATAGRAM + 2) / 3 * 4)
		return fail(why, len, -EMSGSIZE, "%s", "data: longer than a datagram");
	bin = malloc(MAX_DATAGRAM);
	if (!bin)
		return -ENOMEM;
	if (sodium_base642bin(bin, MAX_DATAGRAM, b64, strlen(b64), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0)
		err = fail(why, len, -EINVAL, "%s", "data: not base64");
	else if (sendto(h->udp_fd, bin, n, 0, &a.sa, alen) < 0)
		err = fail(why, len, -errno, "%s", "sendto failed");
	free(bin);
	return err;
}

/* One datagram as {data, addr, port}; NULL on ENOMEM. */
static json_t *datagram(const unsigned char *buf, size_t n, const union sa_any *from)
{
	size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap), ip[INET6_ADDRSTRLEN] = "";
	bool v4 = from->sa.sa_family == AF_INET;
	json_t *j;

	if (!b64)
		return NULL;
	sodium_bin2base64(b64, cap, buf, n, sodium_base64_VARIANT_ORIGINAL);
	inet_ntop(from->sa.sa_family, v4 ? (const void *)&from->in4.sin_addr
					 : (const void *)&from->in6.sin6_addr, ip, sizeof(ip));
	j = json_pack("{s:s s:s s:i}", "data", b64, "addr", ip, "port",
		      ntohs(v4 ? from->in4.sin_port : from->in6.sin6_port));
	free(b64);
	return j;
}

int wgl_agent_op_udp_recv(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h = wgl_agent_own_handle(args, WGL_AH_UDP, why, len);
	int wait = json_object_get(args, "timeout_ms") ?
		   (int)json_integer_value(json_object_get(args, "timeout_ms")) : 0;
	struct pollfd p = { .events = POLLIN };
	unsigned char *buf;
	union sa_any from;
	socklen_t flen = sizeof(from);
	ssize_t n;
	int rc;

	if (!h)
		return -ENOENT;
	p.fd = h->udp_fd;
	rc = poll(&p, 1, wait > MAX_WAIT_MS ? MAX_WAIT_MS : wait);
	if (rc < 0 && errno != EINTR)
		return fail(why, len, -errno, "%s", "poll failed");
	if (rc <= 0) {
		*res = json_object(); /* nothing arrived in time */
		return *res ? 0 : -ENOMEM;
	}
	buf = malloc(MAX_DATAGRAM);
	if (!buf)
		return -ENOMEM;
	n = recvfrom(h->udp_fd, buf, MAX_DATAGRAM, MSG_DONTWAIT, &from.sa, &flen);
	if (n < 0) {
		rc = errno == EAGAIN ? 0 : -errno;
		free(buf);
		*res = rc ? NULL : json_object();
		return rc ? fail(why, len, rc, "%s", "recvfrom failed") : 0;
	}
	*res = datagram(buf, (size_t)n, &from);
	free(buf);
	return *res ? 0 : -ENOMEM;
}
