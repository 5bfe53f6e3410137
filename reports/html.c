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
#include "reports/reports.h"

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

static void header(const json_t *run, FILE *f)
{
	static const char *const keys[] = { "id", "started", "finished", "host", "kernel", "arch",
					    "cpu_model", "wglab_version" };
	const json_t *s = json_object_get(run, "summary"), *impl;
	const char *backend;
	char buf[512], name[128];
	size_t k;

	fputs("<h1>wglab run ", f);
	esc(f, wgl_jstr(run, "id", "?"));
	fprintf(f, "</h1>\n<p><span class=\"pass\">%lld passed</span>, "
		"<span class=\"fail\">%lld failed</span>, <span class=\"skip\">%lld skipped</span>, "
		"<span class=\"error\">%lld errors</span> (%lld cases)</p>\n<table>\n",
		json_integer_value(json_object_get(s, "passed")),
		json_integer_value(json_object_get(s, "failed")),
		json_integer_value(json_object_get(s, "skipped")),
		json_integer_value(json_object_get(s, "errors")),
		json_integer_value(json_object_get(s, "total")));
	for (k = 0; k < WGL_ARRAY_SIZE(keys); k++)
		meta_row(f, keys[k], wgl_jstr(run, keys[k], "-"));
	snprintf(buf, sizeof(buf), "%g", wgl_jnum(run, "cores", 0));
	meta_row(f, "cores", buf);
	meta_row(f, "emulated",
		 json_is_true(json_object_get(run, "emulated")) ? "yes (kernel lab VM)" : "no");
	json_object_foreach((json_t *)json_object_get(run, "implementations"), backend, impl) {
		snprintf(buf, sizeof(buf), "%s %s (%s)", wgl_jstr(impl, "binary", "-"),
			 wgl_jstr(impl, "version", ""), wgl_jstr(impl, "command", ""));
		snprintf(name, sizeof(name), "implementation %s", backend);
		meta_row(f, name, buf);
	}
	fputs("</table>\n", f);
}

static void plots(const struct wgl_plots *p, FILE *f)
{
	int k;

	fputs("<h2>Plots</h2>\n", f);
	for (k = 0; k < WGL_PLOT_N; k++) {
		fprintf(f, "<h3>%s</h3>\n", wgl_plot_title(k));
		if (p && p->svg[k])
			fprintf(f, "<div class=\"plot\" id=\"plot-%s\">\n%s</div>\n",
				wgl_plot_name(k), p->svg[k]);
		else
			fputs("<p>No data for this plot in this run.</p>\n", f);
	}
}

static void checks(const json_t *c, FILE *f)
{
	const json_t *chk;
	size_t i;

	if (!json_array_size(json_object_get(c, "checks")))
		return;
	fputs("<table><tr><th>check</th><th>ok</th><th>detail</th></tr>\n", f);
	json_array_foreach(json_object_get(c, "checks"), i, chk) {
		bool ok = json_is_true(json_object_get(chk, "ok"));

		fputs("<tr><td>", f);
		esc(f, wgl_jstr(chk, "name", "?"));
		fprintf(f, "</td><td class=\"%s\">%s</td><td>", ok ? "pass" : "fail",
			ok ? "ok" : "FAILED");
		esc(f, wgl_jstr(chk, "detail", ""));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void metrics(const json_t *c, FILE *f)
{
	const json_t *m, *a;
	char x[32], y[32], z[32];
	size_t i;

	if (json_array_size(json_object_get(c, "metrics")))
		fputs("<table><tr><th>metric</th><th>median</th><th>min</th><th>max</th>"
		      "<th>n</th><th>unit</th><th>better</th></tr>\n", f);
	json_array_foreach(json_object_get(c, "metrics"), i, m) {
		fputs("<tr><td>", f);
		esc(f, wgl_jstr(m, "name", "?"));
		fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\">%zu</td><td>",
			wgl_fmt_num(json_object_get(m, "median"), x, sizeof(x)),
			wgl_fmt_num(json_object_get(m, "min"), y, sizeof(y)),
			wgl_fmt_num(json_object_get(m, "max"), z, sizeof(z)),
			json_array_size(json_object_get(m, "values")));
		esc(f, wgl_jstr(m, "unit", ""));
		fprintf(f, "</td><td>%s</td></tr>\n", wgl_jstr(m, "better", "-"));
	}
	if (json_array_size(json_object_get(c, "metrics")))
		fputs("</table>\n", f);
	json_array_foreach(json_object_get(c, "artifacts"), i, a) {
		fputs("<div>artifact ", f);
		esc(f, wgl_jstr(a, "kind", "?"));
		fputs(": <code>", f);
		esc(f, wgl_jstr(a, "path", ""));
		fputs("</code></div>\n", f);
	}
}

static void one_case(const json_t *c, FILE *f)
{
	enum wgl_verdict v = wgl_case_get_verdict(c);
	char *params = json_dumps(json_object_get(c, "params"), JSON_COMPACT | JSON_SORT_KEYS);

	fprintf(f, "<tr><td class=\"%s\">%s</td><td>", wgl_verdict_name(v), wgl_verdict_name(v));
	esc(f, wgl_jstr(c, "scenario", ""));
	fputs("</td><td><details><summary>", f);
	esc(f, wgl_jstr(c, "name", ""));
	fputs("</summary><p>params <code>", f);
	esc(f, params ? params : "{}");
	fputs("</code></p>\n", f);
	free(params);
	checks(c, f);
	metrics(c, f);
	fprintf(f, "</details></td><td class=\"num\">%.2f</td><td%s>", wgl_jnum(c, "duration_s", 0),
		v == WGL_PASS ? "" : " class=\"bad\"");
	esc(f, wgl_jstr(c, "message", ""));
	fputs("</td></tr>\n", f);
}

int wgl_write_html(const json_t *run, const struct wgl_plots *p, FILE *f)
{
	const json_t *c;
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>wglab ", f);
	esc(f, wgl_jstr(run, "id", ""));
	fprintf(f, "</title>\n<style>%s</style></head><body>\n", css);
	header(run, f);
	plots(p, f);
	fputs("<h2>Cases</h2>\n<table><tr><th>verdict</th><th>scenario</th><th>case</th>"
	      "<th>time (s)</th><th>message</th></tr>\n", f);
	json_array_foreach(json_object_get(run, "cases"), i, c)
		one_case(c, f);
	fputs("</table>\n</body></html>\n", f);
	return ferror(f) ? -EIO : 0;
}
