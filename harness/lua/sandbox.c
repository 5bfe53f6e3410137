// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a case's Lua state may do, and the case's deadline.
 *
 * The deadline is decided by the clock, not by an error value: Lua's pcall
 * catches every value, so a "special" error object would still be
 * swallowed. Instead, once the deadline has passed, every way back into
 * the script raises the deadline error again: the count hook (every 1000
 * instructions), every blocking binding (before and after its clamped
 * wait), and the prelude's pcall, xpcall, coroutine.resume and
 * coroutine.close, which return through wgl_after_pcall. A script that
 * catches the error gets it back the moment its handler returns, so the
 * error unwinds to the runner whatever the script does. The debug library
 * (debug.sethook, debug.getupvalue) is not given to scenarios, so neither
 * the hook nor the original pcall can be reached.
 */
#include <limits.h>
#include <math.h>

#include "base/log.h"
#include "harness/lua/lua.h"

int wgl_lua_deadline_raise(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	c->timed_out = true;
	return luaL_error(L, "case timed out after %g s", c->timeout_s);
}

void wgl_lua_deadline_check(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	if (c && c->deadline_ns && (c->timed_out || wgl_now_ns() >= c->deadline_ns))
		wgl_lua_deadline_raise(L);
}

int wgl_lua_deadline_ms(lua_State *L, double want_ms)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);
	double left_ms;

	if (!(want_ms > 0))
		want_ms = 0;
	if (want_ms > INT_MAX)
		want_ms = INT_MAX;
	if (!c || !c->deadline_ns)
		return (int)want_ms;
	wgl_lua_deadline_check(L);
	/* Rounded up: a wait cut short by the deadline returns past it. */
	left_ms = ceil((double)(c->deadline_ns - wgl_now_ns()) / 1e6) + 1;
	return (int)(want_ms < left_ms ? want_ms : left_ms);
}

/* pcall's results pass through unless the deadline has passed. */
static int after_pcall(lua_State *L)
{
	wgl_lua_deadline_check(L);
	return lua_gettop(L);
}

static int denied(lua_State *L)
{
	return luaL_error(L, "%s is not available to scenarios%s",
			  lua_tostring(L, lua_upvalueindex(1)), lua_tostring(L, lua_upvalueindex(2)));
}

static void deny(lua_State *L, const char *lib, const char *fn, const char *hint)
{
	lua_getglobal(L, lib);
	lua_pushfstring(L, "%s.%s", lib, fn);
	lua_pushstring(L, hint);
	lua_pushcclosure(L, denied, 2);
	lua_setfield(L, -2, fn);
	lua_pop(L, 1);
}

/* package: Lua modules only; a C module could end or corrupt the process. */
static void restrict_package(lua_State *L)
{
	lua_getglobal(L, "package");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	lua_getfield(L, -1, "searchers");
	for (lua_Integer i = luaL_len(L, -1); i > 2; i--) {
		lua_pushnil(L);
		lua_rawseti(L, -2, i);
	}
	lua_pop(L, 2);
	deny(L, "package", "loadlib", "");
}

void wgl_lua_open_sandbox(lua_State *L)
{
	static const char *const exit_hint =
		": return from run(case), or call error() or skip()";
	static const char *const proc_hint =
		": it would run outside the case's namespaces and process tracking";

	deny(L, "os", "exit", exit_hint);
	deny(L, "os", "execute", proc_hint);
	deny(L, "io", "popen", proc_hint);
	deny(L, "os", "setlocale", ": the locale is shared by the whole run");
	restrict_package(L);
	/* debug.sethook would remove the deadline hook; only traceback stays. */
	lua_getglobal(L, "debug");
	lua_newtable(L);
	lua_getfield(L, -2, "traceback");
	lua_setfield(L, -2, "traceback");
	lua_setglobal(L, "debug");
	lua_pop(L, 1);
	wgl_lua_setfn(L, "_after_pcall", after_pcall);
}
