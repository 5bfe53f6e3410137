// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JUnit XML written by wglab itself (CUnit 2.1-3's JUnit mode writes
 * malformed files). One <testsuite> per scenario, one <testcase> per case
 * with classname = scenario; failed checks become the <failure> body and
 * metrics and artifact paths go to <system-out>, which GitLab, Jenkins and
 * the GitHub JUnit actions all show next to the test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "reports/reports.h"

struct counts {
	int tests, failures, errors, skipped;
	double time;
};

static void count_cases(const json_t *run, const char *scenario, struct counts *n)
{
	const json_t *c;
	size_t i;

	memset(n, 0, sizeof(*n));
	json_array_foreach(json_object_get(run, "cases"), i, c) {
		if (scenario && strcmp(wgl_jstr(c, "scenario", ""), scenario))
			continue;
		n->tests++;
		n->time += wgl_jnum(c, "duration_s", 0);
		switch (wgl_case_get_verdict(c)) {
		case WGL_FAIL: n->failures++; break;
		case WGL_ERROR: n->errors++; break;
		case WGL_SKIP: n->skipped++; break;
		case WGL_PASS: break;
		}
	}
}

static void attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	wgl_fputs_xml(f, value, true);
	fputc('"', f);
}

static void counts_attrs(FILE *f, const struct counts *n)
{
	fprintf(f, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\"",
		n->tests, n->failures, n->errors, n->skipped, n->time);
}

static void property(FILE *f, const char *name, const char *value)
{
	fputs("      <property", f);
	attr(f, "name", name);
	attr(f, "value", value);
	fputs("/>\n", f);
}

/* Run metadata, so a JUnit viewer alone tells which kernel and binaries ran. */
static void properties(FILE *f, const json_t *run)
{
	static const char *const keys[] = { "id", "host", "kernel", "cpu_model", "wglab_version" };
	const char *backend;
	const json_t *impl;
	char name[256];
	size_t k;

	fputs("    <properties>\n", f);
	for (k = 0; k < WGL_ARRAY_SIZE(keys); k++)
		property(f, keys[k], wgl_jstr(run, keys[k], ""));
	property(f, "emulated", json_is_true(json_object_get(run, "emulated")) ? "true" : "false");
	json_object_foreach((json_t *)json_object_get(run, "implementations"), backend, impl) {
		snprintf(name, sizeof(name), "impl.%s", backend);
		property(f, name, wgl_jstr(impl, "version", wgl_jstr(impl, "binary", "")));
	}
	fputs("    </properties>\n", f);
}

static void failed_checks(FILE *f, const json_t *c)
{
	const json_t *chk;
	size_t i;

	json_array_foreach(json_object_get(c, "checks"), i, chk) {
		if (json_is_true(json_object_get(chk, "ok")))
			continue;
		wgl_fputs_xml(f, wgl_jstr(chk, "name", "?"), false);
		fputs(": ", f);
		wgl_fputs_xml(f, wgl_jstr(chk, "detail", ""), false);
		fputc('\n', f);
	}
}

static void outcome(FILE *f, const json_t *c)
{
	const char *msg = wgl_jstr(c, "message", "");

	switch (wgl_case_get_verdict(c)) {
	case WGL_PASS:
		return;
	case WGL_SKIP:
		fputs("      <skipped", f);
		attr(f, "message", msg);
		fputs("/>\n", f);
		return;
	case WGL_ERROR:
		fputs("      <error type=\"error\"", f);
		attr(f, "message", msg);
		fputs(">", f);
		break;
	case WGL_FAIL:
		fputs("      <failure type=\"check\"", f);
		attr(f, "message", msg);
		fputs(">", f);
		break;
	}
	failed_checks(f, c);
	fputs(wgl_case_get_verdict(c) == WGL_ERROR ? "</error>\n" : "</failure>\n", f);
}

static void system_out(FILE *f, const json_t *c)
{
	const json_t *m, *a;
	char med[32], lo[32], hi[32];
	char *params;
	size_t i;

	fputs("      <system-out>", f);
	params = json_dumps(json_object_get(c, "params"), JSON_COMPACT | JSON_SORT_KEYS);
	fputs("params ", f);
	wgl_fputs_xml(f, params ? params : "{}", false);
	fputc('\n', f);
	free(params);
	json_array_foreach(json_object_get(c, "metrics"), i, m) {
		fputs("metric ", f);
		wgl_fputs_xml(f, wgl_jstr(m, "name", "?"), false);
		fprintf(f, " = %s ", wgl_fmt_num(json_object_get(m, "median"), med, sizeof(med)));
		wgl_fputs_xml(f, wgl_jstr(m, "unit", ""), false);
		fprintf(f, " (min %s, max %s, n %zu)\n",
			wgl_fmt_num(json_object_get(m, "min"), lo, sizeof(lo)),
			wgl_fmt_num(json_object_get(m, "max"), hi, sizeof(hi)),
			json_array_size(json_object_get(m, "values")));
	}
	json_array_foreach(json_object_get(c, "artifacts"), i, a) {
		fputs("artifact ", f);
		wgl_fputs_xml(f, wgl_jstr(a, "kind", "?"), false);
		fputc(' ', f);
		wgl_fputs_xml(f, wgl_jstr(a, "path", ""), false);
		fputc('\n', f);
	}
	fputs("</system-out>\n", f);
}

static void testcase(FILE *f, const json_t *c)
{
	/* Empty names make JUnit readers drop or merge the case. */
	const char *scenario = wgl_jstr(c, "scenario", ""), *name = wgl_jstr(c, "name", "");

	fputs("    <testcase", f);
	attr(f, "classname", *scenario ? scenario : "unnamed");
	attr(f, "name", *name ? name : "unnamed");
	fprintf(f, " time=\"%.3f\">\n", wgl_jnum(c, "duration_s", 0));
	outcome(f, c);
	system_out(f, c);
	fputs("    </testcase>\n", f);
}

/* True if an earlier case already opened the testsuite of c's scenario. */
static bool seen_before(const json_t *cases, size_t upto, const char *scenario)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (!strcmp(wgl_jstr(json_array_get(cases, i), "scenario", ""), scenario))
			return true;
	return false;
}

static void testsuite(FILE *f, const json_t *run, const char *scenario)
{
	const json_t *cases = json_object_get(run, "cases"), *c;
	struct counts n;
	size_t i;

	count_cases(run, scenario, &n);
	fputs("  <testsuite", f);
	attr(f, "name", *scenario ? scenario : "unnamed");
	counts_attrs(f, &n);
	attr(f, "timestamp", wgl_jstr(run, "started", ""));
	attr(f, "hostname", wgl_jstr(run, "host", ""));
	fputs(">\n", f);
	properties(f, run);
	json_array_foreach(cases, i, c)
		if (!strcmp(wgl_jstr(c, "scenario", ""), scenario))
			testcase(f, c);
	fputs("  </testsuite>\n", f);
}

int wgl_write_junit(const json_t *run, FILE *f)
{
	const json_t *cases = json_object_get(run, "cases"), *c;
	struct counts n;
	size_t i;

	count_cases(run, NULL, &n);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wglab\"", f);
	counts_attrs(f, &n);
	attr(f, "timestamp", wgl_jstr(run, "started", ""));
	fputs(">\n", f);
	json_array_foreach(cases, i, c) {
		const char *scenario = wgl_jstr(c, "scenario", "");

		if (!seen_before(cases, i, scenario))
			testsuite(f, run, scenario);
	}
	fputs("</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}
