// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Router namespaces: forwarding, per-namespace sysctls and the conntrack
 * table. /proc/sys/net and NETLINK_NETFILTER sockets follow the network
 * namespace of the thread that opens them, so each call opens them with the
 * thread moved into the router's namespace and comes back at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "base/log.h"
#include "netns/netns.h"
#include "netns/router.h"

/* Opens /proc/sys/<key> inside ns; only net/ keys, no way out of the tree. */
static int open_sysctl(struct wgl_ns *ns, const char *key, int flags)
{
	char path[256];
	int fd, err;

	if (strncmp(key, "net/", 4) || strstr(key, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	err = wgl_ns_enter(ns);
	if (err < 0)
		return err;
	fd = open(path, flags | O_CLOEXEC);
	err = fd < 0 ? -errno : fd;
	wgl_ns_leave();
	return err;
}

int wgl_ns_sysctl(struct wgl_ns *ns, const char *key, const char *value)
{
	int fd = open_sysctl(ns, key, O_WRONLY), err = 0;

	if (fd < 0)
		return fd;
	if (write(fd, value, strlen(value)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int wgl_ns_sysctl_get(struct wgl_ns *ns, const char *key, char *buf, size_t len)
{
	int fd = open_sysctl(ns, key, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int wgl_router_forwarding(struct wgl_ns *ns, bool on)
{
	const char *v = on ? "1" : "0";
	int err = wgl_ns_sysctl(ns, "net/ipv4/ip_forward", v);

	/* A kernel without IPv6 has no such file: IPv4 routing still works. */
	if (!err && wgl_ns_sysctl(ns, "net/ipv6/conf/all/forwarding", v) < 0)
		wgl_dbg("%s: no IPv6 forwarding", ns->label);
	return err;
}

int wgl_conntrack_udp_timeouts(struct wgl_ns *ns, unsigned int unreplied, unsigned int stream)
{
	char v[16];
	int err = 0;

	if (unreplied) {
		snprintf(v, sizeof(v), "%u", unreplied);
		err = wgl_ns_sysctl(ns, "net/netfilter/nf_conntrack_udp_timeout", v);
	}
	if (!err && stream) {
		snprintf(v, sizeof(v), "%u", stream);
		err = wgl_ns_sysctl(ns, "net/netfilter/nf_conntrack_udp_timeout_stream", v);
	}
	return err;
}

int wgl_conntrack_count(struct wgl_ns *ns)
{
	char buf[32];
	int err = wgl_ns_sysctl_get(ns, "net/netfilter/nf_conntrack_count", buf, sizeof(buf));

	return err < 0 ? err : atoi(buf);
}

/* Waits for the kernel's answer to one request; 0 or the -errno it carries. */
static int nl_ack(int fd)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (n < 0)
		return -errno;
	if (n < (ssize_t)sizeof(*h) || !NLMSG_OK(h, (size_t)n))
		return -EPROTO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error;
	}
	return 0;
}

/*
 * Sends one ctnetlink request for both families (AF_UNSPEC) from inside ns
 * and lets reply() read the answer on the same socket.
 */
static int ct_request(struct wgl_ns *ns, int type, int flags,
		      int (*reply)(int fd, uint16_t *ports, int max), uint16_t *ports, int max)
{
	struct {
		struct nlmsghdr h;
		struct nfgenmsg g;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type,
		       .nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = 1 },
		.g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = wgl_ns_socket(ns, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER), err;

	if (fd < 0)
		return fd;
	err = sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0
		      ? -errno : reply(fd, ports, max);
	close(fd);
	return err;
}

static int ack_reply(int fd, uint16_t *ports, int max)
{
	return nl_ack(fd);
}

/*
 * A ctnetlink delete without a tuple is a flush of the whole table
 * (what `conntrack -F` sends).
 */
int wgl_conntrack_flush(struct wgl_ns *ns)
{
	int err = ct_request(ns, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, ack_reply, NULL, 0);

	if (err < 0)
		wgl_err("%s: conntrack flush failed: %s", ns->label, strerror(-err));
	return err;
}

/* The attribute of type `type` inside [attr, attr + len), or NULL. */
static const struct nlattr *nla_find(const void *attrs, int len, int type)
{
	const struct nlattr *a = attrs;

	while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

static const struct nlattr *nla_nested(const struct nlattr *a, int type)
{
	return a ? nla_find(a + 1, a->nla_len - (int)sizeof(*a), type) : NULL;
}

/* One conntrack entry: if UDP, its reply tuple's destination port (host order), else -1. */
static int udp_reply_port(const struct nlmsghdr *h)
{
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
	const void *attrs = (const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	const struct nlattr *proto = nla_nested(nla_find(attrs, len, CTA_TUPLE_REPLY),
						CTA_TUPLE_PROTO);
	const struct nlattr *num = nla_nested(proto, CTA_PROTO_NUM);
	const struct nlattr *port = nla_nested(proto, CTA_PROTO_DST_PORT);
	uint16_t p;

	if (!num || !port || *(const uint8_t *)(num + 1) != IPPROTO_UDP)
		return -1;
	memcpy(&p, port + 1, sizeof(p));
	return ntohs(p);
}

/* Reads a dump's answers until NLMSG_DONE; returns the UDP entries seen or -errno. */
static int read_dump(int fd, uint16_t *ports, int max)
{
	static char buf[32768];
	int n_udp = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0)
			return -errno;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			int port;

			if (h->nlmsg_type == NLMSG_DONE)
				return n_udp;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			port = udp_reply_port(h);
			if (port < 0)
				continue;
			if (n_udp < max)
				ports[n_udp] = (uint16_t)port;
			n_udp++;
		}
	}
}

int wgl_conntrack_udp_ports(struct wgl_ns *ns, uint16_t *ports, int max)
{
	return ct_request(ns, IPCTNL_MSG_CT_GET, NLM_F_DUMP, read_dump, ports, max);
}
