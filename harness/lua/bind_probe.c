// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The probe peer (harness/probe.h) for scenarios:
 *   p = wglab.probe{socket=, peer_public_key=, peer_endpoint=, private_key=,
 *                   psk=, inner_src=, inner_dst=}
 * See docs/SCENARIO-API.md for the methods.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "harness/lua/lua.h"
#include "harness/lua/sock.h"
#include "harness/flood.h"
#include "harness/probe.h"
#include "netns/netns.h"

#define PROBE_CLASS "wglab.probe"

struct lprobe {
	struct wgl_probe *p;
	int fd;            /* default socket (owned by the socket userdata) */
	bool remote;       /* fd is a remote node's socket, relayed by its agent */
	void *relay;       /* with remote: that relay (its node), wgl_probe_io's ctx */
	int family;        /* inner family for echo */
	uint16_t seq;
};

static struct lprobe *checkprobe(lua_State *L, int idx)
{
	struct lprobe *lp = luaL_checkudata(L, idx, PROBE_CLASS);

	if (!lp->p)
		luaL_error(L, "probe is closed");
	return lp;
}

static void key_arg(lua_State *L, int idx, const char *field, wgl_key key, bool *set)
{
	const char *b64 = wgl_lua_optstring(L, idx, field, NULL);

	*set = b64 != NULL;
	if (b64 && wgl_key_from_base64(key, b64) < 0)
		luaL_error(L, "probe: %s is not a base64 key: '%s'", field, b64);
}

static void set_endpoint(lua_State *L, struct lprobe *lp, int idx, const wgl_key peer,
			 const uint8_t *psk)
{
	const char *ep = wgl_lua_optstring(L, idx, "peer_endpoint", NULL);
	struct wgl_peer tmp = { 0 };
	bool v4;
	char ip[INET6_ADDRSTRLEN];

	if (!ep || wgl_endpoint_parse(&tmp, ep) < 0)
		luaL_error(L, "probe: peer_endpoint must be IP:PORT or [IP6]:PORT");
	v4 = tmp.endpoint.addr.sa_family == AF_INET;
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? (const void *)&tmp.endpoint.addr4.sin_addr
					      : (const void *)&tmp.endpoint.addr6.sin6_addr,
		  ip, sizeof(ip));
	if (!wgl_addr_allowed(ip))
		luaL_error(L, "probe: %s is outside the benchmarking ranges", ip);
	if (wgl_probe_set_peer(lp->p, peer, psk, &tmp.endpoint.addr,
			       v4 ? sizeof(tmp.endpoint.addr4) : sizeof(tmp.endpoint.addr6)) < 0)
		luaL_error(L, "probe: bad peer");
}

static int l_probe(lua_State *L)
{
	struct wgl_lua_sock *s = NULL;
	struct wgl_probe_io io;
	bool remote;
	int rfd = -1;
	struct lprobe *lp;
	wgl_key priv, peer, psk;
	bool has_priv, has_peer, has_psk;
	const char *src, *dst;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_getfield(L, 1, "socket") == LUA_TNIL)
		return luaL_error(L, "probe: socket = node:udp{...} is required");
	remote = wgl_lua_remote_sock(L, -1, &rfd, &io);
	if (!remote) {
		lua_pop(L, 1);
		wgl_lua_checkfield_udata(L, 1, "socket", WGL_SOCK_CLASS);
		s = wgl_lua_checksock(L, -1);
	}
	key_arg(L, 1, "private_key", priv, &has_priv);
	key_arg(L, 1, "peer_public_key", peer, &has_peer);
	key_arg(L, 1, "psk", psk, &has_psk);
	if (!has_peer)
		return luaL_error(L, "probe: peer_public_key is required");
	lp = lua_newuserdatauv(L, sizeof(*lp), 1);
	memset(lp, 0, sizeof(*lp));
	luaL_setmetatable(L, PROBE_CLASS);
	lua_pushvalue(L, -2); /* keep the socket alive */
	lua_setiuservalue(L, -2, 1);
	lp->p = wgl_probe_new(has_priv ? priv : NULL);
	if (!lp->p)
		return wgl_lua_errno(L, -errno, "probe");
	lp->fd = remote ? rfd : s->fd;
	lp->remote = remote;
	lp->relay = remote ? io.ctx : NULL;
	wgl_probe_set_fd(lp->p, lp->fd);
	if (remote)
		wgl_probe_set_io(lp->p, &io);
	set_endpoint(L, lp, 1, peer, has_psk ? psk : NULL);
	src = wgl_lua_optstring(L, 1, "inner_src", NULL);
	dst = wgl_lua_optstring(L, 1, "inner_dst", NULL);
	if (src && dst) {
		lp->family = strchr(src, ':') ? AF_INET6 : AF_INET;
		if (wgl_probe_set_inner(lp->p, lp->family, src, dst) < 0)
			return luaL_error(L, "probe: bad inner_src/inner_dst");
	}
	return 1;
}

static int fd_opt(lua_State *L, struct lprobe *lp, int idx)
{
	struct wgl_probe_io io = { 0 };
	int fd = lp->fd;

	if (lua_istable(L, idx) && lua_getfield(L, idx, "socket") != LUA_TNIL) {
		/* One probe, one kind of socket: its fds are local ones or one relay's. */
		if (wgl_lua_remote_sock(L, -1, &fd, &io) != lp->remote || io.ctx != lp->relay)
			luaL_error(L, "probe: socket= must be a socket of the same kind (local, or "
				   "the same remote node's) as the probe's own");
		if (!lp->remote) {
			wgl_lua_checkfield_udata(L, idx, "socket", WGL_SOCK_CLASS);
			fd = wgl_lua_checksock(L, -1)->fd;
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	} else if (lua_istable(L, idx)) {
		lua_pop(L, 1);
	}
	return fd;
}

static int timeout_ms(lua_State *L, int idx, double def)
{
	double t = lua_istable(L, idx) ? wgl_lua_optnum(L, idx, "timeout", def) : def;

	if (!(t >= 0 && t <= 3600))
		luaL_error(L, "field 'timeout' must be 0..3600 s");
	return wgl_lua_deadline_ms(L, t * 1000);
}

/* A call that waited out its whole timeout (def: its default) books the wait. */
static void timed_out(lua_State *L, int err, double def)
{
	if (err == -ETIMEDOUT)
		wgl_lua_waited(L, timeout_ms(L, 2, def) / 1000.0);
}

static int result(lua_State *L, int err, double rtt)
{
	lua_pushboolean(L, err == 0);
	if (err == 0)
		lua_pushnumber(L, rtt);
	else
		lua_pushstring(L, strerror(-err));
	return 2;
}

static int pr_public_key(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	char b64[WGL_KEY_B64_LEN];
	wgl_key pub;

	wgl_probe_public_key(lp->p, pub);
	wgl_key_to_base64(b64, pub);
	lua_pushstring(L, b64);
	return 1;
}

static int pr_handshake(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	double rtt = 0;

	int err = wgl_probe_handshake(lp->p, timeout_ms(L, 2, 5), &rtt);

	timed_out(L, err, 5);
	wgl_lua_deadline_check(L);
	return result(L, err, rtt);
}

static int pr_ping(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	double rtt = 0;
	uint16_t seq = lua_istable(L, 2) ? (uint16_t)wgl_lua_optint_in(L, 2, "seq", ++lp->seq, 0, 65535)
					 : ++lp->seq;
	int err;

	if (!lp->family)
		return luaL_error(L, "probe:ping needs inner_src and inner_dst");
	err = wgl_probe_ping(lp->p, fd_opt(L, lp, 2), lp->family, seq, timeout_ms(L, 2, 2), &rtt);
	timed_out(L, err, 2);
	wgl_lua_deadline_check(L);
	return result(L, err, rtt);
}

static unsigned int init_flags(lua_State *L, int idx)
{
	const char *mac1 = "valid", *ts = "now";
	unsigned int flags = 0;

	if (!lua_istable(L, idx))
		return 0;
	mac1 = wgl_lua_optstring(L, idx, "mac1", mac1);
	ts = wgl_lua_optstring(L, idx, "timestamp", ts);
	if (!strcmp(mac1, "invalid"))
		flags |= WGL_PROBE_BAD_MAC1;
	else if (strcmp(mac1, "valid"))
		luaL_error(L, "send_initiation: mac1 must be \"valid\" or \"invalid\"");
	lua_getfield(L, idx, "mac2");
	if (lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "bad"))
		flags |= WGL_PROBE_BAD_MAC2;
	else if (lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "held"))
		flags |= WGL_PROBE_HELD_COOKIE;
	else if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		flags |= WGL_PROBE_NO_MAC2;
	lua_pop(L, 1);
	if (!strcmp(ts, "stale"))
		flags |= WGL_PROBE_STALE_TIMESTAMP;
	else if (!strcmp(ts, "repeat"))
		flags |= WGL_PROBE_REPLAY_TIMESTAMP;
	else if (strcmp(ts, "now"))
		luaL_error(L, "send_initiation: timestamp must be \"now\", \"stale\" or \"repeat\"");
	return flags;
}

static int pr_send_initiation(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	int err = wgl_probe_send_initiation(lp->p, fd_opt(L, lp, 2), init_flags(L, 2));

	if (err < 0)
		return wgl_lua_errno(L, err, "send_initiation");
	return 0;
}

static int pr_send_transport(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	uint64_t counter = WGL_PROBE_NEXT_COUNTER;
	const char *data = NULL;
	size_t len = 0;
	int fd = fd_opt(L, lp, 2), err;

	if (lua_istable(L, 2)) {
		lua_Integer c = wgl_lua_optint_in(L, 2, "counter", -1, 0, LUA_MAXINTEGER);

		if (c >= 0)
			counter = (uint64_t)c;
		if (lua_getfield(L, 2, "data") == LUA_TSTRING)
			data = lua_tolstring(L, -1, &len);
		lua_pop(L, 1);
	}
	if (data)
		err = wgl_probe_send_transport(lp->p, fd, counter, data, len);
	else if (lp->family)
		err = wgl_probe_send_echo(lp->p, fd, lp->family, ++lp->seq, counter);
	else
		return luaL_error(L, "send_transport: data or inner addresses required");
	if (err < 0)
		return wgl_lua_errno(L, err, "send_transport");
	lua_pushinteger(L, lp->seq);
	return 1;
}

/*
 * send_echo{src=, seq=, socket=} -> seq: an echo request to inner_dst whose
 * inner source is src (any address of the probe's inner family), encrypted
 * with the probe's session like any other packet.
 */
static int pr_send_echo(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	uint8_t src[16];
	const char *s;
	uint16_t seq;
	int err;

	luaL_checktype(L, 2, LUA_TTABLE);
	s = wgl_lua_optstring(L, 2, "src", NULL);
	if (!lp->family)
		return luaL_error(L, "send_echo needs inner_src and inner_dst");
	if (!s || inet_pton(lp->family, s, src) != 1)
		return luaL_error(L, "send_echo: src must be an address of the inner family");
	seq = (uint16_t)wgl_lua_optint(L, 2, "seq", ++lp->seq);
	err = wgl_probe_send_echo_from(lp->p, fd_opt(L, lp, 2), lp->family, src, seq);
	if (err < 0)
		return wgl_lua_errno(L, err, "send_echo");
	lua_pushinteger(L, seq);
	return 1;
}

/* wait_echo{seq=, timeout=} -> ok, rtt_ms: the reply to an echo sent earlier. */
static int pr_wait_echo(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	uint16_t seq = lua_istable(L, 2) ? (uint16_t)wgl_lua_optint_in(L, 2, "seq", lp->seq, 0, 65535) : lp->seq;
	double rtt = 0;

	int err = wgl_probe_wait_echo(lp->p, fd_opt(L, lp, 2), lp->family, seq,
				      timeout_ms(L, 2, 1), &rtt);

	timed_out(L, err, 1);
	wgl_lua_deadline_check(L);
	return result(L, err, rtt);
}

static int pr_resend_last(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	int err = wgl_probe_resend_last(lp->p, fd_opt(L, lp, 2));

	if (err < 0)
		return wgl_lua_errno(L, err, "resend_last");
	return 0;
}

static int pr_last_sent(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	size_t len = 0;
	const uint8_t *b = wgl_probe_last_sent(lp->p, &len);

	if (!b)
		lua_pushnil(L);
	else
		lua_pushlstring(L, (const char *)b, len);
	return 1;
}

static const char *const kind_names[WGL_RX_KINDS] = {
	[WGL_RX_NOTHING] = "none", [WGL_RX_INITIATION] = "initiation",
	[WGL_RX_RESPONSE] = "response", [WGL_RX_COOKIE] = "cookie",
	[WGL_RX_TRANSPORT] = "transport", [WGL_RX_KEEPALIVE] = "keepalive",
	[WGL_RX_INVALID] = "other",
};

/* recv{timeout=, socket=} -> kind, {accepted, reject, counter, len} */
static int pr_recv(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	struct wgl_probe_rx rx;
	int err = wgl_probe_recv(lp->p, fd_opt(L, lp, 2), timeout_ms(L, 2, 1), &rx);
	wgl_lua_deadline_check(L);
	if (err < 0)
		return wgl_lua_errno(L, err, "recv");
	if (rx.kind == WGL_RX_NOTHING)
		wgl_lua_waited(L, timeout_ms(L, 2, 1) / 1000.0);
	lua_pushstring(L, kind_names[rx.kind]);
	lua_newtable(L);
	lua_pushboolean(L, rx.err == 0);
	lua_setfield(L, -2, "accepted");
	wgl_lua_field_str(L, "reject", wgl_reject_name(rx.reject));
	wgl_lua_field_int(L, "counter", (lua_Integer)rx.counter);
	wgl_lua_field_int(L, "len", (lua_Integer)rx.wire_len);
	return 2;
}

static int pr_keylog(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	const char *path = wgl_lua_case_path(L, 2);
	FILE *f = fopen(path, "a");
	int err;

	if (!f)
		return wgl_lua_errno(L, -errno, path);
	err = wgl_probe_write_keylog(lp->p, f);
	fclose(f);
	if (err < 0)
		return wgl_lua_errno(L, err, "keylog");
	return 0;
}

static int pr_stats(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	const struct wgl_probe_stats *st = wgl_probe_stats(lp->p);
	static const char *const tx[] = { NULL, "initiations", "responses", "cookies",
					  "transports" };

	lua_newtable(L);
	for (int i = 1; i <= WGL_MSG_TRANSPORT; i++) {
		lua_pushinteger(L, (lua_Integer)st->tx[i]);
		lua_setfield(L, -2, tx[i]);
	}
	lua_newtable(L);
	for (int i = 0; i < WGL_RX_KINDS; i++) {
		lua_pushinteger(L, (lua_Integer)st->rx[i]);
		lua_setfield(L, -2, kind_names[i]);
	}
	lua_setfield(L, -2, "received");
	wgl_lua_field_int(L, "rejected", (lua_Integer)st->rx_rejected);
	return 1;
}

/* The sockets= list of p:flood{} (default: the probe's own socket), into fds[]. */
static size_t flood_fds(lua_State *L, struct lprobe *lp, int *fds, size_t max)
{
	size_t n = 0;

	/* A flood is sendmmsg() on local sockets: a relay one request a datagram is no flood. */
	if (lp->remote)
		wgl_lua_remote_unsupported(L, "probe:flood{} (a remote node's relayed socket)");
	if (lua_getfield(L, 2, "sockets") == LUA_TNIL) {
		lua_pop(L, 1);
		fds[0] = lp->fd;
		return 1;
	}
	luaL_checktype(L, -1, LUA_TTABLE);
	for (lua_Integer i = 1; lua_geti(L, -1, i) != LUA_TNIL; i++) {
		if (n == max)
			luaL_error(L, "flood: at most %d sockets", (int)max);
		fds[n++] = wgl_lua_checksock(L, -1)->fd;
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	if (!n)
		luaL_error(L, "flood: sockets must list at least one socket");
	return n;
}

/* The clients= list of p:flood{kind="valid"}: base64 private keys, into a new array. */
static uint8_t (*flood_clients(lua_State *L, size_t *n))[32]
{
	uint8_t (*keys)[32];

	if (lua_getfield(L, 2, "clients") != LUA_TTABLE)
		luaL_error(L, "flood: kind \"valid\" needs clients={private keys...}");
	*n = (size_t)luaL_len(L, -1);
	if (!*n)
		luaL_error(L, "flood: clients must list at least one private key");
	keys = lua_newuserdatauv(L, *n * sizeof(*keys), 0); /* freed by the GC */
	for (size_t i = 0; i < *n; i++) {
		lua_geti(L, -2, (lua_Integer)i + 1);
		if (!lua_isstring(L, -1) || wgl_key_from_base64(keys[i], lua_tostring(L, -1)) < 0)
			luaL_error(L, "flood: clients[%d] is not a base64 key", (int)i + 1);
		lua_pop(L, 1);
	}
	lua_remove(L, -2);
	return keys;
}

/*
 * flood{count=, rate=, sockets={...}, kind="copy"|"init"|"mac2"|"valid",
 *       clients={...}, threads=} -> {sent, seconds, rate, errors}
 */
static int pr_flood(lua_State *L)
{
	struct lprobe *lp = checkprobe(L, 1);
	struct wgl_flood_opts o = { 0 };
	struct wgl_flood_result r;
	int fds[1024], err;
	lua_Integer count;

	luaL_checktype(L, 2, LUA_TTABLE);
	if (wgl_flood_kind_parse(wgl_lua_optstring(L, 2, "kind", "copy"), &o.kind) < 0)
		return luaL_error(L, "flood: kind must be \"copy\", \"init\", \"mac2\" or "
				  "\"valid\"");
	count = wgl_lua_optint(L, 2, "count", -1);
	o.rate = wgl_lua_optnum(L, 2, "rate", 0);
	if (count < 0 || o.rate < 0)
		return luaL_error(L, "flood: count (>= 0) is required; rate must be >= 0");
	o.count = (unsigned long)count;
	o.fds = fds;
	o.nfds = flood_fds(L, lp, fds, sizeof(fds) / sizeof(fds[0]));
	if (o.kind == WGL_FLOOD_VALID) {
		o.clients = (const uint8_t (*)[32])flood_clients(L, &o.nclients);
		lua_Integer threads = wgl_lua_optint(L, 2, "threads", 0);

		if (threads < 0 || threads > 1024)
			return luaL_error(L, "flood: threads must be 0..1024 (0 = one per CPU)");
		o.threads = (unsigned int)threads;
	}
	err = wgl_probe_flood(lp->p, &o, &r);
	if (err < 0)
		return wgl_lua_errno(L, err, "flood");
	lua_newtable(L);
	wgl_lua_field_int(L, "sent", (lua_Integer)r.sent);
	wgl_lua_field_int(L, "errors", (lua_Integer)r.errors);
	lua_pushnumber(L, r.seconds);
	lua_setfield(L, -2, "seconds");
	lua_pushnumber(L, r.rate);
	lua_setfield(L, -2, "rate");
	if (r.first_error)
		wgl_lua_field_str(L, "error", strerror(-r.first_error));
	return 1;
}

static int pr_gc(lua_State *L)
{
	struct lprobe *lp = luaL_checkudata(L, 1, PROBE_CLASS);

	wgl_probe_free(lp->p);
	lp->p = NULL;
	return 0;
}

static const luaL_Reg probe_methods[] = {
	{ "public_key", pr_public_key }, { "handshake", pr_handshake }, { "ping", pr_ping },
	{ "send_initiation", pr_send_initiation }, { "send_transport", pr_send_transport },
	{ "wait_echo", pr_wait_echo }, { "resend_last", pr_resend_last },
	{ "last_sent", pr_last_sent }, { "recv", pr_recv }, { "keylog", pr_keylog },
	{ "stats", pr_stats },
	{ "send_echo", pr_send_echo },
	{ "flood", pr_flood },
	{ NULL, NULL },
};

void wgl_lua_open_probe(lua_State *L)
{
	wgl_lua_class(L, PROBE_CLASS, probe_methods, pr_gc);
	wgl_lua_setfn(L, "probe", l_probe);
}
