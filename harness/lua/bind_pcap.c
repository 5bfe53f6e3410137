// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bindings for captures and their analysis:
 *   cap = wglab.capture(node, ifname, {file=, snaplen=, filter=})
 *   w = cap:stop()           -- analysis table (also recorded as an artifact)
 *   w = wglab.analyze(path, {since=, from=, to=})
 *   list = wglab.wg_messages(path, {type=N, max=N}) -- WireGuard UDP payloads
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "base/log.h"
#include "harness/lua/lua.h"
#include "base/result.h"
#include "netns/netns.h"
#include "pcap/analyze.h"
#include "pcap/capture.h"
#include "pcap/dissect.h"
#include "pcap/keylog.h"

#define CAPTURE_CLASS "wglab.capture"

struct lcap {
	struct wgl_capture *cap;
	char path[700];
};

/* Adds the fields scenarios use most at the top level of the analysis table. */
static void push_summary(lua_State *L, const struct wgl_analysis *a)
{
	json_t *j = wgl_analysis_to_json(a);
	int t, n = 0;

	wgl_lua_push_json(L, j);
	json_decref(j);
	t = lua_gettop(L);
	lua_pushinteger(L, (lua_Integer)a->wg_by_type[WGL_MSG_INITIATION]);
	lua_setfield(L, t, "initiations");
	lua_pushinteger(L, (lua_Integer)a->wg_by_type[WGL_MSG_RESPONSE]);
	lua_setfield(L, t, "responses");
	lua_pushinteger(L, (lua_Integer)a->wg_by_type[WGL_MSG_COOKIE]);
	lua_setfield(L, t, "cookies");
	lua_pushinteger(L, (lua_Integer)a->wg_by_type[WGL_MSG_TRANSPORT]);
	lua_setfield(L, t, "transports");
	lua_pushinteger(L, (lua_Integer)a->leaks);
	lua_setfield(L, t, "leaks");
	lua_pushinteger(L, (lua_Integer)a->records);
	lua_setfield(L, t, "records");
	lua_pushnumber(L, (double)a->longest_gap_ns / 1e9);
	lua_setfield(L, t, "longest_gap_s");
	/* Wall-clock time (epoch s) of the first record: relative times count from it. */
	lua_pushnumber(L, (double)a->base_ns / 1e9);
	lua_setfield(L, t, "first_time");
	lua_pushinteger(L, (lua_Integer)a->after_since);
	lua_setfield(L, t, "after_since");
	lua_pushinteger(L, (lua_Integer)a->wg_after_since);
	lua_setfield(L, t, "wg_after_since");
	if (a->leaks) {
		char src[64], dst[64], ex[160];

		wgl_pkt_format_addr(a->first_leak.family, a->first_leak.src, a->first_leak.sport,
				    src, sizeof(src));
		wgl_pkt_format_addr(a->first_leak.family, a->first_leak.dst, a->first_leak.dport,
				    dst, sizeof(dst));
		snprintf(ex, sizeof(ex), "record %llu: proto %u %s -> %s",
			 (unsigned long long)a->first_leak.record, a->first_leak.proto, src, dst);
		lua_pushstring(L, ex);
		lua_setfield(L, t, "leak_example");
	}
	lua_newtable(L);
	for (size_t i = 0; i < a->nhandshakes; i++) {
		long long rtt = wgl_handshake_rtt_ns(&a->handshakes[i]);

		if (rtt >= 0) {
			lua_pushnumber(L, (double)rtt / 1e6);
			lua_rawseti(L, -2, ++n);
		}
	}
	lua_setfield(L, t, "handshake_rtt_ms");
	lua_newtable(L);
	for (size_t i = 0; i < a->nrekey; i++) {
		lua_pushnumber(L, (double)a->rekey_ns[i] / 1e9);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, t, "rekey_intervals_s");
	lua_newtable(L);
	for (size_t i = 0; i < a->nhandshakes; i++) {
		lua_pushnumber(L, (double)(a->handshakes[i].init_ns - a->base_ns) / 1e9);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, t, "handshake_times_s");
}

static void analyze_opts(lua_State *L, int idx, struct wgl_analyze_opts *o)
{
	if (!lua_istable(L, idx))
		return;
	o->since_s = wgl_lua_optnum(L, idx, "since", -1);
	o->from_s = wgl_lua_optnum(L, idx, "from", -1);
	o->to_s = wgl_lua_optnum(L, idx, "to", -1);
}

static int analyze_push(lua_State *L, const char *path, int opts_idx)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	struct wgl_analysis a;
	char err[WGL_PCAP_ERRLEN];
	int ret;

	analyze_opts(L, opts_idx, &o);
	ret = wgl_analyze_file(path, &o, &a, err);
	if (ret < 0)
		return luaL_error(L, "analyze: %s", err);
	push_summary(L, &a);
	wgl_analysis_free(&a);
	return 1;
}

int wgl_lua_analyze_push(lua_State *L, const char *path, int opts_idx)
{
	return analyze_push(L, path, opts_idx);
}

static int l_analyze(lua_State *L)
{
	return analyze_push(L, luaL_checkstring(L, 1), 2);
}

void wgl_lua_push_capture(lua_State *L, struct wgl_capture *cap, const char *path, int owner)
{
	struct lcap *c = lua_newuserdatauv(L, sizeof(*c), 1);

	c->cap = cap;
	snprintf(c->path, sizeof(c->path), "%s", path);
	luaL_setmetatable(L, CAPTURE_CLASS);
	lua_pushvalue(L, owner);
	lua_setiuservalue(L, -2, 1);
}

static int l_capture(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_is_remote_node(L, 1) ? NULL : wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	struct wgl_capture_opts o = WGL_CAPTURE_OPTS_INIT;
	struct wgl_capture *cap;
	char name[128], path[sizeof(((struct lcap *)0)->path)];

	if (!ns)
		return wgl_lua_remote_capture(L);
	snprintf(name, sizeof(name), "%s-%s.pcap", ns->label, ifname);
	if (lua_istable(L, 3)) {
		snprintf(name, sizeof(name), "%s", wgl_lua_optstring(L, 3, "file", name));
		o.snaplen = (int)wgl_lua_optint_in(L, 3, "snaplen", 0, 64, 262144);
		o.filter = wgl_lua_optstring(L, 3, "filter", NULL);
	}
	if (strchr(name, '/'))
		return luaL_error(L, "capture: file must be a plain name, got '%s'", name);
	wgl_lua_check_ifname(L, "capture", ifname);
	wgl_lua_artifact(L, "pcap", name, path, sizeof(path));
	cap = wgl_capture_start(ns, ifname, path, &o);
	if (!cap)
		return wgl_lua_net_error(L, -errno, "capture", ns, ifname, "link", ifname);
	wgl_lua_push_capture(L, cap, path, 1); /* the node outlives its capture */
	return 1;
}

static int cap_stop(lua_State *L)
{
	struct lcap *c = luaL_checkudata(L, 1, CAPTURE_CLASS);
	struct wgl_capture_stats st = { 0 };
	int t;

	if (c->cap) {
		int err = wgl_capture_stop(c->cap, &st);

		c->cap = NULL;
		if (err < 0)
			return wgl_lua_errno(L, err, "capture:stop");
	}
	analyze_push(L, c->path, 2);
	t = lua_gettop(L);
	lua_pushinteger(L, (lua_Integer)st.dropped);
	lua_setfield(L, t, "dropped");
	lua_pushstring(L, c->path);
	lua_setfield(L, t, "path");
	return 1;
}

static int cap_gc(lua_State *L)
{
	struct lcap *c = luaL_checkudata(L, 1, CAPTURE_CLASS);

	if (c->cap)
		wgl_capture_stop(c->cap, NULL);
	c->cap = NULL;
	return 0;
}

static int cap_path(lua_State *L)
{
	struct lcap *c = luaL_checkudata(L, 1, CAPTURE_CLASS);

	lua_pushstring(L, c->path);
	return 1;
}

/* Pushes {type, sender, receiver, counter, src, dst, sport, dport, time, data}. */
static void push_message(lua_State *L, const struct wgl_pkt *p, const uint8_t *payload)
{
	char addr[INET6_ADDRSTRLEN];

	lua_newtable(L);
	wgl_lua_field_int(L, "type", p->wg_type);
	wgl_lua_field_int(L, "sender", p->sender);
	wgl_lua_field_int(L, "receiver", p->receiver);
	wgl_lua_field_int(L, "counter", (lua_Integer)p->counter);
	inet_ntop(p->family, p->src, addr, sizeof(addr));
	wgl_lua_field_str(L, "src", addr);
	inet_ntop(p->family, p->dst, addr, sizeof(addr));
	wgl_lua_field_str(L, "dst", addr);
	wgl_lua_field_int(L, "sport", p->sport);
	wgl_lua_field_int(L, "dport", p->dport);
	wgl_lua_field_num(L, "time", (double)p->ts_ns / 1e9);
	lua_pushlstring(L, (const char *)payload, p->wg_len);
	lua_setfield(L, -2, "data");
}

/*
 * wglab.wg_messages(path, {type=, max=}): the WireGuard messages of a capture
 * with their exact UDP payload bytes, e.g. to replay one from elsewhere.
 */
static int l_wg_messages(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int want = lua_istable(L, 2) ? (int)wgl_lua_optint_in(L, 2, "type", 0, 1, 4) : 0;
	int max = lua_istable(L, 2) ? (int)wgl_lua_optint_in(L, 2, "max", 100000, 0, 10000000)
				    : 100000;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							      errbuf);
	int n = 0;

	if (!pc)
		return luaL_error(L, "wg_messages: %s", errbuf);
	lua_newtable(L);
	while (n < max && pcap_next_ex(pc, &h, &data) == 1) {
		struct wgl_pkt p = { 0 };

		wgl_dissect_frame(pcap_datalink(pc), data, h->caplen, &p);
		/* The UDP payload ends the frame when nothing was cut off. */
		if (p.kind != WGL_PKT_WG || h->caplen != h->len || p.wg_len > h->caplen ||
		    (want && p.wg_type != want))
			continue;
		p.ts_ns = (long long)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec;
		push_message(L, &p, data + h->caplen - p.wg_len);
		lua_rawseti(L, -2, ++n);
	}
	pcap_close(pc);
	return 1;
}

/*
 * wglab.keylog(path, {local_private=, remote_public=, preshared=}): appends
 * the keys Wireshark needs (wg.keylog_file) next to a capture.
 */
static int l_keylog(lua_State *L)
{
	static const char *const fields[] = { "local_private", "remote_public", "preshared" };
	const char *path = wgl_lua_case_path(L, 1);
	struct wgl_keylog_keys k = { 0 };
	wgl_key keys[3];
	int err;

	luaL_checktype(L, 2, LUA_TTABLE);
	for (int i = 0; i < 3; i++) {
		const char *b64 = wgl_lua_optstring(L, 2, fields[i], NULL);

		if (b64 && wgl_key_from_base64(keys[i], b64) < 0)
			return luaL_error(L, "keylog: %s is not a base64 key", fields[i]);
		if (!b64)
			continue;
		if (i == 0)
			k.local_static_private = keys[0];
		else if (i == 1)
			k.remote_static_public = keys[1];
		else
			k.preshared = keys[2];
	}
	err = wgl_keylog_append(path, &k);
	if (err < 0)
		return wgl_lua_errno(L, err, "keylog");
	return 0;
}

static const luaL_Reg cap_methods[] = {
	{ "stop", cap_stop }, { "path", cap_path }, { NULL, NULL },
};

void wgl_lua_open_pcap(lua_State *L)
{
	wgl_lua_class(L, CAPTURE_CLASS, cap_methods, cap_gc);
	wgl_lua_setfn(L, "capture", l_capture);
	wgl_lua_setfn(L, "analyze", l_analyze);
	wgl_lua_setfn(L, "wg_messages", l_wg_messages);
	wgl_lua_setfn(L, "keylog", l_keylog);
}
