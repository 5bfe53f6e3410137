// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Statistics and CPU accounting for scenarios: wglab.stats.* over the C
 * statistics module (base/stats.h, one percentile definition for all of
 * wglab) and wglab.cpu.* over harness/traffic/cpu.h (clock ticks from
 * sysconf). Scripts get the same figures as the C measurements.
 */
#include <math.h>

#include "base/stats.h"
#include "harness/backends/backend.h"
#include "harness/lua/lua.h"
#include "harness/traffic/cpu.h"

/*
 * The numbers of the list at idx as a C array owned by a userdata pushed on
 * the stack (collected with the state, so a Lua error cannot leak it).
 */
static double *check_list(lua_State *L, int idx, const char *fn, size_t *n)
{
	double *v;

	luaL_checktype(L, idx, LUA_TTABLE);
	*n = lua_rawlen(L, idx);
	v = lua_newuserdatauv(L, (*n ? *n : 1) * sizeof(*v), 0);
	for (size_t i = 0; i < *n; i++) {
		lua_rawgeti(L, idx, (lua_Integer)i + 1);
		if (!lua_isnumber(L, -1))
			luaL_error(L, "%s: element %d is a %s, not a number", fn, (int)i + 1,
				   luaL_typename(L, -1));
		v[i] = lua_tonumber(L, -1);
		lua_pop(L, 1);
	}
	return v;
}

/* A number, or nil for the "no value" NaN of an empty list. */
static int push_value(lua_State *L, double d)
{
	if (isnan(d))
		lua_pushnil(L);
	else
		lua_pushnumber(L, d);
	return 1;
}

/* wglab.stats.percentile(list, p) -> number, or nil for an empty list */
static int l_percentile(lua_State *L)
{
	size_t n;
	double *v = check_list(L, 1, "wglab.stats.percentile", &n);
	double p = luaL_checknumber(L, 2);

	luaL_argcheck(L, p >= 0 && p <= 100, 2, "p must be 0..100");
	return push_value(L, wgl_percentile(v, n, p));
}

/* wglab.stats.median(list) -> number, or nil for an empty list */
static int l_median(lua_State *L)
{
	size_t n;
	double *v = check_list(L, 1, "wglab.stats.median", &n);

	return push_value(L, wgl_median(v, n));
}

/* wglab.stats.summary(list) -> {n, min, max, mean, median, spread, stddev, spread_pct} */
static int l_summary(lua_State *L)
{
	struct wgl_summary s;
	size_t n;
	double *v = check_list(L, 1, "wglab.stats.summary", &n);

	wgl_summarize(v, n, &s);
	lua_newtable(L);
	wgl_lua_field_int(L, "n", (lua_Integer)s.n);
	if (!n)
		return 1; /* every figure nil */
	wgl_lua_field_num(L, "min", s.min);
	wgl_lua_field_num(L, "max", s.max);
	wgl_lua_field_num(L, "mean", s.mean);
	wgl_lua_field_num(L, "median", s.median);
	wgl_lua_field_num(L, "spread", s.spread);
	wgl_lua_field_num(L, "stddev", s.stddev);
	wgl_lua_field_num(L, "spread_pct", s.spread_pct);
	return 1;
}

/*
 * wglab.cpu.seconds(dev) -> CPU seconds so far of the WireGuard
 * implementation behind dev, or nil when /proc cannot be read: its daemon's
 * utime + stime when it has one (userspace), else host-wide system + irq +
 * softirq (kernel WireGuard runs in softirqs and kworkers, not a process).
 * Only differences between two calls mean anything.
 */
static int l_cpu_seconds(lua_State *L)
{
	struct wgl_wgdev *w = wgl_lua_checkwg(L, 1);
	pid_t pid = wgl_wg_pid(w);
	pid_t pids[WGL_CPU_PROCS] = { pid > 0 ? pid : 0, 0 };
	struct wgl_cpu_sample s;

	if (wgl_cpu_sample(&s, pids) < 0)
		return lua_pushnil(L), 1;
	if (pids[0] > 0) {
		double sec = wgl_cpu_proc_s(&s, 0);

		return sec < 0 ? (lua_pushnil(L), 1) : (lua_pushnumber(L, sec), 1);
	}
	lua_pushnumber(L, wgl_cpu_host_kernel_s(&s));
	return 1;
}

/* wglab.cpu.hz() -> clock ticks per second of /proc's CPU times */
static int l_cpu_hz(lua_State *L)
{
	lua_pushnumber(L, wgl_cpu_hz());
	return 1;
}

/* wglab.cpu.per_gb(cpu_s, bytes) -> CPU seconds per 10^9 bytes, or nil */
static int l_cpu_per_gb(lua_State *L)
{
	double cpu_s = luaL_checknumber(L, 1), bytes = luaL_checknumber(L, 2);

	luaL_argcheck(L, bytes >= 0 && bytes < 1.8e19, 2, "bytes must be 0..1.8e19");
	return push_value(L, bytes >= 1 ? wgl_cpu_s_per_gb(cpu_s, (uint64_t)bytes) : NAN);
}

/* wglab.<name> = a table of fns, creating wglab when it does not exist yet. */
static void set_lib(lua_State *L, const char *name, const luaL_Reg *fns)
{
	if (lua_getglobal(L, "wglab") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setglobal(L, "wglab");
	}
	lua_newtable(L);
	luaL_setfuncs(L, fns, 0);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

static const luaL_Reg stats_fns[] = {
	{ "median", l_median }, { "percentile", l_percentile }, { "summary", l_summary },
	{ NULL, NULL },
};

static const luaL_Reg cpu_fns[] = {
	{ "seconds", l_cpu_seconds }, { "hz", l_cpu_hz }, { "per_gb", l_cpu_per_gb },
	{ NULL, NULL },
};

void wgl_lua_open_stats(lua_State *L)
{
	set_lib(L, "stats", stats_fns);
	set_lib(L, "cpu", cpu_fns);
}
