// SPDX-License-Identifier: GPL-2.0-or-later
/* The result model: verdict rules, metric statistics, UTF-8 hygiene, JSON round trip. */
#include <math.h>
#include <unistd.h>

#include "tests/wgl_test.h"
#include "tests/reports/fixture.h"

/* Naive reference median: selection by counting, no sorting. */
static double ref_median(const double *v, size_t n)
{
	double lo = NAN, hi = NAN;
	size_t i, j;

	for (i = 0; i < n; i++) {
		size_t below = 0, equal = 0;

		for (j = 0; j < n; j++)
			below += v[j] < v[i], equal += v[j] == v[i];
		if (below <= (n - 1) / 2 && (n - 1) / 2 < below + equal)
			lo = v[i];
		if (below <= n / 2 && n / 2 < below + equal)
			hi = v[i];
	}
	return (lo + hi) / 2;
}

static void test_median_random(void)
{
	double v[41], copy[41];
	int round;

	srand(7);
	for (round = 0; round < 2000; round++) {
		size_t n = 1 + (size_t)rand() % 40, i;

		for (i = 0; i < n; i++)
			v[i] = copy[i] = (double)(rand() % 50) - 25; /* duplicates on purpose */
		CU_ASSERT_DOUBLE_EQUAL(wgl_median(v, n), ref_median(v, n), 1e-12);
		CU_ASSERT(memcmp(v, copy, n * sizeof(double)) == 0);
	}
	CU_ASSERT(isnan(wgl_median(v, 0)));
}

static void test_verdict_monotonic(void)
{
	json_t *run = wgl_result_new();
	json_t *c = wgl_case_new(run, "s", "c", NULL);

	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_PASS);
	wgl_case_verdict(c, WGL_SKIP, "skipped");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_SKIP);
	wgl_case_verdict(c, WGL_FAIL, "boom");
	wgl_case_verdict(c, WGL_PASS, "all fine");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_FAIL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "message")), "boom");
	wgl_case_verdict(c, WGL_ERROR, "crash");
	wgl_case_verdict(c, WGL_FAIL, NULL);
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_ERROR);
	json_decref(run);
}

static void test_check_fails_case(void)
{
	json_t *run = wgl_result_new();
	json_t *c = wgl_case_new(run, "s", "c", json_pack("{s:i}", "streams", 4));
	json_t *chk;

	wgl_case_check(c, "a", true, "fine %d", 1);
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_PASS);
	wgl_case_check(c, "b", false, "got %d, want %d", 3, 4);
	wgl_case_check(c, "c", false, "second");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_FAIL);
	/* The first failed check explains the case. */
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "message")), "b: got 3, want 4");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(c, "checks")), 3);
	chk = json_array_get(json_object_get(c, "checks"), 1);
	CU_ASSERT(json_is_false(json_object_get(chk, "ok")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(c, "params"), "streams")), 4);
	wgl_result_finish(run);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(run, "summary"), "failed")), 1);
	json_decref(run);
}

static void test_metric_stats(void)
{
	json_t *run = wgl_result_new(), *c = wgl_case_new(run, "s", "c", NULL), *m;
	double v[] = { 5, NAN, 1, INFINITY, 3, 4 };

	wgl_case_metric(c, "x", "ms", v, 6, "lower");
	m = json_array_get(json_object_get(c, "metrics"), 0);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(m, "values")), 4);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(m, "median")), 3.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(m, "min")), 1, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(m, "max")), 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(m, "spread")), 4, 1e-12);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "dropped")), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "better")), "lower");
	/* Same name again replaces: compare matches metrics by name. */
	wgl_case_metric(c, "x", "ms", v, 1, "sideways");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(c, "metrics")), 1);
	m = json_array_get(json_object_get(c, "metrics"), 0);
	CU_ASSERT(json_is_null(json_object_get(m, "better")));
	wgl_case_metric(c, "nothing", "ms", v + 1, 1, NULL);
	m = json_array_get(json_object_get(c, "metrics"), 1);
	CU_ASSERT(json_is_null(json_object_get(m, "median")));
	json_decref(run);
}

static void test_invalid_utf8_kept(void)
{
	json_t *run = wgl_result_new(), *c = wgl_case_new(run, "s\xff", "c\xc3", NULL);

	wgl_case_check(c, "n", false, "bad \xed\xa0\x80 surrogate, ok \xc3\xa9");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "scenario")), "s\xef\xbf\xbd");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "name")), "c\xef\xbf\xbd");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
		json_object_get(c, "checks"), 0), "detail")),
		"bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate, ok \xc3\xa9");
	json_decref(run);
}

static void test_impl_and_meta(void)
{
	json_t *run = wgl_result_new(), *impl;

	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(run, "schema")), "wglab-result/1");
	CU_ASSERT(json_is_string(json_object_get(run, "kernel")));
	CU_ASSERT(json_integer_value(json_object_get(run, "cores")) >= 1);
	CU_ASSERT(json_is_false(json_object_get(run, "emulated")));
	wgl_result_add_impl(run, "userspace", "wireguard-go wg0", "/usr/bin/wireguard-go", "0.0.1");
	wgl_result_add_impl(run, "userspace", "wireguard-go wg0", "/usr/bin/wireguard-go", "0.0.1");
	CU_ASSERT_EQUAL(json_object_size(json_object_get(run, "implementations")), 1);
	impl = json_object_get(json_object_get(run, "implementations"), "userspace");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(impl, "version")), "0.0.1");
	json_decref(run);
}

static void test_json_round_trip(void)
{
	char dir[64], path[128], err[512];
	json_t *run = fixture_run(40), *back;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	snprintf(path, sizeof(path), "%s/result.json", dir);
	back = wgl_result_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT(json_equal(run, back));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(back, "summary"), "total")), 4);
	json_decref(back);
	json_decref(run);
	fixture_rmdir(dir);
}

static void load_expect(const char *content, const char *want)
{
	char dir[64], path[128], err[512];
	FILE *f;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	snprintf(path, sizeof(path), "%s/in.json", dir);
	f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(wgl_result_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, path) == err);
	if (!strstr(err, want))
		printf("\nerror '%s' lacks '%s'\n", err, want);
	CU_ASSERT(strstr(err, want) != NULL);
	CU_ASSERT(strchr(err, '\n') == NULL);
	fixture_rmdir(dir);
}

static void test_load_errors(void)
{
	char err[256];

	load_expect("{\"schema\": \"wglab-result/1\",\n  \"cases\": [1,]}", ":2:");
	load_expect("[]", "not an object");
	load_expect("{\"cases\": []}", "no \"schema\"");
	load_expect("{\"schema\": \"wglab-result/9\", \"cases\": []}", "wglab-result/9");
	load_expect("{\"schema\": \"wglab-result/1\", \"cases\": [{\"scenario\": \"s\", "
		    "\"name\": \"n\", \"verdict\": \"maybe\", \"checks\": [], \"metrics\": [], "
		    "\"artifacts\": []}]}", "cases[0].verdict");
	load_expect("{\"schema\": \"wglab-result/1\", \"cases\": [{\"scenario\": \"s\", "
		    "\"name\": \"n\", \"verdict\": \"pass\", \"checks\": [], \"metrics\": "
		    "[{\"name\": \"x\", \"median\": \"fast\"}], \"artifacts\": []}]}",
		    "cases[0].metrics[0]");
	CU_ASSERT_PTR_NULL(wgl_result_load("/nonexistent/r.json", err, sizeof(err)));
	CU_ASSERT(strstr(err, "/nonexistent/r.json") != NULL);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("result", NULL, NULL);
	CU_add_test(s, "median vs naive reference", test_median_random);
	CU_add_test(s, "verdict only gets worse", test_verdict_monotonic);
	CU_add_test(s, "failed check fails the case", test_check_fails_case);
	CU_add_test(s, "metric statistics", test_metric_stats);
	CU_add_test(s, "invalid UTF-8 becomes U+FFFD", test_invalid_utf8_kept);
	CU_add_test(s, "implementations and metadata", test_impl_and_meta);
	CU_add_test(s, "JSON round trip", test_json_round_trip);
	CU_add_test(s, "load errors name file and problem", test_load_errors);
	return wgl_test_run();
}
