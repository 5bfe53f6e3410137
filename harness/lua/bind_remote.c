// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab.pair with remote nodes (harness/remote.h): the same table a local
 * pair gives (a, b, wg, tunnel, underlay, keys, port, configured_at), but
 * a and b are hosts driven through their agents. What the agent can do is
 * routed to it (wg get/set/info, ping, captures); anything else a scenario
 * calls on a remote node skips the case with a reason naming the operation,
 * so nothing is measured locally and passed off as the remote host's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/result.h"
#include "base/util.h"
#include "base/wgconfig.h"
#include "harness/lua/lua.h"
#include "harness/lua/sock.h"
#include "harness/remote.h"

#define RNODE_CLASS "wglab.rnode"
#define RWG_CLASS "wglab.rwg"
#define RPAIR_CLASS "wglab.rpair"
#define RCAP_CLASS "wglab.rcapture"
#define JBOX_CLASS "wglab.rjson"
#define WG_PORT 51820
#define CALL_MS 30000

/* Remote pairs not yet collected: a host has one device name and one port for them. */
static int live_pairs;
/* That pair, which a new pair replaces (supersede()). */
static struct rpair *live_pair;

static const char *const tunnel4[2] = { "198.19.0.1", "198.19.0.2" };
static const char *const tunnel6[2] = { "2001:2:0:2::1", "2001:2:0:2::2" };

struct rpair {
	bool live;                      /* counted in live_pairs */
	bool superseded;                /* its devices were removed for a later pair */
	bool made[2];                   /* node i's device exists */
	char backend[2][16];
	char impl[2][64], version[2][64];
	long long pid[2];
};

struct rref {
	int i;                          /* node index: 0 a, 1 b */
};

struct rcap {
	int i, handle;                  /* handle -1: released */
	bool stopped;
	char path[700];
};

struct wgl_remote_node *wgl_lua_rnode(lua_State *L, int i)
{
	struct wgl_remote_node *n = wgl_remote_node(i);

	if (!n)
		luaL_error(L, "remote node %c is not connected", 'a' + i);
	return n;
}

/* Skips the case: the operation cannot be done on a remote node. Never returns. */
static int skip_op(lua_State *L, const char *fmt, const char *arg)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	c->skipped = true;
	snprintf(c->skip_reason, sizeof(c->skip_reason), fmt, arg);
	return luaL_error(L, "__wglab_skip__");
}

int wgl_lua_remote_unsupported(lua_State *L, const char *what)
{
	return skip_op(L, "remote nodes: %s is not available through the agent", what);
}

int wgl_lua_remote_unsupported_caller(lua_State *L)
{
	lua_Debug ar = { 0 };
	char what[96];

	snprintf(what, sizeof(what), "wglab.%s", lua_getstack(L, 0, &ar) &&
		 lua_getinfo(L, "n", &ar) && ar.name ? ar.name : "(a local node binding)");
	return wgl_lua_remote_unsupported(L, what);
}

static int unsupported(lua_State *L)
{
	return skip_op(L, "remote nodes: %s is not available through the agent",
		       lua_tostring(L, lua_upvalueindex(1)));
}

/* __index of the remote classes: known methods, else a function that skips. */
static int remote_index(lua_State *L)
{
	const char *key = luaL_checkstring(L, 2);

	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "methods");
	if (lua_getfield(L, -1, key) != LUA_TNIL)
		return 1;
	lua_getfield(L, -3, "__name");
	lua_pushfstring(L, "%s:%s()", lua_tostring(L, -1) + strlen("wglab.r"), key);
	lua_pushcclosure(L, unsupported, 1);
	return 1;
}

static void remote_class(lua_State *L, const char *name, const luaL_Reg *m, lua_CFunction gc)
{
	luaL_newmetatable(L, name);
	lua_newtable(L);
	luaL_setfuncs(L, m, 0);
	lua_setfield(L, -2, "methods");
	lua_pushcfunction(L, remote_index);
	lua_setfield(L, -2, "__index");
	if (gc) {
		lua_pushcfunction(L, gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
}

/* A JSON value owned by a userdata, so a Lua error while it is built cannot leak it. */
static json_t **json_box(lua_State *L, json_t *v)
{
	json_t **b = lua_newuserdatauv(L, sizeof(*b), 0);

	*b = v;
	luaL_setmetatable(L, JBOX_CLASS);
	return b;
}

static int json_box_gc(lua_State *L)
{
	json_t **b = luaL_checkudata(L, 1, JBOX_CLASS);

	json_decref(*b);
	*b = NULL;
	return 0;
}

static void push_ref(lua_State *L, const char *cls, int i, int owner)
{
	struct rref *r = lua_newuserdatauv(L, sizeof(*r), 1);

	r->i = i;
	luaL_setmetatable(L, cls);
	lua_pushvalue(L, owner);
	lua_setiuservalue(L, -2, 1);
}

/*
 * A node or device reference, checked to belong to the pair the hosts hold:
 * after a later pair replaced its own, the same device name and tunnel
 * addresses are the new pair's, so using the old reference would silently
 * act on or measure another pair. The case is skipped instead.
 */
static struct rref *check_ref(lua_State *L, int idx, const char *cls)
{
	struct rref *r = luaL_checkudata(L, idx, cls);
	struct rpair *p;

	lua_getiuservalue(L, idx, 1);
	p = luaL_testudata(L, -1, RPAIR_CLASS);
	lua_pop(L, 1);
	if (p && p->superseded)
		skip_op(L, "remote nodes: %s (a host holds one pair at a time; a later wglab.pair "
			"replaced this one)", "a pair used after a later pair");
	return r;
}

/* ---- nodes -------------------------------------------------------------- */

static int rnode_name(lua_State *L)
{
	struct rref *r = luaL_checkudata(L, 1, RNODE_CLASS);
	struct wgl_remote_node *n = wgl_lua_rnode(L, r->i);

	lua_pushstring(L, n->ssh.host);
	lua_pushstring(L, n->label);
	return 2;
}

/* node:ping(dst, {timeout=s, interval=s}) run by the node's agent. */
static int rnode_ping(lua_State *L)
{
	struct rref *r = check_ref(L, 1, RNODE_CLASS);
	const char *dst = luaL_checkstring(L, 2);
	double timeout = 5, interval = 0.1;
	json_t *res = NULL;
	int ms, err;

	if (lua_istable(L, 3)) {
		timeout = wgl_lua_optnum(L, 3, "timeout", timeout);
		interval = wgl_lua_optnum(L, 3, "interval", interval);
	}
	if (!(timeout > 0 && timeout <= 3600) || !(interval > 0 && interval <= 60))
		return luaL_error(L, "ping: field 'timeout' must be 0..3600 s and 'interval' 0..60 s");
	ms = wgl_lua_deadline_ms(L, timeout * 1000);
	err = wgl_remote_call(wgl_lua_rnode(L, r->i), "ping",
			      json_pack("{s:s s:i s:i}", "addr", dst, "timeout_ms", ms,
					"interval_ms", (int)(interval * 1000)), ms + CALL_MS, &res);
	wgl_lua_deadline_check(L);
	if (err < 0)
		return wgl_lua_errno(L, err, "ping (remote)");
	lua_pushboolean(L, json_is_true(json_object_get(res, "ok")));
	if (!json_is_true(json_object_get(res, "ok"))) {
		json_decref(res);
		wgl_lua_waited(L, timeout);
		lua_pushstring(L, strerror(ETIMEDOUT));
		return 2;
	}
	lua_pushnumber(L, json_number_value(json_object_get(res, "elapsed_ms")));
	lua_pushnumber(L, json_number_value(json_object_get(res, "rtt_ms")));
	json_decref(res);
	return 3;
}

/*
 * node:udp{bind=, port=}: a socket of that host, bound only to the node's
 * underlay address. A local node whose agent works in the controller's own
 * namespace gets it from the controller directly (same host, same
 * namespace: the same socket the agent could open); any other node's is
 * the agent's, relayed datagram by datagram (bind_rudp.c).
 */
static int rnode_udp(lua_State *L)
{
	struct rref *r = check_ref(L, 1, RNODE_CLASS);
	struct wgl_remote_node *n = wgl_lua_rnode(L, r->i);
	const char *ip = lua_istable(L, 2) ? wgl_lua_optstring(L, 2, "bind", "") : "";

	if (strcmp(ip, n->addr4) && strcmp(ip, n->addr6))
		return luaL_error(L, "udp: field 'bind': on node %s (%s) only its underlay address "
				  "(addr= of its --node) is allowed, got '%s'", n->label, n->url, ip);
	if (!n->shares_netns)
		return wgl_lua_remote_udp(L, n, r->i, ip);
	return wgl_lua_udp_open(L, NULL, n->label);
}

static const luaL_Reg rnode_methods[] = {
	{ "name", rnode_name }, { "ping", rnode_ping }, { "udp", rnode_udp }, { NULL, NULL },
};

/* ---- WireGuard devices ------------------------------------------------- */

static int rwg_get(lua_State *L)
{
	struct rref *r = check_ref(L, 1, RWG_CLASS);
	json_t *res = NULL, *p;
	size_t k;
	int err = wgl_remote_call(wgl_lua_rnode(L, r->i), "wg_get",
				  json_pack("{s:s}", "ifname", WGL_REMOTE_IFNAME), CALL_MS, &res);

	if (err < 0)
		return wgl_lua_errno(L, err, "wg:get (remote)");
	json_object_set_new(res, "name", json_string(WGL_REMOTE_IFNAME));
	/* The local binding's unit: seconds since the epoch. */
	json_array_foreach(json_object_get(res, "peers"), k, p)
		json_object_set_new(p, "last_handshake", json_real(json_number_value(
			json_object_get(p, "last_handshake_ns")) / 1e9));
	wgl_lua_push_json(L, res);
	json_decref(res);
	return 1;
}

static json_t *lua_strings(lua_State *L, int idx, const char *key)
{
	json_t *a = json_array();

	if (lua_getfield(L, idx, key) == LUA_TTABLE)
		for (lua_Integer i = 1; i <= luaL_len(L, -1); i++) {
			if (lua_geti(L, -1, i) != LUA_TSTRING)
				wgl_lua_field_error(L, idx, key, "element %d: string expected",
						    (int)i);
			json_array_append_new(a, json_string(lua_tostring(L, -1)));
			lua_pop(L, 1);
		}
	lua_pop(L, 1);
	return a;
}

/* Sets key in o when the Lua field is present; the agent checks the values. */
static void opt_field(lua_State *L, int idx, json_t *o, const char *key, char type)
{
	int t = lua_getfield(L, idx, key);

	lua_pop(L, 1);
	if (t == LUA_TNIL)
		return;
	if (type == 's')
		json_object_set_new(o, key, json_string(wgl_lua_optstring(L, idx, key, "")));
	else if (type == 'i')
		json_object_set_new(o, key, json_integer(wgl_lua_optint_in(L, idx, key, 0, 0,
									   65535)));
	else
		json_object_set_new(o, key, json_boolean(wgl_lua_optbool(L, idx, key, false)));
}

static json_t *lua_peer(lua_State *L, int idx)
{
	json_t *p = json_object();

	opt_field(L, idx, p, "public_key", 's');
	opt_field(L, idx, p, "preshared_key", 's');
	opt_field(L, idx, p, "endpoint", 's');
	opt_field(L, idx, p, "keepalive", 'i');
	opt_field(L, idx, p, "remove", 'b');
	/* As in the local binding: allowed_ips replace the peer's unless told otherwise. */
	json_object_set_new(p, "replace_allowed_ips",
			    json_boolean(wgl_lua_optbool(L, idx, "replace_allowed_ips", true)));
	json_object_set_new(p, "allowed_ips", lua_strings(L, idx, "allowed_ips"));
	return p;
}

static int rwg_set(lua_State *L)
{
	struct rref *r = check_ref(L, 1, RWG_CLASS);
	json_t **box, *peers;
	int err;

	luaL_checktype(L, 2, LUA_TTABLE);
	box = json_box(L, json_object());
	opt_field(L, 2, *box, "private_key", 's');
	opt_field(L, 2, *box, "listen_port", 'i');
	opt_field(L, 2, *box, "replace_peers", 'b');
	if (lua_getfield(L, 2, "peers") == LUA_TTABLE) {
		int t = lua_gettop(L);

		json_object_set_new(*box, "peers", peers = json_array());
		for (lua_Integer i = 1; i <= luaL_len(L, t); i++) {
			if (lua_geti(L, t, i) != LUA_TTABLE)
				wgl_lua_field_error(L, 2, "peers", "element %d: table expected",
						    (int)i);
			json_array_append_new(peers, lua_peer(L, lua_gettop(L)));
			lua_pop(L, 1);
		}
	}
	err = wgl_remote_call(wgl_lua_rnode(L, r->i), "wg_set", json_pack("{s:s s:O}", "ifname",
			      WGL_REMOTE_IFNAME, "config", *box), CALL_MS, NULL);
	if (err < 0)
		return wgl_lua_errno(L, err, "wg:set (remote)");
	return 0;
}

static int rwg_info(lua_State *L)
{
	struct rref *r = check_ref(L, 1, RWG_CLASS);
	struct rpair *p;

	lua_getiuservalue(L, 1, 1);
	p = luaL_checkudata(L, -1, RPAIR_CLASS);
	lua_newtable(L);
	wgl_lua_field_str(L, "backend", p->backend[r->i]);
	wgl_lua_field_str(L, "ifname", WGL_REMOTE_IFNAME);
	wgl_lua_field_str(L, "impl", p->impl[r->i]);
	wgl_lua_field_str(L, "version", p->version[r->i]);
	/* Not "pid": a scenario would look it up in the controller's /proc. */
	wgl_lua_field_int(L, "remote_pid", p->pid[r->i]);
	wgl_lua_field_str(L, "node", wgl_lua_rnode(L, r->i)->ssh.host);
	return 1;
}

static const luaL_Reg rwg_methods[] = {
	{ "get", rwg_get }, { "set", rwg_set }, { "info", rwg_info }, { NULL, NULL },
};

/* ---- pairs -------------------------------------------------------------- */

/* Removes p's devices on the hosts (idempotent). */
static void rpair_release(struct rpair *p)
{
	for (int i = 0; i < 2; i++) {
		struct wgl_remote_node *n = wgl_remote_node(i);

		/* Removing the device takes its addresses and routes with it. */
		if (p->made[i] && n)
			wgl_remote_call(n, "wg_delete", json_pack("{s:s}", "ifname",
					WGL_REMOTE_IFNAME), CALL_MS, NULL);
		p->made[i] = false;
	}
	if (p->live)
		live_pairs--;
	p->live = false;
	if (live_pair == p)
		live_pair = NULL;
}

static int rpair_gc(lua_State *L)
{
	rpair_release(luaL_checkudata(L, 1, RPAIR_CLASS));
	return 0;
}

/*
 * A new pair while another is still referenced (replay's negative control
 * builds its own beside the first): the hosts have one device name and
 * port, so the old pair's devices go and its references skip from then on.
 */
static void supersede(void)
{
	struct rpair *old = live_pair;

	if (!old)
		return;
	wgl_info("remote nodes: a new pair replaces the previous one on the hosts");
	rpair_release(old);
	old->superseded = true;
}

static int create_dev(lua_State *L, struct rpair *p, int i)
{
	struct wgl_remote_node *n = wgl_lua_rnode(L, i);
	json_t *res = NULL;
	int err = wgl_remote_call(n, "wg_create", json_pack("{s:s s:s}", "ifname",
				  WGL_REMOTE_IFNAME, "backend", p->backend[i]), CALL_MS, &res);
	const char *cmd = json_string_value(json_object_get(res, "command"));

	if (err < 0)
		return err;
	p->made[i] = true;
	snprintf(p->impl[i], sizeof(p->impl[i]), "%s",
		 json_string_value(json_object_get(res, "impl")) ?: "");
	snprintf(p->version[i], sizeof(p->version[i]), "%s",
		 json_string_value(json_object_get(res, "impl_version")) ?: "");
	p->pid[i] = json_integer_value(json_object_get(res, "pid"));
	wgl_result_add_impl(wgl_lua_ctx(L)->run, p->backend[i], cmd, p->impl[i], p->version[i]);
	json_decref(res);
	return 0;
}

static int address_dev(struct wgl_remote_node *n, int i)
{
	char a4[80], a6[80];
	int err;

	snprintf(a4, sizeof(a4), "%s/24", tunnel4[i]);
	snprintf(a6, sizeof(a6), "%s/64", tunnel6[i]);
	err = wgl_remote_call(n, "addr_add", json_pack("{s:s s:s}", "ifname", WGL_REMOTE_IFNAME,
			      "addr", a4), CALL_MS, NULL);
	err = err ?: wgl_remote_call(n, "addr_add", json_pack("{s:s s:s}", "ifname",
				     WGL_REMOTE_IFNAME, "addr", a6), CALL_MS, NULL);
	return err ?: wgl_remote_call(n, "link_up", json_pack("{s:s}", "ifname",
				      WGL_REMOTE_IFNAME), CALL_MS, NULL);
}

/* Node i's config: its key and port, the other node as its only peer. */
static int configure(struct wgl_remote_node *n, int i, const char *peer_ep,
		     const char b64[2][WGL_KEY_B64_LEN], const char pub[2][WGL_KEY_B64_LEN],
		     int keepalive)
{
	char a4[80], a6[80];
	json_t *peer, *cfg;

	snprintf(a4, sizeof(a4), "%s/32", tunnel4[!i]);
	snprintf(a6, sizeof(a6), "%s/128", tunnel6[!i]);
	peer = json_pack("{s:s s:s s:[s s] s:b}", "public_key", pub[!i], "endpoint", peer_ep,
			 "allowed_ips", a4, a6, "replace_allowed_ips", 1);
	if (peer && keepalive)
		json_object_set_new(peer, "keepalive", json_integer(keepalive));
	cfg = json_pack("{s:s s:i s:b s:[o]}", "private_key", b64[i], "listen_port", WG_PORT,
			"replace_peers", 1, "peers", peer);
	return wgl_remote_call(n, "wg_set", json_pack("{s:s s:o}", "ifname", WGL_REMOTE_IFNAME,
			       "config", cfg), CALL_MS, NULL);
}

static void push_table(lua_State *L, int ud, const char *under[2], int inner,
		       const char b64[2][WGL_KEY_B64_LEN], const char pub[2][WGL_KEY_B64_LEN],
		       long long configured_ns)
{
	struct rpair *p = lua_touserdata(L, ud);
	const char *const *t = inner == AF_INET6 ? tunnel6 : tunnel4;

	lua_newtable(L);
	lua_pushvalue(L, ud);
	lua_setfield(L, -2, "_handle");
	push_ref(L, RNODE_CLASS, 0, ud);
	lua_setfield(L, -2, "a");
	push_ref(L, RNODE_CLASS, 1, ud);
	lua_setfield(L, -2, "b");
	lua_newtable(L);
	for (int i = 0; i < 2; i++) {
		push_ref(L, RWG_CLASS, i, ud);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "wg");
	wgl_lua_set_pair_strings(L, "tunnel", t[0], t[1]);
	wgl_lua_set_pair_strings(L, "underlay", under[0], under[1]);
	wgl_lua_set_pair_strings(L, "backend", p->backend[0], p->backend[1]);
	wgl_lua_set_pair_strings(L, "private_key", b64[0], b64[1]);
	wgl_lua_set_pair_strings(L, "public_key", pub[0], pub[1]);
	wgl_lua_field_int(L, "port", WG_PORT);
	wgl_lua_field_num(L, "configured_at", (double)configured_ns / 1e9);
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, "remote");
}

static int family_arg(lua_State *L, const char *key)
{
	const char *s = wgl_lua_optstring(L, 1, key, "ipv4");

	if (!strcmp(s, "ipv4") || !strcmp(s, "4"))
		return AF_INET;
	if (!strcmp(s, "ipv6") || !strcmp(s, "6"))
		return AF_INET6;
	return luaL_error(L, "family must be \"ipv4\" or \"ipv6\", got '%s'", s);
}

/* What a remote pair cannot honour skips the case before anything is built. */
static void check_pair_args(lua_State *L, struct rpair *p, int outer, const char *under[2])
{
	if (wgl_lua_optint_in(L, 1, "mtu", 0, 1280, 65535))
		skip_op(L, "remote nodes: %s (the host's NIC MTU is its operator's)", "pair{mtu=}");
	for (int i = 0; i < 2; i++) {
		struct wgl_remote_node *n = wgl_lua_rnode(L, i);

		if (!strcmp(p->backend[i], "none"))
			skip_op(L, "remote nodes: %s (no WireGuard) is not run through the agent",
				"backend none");
		under[i] = wgl_remote_underlay(n, outer);
		if (!under[i])
			skip_op(L, "remote nodes: node %s has no underlay address of this family "
				"(add addr= to its --node URL)", n->label);
	}
}

static int build(lua_State *L, struct rpair *p, const char *under[2], int outer, int keepalive,
		 char b64[2][WGL_KEY_B64_LEN], char pub[2][WGL_KEY_B64_LEN])
{
	wgl_key priv, pk;
	char ep[2][96];
	int err = 0;

	for (int i = 0; i < 2; i++) {
		wgl_key_generate_private(priv);
		wgl_key_public(pk, priv);
		wgl_key_to_base64(b64[i], priv);
		wgl_key_to_base64(pub[i], pk);
		snprintf(ep[i], sizeof(ep[i]), outer == AF_INET6 ? "[%s]:%d" : "%s:%d", under[i],
			 WG_PORT);
	}
	sodium_memzero(priv, sizeof(priv));
	for (int i = 0; i < 2 && !err; i++)
		err = create_dev(L, p, i);
	for (int i = 0; i < 2 && !err; i++)
		err = address_dev(wgl_lua_rnode(L, i), i);
	for (int i = 0; i < 2 && !err; i++)
		err = configure(wgl_lua_rnode(L, i), i, ep[!i],
				(const char (*)[WGL_KEY_B64_LEN])b64,
				(const char (*)[WGL_KEY_B64_LEN])pub, keepalive);
	return err;
}

/*
 * pair{capture = {a = FILE, b = FILE}} on the net table at the top: the
 * agents' captures of the underlays, started once the pair is up (before any
 * traffic of the scenario's), as net.capture.a and net.capture.b.
 */
static void push_captures(lua_State *L)
{
	static const char *const label[2] = { "a", "b" };
	int net = lua_gettop(L), spec;

	if (!wgl_lua_pair_capture_spec(L))
		return;
	spec = lua_gettop(L);
	lua_newtable(L);
	for (int i = 0; i < 2; i++) {
		if (lua_getfield(L, spec, label[i]) == LUA_TSTRING) {
			lua_pushcfunction(L, wgl_lua_remote_capture);
			lua_getfield(L, net, label[i]);
			lua_pushstring(L, "veth0");
			lua_createtable(L, 0, 1);
			lua_pushvalue(L, -5);
			lua_setfield(L, -2, "file");
			lua_call(L, 3, 1);
			lua_setfield(L, spec + 1, label[i]);
		}
		lua_pop(L, 1);
	}
	lua_setfield(L, net, "capture");
	lua_pop(L, 1);
}

int wgl_lua_remote_pair(lua_State *L)
{
	char b64[2][WGL_KEY_B64_LEN], pub[2][WGL_KEY_B64_LEN];
	const char *under[2];
	struct rpair *p;
	int outer, inner, keepalive, ud;

	luaL_checktype(L, 1, LUA_TTABLE);
	/* The previous pair may only be garbage not yet collected (a loop of pairs). */
	if (live_pairs)
		lua_gc(L, LUA_GCCOLLECT);
	if (live_pairs)
		supersede();
	p = lua_newuserdatauv(L, sizeof(*p), 0);
	memset(p, 0, sizeof(*p));
	luaL_setmetatable(L, RPAIR_CLASS);
	p->live = true;
	live_pairs++;
	live_pair = p;
	ud = lua_gettop(L);
	if (lua_getfield(L, 1, "backends") != LUA_TTABLE)
		return luaL_error(L, "pair: backends = {A, B} is required");
	for (int i = 0; i < 2; i++) {
		if (lua_geti(L, -1, i + 1) != LUA_TSTRING)
			wgl_lua_field_error(L, 1, "backends", "element %d: string expected, got %s",
					    i + 1, luaL_typename(L, -1));
		snprintf(p->backend[i], sizeof(p->backend[i]), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	outer = family_arg(L, "outer");
	inner = family_arg(L, "inner");
	keepalive = (int)wgl_lua_optint_in(L, 1, "keepalive", 0, 0, 65535);
	check_pair_args(L, p, outer, under);
	if (build(L, p, under, outer, keepalive, b64, pub) < 0)
		return luaL_error(L, "pair: could not build the remote %s:%s pair (see log)",
				  p->backend[0], p->backend[1]);
	push_table(L, ud, under, inner, (const char (*)[WGL_KEY_B64_LEN])b64,
		   (const char (*)[WGL_KEY_B64_LEN])pub, wgl_now_ns());
	sodium_memzero(b64, sizeof(b64));
	push_captures(L);
	return 1;
}

/* ---- captures ----------------------------------------------------------- */

/* The pair's link names mapped to the host's: its NIC for the underlay, the agent's device. */
static const char *remote_ifname(lua_State *L, struct wgl_remote_node *n, const char *ifname)
{
	if (!strcmp(ifname, "wg0"))
		return WGL_REMOTE_IFNAME;
	if (strcmp(ifname, "veth0"))
		skip_op(L, "remote nodes: capture on '%s' (only the pair's veth0 and wg0 map to "
			"a host's links)", ifname);
	if (!n->dev[0])
		skip_op(L, "remote nodes: capture of node %s's underlay needs dev= in its --node "
			"URL", n->label);
	return n->dev;
}

bool wgl_lua_is_remote_node(lua_State *L, int idx)
{
	return luaL_testudata(L, idx, RNODE_CLASS) != NULL;
}

int wgl_lua_remote_node_index(lua_State *L, int idx)
{
	struct rref *r = luaL_testudata(L, idx, RNODE_CLASS);

	return r ? r->i : -1;
}

/* wglab.capture(remote_node, ifname, {file=, snaplen=, filter=}) */
int wgl_lua_remote_capture(lua_State *L)
{
	struct rref *r = check_ref(L, 1, RNODE_CLASS);
	struct wgl_remote_node *n = wgl_lua_rnode(L, r->i);
	const char *ifname = remote_ifname(L, n, luaL_checkstring(L, 2));
	json_t *args = json_pack("{s:s}", "ifname", ifname), *res = NULL;
	char name[128];
	struct rcap *c;
	int err;

	snprintf(name, sizeof(name), "%s-%s.pcap", n->label, luaL_checkstring(L, 2));
	if (lua_istable(L, 3)) {
		snprintf(name, sizeof(name), "%s", wgl_lua_optstring(L, 3, "file", name));
		if (wgl_lua_optint_in(L, 3, "snaplen", 0, 64, 262144))
			json_object_set_new(args, "snaplen", json_integer(
				wgl_lua_optint_in(L, 3, "snaplen", 0, 64, 262144)));
		if (wgl_lua_optstring(L, 3, "filter", NULL))
			json_object_set_new(args, "filter", json_string(
				wgl_lua_optstring(L, 3, "filter", NULL)));
	}
	if (strchr(name, '/')) {
		json_decref(args);
		return luaL_error(L, "capture: file must be a plain name, got '%s'", name);
	}
	c = lua_newuserdatauv(L, sizeof(*c), 1);
	memset(c, 0, sizeof(*c));
	c->i = r->i;
	c->handle = -1;
	luaL_setmetatable(L, RCAP_CLASS);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	wgl_lua_artifact(L, "pcap", name, c->path, sizeof(c->path));
	err = wgl_remote_call(n, "capture_start", args, CALL_MS, &res);
	if (err < 0)
		return wgl_lua_errno(L, err, "capture (remote)");
	c->handle = (int)json_integer_value(json_object_get(res, "handle"));
	json_decref(res);
	return 1;
}

static int write_pcap(const char *path, const char *b64)
{
	size_t cap = strlen(b64), n = 0;
	unsigned char *bin = malloc(cap + 1);
	FILE *f = NULL;
	int err = 0;

	if (!bin)
		return -ENOMEM;
	if (sodium_base642bin(bin, cap + 1, b64, cap, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0)
		err = -EPROTO;
	f = err ? NULL : fopen(path, "we");
	if (!err && !f)
		err = -errno;
	if (f && fwrite(bin, 1, n, f) != n)
		err = -EIO;
	if (f && fclose(f) != 0 && !err)
		err = -errno;
	free(bin);
	return err;
}

/* Stops the capture there, fetches the file here, analyses it like a local one. */
static int rcap_stop(lua_State *L)
{
	struct rcap *c = luaL_checkudata(L, 1, RCAP_CLASS);
	struct wgl_remote_node *n = wgl_lua_rnode(L, c->i);
	json_t *st = NULL, *f = NULL;
	int err = 0, t;

	if (!c->stopped && c->handle >= 0) {
		c->stopped = true;
		err = wgl_remote_call(n, "capture_stop", json_pack("{s:i}", "handle", c->handle),
				      CALL_MS, &st);
		err = err ?: wgl_remote_call(n, "capture_fetch", json_pack("{s:i}", "handle",
					     c->handle), 120000, &f);
		err = err ?: write_pcap(c->path, json_string_value(json_object_get(f,
					"pcap_base64")) ?: "");
		wgl_remote_call(n, "stop", json_pack("{s:i}", "handle", c->handle), CALL_MS, NULL);
		c->handle = -1;
		json_decref(f);
		if (err < 0) {
			json_decref(st);
			return wgl_lua_errno(L, err, "capture:stop (remote)");
		}
	}
	wgl_lua_analyze_push(L, c->path, 2);
	t = lua_gettop(L);
	lua_pushinteger(L, st ? json_integer_value(json_object_get(st, "dropped")) : 0);
	lua_setfield(L, t, "dropped");
	lua_pushstring(L, c->path);
	lua_setfield(L, t, "path");
	json_decref(st);
	return 1;
}

static int rcap_gc(lua_State *L)
{
	struct rcap *c = luaL_checkudata(L, 1, RCAP_CLASS);
	struct wgl_remote_node *n = wgl_remote_node(c->i);

	if (c->handle >= 0 && n)
		wgl_remote_call(n, "stop", json_pack("{s:i}", "handle", c->handle), CALL_MS, NULL);
	c->handle = -1;
	return 0;
}

static int rcap_path(lua_State *L)
{
	lua_pushstring(L, ((struct rcap *)luaL_checkudata(L, 1, RCAP_CLASS))->path);
	return 1;
}

static const luaL_Reg rcap_methods[] = {
	{ "stop", rcap_stop }, { "path", rcap_path }, { NULL, NULL },
};

void wgl_lua_open_remote(lua_State *L)
{
	static const luaL_Reg none[] = { { NULL, NULL } };

	remote_class(L, RNODE_CLASS, rnode_methods, NULL);
	remote_class(L, RWG_CLASS, rwg_methods, NULL);
	remote_class(L, RCAP_CLASS, rcap_methods, rcap_gc);
	wgl_lua_class(L, RPAIR_CLASS, none, rpair_gc);
	wgl_lua_class(L, JBOX_CLASS, none, json_box_gc);
	wgl_lua_open_rudp(L);
}
