// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.html: one self-contained page (inline CSS, inline SVG plots, no
 * scripts, no network at view time) that can be archived as a CI artifact
 * and opened years later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "reports/headline.h"
#include "reports/ab_report.h"
#include "reports/tables.h"
#include "reports/remote_nodes.h"
#include "reports/reports.h"
#include "reports/write.h"

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1200px}"
	"table{border-collapse:collapse;margin:.5em 0 1em}"
	"td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
	"th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".pass{background:#dff5e1}.fail{background:#fbdada}.skip{background:#f3f3d8}"
	".error{background:#f8c9a8}.bad{color:#b00020;font-weight:bold}"
	".plot svg{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}"
	"details{margin:.2em 0}code{font-size:90%}";

static void esc(FILE *f, const char *s)
{
	wgl_fputs_xml(f, s, false);
}

static void meta_row(FILE *f, const char *key, const char *value)
{
	fputs("<tr><th>", f);
	esc(f, key);
	fputs("</th><td>", f);
	esc(f, value);
	fputs("</td></tr>\n", f);
}

static void header(const struct wgl_run *run, FILE *f)
{
	const struct wgl_run_summary *s = &run->summary;
	const struct { const char *key, *value; } rows[] = {
		{ "id", run->id }, { "started", run->started }, { "finished", run->finished },
		{ "host", run->host }, { "kernel", run->kernel }, { "arch", run->arch },
		{ "cpu_model", run->cpu_model }, { "wglab_version", run->wglab_version },
	};
	char buf[512], name[128];
	size_t k;

	fputs("<h1>wglab run ", f);
	esc(f, run->id ? run->id : "?");
	fprintf(f, "</h1>\n<p><span class=\"pass\">%ld passed</span>, "
		"<span class=\"fail\">%ld failed</span>, <span class=\"skip\">%ld skipped</span>, "
		"<span class=\"error\">%ld errors</span> (%ld cases)</p>\n",
		s->passed, s->failed, s->skipped, s->errors, s->total);
	if (run->incomplete)
		fputs("<p class=\"fail\"><strong>Incomplete run</strong>: it was stopped before "
		      "its end (interrupted, killed or out of disk space); only the cases below "
		      "finished.</p>\n", f);
	fputs("<table>\n", f);
	for (k = 0; k < WGL_ARRAY_SIZE(rows); k++)
		meta_row(f, rows[k].key, rows[k].value ? rows[k].value : "-");
	snprintf(buf, sizeof(buf), "%ld", run->cores);
	meta_row(f, "cores", buf);
	meta_row(f, "emulated", run->emulated ? "yes (kernel lab VM)" : "no");
	if (wgl_reports_jobs_text(run, buf, sizeof(buf)))
		meta_row(f, "jobs", buf);
	for (k = 0; k < run->nimpls; k++) {
		const struct wgl_impl *impl = &run->impls[k];

		snprintf(buf, sizeof(buf), "%s %s (%s)", impl->binary ? impl->binary : "-",
			 impl->version ? impl->version : "", impl->command ? impl->command : "");
		snprintf(name, sizeof(name), "implementation %s", impl->backend);
		meta_row(f, name, buf);
	}
	for (k = 0; wgl_report_remote_node(run, k, name, sizeof(name), buf, sizeof(buf)); k++)
		meta_row(f, name, buf);
	fputs("</table>\n", f);
}

static void plots(const struct wgl_plots *p, FILE *f)
{
	int k;

	fputs("<h2>Plots</h2>\n", f);
	for (k = 0; k < WGL_PLOT_N; k++) {
		/* The loss sweep is one scenario's: no placeholder in runs without it. */
		if (k == WGL_PLOT_LOSS && !(p && p->svg[k]))
			continue;
		fprintf(f, "<h3>%s</h3>\n", wgl_plot_title(k));
		if (p && p->svg[k])
			fprintf(f, "<div class=\"plot\" id=\"plot-%s\">\n%s</div>\n",
				wgl_plot_name(k), p->svg[k]);
		else
			fputs("<p>No data for this plot in this run.</p>\n", f);
	}
}

static void checks(const struct wgl_case *c, FILE *f)
{
	if (!c->nchecks)
		return;
	fputs("<table><tr><th>check</th><th>ok</th><th>detail</th></tr>\n", f);
	for (size_t i = 0; i < c->nchecks; i++) {
		bool ok = c->checks[i].ok;

		fputs("<tr><td>", f);
		esc(f, c->checks[i].name);
		fprintf(f, "</td><td class=\"%s\">%s</td><td>", ok ? "pass" : "fail",
			ok ? "ok" : "FAILED");
		esc(f, c->checks[i].detail);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void metrics(const struct wgl_case *c, FILE *f)
{
	char x[32], y[32], z[32];
	size_t i;

	if (c->nmetrics)
		fputs("<table><tr><th>metric</th><th>median</th><th>min</th><th>max</th>"
		      "<th>n</th><th>unit</th><th>better</th></tr>\n", f);
	for (i = 0; i < c->nmetrics; i++) {
		const struct wgl_metric *m = &c->metrics[i];
		const char *better = wgl_better_name(m->better);

		fputs("<tr><td>", f);
		esc(f, m->name);
		fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\">%zu</td><td>",
			wgl_fmt_num(m->median, x, sizeof(x)), wgl_fmt_num(m->min, y, sizeof(y)),
			wgl_fmt_num(m->max, z, sizeof(z)), m->n);
		esc(f, m->unit);
		fprintf(f, "</td><td>%s</td></tr>\n", better ? better : "-");
	}
	if (c->nmetrics)
		fputs("</table>\n", f);
	for (i = 0; i < c->nartifacts; i++) {
		fputs("<div>artifact ", f);
		esc(f, c->artifacts[i].kind);
		fputs(": <code>", f);
		esc(f, c->artifacts[i].path);
		fputs("</code></div>\n", f);
	}
}

/* Runs with remote nodes: what each host spent during the case. */
static void hosts(const struct wgl_case *c, FILE *f)
{
	char line[512];

	for (size_t i = 0; i < c->nhosts; i++) {
		wgl_report_case_host(&c->hosts[i], line, sizeof(line));
		fputs("<div>host ", f);
		esc(f, line);
		fputs("</div>\n", f);
	}
}

static void one_case(const struct wgl_case *c, FILE *f)
{
	enum wgl_verdict v = wgl_case_get_verdict(c);
	char params[2048];

	fprintf(f, "<tr><td class=\"%s\">%s</td><td>", wgl_verdict_name(v), wgl_verdict_name(v));
	esc(f, c->scenario);
	fputs("</td><td><details><summary>", f);
	esc(f, c->name);
	fputs("</summary><p>params <code>", f);
	esc(f, wgl_fmt_params(c, params, sizeof(params)));
	fputs("</code></p>\n", f);
	checks(c, f);
	metrics(c, f);
	hosts(c, f);
	fprintf(f, "</details></td><td class=\"num\">%.2f</td><td%s>", c->duration_s,
		v == WGL_PASS ? "" : " class=\"bad\"");
	esc(f, c->message ? c->message : "");
	fputs("</td></tr>\n", f);
}

int wgl_write_html(const struct wgl_run *run, const struct wgl_plots *p, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>wglab ", f);
	esc(f, run->id ? run->id : "");
	fprintf(f, "</title>\n<style>%s</style></head><body>\n", css);
	header(run, f);
	wgl_headline_html(run, f);
	wgl_ab_report_html(run, f);
	plots(p, f);
	wgl_tables_html(run, f);
	fputs("<h2>Cases</h2>\n<table><tr><th>verdict</th><th>scenario</th><th>case</th>"
	      "<th>time (s)</th><th>message</th></tr>\n", f);
	/* Skipped cases are one line per reason in the headline, not a row each. */
	for (size_t i = 0; i < run->ncases; i++)
		if (wgl_case_get_verdict(run->cases[i]) != WGL_SKIP)
			one_case(run->cases[i], f);
	fputs("</table>\n</body></html>\n", f);
	return ferror(f) ? -EIO : 0;
}
