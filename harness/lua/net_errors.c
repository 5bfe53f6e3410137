// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What went wrong in a network binding, in one line naming the binding, the
 * argument and the cause. The kernel's answer alone misleads: netlink says
 * "No such device" for a misspelt link name, "Operation not permitted" for
 * an address outside wglab's ranges, "Invalid argument" for a /40 prefix,
 * and libnl folds "network is down" and "unreachable" into "Input/output
 * error". Arguments are checked before the call where that is cheap, and a
 * failure is explained from the node's state afterwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lua/lua.h"
#include "netns/netns.h"

#define RANGES "the allowed ranges 198.18.0.0/15 and 2001:2::/48"

void wgl_lua_check_ifname(lua_State *L, const char *fn, const char *ifname)
{
	if (!*ifname || strlen(ifname) >= IFNAMSIZ || strpbrk(ifname, "/: \t\n"))
		luaL_error(L, "%s: link name '%s': must be 1..%d characters without '/', ':' or "
			   "spaces", fn, ifname, IFNAMSIZ - 1);
}

void wgl_lua_check_cidr(lua_State *L, const char *fn, const char *arg, const char *cidr,
			bool need_len)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(cidr, '/');
	unsigned char bin[16];
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	int family, max;
	long plen;

	if (n >= sizeof(addr))
		goto not_addr;
	memcpy(addr, cidr, n);
	addr[n] = 0;
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, bin) != 1)
		goto not_addr;
	max = family == AF_INET ? 32 : 128;
	if (!slash && need_len)
		luaL_error(L, "%s: %s '%s': a /prefix length is required", fn, arg, cidr);
	if (slash) {
		plen = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || plen < 0 || plen > max)
			luaL_error(L, "%s: %s '%s': the prefix length must be 0..%d for %s", fn, arg,
				   cidr, max, family == AF_INET ? "IPv4" : "IPv6");
	}
	if (!wgl_addr_allowed(cidr))
		luaL_error(L, "%s: %s '%s': outside " RANGES, fn, arg, cidr);
	return;
not_addr:
	luaL_error(L, "%s: %s '%s': not an IPv4 or IPv6 address%s", fn, arg, cidr,
		   need_len ? " with a /prefix length" : "");
}

int wgl_lua_net_error(lua_State *L, int err, const char *fn, struct wgl_ns *ns,
		      const char *ifname, const char *arg, const char *val)
{
	bool has_link = ifname && wgl_link_index(ns, ifname) >= 0;

	if (ifname && !has_link && (err == -ENODEV || err == -ENOENT || err == -EIO))
		return luaL_error(L, "%s: link '%s': node %s has no link of that name", fn, ifname,
				  ns->label);
	if (err == -EEXIST && !strcmp(arg, "link"))
		return luaL_error(L, "%s: link '%s': node %s already has a link of that name", fn,
				  val, ns->label);
	if (err == -EEXIST && !strcmp(fn, "route"))
		return luaL_error(L, "%s: %s '%s': node %s already has a route to it", fn, arg, val,
				  ns->label);
	if (err == -EEXIST)
		return luaL_error(L, "%s: %s '%s': link '%s' of node %s already has it", fn, arg,
				  val, ifname, ns->label);
	if (err == -EADDRNOTAVAIL && !strcmp(fn, "addr_del"))
		return luaL_error(L, "%s: %s '%s': link '%s' of node %s has no such address", fn,
				  arg, val, ifname, ns->label);
	if (err == -EOPNOTSUPP && !strcmp(arg, "kind"))
		return luaL_error(L, "%s: kind '%s': this kernel has no such link type (module not "
				  "loaded?)", fn, val);
	if (err == -EIO && !strcmp(fn, "route") && has_link &&
	    wgl_link_wait_running(ns, ifname, 0) < 0)
		return luaL_error(L, "%s: %s '%s': link '%s' of node %s is down or has no carrier "
				  "(node:up it and its peer first)", fn, arg, val, ifname, ns->label);
	if (err == -EIO && !strcmp(fn, "route"))
		return luaL_error(L, "%s: %s '%s': the kernel refused it (is the gateway on a "
				  "subnet of link '%s'?)", fn, arg, val, ifname);
	return luaL_error(L, "%s: %s '%s': %s", fn, arg, val, strerror(err < 0 ? -err : err));
}
