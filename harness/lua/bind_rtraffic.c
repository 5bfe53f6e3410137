// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Traffic between remote nodes (harness/remote.h): wglab.iperf,
 * wglab.iperf_start and wglab.echo with the pair's nodes driven by their
 * agents. The server side runs on the server node's agent, the client side
 * on the client node's, so nothing is measured on the controller. The
 * results have the shape of the local bindings' (bind_traffic.c): a script
 * cannot tell, and a failed measurement is data ({ok = false, error}), not
 * a script error.
 *
 * Also the per-case host figures: the agents' counters sampled when a case
 * starts and before its pair is torn down, recorded as the case's hosts.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "harness/lua/lua.h"
#include "harness/remote.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"

#define RIPERF_CLASS "wglab.riperf"
#define CALL_MS 30000
/* Past the iperf test's own budget: the agent kills a late client itself first. */
#define SLACK_MS 10000

/* A remote measurement: the server's handle on one agent, the client's on the other. */
struct riperf {
	int srv, cli;                   /* node indexes */
	int srv_handle, cli_handle;     /* -1: none */
	int budget_ms;                  /* the client's whole test */
};

/* The agent's refusal as data: its message, logged as a warning (the case decides). */
static int agent_call(struct wgl_remote_node *n, const char *op, json_t *args, int timeout_ms,
		      json_t **res, char *why, size_t len)
{
	int err = wgl_agent_call(n->c, op, args, timeout_ms, res, why, len);

	if (err < 0)
		wgl_warn("node %s (%s): %s: %s", n->label, n->ssh.host, op, why);
	return err;
}

/* Node indexes of the table's server and client; a local node with a remote one skips. */
static void ends(lua_State *L, int idx, int *srv, int *cli)
{
	lua_getfield(L, idx, "server");
	*srv = wgl_lua_remote_node_index(L, -1);
	lua_getfield(L, idx, "client");
	*cli = wgl_lua_remote_node_index(L, -1);
	lua_pop(L, 2);
	if (*srv < 0 || *cli < 0)
		wgl_lua_remote_unsupported(L, "traffic between a local and a remote node");
}

bool wgl_lua_remote_traffic(lua_State *L, int idx)
{
	bool remote;

	if (!lua_istable(L, idx))
		return false;
	lua_getfield(L, idx, "server");
	lua_getfield(L, idx, "client");
	remote = wgl_lua_remote_node_index(L, -1) >= 0 || wgl_lua_remote_node_index(L, -2) >= 0;
	lua_pop(L, 2);
	return remote;
}

/* Sets key in o from the Lua field when it is there (range checked as the local binding). */
static void opt_int(lua_State *L, int idx, json_t *o, const char *lkey, const char *key,
		    lua_Integer min, lua_Integer max)
{
	lua_Integer v = wgl_lua_optint_in(L, idx, lkey, -1, min, max);

	if (v >= 0)
		json_object_set_new(o, key, json_integer(v));
}

/* The client's request (iperf_client args) from the script's table; budget in *ms. */
static json_t *client_args(lua_State *L, int idx, int *budget_ms)
{
	const char *dst = wgl_lua_optstring(L, idx, "dst", NULL);
	int dur = (int)wgl_lua_optint_in(L, idx, "duration", 5, 1, 3600);
	int omit = (int)wgl_lua_optint_in(L, idx, "omit", 0, 0, 600);
	double bitrate = wgl_lua_optnum_in(L, idx, "bitrate", 0, 1, 1e13);
	json_t *o;

	if (!dst)
		luaL_error(L, "iperf: dst = server address is required");
	if (!wgl_addr_allowed(dst))
		luaL_error(L, "iperf: %s is outside the benchmarking ranges", dst);
	o = json_pack("{s:s s:b s:i s:b s:b s:i s:i s:f}", "addr", dst, "udp",
		      wgl_lua_optbool(L, idx, "udp", false), "streams",
		      (int)wgl_lua_optint_in(L, idx, "streams", 1, 1, 128), "reverse",
		      wgl_lua_optbool(L, idx, "reverse", false), "bidir",
		      wgl_lua_optbool(L, idx, "bidir", false), "duration_s", dur, "omit_s", omit,
		      "bitrate", bitrate);
	opt_int(L, idx, o, "port", "port", 1, 65535);
	opt_int(L, idx, o, "size", "size", 1, 1 << 20);
	*budget_ms = wgl_lua_deadline_ms(L, (dur + omit + 20) * 1000.0);
	return o;
}

static void stop_handle(int node, int *handle)
{
	struct wgl_remote_node *n = wgl_remote_node(node);

	if (*handle >= 0 && n)
		wgl_agent_call(n->c, "stop", json_pack("{s:i}", "handle", *handle), CALL_MS, NULL,
			       (char[256]){ 0 }, 256);
	*handle = -1;
}

/* Starts the server there; 0, or -errno with the agent's reason in why. */
static int server_start(lua_State *L, struct riperf *h, const json_t *cargs, char *why,
			size_t len)
{
	json_t *args = json_pack("{s:O}", "addr", json_object_get(cargs, "addr")), *res = NULL;
	int err;

	if (json_object_get(cargs, "port"))
		json_object_set(args, "port", json_object_get(cargs, "port"));
	err = agent_call(wgl_lua_rnode(L, h->srv), "iperf_server", args, CALL_MS, &res, why, len);
	if (!err)
		h->srv_handle = (int)json_integer_value(json_object_get(res, "handle"));
	json_decref(res);
	return err;
}

/* Pushes the client's iperf JSON as the local binding's result table. */
static void push_result(lua_State *L, int err, const json_t *js, const char *why)
{
	struct wgl_iperf_result r = { 0 };
	char *text = err ? NULL : json_dumps(js, JSON_COMPACT);

	if (err)
		snprintf(r.error, sizeof(r.error), "%s", why[0] ? why : strerror(-err));
	else if (!text)
		err = -ENOMEM;
	else
		err = wgl_iperf_parse(text, &r);
	free(text);
	wgl_lua_push_iperf(L, err, &r);
}

/*
 * Server, then client (background: a handle). The client's JSON in *res
 * when it ran in the foreground. 0 or -errno with the reason in why.
 */
static int riperf_begin(lua_State *L, struct riperf *h, bool background, json_t **res,
			char *why, size_t len)
{
	json_t *cargs, *out = NULL;
	int err;

	luaL_checktype(L, 1, LUA_TTABLE);
	h->srv_handle = h->cli_handle = -1;
	ends(L, 1, &h->srv, &h->cli);
	cargs = client_args(L, 1, &h->budget_ms);
	err = server_start(L, h, cargs, why, len);
	if (err) {
		json_decref(cargs);
		return err;
	}
	json_object_set_new(cargs, "background", json_boolean(background));
	err = agent_call(wgl_lua_rnode(L, h->cli), "iperf_client", cargs,
			 background ? CALL_MS : h->budget_ms + SLACK_MS, &out, why, len);
	if (!err && background)
		h->cli_handle = (int)json_integer_value(json_object_get(out, "handle"));
	if (!err && !background)
		*res = json_incref(out);
	json_decref(out);
	return err;
}

/* wglab.iperf{...} with remote nodes. */
int wgl_lua_remote_iperf(lua_State *L)
{
	struct riperf h;
	json_t *js = NULL;
	char why[512] = "";
	int err = riperf_begin(L, &h, false, &js, why, sizeof(why));

	/* The server ends after its one test; a failed client leaves it waiting: stopped. */
	stop_handle(h.srv, &h.srv_handle);
	wgl_lua_deadline_check(L);
	push_result(L, err, js, why);
	json_decref(js);
	return 1;
}

/* wglab.iperf_start{...} with remote nodes -> handle; handle:wait() -> result. */
int wgl_lua_remote_iperf_start(lua_State *L)
{
	struct riperf *h = lua_newuserdatauv(L, sizeof(*h), 0);
	char why[512] = "";
	int err;

	h->srv_handle = h->cli_handle = -1;
	luaL_setmetatable(L, RIPERF_CLASS);
	err = riperf_begin(L, h, true, NULL, why, sizeof(why));
	if (err) {
		stop_handle(h->srv, &h->srv_handle);
		return luaL_error(L, "iperf_start: %s", why[0] ? why : strerror(-err));
	}
	return 1;
}

static int riperf_wait(lua_State *L)
{
	struct riperf *h = luaL_checkudata(L, 1, RIPERF_CLASS);
	json_t *js = NULL;
	char why[512] = "";
	int err;

	if (h->cli_handle < 0)
		return luaL_error(L, "iperf: already collected");
	err = agent_call(wgl_lua_rnode(L, h->cli), "iperf_wait", json_pack("{s:i}", "handle",
			 h->cli_handle), h->budget_ms + SLACK_MS, &js, why, sizeof(why));
	/* Collected or not, the agent released the client's handle. */
	h->cli_handle = -1;
	stop_handle(h->srv, &h->srv_handle);
	wgl_lua_deadline_check(L);
	push_result(L, err, js, why);
	json_decref(js);
	return 1;
}

static int riperf_gc(lua_State *L)
{
	struct riperf *h = luaL_checkudata(L, 1, RIPERF_CLASS);

	stop_handle(h->cli, &h->cli_handle);
	stop_handle(h->srv, &h->srv_handle);
	return 0;
}

/* ---- echo --------------------------------------------------------------- */

struct recho {
	const char *addr;
	int port, count, interval_us, payload;
};

static void echo_opts(lua_State *L, struct recho *o)
{
	o->addr = wgl_lua_optstring(L, 1, "dst", NULL);
	if (!o->addr || !wgl_addr_allowed(o->addr))
		luaL_error(L, "echo: dst must be an address in the benchmarking ranges");
	o->port = (int)wgl_lua_optint_in(L, 1, "port", 0, 1, 65535);
	o->count = (int)wgl_lua_optint_in(L, 1, "count", 100, 1, 100000);
	o->interval_us = (int)(wgl_lua_optnum_in(L, 1, "interval", 0.01, 0.000001, 10) * 1e6);
	o->payload = (int)wgl_lua_optint_in(L, 1, "payload", 64, 16, 65000);
	if (o->count < 1 || o->count > 100000)
		luaL_error(L, "echo: field 'count' must be 1..100000");
	if (o->interval_us < 0 || o->interval_us > 10000000)
		luaL_error(L, "echo: field 'interval' must be 0..10 s");
}

static void push_echo(lua_State *L, const json_t *res)
{
	static const char *const stats[] = { "min_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms",
					     "mean_ms" };
	const json_t *v;
	size_t i;

	lua_newtable(L);
	lua_newtable(L);
	json_array_foreach(json_object_get(res, "rtt_ms"), i, v) {
		lua_pushnumber(L, json_number_value(v));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "rtt_ms");
	wgl_lua_field_num(L, "sent", json_number_value(json_object_get(res, "sent")));
	wgl_lua_field_num(L, "received", json_number_value(json_object_get(res, "received")));
	wgl_lua_field_num(L, "loss_pct", json_number_value(json_object_get(res, "loss_pct")));
	if (json_integer_value(json_object_get(res, "received")) > 0)
		for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
			wgl_lua_field_num(L, stats[i], json_number_value(json_object_get(res,
					  stats[i])));
}

/* The probe's request, count cut to what the case's deadline leaves; *cut when it was. */
static json_t *probe_args(lua_State *L, struct recho *o, bool *cut, int *ms)
{
	int iv_us = o->interval_us ? o->interval_us : 10000;
	double want_ms = (double)o->count * iv_us / 1000;
	int left_ms = wgl_lua_deadline_ms(L, want_ms);
	json_t *a;

	*cut = left_ms < want_ms;
	if (*cut)
		o->count = (int)((double)left_ms * 1000 / iv_us) + 1;
	a = json_pack("{s:s s:i s:i s:i}", "addr", o->addr, "count", o->count, "interval_us",
		      iv_us, "payload", o->payload);
	if (o->port)
		json_object_set_new(a, "port", json_integer(o->port));
	/* The probe waits up to 1 s for stragglers after its last send. */
	*ms = left_ms + 1000 + CALL_MS;
	return a;
}

/* wglab.echo{...} with remote nodes: the server on the server node, the prober on the client. */
int wgl_lua_remote_echo(lua_State *L)
{
	struct recho o;
	json_t *sargs, *res = NULL;
	int srv, cli, handle = -1, ms, err;
	char why[512] = "";
	bool cut;

	luaL_checktype(L, 1, LUA_TTABLE);
	ends(L, 1, &srv, &cli);
	echo_opts(L, &o);
	sargs = json_pack("{s:s}", "addr", o.addr);
	if (o.port)
		json_object_set_new(sargs, "port", json_integer(o.port));
	err = agent_call(wgl_lua_rnode(L, srv), "echo_server", sargs, CALL_MS, &res, why,
			 sizeof(why));
	if (err)
		return luaL_error(L, "echo: server: %s", why);
	handle = (int)json_integer_value(json_object_get(res, "handle"));
	json_decref(res);
	res = NULL;
	sargs = probe_args(L, &o, &cut, &ms);
	err = agent_call(wgl_lua_rnode(L, cli), "echo_probe", sargs, ms, &res, why, sizeof(why));
	stop_handle(srv, &handle);
	if (cut) /* and the case ends at its deadline, not with a short probe */
		wgl_sleep_ms(wgl_lua_deadline_ms(L, INT_MAX));
	wgl_lua_deadline_check(L);
	if (err) {
		json_decref(res);
		return luaL_error(L, "echo: %s", why);
	}
	push_echo(L, res);
	json_decref(res);
	return 1;
}

void wgl_lua_open_rtraffic(lua_State *L)
{
	static const luaL_Reg methods[] = { { "wait", riperf_wait }, { NULL, NULL } };

	wgl_lua_class(L, RIPERF_CLASS, methods, riperf_gc);
}

/* ---- per-case host figures ---------------------------------------------- */

/*
 * The counters at the current case's start, per node. A run with remote
 * nodes runs its cases one after another (one pair per host at a time).
 */
static json_t *case_start[2];

static json_t *counters(int i)
{
	struct wgl_remote_node *n = wgl_remote_node(i);
	json_t *res = NULL;
	char why[256];

	if (n && agent_call(n, "counters", NULL, CALL_MS, &res, why, sizeof(why)) < 0)
		res = NULL;
	return res;
}

void wgl_lua_remote_case_begin(void)
{
	for (int i = 0; i < 2; i++) {
		json_decref(case_start[i]);
		case_start[i] = counters(i);
	}
}

static double field(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The daemon's CPU seconds since the start (it usually started within the case). */
static double daemon_cpu(const json_t *a, const json_t *b)
{
	double end = field(json_object_get(b, "procs_s"), WGL_REMOTE_IFNAME);
	double start = field(json_object_get(a, "procs_s"), WGL_REMOTE_IFNAME);

	if (!(end >= 0))
		return NAN;
	return start >= 0 && start <= end ? end - start : end;
}

static void record_host(struct wgl_case *c, const char *label, const json_t *a, const json_t *b)
{
	double wall = (field(b, "wall_ns") - field(a, "wall_ns")) / 1e9;
	double total = field(b, "host_total_s") - field(a, "host_total_s");
	double rss = field(json_object_get(b, "procs_max_rss"), WGL_REMOTE_IFNAME);
	double mem = field(b, "mem_available_bytes");
	struct wgl_case_host h = {
		.node = (char *)label, .wall_s = wall, .cpus = wall > 0 ? total / wall : NAN,
		.busy_pct = 100 * (field(b, "host_busy_s") - field(a, "host_busy_s")) / total,
		.kernel_pct = 100 * (field(b, "host_kernel_s") - field(a, "host_kernel_s")) / total,
		.daemon_cpu_s = daemon_cpu(a, b), .daemon_max_rss = rss >= 0 ? rss : NAN,
		.mem_available = mem >= 0 ? mem : NAN,
	};

	if (!(total > 0 && wall > 0))
		return;
	if (wgl_case_host(c, &h) < 0)
		wgl_warn("node %s: cannot record its CPU figures: out of memory", label);
}

void wgl_lua_remote_case_end(struct wgl_case *c)
{
	for (int i = 0; i < 2; i++) {
		struct wgl_remote_node *n = wgl_remote_node(i);
		json_t *end = case_start[i] ? counters(i) : NULL;

		if (n && end && c)
			record_host(c, n->label, case_start[i], end);
		json_decref(end);
		json_decref(case_start[i]);
		case_start[i] = NULL;
	}
}
