// SPDX-License-Identifier: GPL-2.0-or-later
/* Core bindings: assertions, metrics, clocks, keys, and helpers for other bindings. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/backends/backend.h"
#include "harness/lua/lua.h"
#include "base/log.h"
#include "base/result.h"
#include "base/wgconfig.h"

static const char ctx_key = 'c';

struct wgl_lua_case *wgl_lua_ctx(lua_State *L)
{
	struct wgl_lua_case *c;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key);
	c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return c;
}

void wgl_lua_set_ctx(lua_State *L, struct wgl_lua_case *c)
{
	lua_pushlightuserdata(L, c);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
}

/*
 * Every binding runs through this: the count hook cannot fire inside C, so
 * a script looping over a fast binding (building pairs, starting captures)
 * would see the deadline only every thousand instructions, and a slow call
 * would return past it as if in time. Checked before (nothing starts once
 * the time is up) and after (a call that overran is the case's overrun).
 * The binding runs in this frame, so its argument errors still name it.
 */
static int bounded(lua_State *L)
{
	lua_CFunction fn = lua_tocfunction(L, lua_upvalueindex(1));
	int n;

	wgl_lua_deadline_check(L);
	n = fn(L);
	wgl_lua_deadline_check(L);
	return n;
}

static void push_bounded(lua_State *L, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_pushcclosure(L, bounded, 1);
}

void wgl_lua_setfuncs(lua_State *L, const luaL_Reg *fns)
{
	for (; fns->name; fns++) {
		push_bounded(L, fns->func);
		lua_setfield(L, -2, fns->name);
	}
}

void wgl_lua_setfn(lua_State *L, const char *name, lua_CFunction fn)
{
	if (lua_getglobal(L, "wglab") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setglobal(L, "wglab");
	}
	push_bounded(L, fn);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

void wgl_lua_class(lua_State *L, const char *tname, const luaL_Reg *methods, lua_CFunction gc)
{
	luaL_newmetatable(L, tname);
	lua_newtable(L);
	wgl_lua_setfuncs(L, methods);
	lua_setfield(L, -2, "__index");
	if (gc) {
		lua_pushcfunction(L, gc);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, gc);
		lua_setfield(L, -2, "__close");
	}
	lua_pop(L, 1);
}

int wgl_lua_errno(lua_State *L, int err, const char *what)
{
	return luaL_error(L, "%s: %s", what, strerror(err < 0 ? -err : err));
}

/* A name inside the case folder: not empty, not absolute, no ".." component. */
static bool name_inside(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return false;
	while (p) {
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return false;
		p = strchr(p, '/');
		p = p ? p + 1 : NULL;
	}
	return true;
}

const char *wgl_lua_artifact(lua_State *L, const char *kind, const char *name,
			     char *buf, size_t len)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	if (!name_inside(name))
		luaL_error(L, "artifact '%s': must be a name inside the case folder", name);
	if ((size_t)snprintf(buf, len, "%s/%s", c->dir, name) >= len)
		luaL_error(L, "artifact '%s': name too long", name);
	if (kind)
		wgl_case_artifact(c->result, kind, buf);
	return buf;
}

/*
 * A table field of the wrong type or out of range: "ping: field 'timeout':
 * number expected, got string". Not luaL_argerror: idx is a stack slot, which
 * is not an argument number when the table is nested (a peer of wg:set{}).
 */
int wgl_lua_field_error(lua_State *L, int idx, const char *key, const char *fmt, ...)
{
	char why[200];
	lua_Debug ar;
	va_list ap;

	(void)idx;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name)
		return luaL_error(L, "%s: field '%s': %s", ar.name, key, why);
	return luaL_error(L, "field '%s': %s", key, why);
}

static int field_type_error(lua_State *L, int idx, const char *key, const char *want)
{
	return wgl_lua_field_error(L, idx, key, "%s expected, got %s", want,
				   luaL_typename(L, -1));
}

const char *wgl_lua_case_path(lua_State *L, int arg)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);
	const char *path = luaL_checkstring(L, arg);
	size_t n = strlen(c->dir);

	if (!n || strncmp(path, c->dir, n) || path[n] != '/' || !name_inside(path + n + 1))
		luaL_argerror(L, arg, "must be a file in the case folder (wglab.artifact(name))");
	return path;
}

void *wgl_lua_checkfield_udata(lua_State *L, int idx, const char *key, const char *tname)
{
	void *u;

	lua_getfield(L, idx, key);
	u = luaL_testudata(L, -1, tname);
	if (!u && !strcmp(tname, "wglab.node") && wgl_lua_is_remote_node(L, -1))
		wgl_lua_remote_unsupported_caller(L);
	if (!u)
		field_type_error(L, idx, key, tname);
	return u;
}

const char *wgl_lua_optstring(lua_State *L, int idx, const char *key, const char *def)
{
	const char *s = def;
	int t = lua_getfield(L, idx, key);

	/* Only real strings: a number's string would not be kept alive by the table. */
	if (t != LUA_TNIL && t != LUA_TSTRING)
		field_type_error(L, idx, key, "string");
	if (t == LUA_TSTRING)
		s = lua_tostring(L, -1);
	lua_pop(L, 1); /* the string stays alive: it is referenced by the table */
	return s;
}

lua_Integer wgl_lua_optint(lua_State *L, int idx, const char *key, lua_Integer def)
{
	lua_Integer v = def;
	int isint = 1;

	if (lua_getfield(L, idx, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			field_type_error(L, idx, key, "integer");
		v = lua_tointegerx(L, -1, &isint);
		if (!isint)
			wgl_lua_field_error(L, idx, key, "integer expected, got %s",
					    lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	return v;
}

lua_Integer wgl_lua_optint_in(lua_State *L, int idx, const char *key, lua_Integer def,
			      lua_Integer min, lua_Integer max)
{
	lua_Integer v = wgl_lua_optint(L, idx, key, def);

	if (v != def && (v < min || v > max))
		wgl_lua_field_error(L, idx, key, "%lld is out of range %lld..%lld", (long long)v,
				    (long long)min, (long long)max);
	return v;
}

lua_Number wgl_lua_optnum(lua_State *L, int idx, const char *key, lua_Number def)
{
	lua_Number v = def;

	if (lua_getfield(L, idx, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			field_type_error(L, idx, key, "number");
		v = lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

lua_Number wgl_lua_optnum_in(lua_State *L, int idx, const char *key, lua_Number def,
			     lua_Number min, lua_Number max)
{
	lua_Number v = wgl_lua_optnum(L, idx, key, def);

	if (v != def && !(v >= min && v <= max))
		wgl_lua_field_error(L, idx, key, "%g is out of range %g..%g", v, min, max);
	return v;
}

bool wgl_lua_optbool(lua_State *L, int idx, const char *key, bool def)
{
	bool v = def;
	int t = lua_getfield(L, idx, key);

	if (t != LUA_TNIL && t != LUA_TBOOLEAN)
		field_type_error(L, idx, key, "boolean");
	if (t == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

void wgl_lua_field_str(lua_State *L, const char *key, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, key);
}

void wgl_lua_field_int(lua_State *L, const char *key, lua_Integer value)
{
	lua_pushinteger(L, value);
	lua_setfield(L, -2, key);
}

void wgl_lua_field_num(lua_State *L, const char *key, lua_Number value)
{
	lua_pushnumber(L, value);
	lua_setfield(L, -2, key);
}

void wgl_lua_push_json(lua_State *L, const json_t *v)
{
	const char *key;
	json_t *val;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach((json_t *)v, key, val) {
			wgl_lua_push_json(L, val);
			lua_setfield(L, -2, key);
		}
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, val) {
			wgl_lua_push_json(L, val);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		lua_pushboolean(L, json_is_true(v));
		break;
	default:
		lua_pushnil(L);
	}
}

/* Where in the script: "file:line" of the caller of the binding. */
static void where(lua_State *L, char *buf, size_t len)
{
	lua_Debug ar;

	buf[0] = '\0';
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		lua_getinfo(L, "Sl", &ar);
		if (ar.currentline > 0 && strcmp(ar.short_src, "[string \"prelude\"]")) {
			snprintf(buf, len, "%s:%d", ar.short_src, ar.currentline);
			return;
		}
	}
}

/* check(name, ok, detail): one assertion. Returns ok so scripts can branch on it. */
static int l_check(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);
	const char *name = luaL_checkstring(L, 1);
	bool ok = lua_toboolean(L, 2);
	const char *detail = luaL_optstring(L, 3, "");
	char loc[300];

	if (c->negative_depth > 0) {
		if (!ok)
			c->negative_failed++;
		wgl_info("  (negative control) %s: %s %s", name, ok ? "ok" : "FAILED as expected",
			 detail);
	} else {
		where(L, loc, sizeof(loc));
		wgl_case_check(c->result, name, ok, "%s%s%s", detail, ok ? "" : " at ",
			       ok ? "" : loc);
		wgl_log(ok ? WGL_LOG_DEBUG : WGL_LOG_WARN, "  check %s: %s %s", name,
			ok ? "ok" : "FAILED", detail);
	}
	lua_pushboolean(L, ok);
	return 1;
}

/* metric(name, unit, value or {values}, better) */
static int l_metric(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);
	const char *name = luaL_checkstring(L, 1), *unit = luaL_checkstring(L, 2);
	const char *better = luaL_optstring(L, 4, NULL);
	double v[4096];
	size_t n = 0;

	if (lua_istable(L, 3)) {
		lua_Integer len = luaL_len(L, 3);

		for (lua_Integer i = 1; i <= len && n < WGL_ARRAY_SIZE(v); i++) {
			if (lua_geti(L, 3, i) != LUA_TNUMBER)
				luaL_argerror(L, 3, lua_pushfstring(L, "element %d: number expected, "
								   "got %s", (int)i,
								   luaL_typename(L, -1)));
			v[n++] = lua_tonumber(L, -1);
			lua_pop(L, 1);
		}
	} else {
		v[n++] = luaL_checknumber(L, 3);
	}
	if (better && strcmp(better, "higher") && strcmp(better, "lower"))
		return luaL_error(L, "metric '%s': better must be \"higher\" or \"lower\"", name);
	if (n && c->negative_depth == 0)
		wgl_case_metric(c->result, name, unit, v, n, better);
	return 0;
}

static int l_skip(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	c->skipped = true;
	snprintf(c->skip_reason, sizeof(c->skip_reason), "%s", luaL_checkstring(L, 1));
	return luaL_error(L, "__wglab_skip__");
}

static int l_negative_begin(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);

	lua_pushinteger(L, c->negative_failed);
	c->negative_depth++;
	c->negative_failed = 0;
	return 1;
}

static int l_negative_end(lua_State *L)
{
	struct wgl_lua_case *c = wgl_lua_ctx(L);
	int failed = c->negative_failed;

	c->negative_depth--;
	c->negative_failed = (int)luaL_checkinteger(L, 1);
	lua_pushinteger(L, failed);
	return 1;
}

static int l_log(lua_State *L)
{
	wgl_info("  %s", luaL_checkstring(L, 1));
	return 0;
}

static int l_now(lua_State *L)
{
	lua_pushnumber(L, (double)wgl_now_ns() / 1e9);
	return 1;
}

/* Wall clock (epoch seconds), the clock capture timestamps use. */
static int l_wallclock(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	lua_pushnumber(L, (double)ts.tv_sec + ts.tv_nsec / 1e9);
	return 1;
}

static int l_sleep(lua_State *L)
{
	double s = luaL_checknumber(L, 1);

	long long t0 = wgl_now_ns();

	luaL_argcheck(L, s >= 0 && s <= 3600, 1, "seconds must be 0..3600");
	wgl_sleep_ms(wgl_lua_deadline_ms(L, s * 1000));
	wgl_lua_ctx(L)->sleep_s += (double)(wgl_now_ns() - t0) / 1e9;
	wgl_lua_deadline_check(L);
	return 0;
}

void wgl_lua_waited(lua_State *L, double seconds)
{
	wgl_lua_ctx(L)->waits_timeout_s += seconds;
}

static int l_genkey(lua_State *L)
{
	char b64[WGL_KEY_B64_LEN];
	wgl_key priv, pub;

	wgl_key_generate_private(priv);
	wgl_key_public(pub, priv);
	wgl_key_to_base64(b64, priv);
	lua_pushstring(L, b64);
	wgl_key_to_base64(b64, pub);
	lua_pushstring(L, b64);
	return 2;
}

static int l_pubkey(lua_State *L)
{
	char b64[WGL_KEY_B64_LEN];
	wgl_key priv, pub;

	if (wgl_key_from_base64(priv, luaL_checkstring(L, 1)) < 0)
		return luaL_error(L, "pubkey: not a base64 key: '%s'", lua_tostring(L, 1));
	wgl_key_public(pub, priv);
	wgl_key_to_base64(b64, pub);
	lua_pushstring(L, b64);
	return 1;
}

static int l_backend_available(lua_State *L)
{
	char why[512];
	int ok = wgl_backend_available(wgl_lua_ctx(L)->wg, luaL_checkstring(L, 1), why,
				       sizeof(why)) == 0;

	lua_pushboolean(L, ok);
	lua_pushstring(L, why);
	return 2;
}

static int l_artifact(lua_State *L)
{
	char path[700];

	const char *name = luaL_checkstring(L, 1), *kind = luaL_optstring(L, 2, NULL);

	luaL_argcheck(L, name_inside(name), 1, "must be a name inside the case folder "
		      "(not absolute, no '..')");
	lua_pushstring(L, wgl_lua_artifact(L, kind, name, path, sizeof(path)));
	return 1;
}

/*
 * wglab.emulated() -> true inside the kernel lab (qemu TCG): figures there are
 * slow and its clock is coarse, so a scenario may widen timing tolerances.
 */
static int l_emulated(lua_State *L)
{
	lua_pushboolean(L, getenv("WGLAB_VM_INFO") != NULL);
	return 1;
}

void wgl_lua_open_core(lua_State *L)
{
	lua_register(L, "check", l_check);
	lua_register(L, "metric", l_metric);
	lua_register(L, "skip", l_skip);
	lua_register(L, "log", l_log);
	wgl_lua_setfn(L, "now", l_now);
	wgl_lua_setfn(L, "sleep", l_sleep);
	wgl_lua_setfn(L, "wallclock", l_wallclock);
	wgl_lua_setfn(L, "genkey", l_genkey);
	wgl_lua_setfn(L, "pubkey", l_pubkey);
	wgl_lua_setfn(L, "backend_available", l_backend_available);
	wgl_lua_setfn(L, "artifact", l_artifact);
	wgl_lua_setfn(L, "emulated", l_emulated);
	wgl_lua_setfn(L, "_negative_begin", l_negative_begin);
	wgl_lua_setfn(L, "_negative_end", l_negative_end);
}
