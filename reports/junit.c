// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JUnit XML written by wglab itself (CUnit 2.1-3's JUnit mode writes
 * malformed files). One <testsuite> per scenario, one <testcase> per case
 * with classname = scenario; failed checks become the <failure> body and
 * metrics and artifact paths go to <system-out>, which GitLab, Jenkins and
 * the GitHub JUnit actions all show next to the test.
 *
 * A merged run (wglab merge) writes one <testcase> per source's result of
 * a case, the source's label in the name ("connect[kernel:kernel,ipv4]
 * (lab)"): a case measured natively and in the kernel lab shows both
 * results. The skips a real result replaced are left out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "reports/ab_report.h"
#include "reports/reports.h"

/* More results of one case than sources a merge takes in practice. */
#define MAX_RESULTS 64

struct counts {
	int tests, failures, errors, skipped;
	double time;
};

static void count_cases(const struct wgl_run *run, const char *scenario, struct counts *n)
{
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *r[MAX_RESULTS];
		size_t nr = wgl_case_results(run->cases[i], r, MAX_RESULTS);

		if (scenario && strcmp(run->cases[i]->scenario, scenario))
			continue;
		for (size_t k = 0; k < nr; k++) {
			n->tests++;
			n->time += r[k]->duration_s;
			switch (wgl_case_get_verdict(r[k])) {
			case WGL_FAIL: n->failures++; break;
			case WGL_ERROR: n->errors++; break;
			case WGL_SKIP: n->skipped++; break;
			case WGL_PASS: break;
			}
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
	attr(f, "value", value ? value : "");
	fputs("/>\n", f);
}

/* Run metadata, so a JUnit viewer alone tells which kernel and binaries ran. */
static void properties(FILE *f, const struct wgl_run *run)
{
	char name[256];

	fputs("    <properties>\n", f);
	property(f, "id", run->id);
	property(f, "host", run->host);
	property(f, "kernel", run->kernel);
	property(f, "cpu_model", run->cpu_model);
	property(f, "wglab_version", run->wglab_version);
	property(f, "emulated", run->emulated ? "true" : "false");
	for (size_t i = 0; i < run->nimpls; i++) {
		const struct wgl_impl *impl = &run->impls[i];

		snprintf(name, sizeof(name), "impl.%s", impl->backend);
		property(f, name, impl->version ? impl->version : impl->binary);
	}
	fputs("    </properties>\n", f);
}

static void failed_checks(FILE *f, const struct wgl_case *c)
{
	for (size_t i = 0; i < c->nchecks; i++) {
		if (c->checks[i].ok)
			continue;
		wgl_fputs_xml(f, c->checks[i].name, false);
		fputs(": ", f);
		wgl_fputs_xml(f, c->checks[i].detail, false);
		fputc('\n', f);
	}
}

static void outcome(FILE *f, const struct wgl_case *c)
{
	const char *msg = c->message ? c->message : "";

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

/* Where a merged run's result was measured. */
static void source_line(FILE *f, const struct wgl_source *src)
{
	fputs("source ", f);
	wgl_fputs_xml(f, src->label ? src->label : "?", false);
	fputs(": host ", f);
	wgl_fputs_xml(f, src->host ? src->host : "?", false);
	fputs(", kernel ", f);
	wgl_fputs_xml(f, src->kernel ? src->kernel : "?", false);
	fputs(src->emulated ? ", emulated (kernel lab)" : "", f);
	if (src->shard) {
		fputs(", shard ", f);
		wgl_fputs_xml(f, src->shard, false);
	}
	fputc('\n', f);
}

static void system_out(FILE *f, const struct wgl_run *run, const struct wgl_case *c)
{
	char med[32], lo[32], hi[32], params[2048];
	size_t i;

	fputs("      <system-out>", f);
	if (wgl_result_source(run, c))
		source_line(f, wgl_result_source(run, c));
	fputs("params ", f);
	wgl_fputs_xml(f, wgl_fmt_params(c, params, sizeof(params)), false);
	fputc('\n', f);
	for (i = 0; i < c->nmetrics; i++) {
		const struct wgl_metric *m = &c->metrics[i];

		fputs("metric ", f);
		wgl_fputs_xml(f, m->name, false);
		fprintf(f, " = %s ", wgl_fmt_num(m->median, med, sizeof(med)));
		wgl_fputs_xml(f, m->unit, false);
		fprintf(f, " (min %s, max %s, n %zu)\n", wgl_fmt_num(m->min, lo, sizeof(lo)),
			wgl_fmt_num(m->max, hi, sizeof(hi)), m->n);
	}
	for (i = 0; i < c->nartifacts; i++) {
		fputs("artifact ", f);
		wgl_fputs_xml(f, c->artifacts[i].kind, false);
		fputc(' ', f);
		wgl_fputs_xml(f, c->artifacts[i].path, false);
		fputc('\n', f);
	}
	fputs("</system-out>\n", f);
}

/* One <testcase> per result of the case (one, unless the run is merged). */
static void testcase(FILE *f, const struct wgl_run *run, const struct wgl_case *c)
{
	const struct wgl_case *r[MAX_RESULTS];
	size_t nr = wgl_case_results(c, r, MAX_RESULTS);
	char name[512];

	for (size_t k = 0; k < nr; k++) {
		wgl_result_name(run, c, r[k], name, sizeof(name));
		/* Empty names make JUnit readers drop or merge the case. */
		fputs("    <testcase", f);
		attr(f, "classname", *c->scenario ? c->scenario : "unnamed");
		attr(f, "name", *name ? name : "unnamed");
		fprintf(f, " time=\"%.3f\">\n", r[k]->duration_s);
		outcome(f, r[k]);
		system_out(f, run, r[k]);
		fputs("    </testcase>\n", f);
	}
}

/* True if an earlier case already opened the testsuite of c's scenario. */
static bool seen_before(const struct wgl_run *run, size_t upto, const char *scenario)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(run->cases[i]->scenario, scenario))
			return true;
	return false;
}

static void testsuite(FILE *f, const struct wgl_run *run, const char *scenario)
{
	struct counts n;

	count_cases(run, scenario, &n);
	fputs("  <testsuite", f);
	attr(f, "name", *scenario ? scenario : "unnamed");
	counts_attrs(f, &n);
	attr(f, "timestamp", run->started ? run->started : "");
	attr(f, "hostname", run->host ? run->host : "");
	fputs(">\n", f);
	properties(f, run);
	for (size_t i = 0; i < run->ncases; i++)
		if (!strcmp(run->cases[i]->scenario, scenario))
			testcase(f, run, run->cases[i]);
	fputs("  </testsuite>\n", f);
}

int wgl_write_junit(const struct wgl_run *run, FILE *f)
{
	struct counts n;

	count_cases(run, NULL, &n);
	wgl_ab_report_junit_counts(run, &n.tests, &n.failures, &n.skipped);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wglab\"", f);
	counts_attrs(f, &n);
	attr(f, "timestamp", run->started ? run->started : "");
	fputs(">\n", f);
	for (size_t i = 0; i < run->ncases; i++)
		if (!seen_before(run, i, run->cases[i]->scenario))
			testsuite(f, run, run->cases[i]->scenario);
	wgl_ab_report_junit(run, f);
	fputs("</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}
