// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Traffic bindings: libiperf measurements (each side a forked child in its
 * node) and UDP echo latency. Failed measurements come back as data
 * ({ok = false, error = ...}), not as script errors.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "base/log.h"
#include "harness/lua/lua.h"
#include "harness/traffic/echo.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"

#define IPERF_CLASS "wglab.iperf"

struct liperf {
	struct wgl_iperf_run run;
	bool running;
};

static void iperf_opts(lua_State *L, int idx, struct wgl_iperf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->server_addr = wgl_lua_optstring(L, idx, "dst", NULL);
	if (!o->server_addr)
		luaL_error(L, "iperf: dst = server address is required");
	if (!wgl_addr_allowed(o->server_addr))
		luaL_error(L, "iperf: %s is outside the benchmarking ranges", o->server_addr);
	o->port = (uint16_t)wgl_lua_optint_in(L, idx, "port", 0, 1, 65535);
	o->udp = wgl_lua_optbool(L, idx, "udp", false);
	o->streams = (int)wgl_lua_optint_in(L, idx, "streams", 1, 1, 128);
	o->reverse = wgl_lua_optbool(L, idx, "reverse", false);
	o->bidir = wgl_lua_optbool(L, idx, "bidir", false);
	o->duration_s = (int)wgl_lua_optint_in(L, idx, "duration", 5, 1, 3600);
	o->omit_s = (int)wgl_lua_optint_in(L, idx, "omit", 0, 0, 600);
	o->bitrate = (uint64_t)wgl_lua_optnum_in(L, idx, "bitrate", 0, 1, 1e13);
	o->blksize = (int)wgl_lua_optint_in(L, idx, "size", 0, 1, 1 << 20);
	if (o->duration_s < 1 || o->duration_s > 3600 || o->streams < 1 || o->streams > 128)
		luaL_error(L, "iperf: duration must be 1..3600 s and streams 1..128");
	/* The whole test (its own default: duration + omit + 20 s) ends with the case. */
	o->timeout_ms = wgl_lua_deadline_ms(L, (o->duration_s + o->omit_s + 20) * 1000.0);
}

static void nodes(lua_State *L, int idx, struct wgl_ns **server, struct wgl_ns **client)
{
	wgl_lua_checkfield_udata(L, idx, "server", "wglab.node");
	*server = wgl_lua_checknode(L, -1);
	wgl_lua_checkfield_udata(L, idx, "client", "wglab.node");
	*client = wgl_lua_checknode(L, -1);
	lua_pop(L, 2);
}

void wgl_lua_push_iperf(lua_State *L, int err, const struct wgl_iperf_result *r)
{
	lua_newtable(L);
	lua_pushboolean(L, err == 0);
	lua_setfield(L, -2, "ok");
	if (err) {
		wgl_lua_field_str(L, "error", r->error[0] ? r->error : strerror(-err));
		return;
	}
	wgl_lua_field_num(L, "seconds", r->seconds);
	wgl_lua_field_num(L, "sent_bps", r->sent_bps);
	wgl_lua_field_num(L, "received_bps", r->received_bps);
	wgl_lua_field_num(L, "reverse_received_bps", r->rev_received_bps);
	wgl_lua_field_num(L, "bytes", (double)wgl_iperf_bytes_moved(r));
	wgl_lua_field_num(L, "retransmits", (double)r->retransmits);
	wgl_lua_field_num(L, "jitter_ms", r->jitter_ms);
	wgl_lua_field_num(L, "lost_packets", (double)r->lost_packets);
	wgl_lua_field_num(L, "packets", (double)r->packets);
	wgl_lua_field_num(L, "lost_percent", r->lost_percent);
	wgl_lua_field_num(L, "cpu_host", r->cpu_host_pct);
	wgl_lua_field_num(L, "cpu_remote", r->cpu_remote_pct);
	wgl_lua_field_num(L, "mean_rtt_us", r->mean_rtt_us);
}

static int iperf_begin(lua_State *L, struct liperf *h)
{
	struct wgl_ns *server, *client;
	struct wgl_iperf_opts o;
	int err;

	luaL_checktype(L, 1, LUA_TTABLE);
	iperf_opts(L, 1, &o);
	nodes(L, 1, &server, &client);
	err = wgl_iperf_begin(&h->run, server, client, &o);
	h->running = err == 0;
	return err;
}

static int l_iperf(lua_State *L)
{
	struct liperf h = { 0 };
	struct wgl_iperf_result r = { 0 };
	int err;

	if (wgl_lua_remote_traffic(L, 1))
		return wgl_lua_remote_iperf(L);
	err = iperf_begin(L, &h);
	if (!err)
		err = wgl_iperf_end(&h.run, &r, NULL);
	wgl_lua_deadline_check(L);
	wgl_lua_push_iperf(L, err, &r);
	return 1;
}

/* wglab.iperf_start{...} -> handle; handle:wait() -> result */
static int l_iperf_start(lua_State *L)
{
	struct liperf *h;
	int err;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (wgl_lua_remote_traffic(L, 1))
		return wgl_lua_remote_iperf_start(L);
	h = lua_newuserdatauv(L, sizeof(*h), 2);
	memset(h, 0, sizeof(*h));
	luaL_setmetatable(L, IPERF_CLASS);
	/* The nodes must outlive the children running in them. */
	lua_getfield(L, 1, "server");
	lua_setiuservalue(L, -2, 1);
	lua_getfield(L, 1, "client");
	lua_setiuservalue(L, -2, 2);
	err = iperf_begin(L, h);
	if (err)
		return wgl_lua_errno(L, err, "iperf_start");
	return 1;
}

static int iperf_wait(lua_State *L)
{
	struct liperf *h = luaL_checkudata(L, 1, IPERF_CLASS);
	struct wgl_iperf_result r = { 0 };
	int err;

	if (!h->running)
		return luaL_error(L, "iperf: already collected");
	err = wgl_iperf_end(&h->run, &r, NULL);
	h->running = false;
	wgl_lua_deadline_check(L);
	wgl_lua_push_iperf(L, err, &r);
	return 1;
}

static int iperf_gc(lua_State *L)
{
	struct liperf *h = luaL_checkudata(L, 1, IPERF_CLASS);

	if (h->running)
		wgl_iperf_abort(&h->run);
	h->running = false;
	return 0;
}

/* wglab.echo{client=, server=, dst=, count=, interval=, payload=, port=} */
static int l_echo(lua_State *L)
{
	struct wgl_echo_server srv = { 0 };
	struct wgl_echo_opts o = { 0 };
	struct wgl_echo_result r = { 0 };
	struct wgl_ns *server, *client;
	unsigned int nsamples = 0;
	double *samples, want_ms;
	int err, left_ms, iv_us;
	bool cut;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (wgl_lua_remote_traffic(L, 1))
		return wgl_lua_remote_echo(L);
	nodes(L, 1, &server, &client);
	o.addr = wgl_lua_optstring(L, 1, "dst", NULL);
	if (!o.addr || !wgl_addr_allowed(o.addr))
		return luaL_error(L, "echo: dst must be an address in the benchmarking ranges");
	o.port = (uint16_t)wgl_lua_optint_in(L, 1, "port", 0, 1, 65535);
	o.count = (int)wgl_lua_optint_in(L, 1, "count", 100, 1, 100000);
	o.interval_us = (int)(wgl_lua_optnum_in(L, 1, "interval", 0.01, 0.000001, 10) * 1e6);
	o.payload = (int)wgl_lua_optint_in(L, 1, "payload", 64, 16, 65000);
	if (o.count < 1 || o.count > 100000)
		return luaL_error(L, "echo: field 'count' must be 1..100000");
	if (o.interval_us < 0 || o.interval_us > 10000000)
		return luaL_error(L, "echo: field 'interval' must be 0..10 s");
	/* The probe has no deadline of its own: one that cannot end in time sends less. */
	iv_us = o.interval_us ? o.interval_us : 10000;
	want_ms = (double)o.count * iv_us / 1000;
	left_ms = wgl_lua_deadline_ms(L, want_ms);
	cut = left_ms < want_ms;
	if (cut)
		o.count = (int)((double)left_ms * 1000 / iv_us) + 1;
	samples = lua_newuserdatauv(L, sizeof(double) * (size_t)o.count, 0);
	o.samples_ms = samples;
	o.nsamples = &nsamples;
	err = wgl_echo_server_start(&srv, server, o.addr, o.port);
	if (err)
		return wgl_lua_errno(L, err, "echo: server");
	err = wgl_echo_probe(client, &o, &r);
	wgl_echo_server_stop(&srv);
	if (cut) /* and the case ends at its deadline, not with a short probe */
		wgl_sleep_ms(wgl_lua_deadline_ms(L, INT_MAX));
	wgl_lua_deadline_check(L);
	if (err)
		return wgl_lua_errno(L, err, "echo");
	lua_newtable(L);
	lua_createtable(L, (int)nsamples, 0);
	for (unsigned int i = 0; i < nsamples; i++) {
		lua_pushnumber(L, samples[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "rtt_ms");
	wgl_lua_field_num(L, "sent", r.sent);
	wgl_lua_field_num(L, "received", r.received);
	wgl_lua_field_num(L, "loss_pct", r.loss_pct);
	if (r.received) {
		wgl_lua_field_num(L, "min_ms", r.min_ms);
		wgl_lua_field_num(L, "p50_ms", r.p50_ms);
		wgl_lua_field_num(L, "p90_ms", r.p90_ms);
		wgl_lua_field_num(L, "p99_ms", r.p99_ms);
		wgl_lua_field_num(L, "max_ms", r.max_ms);
		wgl_lua_field_num(L, "mean_ms", r.mean_ms);
	}
	return 1;
}

static const luaL_Reg iperf_methods[] = { { "wait", iperf_wait }, { NULL, NULL } };

void wgl_lua_open_traffic(lua_State *L)
{
	wgl_lua_class(L, IPERF_CLASS, iperf_methods, iperf_gc);
	wgl_lua_setfn(L, "iperf", l_iperf);
	wgl_lua_setfn(L, "iperf_start", l_iperf_start);
	wgl_lua_setfn(L, "echo", l_echo);
	wgl_lua_open_rtraffic(L);
}
