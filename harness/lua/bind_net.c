// SPDX-License-Identifier: GPL-2.0-or-later
/* Bindings for nodes (namespaces), links, addresses, WireGuard devices and pairs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/log.h"
#include "harness/lua/lua.h"
#include "harness/pair.h"
#include "harness/ping.h"
#include "harness/remote.h"
#include "base/result.h"
#include "netns/netns.h"

#define NODE_CLASS "wglab.node"
#define WG_CLASS "wglab.wg"
#define PAIR_CLASS "wglab.pair"
/* wglab.pair{count=}: pairs built at once (their daemons start together). */
#define MAX_PAIRS_AT_ONCE 8

struct lnode {
	struct wgl_ns *ns;
	bool owned;         /* false: belongs to a pair (kept alive by the user value) */
};

struct lwg {
	struct wgl_wgdev *dev;
	bool owned;
};

struct lpair {
	struct wgl_pair p;
	bool up;
	char capture_path[2][700];  /* pair{capture=}'s files */
};

struct wgl_ns *wgl_lua_checknode(lua_State *L, int idx)
{
	struct lnode *n;

	if (wgl_lua_is_remote_node(L, idx))
		wgl_lua_remote_unsupported_caller(L);
	n = luaL_checkudata(L, idx, NODE_CLASS);

	if (!n->ns)
		luaL_error(L, "node is closed");
	return n->ns;
}

struct wgl_wgdev *wgl_lua_checkwg(lua_State *L, int idx)
{
	struct lwg *w = luaL_checkudata(L, idx, WG_CLASS);

	if (!w->dev)
		luaL_error(L, "wg device is closed");
	return w->dev;
}

/* Pushes a node userdata; owner (stack index or 0) is kept alive by it. */
static void push_node(lua_State *L, struct wgl_ns *ns, bool owned, int owner)
{
	struct lnode *n = lua_newuserdatauv(L, sizeof(*n), 1);

	n->ns = ns;
	n->owned = owned;
	luaL_setmetatable(L, NODE_CLASS);
	if (owner) {
		lua_pushvalue(L, owner);
		lua_setiuservalue(L, -2, 1);
	}
}

static void record_impl(lua_State *L, const struct wgl_wgdev *dev)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	/* Keyed by the name it was asked for: two --impl userspace builds are two entries. */
	wgl_result_add_impl(c->run, dev->name, dev->command, dev->impl, dev->impl_version);
	if (c->result)
		wgl_case_node(c->result, dev->ns->label, dev->name, dev->impl, dev->impl_version);
}

static void push_wg(lua_State *L, struct wgl_wgdev *dev, bool owned, int owner)
{
	struct lwg *w = lua_newuserdatauv(L, sizeof(*w), 1);

	w->dev = dev;
	w->owned = owned;
	luaL_setmetatable(L, WG_CLASS);
	lua_pushvalue(L, owner);
	lua_setiuservalue(L, -2, 1);
	record_impl(L, dev);
}

static int l_node(lua_State *L)
{
	const char *label = luaL_checkstring(L, 1);
	bool visible = lua_istable(L, 2) && wgl_lua_optbool(L, 2, "visible", false);
	struct wgl_ns *ns;

	if (wgl_remote_active())
		return wgl_lua_remote_unsupported(L, "wglab.node (a namespace of the controller)");
	if (strlen(label) > 20 || strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(label))
		return luaL_error(L, "node('%s'): label must be [a-z0-9_-], at most 20 chars", label);
	ns = wgl_ns_new(label, visible);
	if (!ns)
		return wgl_lua_errno(L, -errno, "node: cannot create namespace");
	push_node(L, ns, true, 0);
	return 1;
}

static int node_gc(lua_State *L)
{
	struct lnode *n = luaL_checkudata(L, 1, NODE_CLASS);

	if (n->owned)
		wgl_ns_free(n->ns);
	n->ns = NULL;
	return 0;
}

static int node_name(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);

	lua_pushstring(L, ns->name);
	lua_pushstring(L, ns->label);
	return 2;
}

/* A failed call on link ifname of ns, explained (net_errors.c). */
static void check_err(lua_State *L, int err, const char *fn, struct wgl_ns *ns,
		      const char *ifname, const char *arg, const char *val)
{
	if (err < 0)
		wgl_lua_net_error(L, err, fn, ns, ifname, arg, val);
}

static int node_veth(lua_State *L)
{
	struct wgl_ns *a = wgl_lua_checknode(L, 1), *b = wgl_lua_checknode(L, 3);
	const char *na = luaL_checkstring(L, 2), *nb = luaL_checkstring(L, 4);
	int err;

	wgl_lua_check_ifname(L, "veth", na);
	wgl_lua_check_ifname(L, "veth", nb);
	err = wgl_veth_add(a, na, b, nb);
	/* Which end's name was taken: the kernel does not say. */
	if (err == -EEXIST && wgl_link_index(a, na) < 0)
		check_err(L, err, "veth", b, NULL, "link", nb);
	check_err(L, err, "veth", a, NULL, "link", na);
	return 0;
}

static int node_link_add(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2), *kind = luaL_checkstring(L, 3);
	int err;

	wgl_lua_check_ifname(L, "link_add", ifname);
	err = wgl_link_add(ns, ifname, kind);
	check_err(L, err, "link_add", ns, NULL, err == -EEXIST ? "link" : "kind",
		  err == -EEXIST ? ifname : kind);
	return 0;
}

static int node_link_del(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);

	check_err(L, wgl_link_del(ns, ifname), "link_del", ns, ifname, "link", ifname);
	return 0;
}

static int node_up(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	bool up = true;

	if (!lua_isnone(L, 3)) {
		luaL_checktype(L, 3, LUA_TBOOLEAN);
		up = lua_toboolean(L, 3);
	}

	check_err(L, wgl_link_set_up(ns, ifname, up), "up", ns, ifname, "link", ifname);
	return 0;
}

static int node_mtu(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	int mtu, err;

	if (!lua_isnoneornil(L, 3)) {
		lua_Integer want = luaL_checkinteger(L, 3);

		luaL_argcheck(L, want >= 68 && want <= 65535, 3, "mtu must be 68..65535");
		err = wgl_link_set_mtu(ns, ifname, (unsigned int)want);
		if (err == -EINVAL && wgl_link_index(ns, ifname) >= 0)
			return luaL_error(L, "mtu: mtu %d: outside the range link '%s' of node "
					  "%s takes", (int)want, ifname, ns->label);
		check_err(L, err, "mtu", ns, ifname, "link", ifname);
	}
	mtu = wgl_link_mtu(ns, ifname);
	check_err(L, mtu, "mtu", ns, ifname, "link", ifname);
	lua_pushinteger(L, mtu);
	return 1;
}

static int node_addr(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2), *cidr = luaL_checkstring(L, 3);

	wgl_lua_check_cidr(L, "addr", "cidr", cidr, false);
	check_err(L, wgl_addr_add(ns, ifname, cidr), "addr", ns, ifname, "cidr", cidr);
	return 0;
}

static int node_addr_del(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2), *cidr = luaL_checkstring(L, 3);

	wgl_lua_check_cidr(L, "addr_del", "cidr", cidr, false);
	check_err(L, wgl_addr_del(ns, ifname, cidr), "addr_del", ns, ifname, "cidr", cidr);
	return 0;
}

static int node_route(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *dst = luaL_checkstring(L, 2), *gw = luaL_optstring(L, 3, NULL);
	const char *ifname = luaL_checkstring(L, 4);

	wgl_lua_check_cidr(L, "route", "dst", dst, false);
	if (gw)
		wgl_lua_check_cidr(L, "route", "gateway", gw, false);
	check_err(L, wgl_route_add(ns, dst, gw, ifname), "route", ns, ifname, "dst", dst);
	return 0;
}

/* node:ping(dst, {timeout=s, interval=s}) -> ok, elapsed_ms, rtt_ms | false, reason */
static int node_ping(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *dst = luaL_checkstring(L, 2);
	double timeout = 5, interval = 0.1, elapsed = 0, rtt = 0;
	int err;

	if (lua_istable(L, 3)) {
		timeout = wgl_lua_optnum(L, 3, "timeout", timeout);
		interval = wgl_lua_optnum(L, 3, "interval", interval);
	}
	if (!(timeout > 0 && timeout <= 3600) || !(interval > 0 && interval <= 60))
		return luaL_error(L, "ping: field 'timeout' must be 0..3600 s and 'interval' 0..60 s");
	if (strchr(dst, '/'))
		return luaL_error(L, "ping: dst '%s': an address, not a prefix", dst);
	wgl_lua_check_cidr(L, "ping", "dst", dst, false);
	err = wgl_ping(ns, dst, wgl_lua_deadline_ms(L, timeout * 1000), (int)(interval * 1000),
		       &elapsed, &rtt);
	wgl_lua_deadline_check(L);
	if (err == -EINVAL)
		return luaL_error(L, "ping: '%s' is not an IP address", dst);
	lua_pushboolean(L, err == 0);
	if (err) {
		if (err == -ETIMEDOUT)
			wgl_lua_waited(L, timeout);
		lua_pushstring(L, strerror(-err));
		return 2;
	}
	lua_pushnumber(L, elapsed);
	lua_pushnumber(L, rtt);
	return 3;
}

/*
 * node:netem(ifname, {delay=s, jitter=s, loss=pct}) -> true | false, reason.
 * A kernel without sch_netem is an outcome (the scenario skips), not an error.
 */
static int node_netem(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	struct wgl_netem n = { 0 };
	int err;

	luaL_checktype(L, 3, LUA_TTABLE);
	if (wgl_link_index(ns, ifname) < 0) /* misuse, not an outcome: raised */
		return wgl_lua_net_error(L, -ENODEV, "netem", ns, ifname, "link", ifname);
	n.delay_us = (int)(wgl_lua_optnum_in(L, 3, "delay", 0, 0, 60) * 1e6);
	n.jitter_us = (int)(wgl_lua_optnum_in(L, 3, "jitter", 0, 0, 60) * 1e6);
	n.loss_pct = wgl_lua_optnum_in(L, 3, "loss", 0, 0, 100);
	err = wgl_netem_set(ns, ifname, &n);
	if (err == -EINVAL)
		return luaL_error(L, "netem: delay/jitter >= 0 and loss 0..49 %% expected");
	lua_pushboolean(L, err == 0);
	if (err == 0)
		return 1;
	lua_pushfstring(L, "netem on %s: %s", ifname, strerror(-err));
	return 2;
}

/* node:rate(ifname, bits_per_s, {latency=s}) -> true | false, reason (tc tbf) */
static int node_rate(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	double bps = luaL_checknumber(L, 3);
	double lat = lua_istable(L, 4) ? wgl_lua_optnum_in(L, 4, "latency", 0.05, 0, 60) : 0.05;
	int err;

	if (wgl_link_index(ns, ifname) < 0)
		return wgl_lua_net_error(L, -ENODEV, "rate", ns, ifname, "link", ifname);
	luaL_argcheck(L, bps >= 1 && bps <= 1e13, 3, "bit/s must be 1..1e13");
	err = wgl_tbf_set(ns, ifname, (uint64_t)bps, (int)(lat * 1e6));

	if (err == -EINVAL)
		return luaL_error(L, "rate: %f bit/s or latency %f s out of range", bps, lat);
	lua_pushboolean(L, err == 0);
	if (err == 0)
		return 1;
	lua_pushfstring(L, "tbf on %s: %s", ifname, strerror(-err));
	return 2;
}

static int node_wg(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *backend = luaL_checkstring(L, 2), *ifname = luaL_optstring(L, 3, "wg0");
	struct wgl_wgdev *dev;
	char why[512];

	if (wgl_backend_available(wgl_lua_ctx(L)->wg, backend, why, sizeof(why)) < 0)
		return luaL_error(L, "wg: backend %s unavailable: %s", backend, why);
	wgl_lua_check_ifname(L, "wg", ifname);
	if (wgl_link_index(ns, ifname) >= 0)
		return wgl_lua_net_error(L, -EEXIST, "wg", ns, NULL, "link", ifname);
	dev = wgl_wg_create(backend, ns, ifname, wgl_lua_ctx(L)->wg);
	if (!dev)
		return luaL_error(L, "wg: link '%s': cannot create the %s device on node %s: %s "
				  "(see the log)", ifname, backend, ns->label, strerror(errno));
	push_wg(L, dev, true, 1);
	return 1;
}

static const luaL_Reg node_methods[] = {
	{ "name", node_name }, { "veth", node_veth }, { "link_add", node_link_add },
	{ "link_del", node_link_del }, { "up", node_up }, { "mtu", node_mtu },
	{ "addr", node_addr }, { "addr_del", node_addr_del }, { "route", node_route },
	{ "ping", node_ping }, { "wg", node_wg }, { "netem", node_netem }, { "rate", node_rate },
	{ NULL, NULL },
};

/* ---- wg devices -------------------------------------------------------- */

static void key_field(lua_State *L, int idx, const char *field, uint8_t *key, uint32_t *flags,
		      uint32_t flag)
{
	const char *b64 = wgl_lua_optstring(L, idx, field, NULL);

	if (!b64)
		return;
	if (wgl_key_from_base64(key, b64) < 0)
		luaL_error(L, "wg:set: field '%s': not a base64 WireGuard key: '%s'", field, b64);
	*flags |= flag;
}

static void parse_allowed(lua_State *L, int idx, struct wgl_peer *p)
{
	if (lua_getfield(L, idx, "allowed_ips") == LUA_TTABLE) {
		lua_Integer n = luaL_len(L, -1);

		for (lua_Integer i = 1; i <= n; i++) {
			struct wgl_allowedip *a = wgl_peer_add_allowedip(p);

			if (lua_geti(L, -1, i) != LUA_TSTRING)
				wgl_lua_field_error(L, idx, "allowed_ips", "element %d: string "
						    "expected, got %s", (int)i, luaL_typename(L, -1));
			if (!a || wgl_allowedip_parse(a, lua_tostring(L, -1)) < 0)
				luaL_error(L, "wg:set: field 'allowed_ips': '%s' is not an address/prefix "
					   "(e.g. 198.19.0.2/32)", lua_tostring(L, -1));
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

/* The address of "IP:PORT" or "[IP6]:PORT" (already parsed) lies in wglab's ranges. */
static bool endpoint_allowed(const char *ep)
{
	char host[64];
	const char *end = ep[0] == '[' ? strchr(ep, ']') : strrchr(ep, ':');
	size_t n;

	ep += ep[0] == '[';
	n = end ? (size_t)(end - ep) : strlen(ep);
	if (n >= sizeof(host))
		return false;
	memcpy(host, ep, n);
	host[n] = 0;
	return wgl_addr_allowed(host);
}

static void parse_peer(lua_State *L, int idx, struct wgl_peer *p)
{
	const char *ep = wgl_lua_optstring(L, idx, "endpoint", NULL);
	lua_Integer ka = wgl_lua_optint_in(L, idx, "keepalive", -1, 0, 65535);

	key_field(L, idx, "public_key", p->public_key, &p->flags, WGL_PEER_HAS_PUBLIC_KEY);
	if (!(p->flags & WGL_PEER_HAS_PUBLIC_KEY))
		luaL_error(L, "wg:set: field 'public_key': every peer needs one");
	key_field(L, idx, "preshared_key", p->preshared_key, &p->flags,
		  WGL_PEER_HAS_PRESHARED_KEY);
	if (wgl_lua_optbool(L, idx, "remove", false))
		p->flags |= WGL_PEER_REMOVE_ME;
	if (wgl_lua_optbool(L, idx, "replace_allowed_ips", true))
		p->flags |= WGL_PEER_REPLACE_ALLOWEDIPS;
	if (ep && wgl_endpoint_parse(p, ep) < 0)
		luaL_error(L, "wg:set: field 'endpoint': expected IP:PORT or [IP6]:PORT, got '%s'", ep);
	if (ep && !endpoint_allowed(ep))
		luaL_error(L, "wg:set: field 'endpoint': '%s' is outside the allowed ranges "
			   "198.18.0.0/15 and 2001:2::/48", ep);
	if (ka >= 0) {
		if (ka > 65535)
			luaL_error(L, "keepalive: %d out of range", (int)ka);
		p->keepalive_interval = (uint16_t)ka;
		p->flags |= WGL_PEER_HAS_KEEPALIVE;
	}
	parse_allowed(L, idx, p);
}

/* Fills dev from the table at idx; raises on bad input (dev is freed by the caller). */
static void parse_config(lua_State *L, int idx, struct wgl_device *dev)
{
	lua_Integer port = wgl_lua_optint_in(L, idx, "listen_port", -1, 0, 65535);

	key_field(L, idx, "private_key", dev->private_key, &dev->flags, WGL_DEV_HAS_PRIVATE_KEY);
	if (port >= 0) {
		if (port > 65535)
			luaL_error(L, "listen_port: %d out of range", (int)port);
		dev->listen_port = (uint16_t)port;
		dev->flags |= WGL_DEV_HAS_LISTEN_PORT;
	}
	if (wgl_lua_optbool(L, idx, "replace_peers", false))
		dev->flags |= WGL_DEV_REPLACE_PEERS;
	if (lua_getfield(L, idx, "peers") == LUA_TTABLE) {
		int t = lua_gettop(L);
		lua_Integer n = luaL_len(L, t);

		for (lua_Integer i = 1; i <= n; i++) {
			struct wgl_peer *p = wgl_device_add_peer(dev);

			if (!p)
				luaL_error(L, "out of memory");
			if (lua_geti(L, t, i) != LUA_TTABLE)
				wgl_lua_field_error(L, idx, "peers", "element %d: table expected, "
						    "got %s", (int)i, luaL_typename(L, -1));
			parse_peer(L, lua_gettop(L), p);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

/* Protected part of wg:set(): parse into a heap device so errors cannot leak it. */
static int set_protected(lua_State *L)
{
	struct wgl_device *dev = lua_touserdata(L, 2);

	parse_config(L, 1, dev);
	return 0;
}

static int wg_set(lua_State *L)
{
	struct wgl_wgdev *w = wgl_lua_checkwg(L, 1);
	struct wgl_device *dev = calloc(1, sizeof(*dev));
	int err;

	luaL_checktype(L, 2, LUA_TTABLE);
	if (!dev)
		return luaL_error(L, "out of memory");
	lua_pushcfunction(L, set_protected);
	lua_pushvalue(L, 2);
	lua_pushlightuserdata(L, dev);
	if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
		wgl_device_free(dev);
		return lua_error(L);
	}
	err = wgl_wg_set(w, dev);
	wgl_device_free(dev);
	if (err < 0)
		return wgl_lua_errno(L, err, "wg:set");
	return 0;
}

static void push_peer(lua_State *L, const struct wgl_peer *p)
{
	char b64[WGL_KEY_B64_LEN], buf[INET6_ADDRSTRLEN + 16];
	const struct wgl_allowedip *a;
	int i = 1;

	lua_newtable(L);
	wgl_key_to_base64(b64, p->public_key);
	wgl_lua_field_str(L, "public_key", b64);
	if (p->flags & WGL_PEER_HAS_ENDPOINT) {
		wgl_endpoint_format(p, buf, sizeof(buf));
		wgl_lua_field_str(L, "endpoint", buf);
	}
	wgl_lua_field_int(L, "keepalive", p->keepalive_interval);
	wgl_lua_field_num(L, "last_handshake", (double)p->last_handshake.tv_sec + p->last_handshake.tv_nsec / 1e9);
	wgl_lua_field_int(L, "rx_bytes", (lua_Integer)p->rx_bytes);
	wgl_lua_field_int(L, "tx_bytes", (lua_Integer)p->tx_bytes);
	lua_newtable(L);
	wgl_for_each_allowedip(p, a) {
		char ip[INET6_ADDRSTRLEN];

		inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->ip4
							  : (const void *)&a->ip6, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s/%u", ip, a->cidr);
		lua_pushstring(L, buf);
		lua_rawseti(L, -2, i++);
	}
	lua_setfield(L, -2, "allowed_ips");
}

static int wg_get(lua_State *L)
{
	struct wgl_wgdev *w = wgl_lua_checkwg(L, 1);
	struct wgl_device *dev = NULL;
	char b64[WGL_KEY_B64_LEN];
	struct wgl_peer *p;
	int err = wgl_wg_get(w, &dev), i = 1;

	if (err < 0)
		return wgl_lua_errno(L, err, "wg:get");
	lua_newtable(L);
	wgl_lua_field_str(L, "name", w->ifname);
	if (dev->flags & WGL_DEV_HAS_PUBLIC_KEY) {
		wgl_key_to_base64(b64, dev->public_key);
		wgl_lua_field_str(L, "public_key", b64);
	}
	wgl_lua_field_int(L, "listen_port", dev->listen_port);
	lua_newtable(L);
	wgl_for_each_peer(dev, p) {
		push_peer(L, p);
		lua_rawseti(L, -2, i++);
	}
	lua_setfield(L, -2, "peers");
	wgl_device_free(dev);
	return 1;
}

static int wg_info(lua_State *L)
{
	struct wgl_wgdev *w = wgl_lua_checkwg(L, 1);

	lua_newtable(L);
	wgl_lua_field_str(L, "backend", w->ops->name);
	wgl_lua_field_str(L, "ifname", w->ifname);
	wgl_lua_field_str(L, "impl", w->impl);
	wgl_lua_field_str(L, "version", w->impl_version);
	wgl_lua_field_int(L, "pid", wgl_wg_pid(w));
	return 1;
}

static int wg_gc(lua_State *L)
{
	struct lwg *w = luaL_checkudata(L, 1, WG_CLASS);

	if (w->owned)
		wgl_wg_destroy(w->dev);
	w->dev = NULL;
	return 0;
}

static const luaL_Reg wg_methods[] = {
	{ "set", wg_set }, { "get", wg_get }, { "info", wg_info }, { "close", wg_gc },
	{ NULL, NULL },
};

/* ---- pairs -------------------------------------------------------------- */

static int family_of(lua_State *L, const char *s)
{
	if (!strcmp(s, "ipv4") || !strcmp(s, "4"))
		return AF_INET;
	if (!strcmp(s, "ipv6") || !strcmp(s, "6"))
		return AF_INET6;
	return luaL_error(L, "family must be \"ipv4\" or \"ipv6\", got '%s'", s);
}

void wgl_lua_set_pair_strings(lua_State *L, const char *field, const char *a, const char *b)
{
	lua_createtable(L, 2, 0);
	lua_pushstring(L, a);
	lua_rawseti(L, -2, 1);
	lua_pushstring(L, b);
	lua_rawseti(L, -2, 2);
	lua_setfield(L, -2, field);
}

static void push_pair_table(lua_State *L, struct lpair *lp, int ud)
{
	char k[2][WGL_KEY_B64_LEN], pk[2][WGL_KEY_B64_LEN];
	struct wgl_pair *p = &lp->p;

	lua_newtable(L);
	lua_pushvalue(L, ud);
	lua_setfield(L, -2, "_handle");
	push_node(L, p->ns[0], false, ud);
	lua_setfield(L, -2, "a");
	push_node(L, p->ns[1], false, ud);
	lua_setfield(L, -2, "b");
	lua_newtable(L);
	for (int i = 0; i < 2; i++) {
		if (p->wg[i]) {
			push_wg(L, p->wg[i], false, ud);
			lua_rawseti(L, -2, i + 1);
		}
		wgl_key_to_base64(k[i], p->priv[i]);
		wgl_key_to_base64(pk[i], p->pub[i]);
	}
	lua_setfield(L, -2, "wg");
	wgl_lua_set_pair_strings(L, "tunnel", p->tunnel_addr[0], p->tunnel_addr[1]);
	wgl_lua_set_pair_strings(L, "underlay", p->underlay_addr[0], p->underlay_addr[1]);
	wgl_lua_set_pair_strings(L, "backend", p->backend[0], p->backend[1]);
	wgl_lua_set_pair_strings(L, "private_key", k[0], k[1]);
	wgl_lua_set_pair_strings(L, "public_key", pk[0], pk[1]);
	wgl_lua_field_int(L, "port", p->port[0]);
	wgl_lua_field_num(L, "configured_at", (double)p->configured_ns / 1e9);
}

/*
 * Checks pair{capture = {a = FILE, b = FILE}} (arguments at index 1) and
 * leaves the table on the stack: false (nothing pushed) without one.
 */
bool wgl_lua_pair_capture_spec(lua_State *L)
{
	int t = lua_getfield(L, 1, "capture");

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return false;
	}
	if (t != LUA_TTABLE)
		wgl_lua_field_error(L, 1, "capture", "table {a = FILE, b = FILE} expected, got %s",
				    luaL_typename(L, -1));
	for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";

		if (strcmp(k, "a") && strcmp(k, "b"))
			wgl_lua_field_error(L, 1, "capture", "key '%s': only a and b", k);
		if (lua_type(L, -1) != LUA_TSTRING || strchr(lua_tostring(L, -1), '/'))
			wgl_lua_field_error(L, 1, "capture", "%s: a plain file name expected", k);
	}
	return true;
}

/* The underlay captures the pair starts with (wgl_pair_opts.capture); paths into path. */
static void capture_args(lua_State *L, struct wgl_pair_opts *o, char path[2][700], int n)
{
	static const char *const label[2] = { "a", "b" };

	if (!wgl_lua_pair_capture_spec(L))
		return;
	for (int i = 0; i < 2; i++) {
		if (lua_getfield(L, -1, label[i]) == LUA_TSTRING) {
			if (n > 1)
				wgl_lua_field_error(L, 1, "capture", "one pair at a time (count = %d)",
						    n);
			wgl_lua_artifact(L, "pcap", lua_tostring(L, -1), path[i], sizeof(path[i]));
			o->capture[i] = path[i];
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* net.capture = {a = handle, b = handle}: the pair's running captures, taken over. */
static void push_pair_captures(lua_State *L, struct lpair *lp, int ud)
{
	static const char *const label[2] = { "a", "b" };
	struct wgl_pair *p = &lp->p;

	lua_newtable(L);
	for (int i = 0; i < 2; i++) {
		if (!p->capture[i])
			continue;
		wgl_lua_push_capture(L, p->capture[i], lp->capture_path[i], ud);
		p->capture[i] = NULL;
		lua_setfield(L, -2, label[i]);
	}
	lua_setfield(L, -2, "capture");
}

/* wglab.pair{backends={A,B}, outer=, inner=, mtu=, keepalive=, visible=, count=, capture=} -> net, ... */
static int l_pair(lua_State *L)
{
	struct wgl_pair_opts o = { .wg = wgl_lua_ctx(L)->wg };
	struct wgl_pair *pp[MAX_PAIRS_AT_ONCE];
	struct lpair *lp[MAX_PAIRS_AT_ONCE];
	char why[512];
	int n, base;

	if (wgl_remote_active())
		return wgl_lua_remote_pair(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_getfield(L, 1, "backends") != LUA_TTABLE)
		return luaL_error(L, "pair: backends = {A, B} is required");
	for (int i = 0; i < 2; i++) {
		if (lua_geti(L, -1, i + 1) != LUA_TSTRING)
			wgl_lua_field_error(L, 1, "backends", "element %d: string expected, got %s",
					    i + 1, luaL_typename(L, -1));
		o.backend[i] = lua_tostring(L, -1);
		lua_pop(L, 1);
		if (strcmp(o.backend[i], "none") &&
		    wgl_backend_available(o.wg, o.backend[i], why, sizeof(why)) < 0)
			return luaL_error(L, "pair: backend %s unavailable: %s", o.backend[i], why);
	}
	o.outer_family = family_of(L, wgl_lua_optstring(L, 1, "outer", "ipv4"));
	o.inner_family = family_of(L, wgl_lua_optstring(L, 1, "inner", "ipv4"));
	o.mtu = (unsigned int)wgl_lua_optint_in(L, 1, "mtu", 0, 1280, 65535);
	o.keepalive = (uint16_t)wgl_lua_optint_in(L, 1, "keepalive", 0, 0, 65535);
	o.visible = wgl_lua_optbool(L, 1, "visible", false);
	n = (int)wgl_lua_optint_in(L, 1, "count", 1, 1, MAX_PAIRS_AT_ONCE);
	base = lua_gettop(L);
	for (int i = 0; i < n; i++) {
		lp[i] = lua_newuserdatauv(L, sizeof(*lp[i]), 1);
		memset(lp[i], 0, sizeof(*lp[i]));
		luaL_setmetatable(L, PAIR_CLASS);
		pp[i] = &lp[i]->p;
	}
	capture_args(L, &o, lp[0]->capture_path, n);
	if (wgl_pairs_up(pp, n, &o) < 0)
		return luaL_error(L, "pair: could not build the %s:%s pair (see log)",
				  o.backend[0], o.backend[1]);
	for (int i = 0; i < n; i++)
		lp[i]->up = true;
	for (int i = 0; i < n; i++) {
		push_pair_table(L, lp[i], base + 1 + i);
		push_pair_captures(L, lp[i], base + 1 + i);
	}
	return n;
}

static int pair_gc(lua_State *L)
{
	struct lpair *lp = luaL_checkudata(L, 1, PAIR_CLASS);

	if (lp->up)
		wgl_pair_down(&lp->p);
	lp->up = false;
	return 0;
}

static const luaL_Reg pair_methods[] = { { NULL, NULL } };

void wgl_lua_open_net(lua_State *L)
{
	wgl_lua_class(L, NODE_CLASS, node_methods, node_gc);
	wgl_lua_class(L, WG_CLASS, wg_methods, wg_gc);
	wgl_lua_class(L, PAIR_CLASS, pair_methods, pair_gc);
	wgl_lua_setfn(L, "node", l_node);
	wgl_lua_setfn(L, "pair", l_pair);
	wgl_lua_open_topo(L);
	wgl_lua_open_remote(L);
}
