// SPDX-License-Identifier: GPL-2.0-or-later
/* The A/B comparison and the gates in every human and CI format (reports/ab_report.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/stats.h"
#include "reports/ab_report.h"
#include "reports/reports.h"

/* The figures of one comparison, derived once per row. */
struct row {
	struct wgl_paired p;
	double med_a, med_b;
	double *d;              /* per-round relative differences, NaN where left out */
	char verdict[200];
};

static void row_fill(const struct wgl_comparison *c, struct row *r)
{
	double *v = malloc((c->n ? c->n : 1) * sizeof(*v));
	size_t k = 0;

	r->d = malloc((c->n ? c->n : 1) * sizeof(*r->d));
	if (!r->d || wgl_paired_compare(c->a, c->b, c->n, c->confidence, &r->p, r->d) < 0)
		r->p = (struct wgl_paired){ .estimate = NAN, .lo = NAN, .hi = NAN };
	wgl_paired_text(&r->p, c->better != WGL_BETTER_LOWER, r->verdict, sizeof(r->verdict));
	for (size_t i = 0; v && i < c->n; i++)
		if (isfinite(c->a[i]))
			v[k++] = c->a[i];
	r->med_a = v ? wgl_median(v, k) : NAN;
	k = 0;
	for (size_t i = 0; v && i < c->n; i++)
		if (isfinite(c->b[i]))
			v[k++] = c->b[i];
	r->med_b = v ? wgl_median(v, k) : NAN;
	free(v);
}

/* "+1.2 -0.4 ..." of the rounds' relative differences. */
static void diffs(FILE *f, const struct wgl_comparison *c, const struct row *r)
{
	for (size_t i = 0; r->d && r->p.n && i < c->n; i++) {
		if (isnan(r->d[i]))
			fprintf(f, "%s-", i ? " " : "");
		else
			fprintf(f, "%s%+.1f", i ? " " : "", r->d[i]);
	}
}

void wgl_ab_report_print(const struct wgl_run *run, FILE *f)
{
	for (size_t i = 0; i < run->ncomparisons; i++) {
		const struct wgl_comparison *c = &run->comparisons[i];
		struct row r;

		if (!i)
			fprintf(f, "\nA/B (B - A, paired by round, interleaved ABBA):\n");
		row_fill(c, &r);
		fprintf(f, "  %s %s %s: A=%s %.4g, B=%s %.4g %s; diffs %%: ", c->scenario,
			c->family ? c->family : "", c->metric, c->impl_a, r.med_a, c->impl_b,
			r.med_b, c->unit ? c->unit : "");
		diffs(f, c, &r);
		fprintf(f, "\n    %s\n", r.verdict);
		free(r.d);
	}
	for (size_t i = 0; i < run->ngates; i++)
		fprintf(f, "%sGATE %s: %s: %s\n", i ? "" : "\n", run->gates[i].gate,
			run->gates[i].verdict == WGL_FAIL ? "TRIPPED" :
			wgl_verdict_name(run->gates[i].verdict),
			run->gates[i].detail ? run->gates[i].detail : "");
}

static void md_gates(const struct wgl_run *run, FILE *f)
{
	if (!run->ngates)
		return;
	fputs("### Gates\n\n| gate | verdict | detail |\n|---|---|---|\n", f);
	for (size_t i = 0; i < run->ngates; i++) {
		fputs("| `", f);
		wgl_fputs_md(f, run->gates[i].gate);
		fprintf(f, "` | %s | ", run->gates[i].verdict == WGL_FAIL ? "**tripped**" :
			wgl_verdict_name(run->gates[i].verdict));
		wgl_fputs_md(f, run->gates[i].detail ? run->gates[i].detail : "");
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

void wgl_ab_report_markdown(const struct wgl_run *run, FILE *f)
{
	if (!run->ncomparisons && !run->ngates)
		return;
	fputs("## A/B comparison\n\nThe A:A and B:B cases ran interleaved (ABBA), one "
	      "repetition per round; B - A is paired by round, relative to A. Estimate: "
	      "Hodges-Lehmann; interval: Wilcoxon signed-rank.\n\n", f);
	if (run->ncomparisons)
		fputs("| scenario | family | metric | A | B | median A | median B | paired diffs (%) "
		      "| verdict |\n|---|---|---|---|---|---:|---:|---|---|\n", f);
	for (size_t i = 0; i < run->ncomparisons; i++) {
		const struct wgl_comparison *c = &run->comparisons[i];
		struct row r;

		row_fill(c, &r);
		fprintf(f, "| %s | %s | %s | %s | %s | %.4g %s | %.4g %s | ", c->scenario,
			c->family ? c->family : "", c->metric, c->impl_a, c->impl_b, r.med_a,
			c->unit ? c->unit : "", r.med_b, c->unit ? c->unit : "");
		diffs(f, c, &r);
		fprintf(f, " | %s |\n", r.verdict);
		free(r.d);
	}
	fputc('\n', f);
	md_gates(run, f);
}

static void html_gates(const struct wgl_run *run, FILE *f)
{
	if (!run->ngates)
		return;
	fputs("<h3>Gates</h3>\n<table><tr><th>gate</th><th>verdict</th><th>detail</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->ngates; i++) {
		fprintf(f, "<tr class=\"%s\"><td><code>", wgl_verdict_name(run->gates[i].verdict));
		wgl_fputs_xml(f, run->gates[i].gate, false);
		fprintf(f, "</code></td><td>%s</td><td>", run->gates[i].verdict == WGL_FAIL ?
			"tripped" : wgl_verdict_name(run->gates[i].verdict));
		wgl_fputs_xml(f, run->gates[i].detail ? run->gates[i].detail : "", false);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void wgl_ab_report_html(const struct wgl_run *run, FILE *f)
{
	if (!run->ncomparisons && !run->ngates)
		return;
	fputs("<h2>A/B comparison</h2>\n<p>The A:A and B:B cases ran interleaved (ABBA), one "
	      "repetition per round; B - A is paired by round, relative to A. Estimate: "
	      "Hodges-Lehmann; interval: Wilcoxon signed-rank.</p>\n", f);
	if (run->ncomparisons)
		fputs("<table><tr><th>scenario</th><th>family</th><th>metric</th><th>A</th>"
		      "<th>B</th><th>median A</th><th>median B</th><th>paired diffs (%)</th>"
		      "<th>verdict</th></tr>\n", f);
	for (size_t i = 0; i < run->ncomparisons; i++) {
		const struct wgl_comparison *c = &run->comparisons[i];
		struct row r;

		row_fill(c, &r);
		fputs("<tr><td>", f);
		wgl_fputs_xml(f, c->scenario, false);
		fputs("</td><td>", f);
		wgl_fputs_xml(f, c->family ? c->family : "", false);
		fputs("</td><td>", f);
		wgl_fputs_xml(f, c->metric, false);
		fputs("</td><td>", f);
		wgl_fputs_xml(f, c->impl_a, false);
		fputs("</td><td>", f);
		wgl_fputs_xml(f, c->impl_b, false);
		fprintf(f, "</td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td><td>",
			r.med_a, r.med_b);
		diffs(f, c, &r);
		fprintf(f, "</td><td%s>%s</td></tr>\n", wgl_paired_verdict(&r.p,
			c->better != WGL_BETTER_LOWER) == WGL_PAIRED_B_WORSE ? " class=\"bad\"" : "",
			r.verdict);
		free(r.d);
	}
	if (run->ncomparisons)
		fputs("</table>\n", f);
	html_gates(run, f);
}

void wgl_ab_report_junit_counts(const struct wgl_run *run, int *tests, int *failures,
				int *skipped)
{
	for (size_t i = 0; i < run->ngates; i++) {
		(*tests)++;
		*failures += run->gates[i].verdict == WGL_FAIL;
		*skipped += run->gates[i].verdict == WGL_SKIP;
	}
}

void wgl_ab_report_junit(const struct wgl_run *run, FILE *f)
{
	int tests = 0, failures = 0, skipped = 0;

	if (!run->ngates)
		return;
	wgl_ab_report_junit_counts(run, &tests, &failures, &skipped);
	fprintf(f, "  <testsuite name=\"gates\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
		"skipped=\"%d\" time=\"0.000\">\n", tests, failures, skipped);
	for (size_t i = 0; i < run->ngates; i++) {
		const struct wgl_gate *g = &run->gates[i];

		fputs("    <testcase classname=\"gate\" name=\"", f);
		wgl_fputs_xml(f, g->gate, true);
		fputs("\" time=\"0.000\">\n", f);
		if (g->verdict == WGL_FAIL || g->verdict == WGL_SKIP) {
			fputs(g->verdict == WGL_FAIL ? "      <failure message=\"" :
			      "      <skipped message=\"", f);
			wgl_fputs_xml(f, g->detail ? g->detail : "", true);
			fputs("\"/>\n", f);
		}
		fputs("      <system-out>", f);
		wgl_fputs_xml(f, g->detail ? g->detail : "", false);
		fputs("</system-out>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n", f);
}
