// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab.stats and wglab.cpu, the Lua face of the statistics module and of
 * CPU accounting: in a Lua state built like a case's (bindings, then the
 * prelude), every figure a script gets must be the C module's figure for
 * the same list, on table-driven edges and on random lists.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lualib.h>

#include "base/stats.h"
#include "harness/lua/lua.h"
#include "harness/traffic/cpu.h"
#include "tests/wgl_test.h"

static lua_State *L;

static int open_state(void)
{
	char path[4096];

	L = luaL_newstate();
	if (!L)
		return -1;
	luaL_openlibs(L);
	wgl_lua_open_core(L);
	wgl_lua_open_stats(L);
	/* The prelude from the source tree, as the runner compiles it in. */
	if (luaL_dofile(L, wgl_test_path(path, sizeof(path), "../harness/lua/prelude.lua"))) {
		fprintf(stderr, "prelude: %s\n", lua_tostring(L, -1));
		return -1;
	}
	return 0;
}

static int close_state(void)
{
	lua_close(L);
	return 0;
}

/* Runs chunk with the global list xs = v[0..n-1]; its results stay on the stack. */
static int eval(const char *chunk, const double *v, size_t n, int nres)
{
	lua_settop(L, 0);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushnumber(L, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setglobal(L, "xs");
	if (luaL_loadstring(L, chunk) || lua_pcall(L, 0, nres, 0))
		return -1;
	return 0;
}

static double num_at(int idx)
{
	return lua_isnumber(L, idx) ? lua_tonumber(L, idx) : NAN;
}

static double field(int idx, const char *key)
{
	double d;

	lua_getfield(L, idx, key);
	d = num_at(-1);
	lua_pop(L, 1);
	return d;
}

static void test_random_matches_c(void)
{
	static const double ps[] = { 0, 1, 25, 50, 90, 99, 100 };
	double v[100];
	char chunk[160];

	srand(99);
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + (size_t)(rand() % 99);
		struct wgl_summary s;
		double p = ps[round % 7];

		for (size_t i = 0; i < n; i++)
			v[i] = round % 2 ? (double)(rand() % 9) : (double)rand() / RAND_MAX * 1e6;
		snprintf(chunk, sizeof(chunk), "return wglab.stats.median(xs), "
			 "wglab.stats.percentile(xs, %.17g), wglab.stats.summary(xs)", p);
		CU_ASSERT_EQUAL_FATAL(eval(chunk, v, n, 3), 0);
		wgl_summarize(v, n, &s);
		/* The very same C code runs underneath: equal, not merely close. */
		CU_ASSERT_EQUAL(num_at(1), wgl_median(v, n));
		CU_ASSERT_EQUAL(num_at(2), wgl_percentile(v, n, p));
		CU_ASSERT_EQUAL(field(3, "n"), (double)n);
		CU_ASSERT_EQUAL(field(3, "min"), s.min);
		CU_ASSERT_EQUAL(field(3, "max"), s.max);
		CU_ASSERT_EQUAL(field(3, "mean"), s.mean);
		CU_ASSERT_EQUAL(field(3, "median"), s.median);
		CU_ASSERT_EQUAL(field(3, "spread"), s.spread);
		CU_ASSERT_EQUAL(field(3, "stddev"), s.stddev);
		CU_ASSERT_EQUAL(field(3, "spread_pct"), s.spread_pct);
	}
}

static void test_table(void)
{
	static const struct {
		const char *chunk;
		double want;  /* NaN: the script must get nil */
	} t[] = {
		{ "return wglab.stats.median({ 4, 1, 3, 2 })", 2.5 },   /* even n */
		{ "return wglab.stats.median({ 3, 1, 2 })", 2 },        /* odd n */
		{ "return wglab.stats.percentile({ 15, 20, 35, 40, 50 }, 40)", 29 },
		{ "return wglab.stats.percentile({ 5, 1, 9 }, 0)", 1 },
		{ "return wglab.stats.percentile({ 5, 1, 9 }, 100)", 9 },
		{ "return wglab.stats.median({})", NAN },
		{ "return wglab.stats.percentile({}, 99)", NAN },
		{ "return wglab.stats.summary({}).n", 0 },
		{ "return wglab.stats.summary({}).median", NAN },
		{ "return wglab.stats.summary({ 9, 1, 4, 6 }).spread_pct", 160 },
		{ "return wglab.cpu.per_gb(2, 4e9)", 0.5 },
		{ "return wglab.cpu.per_gb(2, 0)", NAN },
		{ "return wglab.cpu.per_gb(-1, 4e9)", NAN },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(eval(t[i].chunk, NULL, 0, 1), 0);
		if (isnan(t[i].want)) {
			CU_ASSERT(lua_isnil(L, 1));
		} else {
			CU_ASSERT_DOUBLE_EQUAL(num_at(1), t[i].want, 1e-12);
		}
	}
	CU_ASSERT_EQUAL_FATAL(eval("return wglab.cpu.hz()", NULL, 0, 1), 0);
	CU_ASSERT_EQUAL(num_at(1), (double)sysconf(_SC_CLK_TCK));
}

/* Misuse is a script error naming the problem, as for every binding. */
static void test_misuse(void)
{
	static const struct { const char *chunk, *msg; } t[] = {
		{ "return wglab.stats.percentile({ 1 }, 101)", "p must be 0..100" },
		{ "return wglab.stats.percentile({ 1 }, -1)", "p must be 0..100" },
		{ "return wglab.stats.median({ 1, 'x' })", "element 2 is a string" },
		{ "return wglab.stats.median(5)", "table expected" },
		{ "return wglab.cpu.seconds({})", "wglab.wg expected" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(eval(t[i].chunk, NULL, 0, 1), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(lua_tostring(L, -1), t[i].msg));
		if (!strstr(lua_tostring(L, -1), t[i].msg))
			printf("\n  %s -> %s\n", t[i].chunk, lua_tostring(L, -1));
	}
}

/* The prelude keeps no statistics or CPU code of its own. */
static void test_no_lua_copies(void)
{
	CU_ASSERT_EQUAL_FATAL(eval("return stats == nil and impl_cpu_seconds == nil", NULL, 0, 1), 0);
	CU_ASSERT(lua_toboolean(L, 1));
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("lua-stats", open_state, close_state);
	CU_add_test(s, "random_matches_c", test_random_matches_c);
	CU_add_test(s, "table", test_table);
	CU_add_test(s, "misuse", test_misuse);
	CU_add_test(s, "no_lua_copies", test_no_lua_copies);
	return wgl_test_run();
}
