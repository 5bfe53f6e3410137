// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel backend: the link is created with libnl-route-3 ("ip link add
 * ... type wireguard") inside the node's namespace, configured and read
 * through the "wireguard" generic netlink family with libnl-genl-3.
 *
 * The link is created directly in its node's namespace, so its UDP socket
 * lives there too (a WireGuard socket stays in the namespace the link was
 * born in). The genl socket is opened inside that namespace as well: the
 * family looks the device up by name in the socket's namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "harness/backends/backend.h"
#include "harness/backends/kernel.h"
#include "base/log.h"
#include "netns/netns.h"

/* Same budget as wireguard-tools: what one SET message may carry. */
#define SET_MSG_SIZE 8192
#define DUMP_RETRIES 8

/* ---- building SET messages ---- */

static int put_allowedip(struct nl_msg *m, const struct wgl_allowedip *a)
{
	struct nlattr *n = nla_nest_start(m, 0);
	size_t len = a->family == AF_INET6 ? sizeof(a->ip6) : sizeof(a->ip4);

	if (!n)
		return -EMSGSIZE;
	if (nla_put_u16(m, WGALLOWEDIP_A_FAMILY, a->family) < 0 ||
	    nla_put(m, WGALLOWEDIP_A_IPADDR, (int)len, &a->ip6) < 0 ||
	    nla_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, a->cidr) < 0) {
		nla_nest_cancel(m, n);
		return -EMSGSIZE;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Fields sent only with the first part of a peer. */
static int put_peer_head(struct nl_msg *m, const struct wgl_peer *p)
{
	uint32_t flags = 0;
	int err = 0;

	if (p->flags & WGL_PEER_REMOVE_ME)
		flags |= WGPEER_F_REMOVE_ME;
	if (p->flags & WGL_PEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (flags)
		err |= nla_put_u32(m, WGPEER_A_FLAGS, flags);
	if (p->flags & WGL_PEER_HAS_PRESHARED_KEY)
		err |= nla_put(m, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, p->preshared_key);
	if (p->flags & WGL_PEER_HAS_ENDPOINT)
		err |= nla_put(m, WGPEER_A_ENDPOINT, p->endpoint.addr.sa_family == AF_INET6 ?
			       sizeof(p->endpoint.addr6) : sizeof(p->endpoint.addr4),
			       &p->endpoint);
	if (p->flags & WGL_PEER_HAS_KEEPALIVE)
		err |= nla_put_u16(m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				   p->keepalive_interval);
	return err ? -EMSGSIZE : 0;
}

/*
 * Adds peer p (from allowed IP *aip on, or its head when *aip is NULL).
 * Returns 0 when the peer is complete, 1 when it was cut after some allowed
 * IPs (*aip = where to go on), -EMSGSIZE when nothing of it fit.
 */
static int put_peer(struct nl_msg *m, const struct wgl_peer *p,
		    const struct wgl_allowedip **aip)
{
	struct nlattr *pn = nla_nest_start(m, 0), *an;
	const struct wgl_allowedip *a = *aip ? *aip : p->first_allowedip;
	bool head = !*aip, some = false;

	if (!pn || nla_put(m, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key) < 0 ||
	    (head && put_peer_head(m, p) < 0))
		goto toobig;
	if (a) {
		an = nla_nest_start(m, WGPEER_A_ALLOWEDIPS);
		if (!an)
			goto toobig;
		for (; a; a = a->next, some = true)
			if (put_allowedip(m, a) < 0)
				break;
		if (!some) {
			nla_nest_cancel(m, an);
			/* A peer's head without its first allowed IP is fine; a continuation is not. */
			if (!head)
				goto toobig;
		} else {
			nla_nest_end(m, an);
		}
	}
	nla_nest_end(m, pn);
	*aip = a;
	return a ? 1 : 0;
toobig:
	if (pn)
		nla_nest_cancel(m, pn);
	return -EMSGSIZE;
}

static int put_device(struct nl_msg *m, const struct wgl_device *cfg)
{
	int err = 0;

	if (cfg->flags & WGL_DEV_REPLACE_PEERS)
		err |= nla_put_u32(m, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
	if (cfg->flags & WGL_DEV_HAS_PRIVATE_KEY)
		err |= nla_put(m, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, cfg->private_key);
	if (cfg->flags & WGL_DEV_HAS_LISTEN_PORT)
		err |= nla_put_u16(m, WGDEVICE_A_LISTEN_PORT, cfg->listen_port);
	if (cfg->flags & WGL_DEV_HAS_FWMARK)
		err |= nla_put_u32(m, WGDEVICE_A_FWMARK, cfg->fwmark);
	return err ? -EMSGSIZE : 0;
}

int wgl_kernel_build_set(struct nl_msg *msg, int family, const char *ifname,
			 const struct wgl_device *cfg, struct wgl_kernel_cursor *cur)
{
	struct nlattr *peers;
	bool first = !cur->started;
	int n = 0, ret = 0;

	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK,
			 WG_CMD_SET_DEVICE, WG_GENL_VERSION) ||
	    nla_put_string(msg, WGDEVICE_A_IFNAME, ifname) < 0)
		return -EMSGSIZE;
	if (!cur->started) {
		cur->started = true;
		cur->peer = cfg->first_peer;
		cur->aip = NULL;
		if (put_device(msg, cfg) < 0)
			return -EMSGSIZE;
	}
	if (!cur->peer)
		return 0;
	peers = nla_nest_start(msg, WGDEVICE_A_PEERS);
	if (!peers)
		return -EMSGSIZE;
	for (; cur->peer; cur->peer = cur->peer->next, cur->aip = NULL, n++) {
		ret = put_peer(msg, cur->peer, &cur->aip);
		if (ret != 0)
			break;
	}
	if (ret < 0 && !n) {
		nla_nest_cancel(msg, peers);
		/* The device fields took the room; otherwise the entry can never fit. */
		return first ? 1 : -EMSGSIZE;
	}
	nla_nest_end(msg, peers);
	return cur->peer ? 1 : 0;
}

/* ---- parsing GET replies (and SET messages) ---- */

static struct nla_policy device_policy[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_IFINDEX] = { .type = NLA_U32 },
	[WGDEVICE_A_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
	[WGDEVICE_A_PRIVATE_KEY] = { .minlen = WG_KEY_LEN },
	[WGDEVICE_A_PUBLIC_KEY] = { .minlen = WG_KEY_LEN },
	[WGDEVICE_A_FLAGS] = { .type = NLA_U32 },
	[WGDEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[WGDEVICE_A_FWMARK] = { .type = NLA_U32 },
	[WGDEVICE_A_PEERS] = { .type = NLA_NESTED },
};

static struct nla_policy peer_policy[WGPEER_A_MAX + 1] = {
	[WGPEER_A_PUBLIC_KEY] = { .minlen = WG_KEY_LEN },
	[WGPEER_A_PRESHARED_KEY] = { .minlen = WG_KEY_LEN },
	[WGPEER_A_FLAGS] = { .type = NLA_U32 },
	[WGPEER_A_ENDPOINT] = { .minlen = sizeof(struct sockaddr_in) },
	[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	[WGPEER_A_LAST_HANDSHAKE_TIME] = { .minlen = sizeof(struct __kernel_timespec) },
	[WGPEER_A_RX_BYTES] = { .type = NLA_U64 },
	[WGPEER_A_TX_BYTES] = { .type = NLA_U64 },
	[WGPEER_A_ALLOWEDIPS] = { .type = NLA_NESTED },
	[WGPEER_A_PROTOCOL_VERSION] = { .type = NLA_U32 },
};

static struct nla_policy allowedip_policy[WGALLOWEDIP_A_MAX + 1] = {
	[WGALLOWEDIP_A_FAMILY] = { .type = NLA_U16 },
	[WGALLOWEDIP_A_IPADDR] = { .minlen = sizeof(struct in_addr) },
	[WGALLOWEDIP_A_CIDR_MASK] = { .type = NLA_U8 },
};

static bool key_attr(const struct nlattr *a)
{
	return a && nla_len(a) == WG_KEY_LEN;
}

static int parse_allowedip(struct nlattr *attr, struct wgl_peer *p)
{
	struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	struct wgl_allowedip *a;
	uint16_t family;
	uint8_t cidr;
	int len;

	if (nla_parse_nested(tb, WGALLOWEDIP_A_MAX, attr, allowedip_policy) < 0 ||
	    !tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] || !tb[WGALLOWEDIP_A_CIDR_MASK])
		return -EPROTO;
	family = nla_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
	cidr = nla_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]);
	len = nla_len(tb[WGALLOWEDIP_A_IPADDR]);
	if (!((family == AF_INET && len == 4 && cidr <= 32) ||
	      (family == AF_INET6 && len == 16 && cidr <= 128)))
		return -EPROTO;
	a = wgl_peer_add_allowedip(p);
	if (!a)
		return -ENOMEM;
	a->family = family;
	a->cidr = cidr;
	memcpy(&a->ip6, nla_data(tb[WGALLOWEDIP_A_IPADDR]), (size_t)len);
	return 0;
}

static int parse_endpoint(const struct nlattr *attr, struct wgl_peer *p)
{
	const struct sockaddr *sa = nla_data(attr);
	int len = nla_len(attr);

	if (sa->sa_family == AF_INET && len == sizeof(struct sockaddr_in))
		memcpy(&p->endpoint.addr4, sa, sizeof(struct sockaddr_in));
	else if (sa->sa_family == AF_INET6 && len == sizeof(struct sockaddr_in6))
		memcpy(&p->endpoint.addr6, sa, sizeof(struct sockaddr_in6));
	else
		return -EPROTO;
	p->flags |= WGL_PEER_HAS_ENDPOINT;
	return 0;
}

static void parse_peer_fields(struct nlattr **tb, struct wgl_peer *p)
{
	if (key_attr(tb[WGPEER_A_PRESHARED_KEY])) {
		memcpy(p->preshared_key, nla_data(tb[WGPEER_A_PRESHARED_KEY]), WG_KEY_LEN);
		/* The kernel reports an unset PSK as zeros; the UAPI parser agrees. */
		if (!wgl_key_is_zero(p->preshared_key))
			p->flags |= WGL_PEER_HAS_PRESHARED_KEY;
	}
	if (tb[WGPEER_A_FLAGS]) {
		uint32_t f = nla_get_u32(tb[WGPEER_A_FLAGS]);

		if (f & WGPEER_F_REMOVE_ME)
			p->flags |= WGL_PEER_REMOVE_ME;
		if (f & WGPEER_F_REPLACE_ALLOWEDIPS)
			p->flags |= WGL_PEER_REPLACE_ALLOWEDIPS;
	}
	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) {
		p->keepalive_interval = nla_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
		p->flags |= WGL_PEER_HAS_KEEPALIVE;
	}
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME]) {
		struct __kernel_timespec ts;

		memcpy(&ts, nla_data(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		p->last_handshake.tv_sec = (time_t)ts.tv_sec;
		p->last_handshake.tv_nsec = (long)ts.tv_nsec;
	}
	if (tb[WGPEER_A_RX_BYTES])
		p->rx_bytes = nla_get_u64(tb[WGPEER_A_RX_BYTES]);
	if (tb[WGPEER_A_TX_BYTES])
		p->tx_bytes = nla_get_u64(tb[WGPEER_A_TX_BYTES]);
}

static int parse_peer(struct nlattr *attr, struct wgl_device *dev)
{
	struct nlattr *tb[WGPEER_A_MAX + 1], *a;
	struct wgl_peer *p = dev->last_peer;
	int rem, err;

	if (nla_parse_nested(tb, WGPEER_A_MAX, attr, peer_policy) < 0 ||
	    !key_attr(tb[WGPEER_A_PUBLIC_KEY]))
		return -EPROTO;
	/* A split dump repeats the peer with only its key and more allowed IPs. */
	if (!p || memcmp(p->public_key, nla_data(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN)) {
		p = wgl_device_add_peer(dev);
		if (!p)
			return -ENOMEM;
		memcpy(p->public_key, nla_data(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN);
		p->flags |= WGL_PEER_HAS_PUBLIC_KEY;
	}
	if (tb[WGPEER_A_ENDPOINT] && (err = parse_endpoint(tb[WGPEER_A_ENDPOINT], p)) < 0)
		return err;
	parse_peer_fields(tb, p);
	if (tb[WGPEER_A_ALLOWEDIPS])
		nla_for_each_nested(a, tb[WGPEER_A_ALLOWEDIPS], rem)
			if ((err = parse_allowedip(a, p)) < 0)
				return err;
	return 0;
}

static void parse_device_fields(struct nlattr **tb, struct wgl_device *dev)
{
	if (tb[WGDEVICE_A_IFNAME])
		snprintf(dev->name, sizeof(dev->name), "%s", nla_get_string(tb[WGDEVICE_A_IFNAME]));
	if (key_attr(tb[WGDEVICE_A_PRIVATE_KEY])) {
		memcpy(dev->private_key, nla_data(tb[WGDEVICE_A_PRIVATE_KEY]), WG_KEY_LEN);
		dev->flags |= WGL_DEV_HAS_PRIVATE_KEY;
	}
	if (key_attr(tb[WGDEVICE_A_PUBLIC_KEY])) {
		memcpy(dev->public_key, nla_data(tb[WGDEVICE_A_PUBLIC_KEY]), WG_KEY_LEN);
		dev->flags |= WGL_DEV_HAS_PUBLIC_KEY;
	}
	if (tb[WGDEVICE_A_FLAGS] && (nla_get_u32(tb[WGDEVICE_A_FLAGS]) & WGDEVICE_F_REPLACE_PEERS))
		dev->flags |= WGL_DEV_REPLACE_PEERS;
	if (tb[WGDEVICE_A_LISTEN_PORT]) {
		dev->listen_port = nla_get_u16(tb[WGDEVICE_A_LISTEN_PORT]);
		dev->flags |= WGL_DEV_HAS_LISTEN_PORT;
	}
	if (tb[WGDEVICE_A_FWMARK]) {
		dev->fwmark = nla_get_u32(tb[WGDEVICE_A_FWMARK]);
		dev->flags |= WGL_DEV_HAS_FWMARK;
	}
}

int wgl_kernel_parse_msg(struct nlmsghdr *nlh, struct wgl_device *dev)
{
	struct nlattr *tb[WGDEVICE_A_MAX + 1], *a;
	int rem, err;

	if (genlmsg_parse(nlh, 0, tb, WGDEVICE_A_MAX, device_policy) < 0)
		return -EPROTO;
	parse_device_fields(tb, dev);
	if (tb[WGDEVICE_A_PEERS])
		nla_for_each_nested(a, tb[WGDEVICE_A_PEERS], rem)
			if ((err = parse_peer(a, dev)) < 0)
				return err;
	return 0;
}

/* ---- sockets and the backend ops ---- */

/*
 * A generic netlink socket opened inside ns, and the wireguard family id.
 * The socket stays bound to ns after we return to our own namespace.
 */
static int genl_open(struct wgl_ns *ns, struct nl_sock **out, int *family)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	err = wgl_ns_enter(ns);
	if (err < 0)
		goto fail;
	err = genl_connect(sk);
	wgl_ns_leave();
	if (err < 0) {
		err = wgl_nl_errno(err);
		goto fail;
	}
	*family = genl_ctrl_resolve(sk, WG_GENL_NAME);
	if (*family < 0) {
		/* The family exists once wireguard.ko is loaded. */
		err = *family == -NLE_OBJ_NOTFOUND ? -EPROTONOSUPPORT : wgl_nl_errno(*family);
		goto fail;
	}
	*out = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return err;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int k_available(const struct wgl_backend_config *cfg, char *why, size_t len)
{
	struct wgl_ns *ns;
	struct stat st;
	int err;

	if (stat("/sys/module/wireguard", &st) == 0)
		return 0;
	/* Not loaded: creating a link autoloads it where the module exists. */
	ns = wgl_ns_new("wgprobe", false);
	if (!ns) {
		err = -errno;
		snprintf(why, len, "cannot create a namespace to probe for wireguard: %s",
			 strerror(errno));
		return err;
	}
	err = wgl_link_add(ns, "wgprobe0", "wireguard");
	if (err == 0)
		wgl_link_del(ns, "wgprobe0");
	wgl_ns_free(ns);
	if (err < 0)
		snprintf(why, len, "no wireguard kernel module on this host (%s); "
			 "use the kernel lab: wglab vm -- ...", strerror(-err));
	return err;
}

static int k_create(struct wgl_wgdev *dev, const struct wgl_backend_config *cfg)
{
	struct utsname u;
	int err = wgl_link_add(dev->ns, dev->ifname, "wireguard");

	if (err < 0)
		return err;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(dev->impl, sizeof(dev->impl), "linux %s (wireguard.ko)", u.release);
	read_line("/sys/module/wireguard/version", dev->impl_version,
		  sizeof(dev->impl_version));
	if (!dev->impl_version[0])
		snprintf(dev->impl_version, sizeof(dev->impl_version), "%s", u.release);
	snprintf(dev->command, sizeof(dev->command), "kernel");
	return 0;
}

static int k_set(struct wgl_wgdev *dev, const struct wgl_device *cfg)
{
	struct wgl_kernel_cursor cur = { 0 };
	struct nl_sock *sk = NULL;
	int family, more, err = genl_open(dev->ns, &sk, &family);

	if (err < 0)
		goto out;
	do {
		struct nl_msg *m = nlmsg_alloc_size(SET_MSG_SIZE);

		if (!m) {
			err = -ENOMEM;
			break;
		}
		more = wgl_kernel_build_set(m, family, dev->ifname, cfg, &cur);
		if (more < 0) {
			nlmsg_free(m);
			err = more;
			break;
		}
		err = nl_send_sync(sk, m); /* frees m, waits for the kernel's ack */
		err = err < 0 ? wgl_nl_errno(err) : 0;
	} while (!err && more);
out:
	if (err < 0)
		wgl_err("kernel backend: cannot configure %s in %s: %s", dev->ifname,
			dev->ns->label, strerror(-err));
	nl_socket_free(sk);
	return err;
}

struct dump_ctx {
	struct wgl_device *dev;
	int err;
};

static int on_dump_msg(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *ctx = arg;

	ctx->err = wgl_kernel_parse_msg(nlmsg_hdr(msg), ctx->dev);
	return ctx->err < 0 ? NL_STOP : NL_OK;
}

/* One GET_DEVICE dump; -EAGAIN when the device changed during it. */
static int dump_once(struct nl_sock *sk, int family, const char *ifname,
		     struct wgl_device *dev)
{
	struct dump_ctx ctx = { .dev = dev };
	struct nl_msg *m = nlmsg_alloc();
	int err;

	if (!m)
		return -ENOMEM;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP,
			 WG_CMD_GET_DEVICE, WG_GENL_VERSION) ||
	    nla_put_string(m, WGDEVICE_A_IFNAME, ifname) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_dump_msg, &ctx);
	err = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (err == -NLE_DUMP_INTR)
		return -EAGAIN;
	if (ctx.err < 0)
		return ctx.err;
	return err < 0 ? wgl_nl_errno(err) : 0;
}

static int k_get(struct wgl_wgdev *dev, struct wgl_device **out)
{
	struct wgl_device *d = NULL;
	struct nl_sock *sk = NULL;
	int family, err = genl_open(dev->ns, &sk, &family);

	for (int i = 0; !err && i < DUMP_RETRIES; i++) {
		wgl_device_free(d);
		d = calloc(1, sizeof(*d));
		if (!d) {
			err = -ENOMEM;
			break;
		}
		err = dump_once(sk, family, dev->ifname, d);
		if (err != -EAGAIN)
			break;
		err = 0; /* peers changed mid-dump: read again */
	}
	nl_socket_free(sk);
	if (err < 0) {
		wgl_err("kernel backend: cannot read %s in %s: %s", dev->ifname, dev->ns->label,
			strerror(-err));
		wgl_device_free(d);
		return err;
	}
	snprintf(d->name, sizeof(d->name), "%s", dev->ifname);
	*out = d;
	return 0;
}

static void k_destroy(struct wgl_wgdev *dev)
{
	int err = wgl_link_del(dev->ns, dev->ifname);

	/* Already gone (its namespace was freed first) is fine. */
	if (err < 0 && err != -ENODEV && err != -ENOENT)
		wgl_warn("kernel backend: cannot delete %s in %s: %s", dev->ifname,
			 dev->ns->label, strerror(-err));
}

const struct wgl_backend_ops wgl_backend_kernel = {
	.name = "kernel",
	.available = k_available,
	.create = k_create,
	.set = k_set,
	.get = k_get,
	.destroy = k_destroy,
};
