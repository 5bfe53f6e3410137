// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bindings for routers and NAT: wglab.router() and the node methods that
 * make a node route, masquerade and expire its conntrack mappings. The
 * multi-hop builder wglab.topology{} is in the prelude and composes these
 * with the node calls of bind_net.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lua/lua.h"
#include "netns/netns.h"
#include "netns/router.h"

#define NODE_CLASS "wglab.node"
/* Registry table: namespace name -> the NAT options last installed there. */
#define NAT_STATE "wglab.nat_state"

static int topo_err(lua_State *L, int err, const char *what, const struct wgl_ns *ns)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s(%s)", what, ns->label);
	return wgl_lua_errno(L, err, msg);
}

/* wglab.router(label, {visible=}) -> node with IPv4 and IPv6 forwarding on */
static int l_router(lua_State *L)
{
	struct wgl_ns *ns;
	int err;

	luaL_checkstring(L, 1); /* here, so the error names router, not node */
	lua_getglobal(L, "wglab");
	lua_getfield(L, -1, "node");
	lua_pushvalue(L, 1);
	if (lua_isnone(L, 2))
		lua_pushnil(L);
	else
		lua_pushvalue(L, 2);
	lua_call(L, 2, 1);
	ns = wgl_lua_checknode(L, -1);
	err = wgl_router_forwarding(ns, true);
	if (err < 0)
		return topo_err(L, err, "router", ns);
	return 1;
}

static int node_forwarding(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	int err = wgl_router_forwarding(ns, lua_isnone(L, 2) || lua_toboolean(L, 2));

	if (err < 0)
		return topo_err(L, err, "forwarding", ns);
	return 0;
}

/* node:sysctl("net/...", [value]) -> value (read back after a write) */
static int node_sysctl(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *key = luaL_checkstring(L, 2);
	char buf[256];
	int err = 0;

	if (strncmp(key, "net/", 4) || strstr(key, ".."))
		return luaL_error(L, "sysctl: only per-namespace net/... keys, got '%s'", key);
	if (!lua_isnoneornil(L, 3))
		err = wgl_ns_sysctl(ns, key, luaL_checkstring(L, 3));
	err = err ?: wgl_ns_sysctl_get(ns, key, buf, sizeof(buf));
	if (err < 0)
		return wgl_lua_errno(L, err, key);
	lua_pushstring(L, buf);
	return 1;
}

static void parse_nat(lua_State *L, int idx, struct wgl_nat *nat)
{
	const char *out = wgl_lua_optstring(L, idx, "out", NULL);

	if (!out)
		luaL_error(L, "nat: out = \"ifname\" is required");
	snprintf(nat->oifname, sizeof(nat->oifname), "%s", out);
	nat->random = wgl_lua_optbool(L, idx, "random", false);
	nat->fully_random = wgl_lua_optbool(L, idx, "fully_random", false);
	if (lua_getfield(L, idx, "ports") == LUA_TTABLE) {
		lua_geti(L, -1, 1);
		lua_geti(L, -2, 2);
		lua_Integer lo = luaL_checkinteger(L, -2), hi = luaL_checkinteger(L, -1);

		if (lo < 1024 || hi > 65535 || lo > hi)
			luaL_error(L, "nat: ports = {lo, hi} within 1024..65535 expected");
		nat->port_lo = (uint16_t)lo;
		nat->port_hi = (uint16_t)hi;
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
}

/* Installs nat in ns and remembers it for nat_rebind(). */
static void apply_nat(lua_State *L, struct wgl_ns *ns, const struct wgl_nat *nat)
{
	int err = wgl_nat_set(ns, nat);

	if (err == -EINVAL)
		luaL_error(L, "nat: bad interface '%s' or options", nat->oifname);
	if (err < 0)
		topo_err(L, err, "nat", ns);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, NAT_STATE);
	memcpy(lua_newuserdatauv(L, sizeof(*nat), 0), nat, sizeof(*nat));
	lua_setfield(L, -2, ns->name);
	lua_pop(L, 1);
}

/* node:nat{out=ifname, random=, fully_random=, ports={lo, hi}} */
static int node_nat(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	struct wgl_nat nat = { 0 };

	luaL_checktype(L, 2, LUA_TTABLE);
	parse_nat(L, 2, &nat);
	apply_nat(L, ns, &nat);
	return 0;
}

/*
 * node:nat_rebind() -> lo, hi: every mapping gets a new port. Flushing alone
 * would not do: masquerade keeps the source port when it is free, so the
 * rebuilt mapping would get the same one. The next window of ports (as wide
 * as the last, 1000 without a range) is installed, then the table flushed.
 */
static int node_nat_rebind(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	struct wgl_nat nat;
	unsigned int width, lo;
	int err;

	luaL_getsubtable(L, LUA_REGISTRYINDEX, NAT_STATE);
	if (lua_getfield(L, -1, ns->name) != LUA_TUSERDATA)
		return luaL_error(L, "nat_rebind: %s has no NAT (call node:nat{} first)", ns->label);
	memcpy(&nat, lua_touserdata(L, -1), sizeof(nat));
	lua_pop(L, 2);
	width = nat.port_lo ? nat.port_hi - nat.port_lo + 1u : 1000u;
	lo = nat.port_lo ? nat.port_hi + 1u : 20000u;
	if (lo + width - 1 > 65535)
		lo = 1024;
	nat.port_lo = (uint16_t)lo;
	nat.port_hi = (uint16_t)(lo + width - 1);
	apply_nat(L, ns, &nat);
	err = wgl_conntrack_flush(ns);
	if (err < 0)
		return topo_err(L, err, "nat_rebind", ns);
	lua_pushinteger(L, nat.port_lo);
	lua_pushinteger(L, nat.port_hi);
	return 2;
}

static int node_nat_clear(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	int err = wgl_nat_clear(ns);

	if (err < 0)
		return topo_err(L, err, "nat_clear", ns);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, NAT_STATE);
	lua_pushnil(L);
	lua_setfield(L, -2, ns->name);
	return 0;
}

/* Sets t.udp = number of UDP entries, t.udp_ports = their public (reply destination) ports. */
static void push_udp(lua_State *L, struct wgl_ns *ns)
{
	uint16_t ports[64];
	int n = wgl_conntrack_udp_ports(ns, ports, 64);

	if (n < 0)
		return;
	wgl_lua_field_int(L, "udp", n);
	lua_newtable(L);
	for (int i = 0; i < n && i < 64; i++) {
		lua_pushinteger(L, ports[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "udp_ports");
}

/* node:conntrack{udp_timeout=s, udp_stream_timeout=s} -> {count=, udp_timeout=, ...} */
static int node_conntrack(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	lua_Integer u = 0, s = 0;
	char buf[32];
	int err;

	if (lua_istable(L, 2)) {
		u = wgl_lua_optint(L, 2, "udp_timeout", 0);
		s = wgl_lua_optint(L, 2, "udp_stream_timeout", 0);
	}
	if (u < 0 || s < 0 || u > 86400 || s > 86400)
		return luaL_error(L, "conntrack: timeouts 0..86400 s expected");
	err = wgl_conntrack_udp_timeouts(ns, (unsigned int)u, (unsigned int)s);
	if (err < 0)
		return topo_err(L, err, "conntrack", ns);
	lua_newtable(L);
	wgl_lua_field_int(L, "count", wgl_conntrack_count(ns));
	push_udp(L, ns);
	if (!wgl_ns_sysctl_get(ns, "net/netfilter/nf_conntrack_udp_timeout", buf, sizeof(buf)))
		wgl_lua_field_int(L, "udp_timeout", atoi(buf));
	if (!wgl_ns_sysctl_get(ns, "net/netfilter/nf_conntrack_udp_timeout_stream", buf,
			       sizeof(buf)))
		wgl_lua_field_int(L, "udp_stream_timeout", atoi(buf));
	return 1;
}

static int node_conntrack_flush(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	int err = wgl_conntrack_flush(ns);

	if (err < 0)
		return topo_err(L, err, "conntrack_flush", ns);
	return 0;
}

/* node:drop{first_type=, first_count=, loss=pct, iif=} (all absent: no drops) */
static int node_drop(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	struct wgl_drop d = { 0 };
	int err;

	if (lua_istable(L, 2)) {
		snprintf(d.iifname, sizeof(d.iifname), "%s", wgl_lua_optstring(L, 2, "iif", ""));
		d.first_type = (int)wgl_lua_optint(L, 2, "first_type", 0);
		d.first_count = (int)wgl_lua_optint(L, 2, "first_count", d.first_type ? 1 : 0);
		d.loss_pct = wgl_lua_optnum(L, 2, "loss", 0);
	}
	if (d.iifname[0] && wgl_link_index(ns, d.iifname) < 0)
		return wgl_lua_net_error(L, -ENODEV, "drop", ns, d.iifname, "link", d.iifname);
	err = wgl_drop_set(ns, &d);
	if (err == -EINVAL)
		return luaL_error(L, "drop: first_type 1..3, first_count 0..1000, loss 0..100 %%, "
				  "iif a link name");
	if (err < 0)
		return topo_err(L, err, "drop", ns);
	return 0;
}

/* node:wait_running(ifname, timeout_s) -> true | false, reason */
static int node_wait_running(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	int err = wgl_link_wait_running(ns, ifname, (int)(luaL_optnumber(L, 3, 3) * 1000));

	lua_pushboolean(L, err == 0);
	if (!err)
		return 1;
	lua_pushstring(L, strerror(-err));
	return 2;
}

static const luaL_Reg topo_node_methods[] = {
	{ "forwarding", node_forwarding }, { "sysctl", node_sysctl }, { "nat", node_nat },
	{ "nat_rebind", node_nat_rebind }, { "nat_clear", node_nat_clear },
	{ "conntrack", node_conntrack }, { "conntrack_flush", node_conntrack_flush },
	{ "wait_running", node_wait_running }, { "drop", node_drop }, { NULL, NULL },
};

/* Called once the node class exists: adds the router methods to every node. */
void wgl_lua_open_topo(lua_State *L)
{
	luaL_getmetatable(L, NODE_CLASS);
	lua_getfield(L, -1, "__index");
	wgl_lua_setfuncs(L, topo_node_methods);
	lua_pop(L, 2);
	wgl_lua_setfn(L, "router", l_router);
	wgl_lua_open_impair(L);
}
