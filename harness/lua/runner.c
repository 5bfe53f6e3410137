// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <lualib.h>

#include "base/log.h"
#include "harness/lua/lua.h"
#include "harness/lua/prelude.h"
#include "harness/lua/runner.h"
#include "harness/pair.h"
#include "harness/lua/sock.h"

void wgl_lua_set_ctx(lua_State *L, struct wgl_lua_case *c);

static json_t *to_json(lua_State *L, int idx, int depth);

/* A table is an array if its keys are exactly 1..n. */
static bool is_array(lua_State *L, int idx)
{
	lua_Integer n = 0;

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			return false;
		}
		n++;
	}
	return n == (lua_Integer)lua_rawlen(L, idx);
}

static json_t *table_to_json(lua_State *L, int idx, int depth)
{
	json_t *out;

	if (is_array(L, idx) && lua_rawlen(L, idx) > 0) {
		out = json_array();
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, idx); i++) {
			lua_rawgeti(L, idx, i);
			json_array_append_new(out, to_json(L, lua_gettop(L), depth + 1));
			lua_pop(L, 1);
		}
		return out;
	}
	out = json_object();
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) == LUA_TSTRING)
			json_object_set_new(out, lua_tostring(L, -2),
					    to_json(L, lua_gettop(L), depth + 1));
		lua_pop(L, 1);
	}
	return out;
}

static json_t *to_json(lua_State *L, int idx, int depth)
{
	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer(lua_tointeger(L, idx));
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING:
		return json_string(lua_tostring(L, idx));
	case LUA_TTABLE:
		if (depth < 8)
			return table_to_json(L, idx, depth);
		/* fallthrough */
	default:
		return json_null();
	}
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
	return 1;
}

static lua_State *new_state(void)
{
	lua_State *L = luaL_newstate();

	if (!L)
		return NULL;
	luaL_openlibs(L);
	wgl_lua_open_core(L);
	wgl_lua_open_sandbox(L);
	wgl_lua_open_net(L);
	wgl_lua_open_sock(L);
	wgl_lua_open_pcap(L);
	wgl_lua_open_probe(L);
	wgl_lua_open_stats(L);
	wgl_lua_open_traffic(L);
	if (luaL_loadbuffer(L, wgl_lua_prelude, strlen(wgl_lua_prelude), "prelude") ||
	    lua_pcall(L, 0, 0, 0)) {
		wgl_err("prelude: %s", lua_tostring(L, -1));
		lua_close(L);
		return NULL;
	}
	return L;
}

/* Loads and runs the script's top level under a traceback handler. */
static int load_script(lua_State *L, const char *path)
{
	int base;

	lua_pushcfunction(L, traceback);
	base = lua_gettop(L);
	if (luaL_loadfile(L, path) != LUA_OK)
		return LUA_ERRSYNTAX;
	return lua_pcall(L, 0, 0, base);
}

static void (*tick_cb)(void);

void wgl_runner_on_tick(void (*tick)(void))
{
	tick_cb = tick;
}

/* Raises on every call once the deadline has passed, not only once. */
static void timeout_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	if (tick_cb)
		tick_cb();
	wgl_lua_deadline_check(L);
}

static void set_deadline(lua_State *L, struct wgl_lua_case *ctx, double timeout_s)
{
	ctx->timeout_s = timeout_s;
	ctx->deadline_ns = wgl_now_ns() + (long long)(timeout_s * 1e9);
	ctx->timed_out = false;
	wgl_deadline_set(ctx->deadline_ns);
	lua_sethook(L, timeout_hook, LUA_MASKCOUNT, 1000);
}

json_t *wgl_scenario_meta(const char *path)
{
	struct wgl_lua_case dummy = { 0 };
	lua_State *L = new_state();
	json_t *meta = NULL;

	if (!L)
		return NULL;
	wgl_lua_set_ctx(L, &dummy);
	/* A declaration is read at once: a script that loops at its top level is an error. */
	set_deadline(L, &dummy, 10);
	if (load_script(L, path) != LUA_OK) {
		fprintf(stderr, "wglab: %s\n", lua_tostring(L, -1));
		goto out;
	}
	if (lua_getglobal(L, "__scenario") != LUA_TTABLE) {
		fprintf(stderr, "wglab: %s: no scenario{} declaration\n", path);
		goto out;
	}
	meta = to_json(L, lua_gettop(L), 0);
	if (lua_getglobal(L, "run") != LUA_TFUNCTION) {
		fprintf(stderr, "wglab: %s: no function run(case)\n", path);
		json_decref(meta);
		meta = NULL;
	}
out:
	wgl_deadline_set(0);
	lua_close(L);
	return meta;
}

static enum wgl_verdict finish(lua_State *L, struct wgl_lua_case *ctx, int status)
{
	const char *msg = lua_tostring(L, -1);

	char why[96];

	/* An overrun is an error whatever the script made of it. */
	if (ctx->timed_out || wgl_now_ns() >= ctx->deadline_ns) {
		if (status != LUA_OK && msg)
			wgl_dbg("%s", msg);
		snprintf(why, sizeof(why), "case timed out after %g s", ctx->timeout_s);
		wgl_err("%s", why);
		wgl_case_verdict(ctx->result, WGL_ERROR, why);
		return WGL_ERROR;
	}
	if (status == LUA_OK)
		return wgl_case_get_verdict(ctx->result);
	if (ctx->skipped) {
		wgl_case_verdict(ctx->result, WGL_SKIP, ctx->skip_reason);
		return WGL_SKIP;
	}
	wgl_err("%s", msg ? msg : "script error");
	wgl_case_verdict(ctx->result, WGL_ERROR, msg ? msg : "script error");
	return WGL_ERROR;
}

/*
 * Where the case's wall time went waiting: deliberate sleeps (protocol
 * timers, settling) and timeouts waited out. Informational metrics, so the
 * suite's time can be split into waits and work per case.
 */
static void record_waits(const struct wgl_lua_case *ctx)
{
	if (ctx->skipped)
		return;
	wgl_case_metric(ctx->result, "time_sleeping", "s", &ctx->sleep_s, 1, NULL);
	wgl_case_metric(ctx->result, "time_timeouts", "s", &ctx->waits_timeout_s, 1, NULL);
}

enum wgl_verdict wgl_scenario_run_case(const char *path, struct wgl_run *run,
				       struct wgl_case *c, json_t *params, const char *dir,
				       double timeout_s, const struct wgl_backend_config *wg)
{
	struct wgl_lua_case ctx = { .run = run, .result = c, .params = params, .wg = wg };
	enum wgl_verdict v;
	lua_State *L = new_state();
	int status, base;

	if (!L) {
		wgl_case_verdict(c, WGL_ERROR, "cannot create a Lua state");
		return WGL_ERROR;
	}
	snprintf(ctx.dir, sizeof(ctx.dir), "%s", dir);
	wgl_lua_set_ctx(L, &ctx);
	set_deadline(L, &ctx, timeout_s);
	wgl_lua_remote_case_begin();
	status = load_script(L, path);
	if (status == LUA_OK) {
		lua_pushcfunction(L, traceback);
		base = lua_gettop(L);
		lua_getglobal(L, "run");
		wgl_lua_push_json(L, params);
		lua_pushstring(L, dir);
		lua_setfield(L, -2, "dir");
		status = lua_pcall(L, 1, 0, base);
	}
	/* The teardown below gets its own timeouts, whatever time is left. */
	wgl_deadline_set(0);
	v = finish(L, &ctx, status);
	/* While the pair still stands: its daemon's CPU and memory are still there to read. */
	wgl_lua_remote_case_end(c);
	/* All pairs' daemons stop at once; then closing the state runs every __gc. */
	wgl_pairs_wind_down();
	lua_close(L);
	record_waits(&ctx);
	return v;
}
