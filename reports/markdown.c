// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * summary.md: a GitHub-flavoured Markdown summary (job summaries, PR
 * comments). Plots are the SVG files wgl_reports_write() puts in plots/,
 * linked relatively so the summary and its plots travel together.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "reports/reports.h"

/* Text in a table cell: nothing in s may end the cell, the row, or start markup. */
static void md(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '<')
			fputs("&lt;", f);
		else if (ch == '>')
			fputs("&gt;", f);
		else if (ch == '&')
			fputs("&amp;", f);
		else if (strchr("|\\`*_[]#", ch))
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fputc(' ', f);
		else
			fputc(ch, f);
	}
}

static const char *badge(enum wgl_verdict v)
{
	static const char *const b[] = { [WGL_PASS] = "✅ pass", [WGL_FAIL] = "❌ fail",
					 [WGL_SKIP] = "⏭️ skip", [WGL_ERROR] = "💥 error" };

	return b[v];
}

static void header(const json_t *run, FILE *f)
{
	static const char *const keys[] = { "started", "finished", "host", "kernel", "cpu_model",
					    "wglab_version" };
	const json_t *s = json_object_get(run, "summary"), *impl;
	const char *backend;
	size_t k;

	fputs("# wglab run ", f);
	md(f, wgl_jstr(run, "id", "?"));
	fprintf(f, "\n\n**%lld passed, %lld failed, %lld skipped, %lld errors** (%lld cases)\n\n",
		json_integer_value(json_object_get(s, "passed")),
		json_integer_value(json_object_get(s, "failed")),
		json_integer_value(json_object_get(s, "skipped")),
		json_integer_value(json_object_get(s, "errors")),
		json_integer_value(json_object_get(s, "total")));
	fputs("| run | |\n|---|---|\n", f);
	for (k = 0; k < WGL_ARRAY_SIZE(keys); k++) {
		fprintf(f, "| %s | ", keys[k]);
		md(f, wgl_jstr(run, keys[k], "-"));
		fputs(" |\n", f);
	}
	fprintf(f, "| emulated | %s |\n",
		json_is_true(json_object_get(run, "emulated")) ? "yes (kernel lab VM)" : "no");
	json_object_foreach((json_t *)json_object_get(run, "implementations"), backend, impl) {
		fputs("| implementation ", f);
		md(f, backend);
		fputs(" | ", f);
		md(f, wgl_jstr(impl, "binary", "-"));
		fputs(" ", f);
		md(f, wgl_jstr(impl, "version", ""));
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void cases(const json_t *run, FILE *f)
{
	const json_t *c;
	size_t i;

	fputs("## Cases\n\n| verdict | scenario | case | time (s) | message |\n"
	      "|---|---|---|---:|---|\n", f);
	json_array_foreach(json_object_get(run, "cases"), i, c) {
		fprintf(f, "| %s | ", badge(wgl_case_get_verdict(c)));
		md(f, wgl_jstr(c, "scenario", ""));
		fputs(" | ", f);
		md(f, wgl_jstr(c, "name", ""));
		fprintf(f, " | %.2f | ", wgl_jnum(c, "duration_s", 0));
		md(f, wgl_jstr(c, "message", ""));
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void failed_checks(const json_t *run, FILE *f)
{
	const json_t *c, *chk;
	size_t i, j;
	bool any = false;
	char id[256];

	json_array_foreach(json_object_get(run, "cases"), i, c) {
		json_array_foreach(json_object_get(c, "checks"), j, chk) {
			if (json_is_true(json_object_get(chk, "ok")))
				continue;
			if (!any)
				fputs("## Failed checks\n\n", f);
			any = true;
			fputs("- ", f);
			md(f, wgl_case_id(c, id, sizeof(id)));
			fputs(": **", f);
			md(f, wgl_jstr(chk, "name", "?"));
			fputs("**: ", f);
			md(f, wgl_jstr(chk, "detail", ""));
			fputc('\n', f);
		}
	}
	if (any)
		fputc('\n', f);
}

static void metric_row(const json_t *c, const json_t *m, FILE *f)
{
	char a[32], b[32], d[32], id[256];

	fputs("| ", f);
	md(f, wgl_case_id(c, id, sizeof(id)));
	fputs(" | ", f);
	md(f, wgl_jstr(m, "name", "?"));
	fprintf(f, " | %s | %s | %s | %zu | ",
		wgl_fmt_num(json_object_get(m, "median"), a, sizeof(a)),
		wgl_fmt_num(json_object_get(m, "min"), b, sizeof(b)),
		wgl_fmt_num(json_object_get(m, "max"), d, sizeof(d)),
		json_array_size(json_object_get(m, "values")));
	md(f, wgl_jstr(m, "unit", ""));
	fprintf(f, " | %s |\n", wgl_jstr(m, "better", "-"));
}

static void metrics(const json_t *run, FILE *f)
{
	const json_t *c, *m;
	size_t i, j;
	bool any = false;

	json_array_foreach(json_object_get(run, "cases"), i, c) {
		json_array_foreach(json_object_get(c, "metrics"), j, m) {
			if (!any)
				fputs("## Metrics\n\n| case | metric | median | min | max | n | unit "
				      "| better |\n|---|---|---:|---:|---:|---:|---|---|\n", f);
			any = true;
			metric_row(c, m, f);
		}
	}
	if (any)
		fputc('\n', f);
}

int wgl_write_markdown(const json_t *run, const struct wgl_plots *p, FILE *f)
{
	bool any = false;
	int k;

	header(run, f);
	cases(run, f);
	failed_checks(run, f);
	metrics(run, f);
	for (k = 0; k < WGL_PLOT_N; k++) {
		if (!p || !p->svg[k])
			continue;
		if (!any)
			fputs("## Plots\n\n", f);
		any = true;
		fprintf(f, "![%s](plots/%s.svg)\n\n", wgl_plot_title(k), wgl_plot_name(k));
	}
	return ferror(f) ? -EIO : 0;
}
