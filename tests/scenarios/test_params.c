// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario parameters: every parameter of every scenario in scenarios/
 * declares its bounds (min and max, or one_of), so a -D value can never be
 * absurd; each declaration is itself valid (its default within its range).
 * And the "list" type (comma-separated numbers, each in range), table-driven.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "harness/lua/params.h"
#include "harness/lua/runner.h"
#include "tests/wgl_test.h"

static void test_every_parameter_bounded(void)
{
	char dir[4096], path[4600], why[256];
	struct dirent *e;
	int scenarios = 0, params = 0;
	DIR *d;

	wgl_test_path(dir, sizeof(dir), "../scenarios");
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		const char *key;
		json_t *meta, *decl, *entry;

		if (n < 5 || strcmp(e->d_name + n - 4, ".lua"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		meta = wgl_scenario_meta(path);
		CU_ASSERT_PTR_NOT_NULL_FATAL(meta);
		scenarios++;
		decl = json_object_get(meta, "params");
		if (wgl_params_check_decl(decl, why, sizeof(why))) {
			printf("\n%s: %s\n", e->d_name, why);
			CU_FAIL("a parameter declaration is invalid");
		}
		json_object_foreach(decl, key, entry) {
			params++;
			if (!wgl_params_bounded(entry)) {
				printf("\n%s: parameter '%s' has no range (min, max or one_of)\n",
				       e->d_name, key);
				CU_FAIL("a parameter has no range");
			}
		}
		json_decref(meta);
	}
	closedir(d);
	printf("(%d scenarios, %d parameters) ", scenarios, params);
	CU_ASSERT(scenarios >= 20);
	CU_ASSERT(params > 0);
}

/* A plain default, a one-sided range and a string without one_of are not bounded. */
static void test_bounded(void)
{
	static const struct {
		const char *decl;
		bool bounded;
	} t[] = {
		{ "3", false },
		{ "{\"default\": 3, \"min\": 1}", false },
		{ "{\"default\": 3, \"min\": 1, \"max\": 9}", true },
		{ "{\"default\": \"a\"}", false },
		{ "{\"default\": \"a\", \"one_of\": [\"a\", \"b\"]}", true },
		{ "true", true },
		{ "{\"default\": \"1,2\", \"type\": \"list\", \"min\": 0, \"max\": 5}", true },
		{ "{\"default\": \"1,2\", \"type\": \"list\"}", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *v = json_loads(t[i].decl, JSON_DECODE_ANY, NULL);

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_EQUAL(wgl_params_bounded(v), t[i].bounded);
		json_decref(v);
	}
}

static void test_list_values(void)
{
	static const struct {
		const char *value; /* JSON, as -D makes it */
		int err;
	} t[] = {
		{ "\"0,1,5,10\"", 0 }, { "\"50\"", 0 }, { "5", 0 }, { "2.5", 0 },
		{ "\"0.5,49.5\"", 0 }, { "\"\"", -EINVAL }, { "\"51\"", -EINVAL },
		{ "\"1,,2\"", -EINVAL }, { "\"1,2,\"", -EINVAL }, { "\"-1\"", -EINVAL },
		{ "\"1, 2\"", -EINVAL }, { "\"inf\"", -EINVAL }, { "\"0x10\"", -EINVAL },
		{ "\"1;2\"", -EINVAL }, { "-3", -EINVAL }, { "true", -EINVAL },
	};
	json_t *decl = json_loads("{\"rates\": {\"default\": \"0,1\", \"type\": \"list\", "
				  "\"min\": 0, \"max\": 50}}", 0, NULL);
	char why[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(decl);
	CU_ASSERT_EQUAL(wgl_params_check_decl(decl, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *v = json_loads(t[i].value, JSON_DECODE_ANY, NULL);
		int err = wgl_params_check(decl, "rates", v, why, sizeof(why));

		if (err != t[i].err)
			printf("\n%s: %d, want %d\n", t[i].value, err, t[i].err);
		CU_ASSERT_EQUAL(err, t[i].err);
		if (err)
			CU_ASSERT_STRING_EQUAL(why, "a comma-separated list of numbers in 0..50");
		json_decref(v);
	}
	json_decref(decl);
}

static void test_describe(void)
{
	json_t *v = json_loads("{\"default\": 3, \"min\": 1, \"max\": 1000, "
			       "\"description\": \"connects measured\"}", 0, NULL);
	char buf[256];

	wgl_params_describe(v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "default 3, an integer in 1..1000: connects measured");
	json_decref(v);
	v = json_loads("{\"default\": \"link\", \"one_of\": [\"link\", \"address\"]}", 0, NULL);
	wgl_params_describe(v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "default \"link\", one of link, address");
	json_decref(v);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("params", NULL, NULL);
	CU_add_test(s, "every scenario parameter has a range", test_every_parameter_bounded);
	CU_add_test(s, "what counts as bounded", test_bounded);
	CU_add_test(s, "list values", test_list_values);
	CU_add_test(s, "describe", test_describe);
	return wgl_test_run();
}
