// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab compare`: the library classification and the binary's exit codes
 * (1 regression, 0 noise, 2 bad input with a one-line error).
 */
#include <sys/wait.h>

#include "tests/wgl_test.h"
#include "tests/reports/fixture.h"
#include "reports/compare.h"

static char dir[64];

/* A run with one case whose throughput repetitions are v[0..2] (Mbit/s). */
static struct wgl_run *run_with(double a, double b, double c, enum wgl_verdict v)
{
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *cs;
	double vals[] = { a, b, c }, lat[] = { 1.0, 1.1, 1.2 };

	cs = wgl_case_new(run, "throughput", "kernel", NULL);
	wgl_case_metric(cs, "tcp_rate", "Mbit/s", vals, 3, "higher");
	wgl_case_metric(cs, "rtt", "ms", lat, 3, "lower");
	wgl_case_metric(cs, "cpu_info", "%", vals, 3, NULL);
	if (v != WGL_PASS)
		wgl_case_verdict(cs, v, "went wrong");
	wgl_result_finish(run);
	return run;
}

static const char *save(struct wgl_run *run, const char *name)
{
	static char path[4][128];
	static int k;
	char *p = path[k++ % 4];
	FILE *f;

	snprintf(p, 128, "%s/%s", dir, name);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(wgl_result_save(run, f), 0);
	fclose(f);
	wgl_result_free(run);
	return p;
}

static const char *status_of(const struct wgl_compare_report *report, const char *metric)
{
	for (size_t i = 0; i < report->nmetrics; i++)
		if (!strcmp(report->metrics[i].metric, metric))
			return wgl_cmp_status_name(report->metrics[i].status);
	return "absent";
}

static void test_classification(void)
{
	struct wgl_run *base = run_with(900, 940, 960, WGL_PASS);
	struct wgl_run *slower = run_with(700, 720, 760, WGL_PASS);   /* -23%, ranges apart */
	struct wgl_run *noisy = run_with(850, 870, 950, WGL_PASS);    /* -7.4%, ranges overlap */
	struct wgl_run *faster = run_with(1100, 1150, 1200, WGL_PASS);
	struct wgl_run *same = run_with(920, 930, 950, WGL_PASS);     /* -1% */
	struct wgl_compare_report *r;

	r = wgl_compare(base, slower, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "tcp_rate"), "regression");
	CU_ASSERT_STRING_EQUAL(status_of(r, "cpu_info"), "info");
	CU_ASSERT_STRING_EQUAL(status_of(r, "rtt"), "within-threshold");
	CU_ASSERT_EQUAL(r->regressions, 1);
	wgl_compare_free(r);
	/* A lenient threshold forgives the same drop. */
	r = wgl_compare(base, slower, 30);
	CU_ASSERT_STRING_EQUAL(status_of(r, "tcp_rate"), "within-threshold");
	wgl_compare_free(r);
	r = wgl_compare(base, noisy, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "tcp_rate"), "noise");
	CU_ASSERT_EQUAL(r->regressions, 0);
	wgl_compare_free(r);
	r = wgl_compare(base, faster, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "tcp_rate"), "improvement");
	CU_ASSERT_EQUAL(r->improvements, 1);
	wgl_compare_free(r);
	/* lower is better: a faster rtt in the base means the new one regressed. */
	r = wgl_compare(faster, base, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "tcp_rate"), "regression");
	wgl_compare_free(r);
	r = wgl_compare(base, same, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "tcp_rate"), "within-threshold");
	wgl_compare_free(r);
	wgl_result_free(base), wgl_result_free(slower), wgl_result_free(noisy);
	wgl_result_free(faster), wgl_result_free(same);
}

static void test_lower_is_better(void)
{
	struct wgl_run *base = wgl_result_new(), *cur = wgl_result_new();
	struct wgl_compare_report *r;
	double b[] = { 1.0, 1.1, 1.2 }, n[] = { 2.0, 2.1, 2.2 };

	wgl_case_metric(wgl_case_new(base, "lat", "k", NULL), "rtt", "ms", b, 3, "lower");
	wgl_case_metric(wgl_case_new(cur, "lat", "k", NULL), "rtt", "ms", n, 3, "lower");
	r = wgl_compare(base, cur, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "rtt"), "regression");
	wgl_compare_free(r);
	r = wgl_compare(cur, base, 5);
	CU_ASSERT_STRING_EQUAL(status_of(r, "rtt"), "improvement");
	wgl_compare_free(r);
	wgl_result_free(base), wgl_result_free(cur);
}

/* Runs the wglab binary; returns its exit status, stderr's first line in err. */
static int wglab(const char *args, char *err, size_t len, char **out)
{
	const char *bin = getenv("WGLAB");
	char cmd[1024], errf[128], outf[128];
	FILE *f;
	int st;

	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	snprintf(outf, sizeof(outf), "%s/stdout", dir);
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", bin, args, outf, errf);
	st = system(cmd);
	err[0] = '\0';
	f = fopen(errf, "r");
	if (f && !fgets(err, (int)len, f))
		err[0] = '\0';
	if (f)
		fclose(f);
	if (out)
		*out = fixture_slurp(dir, "stdout");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli_exit_codes(void)
{
	char args[512], err[512], *out = NULL;
	const char *base = save(run_with(900, 940, 960, WGL_PASS), "base.json");
	const char *slow = save(run_with(700, 720, 760, WGL_PASS), "slow.json");
	const char *noisy = save(run_with(850, 870, 950, WGL_PASS), "noisy.json");
	const char *failed = save(run_with(900, 940, 960, WGL_FAIL), "failed.json");
	json_t *report;

	snprintf(args, sizeof(args), "compare '%s' '%s'", base, slow);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 1);
	snprintf(args, sizeof(args), "compare '%s' '%s' --threshold 30", base, slow);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 0);
	snprintf(args, sizeof(args), "compare '%s' '%s'", base, noisy);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 0);
	snprintf(args, sizeof(args), "compare '%s' '%s' --json", base, failed);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), &out), 1);
	report = json_loads(out ? out : "", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(report);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
		json_object_get(report, "verdicts"), 0), "status")), "regression");
	json_decref(report);
	free(out);
	/* fail -> pass is a fix, not a regression. */
	snprintf(args, sizeof(args), "compare '%s' '%s'", failed, base);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 0);
}

static void test_cli_bad_input(void)
{
	char args[512], err[512], path[128];
	const char *base = save(run_with(900, 940, 960, WGL_PASS), "base.json");
	FILE *f;

	snprintf(path, sizeof(path), "%s/broken.json", dir);
	f = fopen(path, "w");
	fputs("{\n  \"schema\": \"wglab-result/1\",\n  \"cases\": [ oops ]\n}\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "compare '%s' '%s'", base, path);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 2);
	CU_ASSERT(strstr(err, "broken.json:3:") != NULL);
	printf("\n    stderr: %s", err);
	snprintf(args, sizeof(args), "compare '%s' '%s/missing.json'", base, dir);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 2);
	CU_ASSERT(strstr(err, "missing.json") != NULL);
	snprintf(args, sizeof(args), "compare '%s'", base);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 2);
	snprintf(args, sizeof(args), "compare '%s' '%s' --threshold lots", base, base);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 2);
	CU_ASSERT(strstr(err, "--threshold") != NULL);
}

static void test_cli_report(void)
{
	char args[512], err[512], out[128];
	const char *base = save(fixture_run(20), "r.json");
	char *html;

	snprintf(out, sizeof(out), "%s/rendered", dir);
	snprintf(args, sizeof(args), "report '%s' --out '%s'", base, out);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 0);
	html = fixture_slurp(out, "report.html");
	CU_ASSERT(html && fixture_count(html, "<svg") == 3);
	free(html);
	snprintf(args, sizeof(args), "report '%s/broken.json'", dir);
	CU_ASSERT_EQUAL(wglab(args, err, sizeof(err), NULL), 2);
}

int main(void)
{
	CU_pSuite s;

	if (!getenv("WGLAB"))
		wgl_test_skip("WGLAB (path of the wglab binary) is not set; run through meson test");
	if (!fixture_tmpdir(dir, sizeof(dir)))
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("compare", NULL, NULL);
	CU_add_test(s, "classification", test_classification);
	CU_add_test(s, "lower is better", test_lower_is_better);
	CU_add_test(s, "exit codes", test_cli_exit_codes);
	CU_add_test(s, "bad input exits 2 naming the file", test_cli_bad_input);
	CU_add_test(s, "report re-renders", test_cli_report);
	int ret = wgl_test_run();

	if (!ret)
		fixture_rmdir(dir);
	return ret;
}
