// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Links, addresses and routes inside a wglab namespace, through the
 * namespace's own NETLINK_ROUTE socket (libnl-route-3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "base/log.h"
#include "netns/netns.h"

/* The only address space wglab may use: RFC 2544 and RFC 5180 benchmarking ranges. */
bool wgl_addr_allowed(const char *cidr)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct in6_addr a6;
	struct in_addr a4;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return (ntohl(a4.s_addr) & 0xfffe0000u) == 0xc6120000u; /* 198.18.0.0/15 */
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return false;
	if (a6.s6_addr[0] == 0xfe && (a6.s6_addr[1] & 0xc0) == 0x80)
		return true; /* link-local never leaves the link */
	return a6.s6_addr[0] == 0x20 && a6.s6_addr[1] == 0x01 && a6.s6_addr[2] == 0x00 &&
	       a6.s6_addr[3] == 0x02 && a6.s6_addr[4] == 0x00 && a6.s6_addr[5] == 0x00;
}

int wgl_veth_add(struct wgl_ns *a, const char *name_a, struct wgl_ns *b, const char *name_b)
{
	struct rtnl_link *veth, *peer;
	char label[80];
	int err;

	veth = rtnl_link_veth_alloc();
	if (!veth)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, name_a);
	rtnl_link_set_name(peer, name_b);
	if (b != a)
		rtnl_link_set_ns_fd(peer, b->fd);
	err = rtnl_link_add(a->rt, veth, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_put(veth);
	if (err < 0)
		return wgl_nl_errno(err);
	snprintf(label, sizeof(label), "veth %s/%s <-> %s/%s", a->label, name_a, b->label, name_b);
	wgl_created("link", label);
	a->links++;
	return 0;
}

int wgl_link_add(struct wgl_ns *ns, const char *ifname, const char *kind)
{
	struct rtnl_link *link = rtnl_link_alloc();
	char label[80];
	int err;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	err = rtnl_link_set_type(link, kind);
	if (!err)
		err = rtnl_link_add(ns->rt, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (err < 0)
		return wgl_nl_errno(err);
	snprintf(label, sizeof(label), "%s %s/%s", kind, ns->label, ifname);
	wgl_created("link", label);
	ns->links++;
	return 0;
}

static int get_link(struct wgl_ns *ns, const char *ifname, struct rtnl_link **out)
{
	int err = rtnl_link_get_kernel(ns->rt, 0, ifname, out);

	return err < 0 ? wgl_nl_errno(err) : 0;
}

int wgl_link_del(struct wgl_ns *ns, const char *ifname)
{
	struct rtnl_link *link;
	char label[80];
	int err = get_link(ns, ifname, &link);

	if (err < 0)
		return err;
	err = rtnl_link_delete(ns->rt, link);
	rtnl_link_put(link);
	if (err < 0)
		return wgl_nl_errno(err);
	snprintf(label, sizeof(label), "%s/%s", ns->label, ifname);
	wgl_destroyed("link", label);
	if (ns->links > 0)
		ns->links--;
	return 0;
}

static int change_link(struct wgl_ns *ns, const char *ifname, bool up, unsigned int mtu,
		       bool set_flags)
{
	struct rtnl_link *orig, *chg;
	int err = get_link(ns, ifname, &orig);

	if (err < 0)
		return err;
	chg = rtnl_link_alloc();
	if (!chg) {
		rtnl_link_put(orig);
		return -ENOMEM;
	}
	if (set_flags && up)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (set_flags)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	err = rtnl_link_change(ns->rt, orig, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(orig);
	return err < 0 ? wgl_nl_errno(err) : 0;
}

int wgl_link_set_up(struct wgl_ns *ns, const char *ifname, bool up)
{
	return change_link(ns, ifname, up, 0, true);
}

int wgl_link_set_mtu(struct wgl_ns *ns, const char *ifname, unsigned int mtu)
{
	if (mtu < 68 || mtu > 65535)
		return -EINVAL;
	return change_link(ns, ifname, false, mtu, false);
}

int wgl_link_index(struct wgl_ns *ns, const char *ifname)
{
	struct rtnl_link *link;
	int err = get_link(ns, ifname, &link), idx;

	if (err < 0)
		return err == -ENOENT ? -ENODEV : err;
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx;
}

/* A NETLINK_ROUTE socket in ns subscribed to link events, or -errno. */
static int link_events(struct wgl_ns *ns)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = wgl_ns_socket(ns, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * Subscribes to link events before the first look, so a change between the
 * look and the wait still wakes us; any event means "look again". Without
 * the subscription it falls back to looking every 10 ms.
 */
int wgl_link_wait_running(struct wgl_ns *ns, const char *ifname, int timeout_ms)
{
	long long deadline = wgl_now_ns() + (long long)wgl_deadline_clamp_ms(timeout_ms) * 1000000LL;
	int efd = link_events(ns), err;

	for (;;) {
		struct rtnl_link *link;
		unsigned int flags;
		long long left;
		char buf[8192];

		err = get_link(ns, ifname, &link);
		if (err < 0)
			break;
		flags = rtnl_link_get_flags(link);
		rtnl_link_put(link);
		if (flags & IFF_RUNNING)
			break;
		left = deadline - wgl_now_ns();
		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (efd < 0) {
			wgl_sleep_ms(10);
			continue;
		}
		poll(&(struct pollfd){ .fd = efd, .events = POLLIN }, 1,
		     (int)((left + 999999) / 1000000));
		while (recv(efd, buf, sizeof(buf), 0) > 0)
			;
	}
	if (efd >= 0)
		close(efd);
	return err;
}

int wgl_link_mtu(struct wgl_ns *ns, const char *ifname)
{
	struct rtnl_link *link;
	int err = get_link(ns, ifname, &link), mtu;

	if (err < 0)
		return err;
	mtu = (int)rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return mtu;
}

/* Parses "ADDR/LEN" after checking it is in the allowed ranges. */
static int parse_allowed(const char *cidr, struct nl_addr **out)
{
	int err;

	if (!wgl_addr_allowed(cidr)) {
		wgl_err("address %s is outside 198.18.0.0/15 and 2001:2::/48; refused", cidr);
		return -EPERM;
	}
	err = nl_addr_parse(cidr, AF_UNSPEC, out);
	return err < 0 ? -EINVAL : 0;
}

static int addr_op(struct wgl_ns *ns, const char *ifname, const char *cidr, bool add)
{
	struct rtnl_addr *ra = NULL;
	struct nl_addr *local = NULL;
	int idx, err;

	idx = wgl_link_index(ns, ifname);
	if (idx < 0)
		return idx;
	err = parse_allowed(cidr, &local);
	if (err < 0)
		return err;
	ra = rtnl_addr_alloc();
	if (!ra) {
		nl_addr_put(local);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(ra, idx);
	rtnl_addr_set_local(ra, local);
	/* No duplicate address detection: the address must work at once. */
	if (nl_addr_get_family(local) == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	err = add ? rtnl_addr_add(ns->rt, ra, 0) : rtnl_addr_delete(ns->rt, ra, 0);
	rtnl_addr_put(ra);
	nl_addr_put(local);
	return err < 0 ? wgl_nl_errno(err) : 0;
}

int wgl_addr_add(struct wgl_ns *ns, const char *ifname, const char *cidr)
{
	return addr_op(ns, ifname, cidr, true);
}

int wgl_addr_del(struct wgl_ns *ns, const char *ifname, const char *cidr)
{
	return addr_op(ns, ifname, cidr, false);
}

int wgl_route_add(struct wgl_ns *ns, const char *dst, const char *gateway, const char *ifname)
{
	struct nl_addr *d = NULL, *gw = NULL;
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh;
	int idx, err;

	idx = wgl_link_index(ns, ifname);
	if (idx < 0)
		return idx;
	err = parse_allowed(dst, &d);
	if (!err && gateway)
		err = parse_allowed(gateway, &gw);
	if (err < 0)
		goto out;
	err = -ENOMEM;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh)
		goto out;
	rtnl_route_set_family(route, nl_addr_get_family(d));
	rtnl_route_set_dst(route, d);
	rtnl_route_nh_set_ifindex(nh, idx);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);
	err = rtnl_route_add(ns->rt, route, NLM_F_CREATE | NLM_F_EXCL);
	err = err < 0 ? wgl_nl_errno(err) : 0;
out:
	rtnl_route_put(route);
	nl_addr_put(gw);
	nl_addr_put(d);
	return err;
}
