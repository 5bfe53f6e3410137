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
#include "reports/headline.h"
#include "reports/ab_report.h"
#include "reports/tables.h"
#include "reports/remote_nodes.h"
#include "reports/reports.h"
#include "reports/write.h"

void wgl_fputs_md(FILE *f, const char *s)
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

static void md(FILE *f, const char *s)
{
	wgl_fputs_md(f, s);
}

static const char *badge(enum wgl_verdict v)
{
	static const char *const b[] = { [WGL_PASS] = "✅ pass", [WGL_FAIL] = "❌ fail",
					 [WGL_SKIP] = "⏭️ skip", [WGL_ERROR] = "💥 error" };

	return b[v];
}

static void meta_row(FILE *f, const char *key, const char *value)
{
	fprintf(f, "| %s | ", key);
	md(f, value ? value : "-");
	fputs(" |\n", f);
}

static void remote_rows(const struct wgl_run *run, FILE *f)
{
	char name[32], value[1024];

	for (size_t i = 0; wgl_report_remote_node(run, i, name, sizeof(name), value, sizeof(value));
	     i++)
		meta_row(f, name, value);
}

static void header(const struct wgl_run *run, FILE *f)
{
	const struct wgl_run_summary *s = &run->summary;
	char jobs[512];

	fputs("# wglab run ", f);
	md(f, run->id ? run->id : "?");
	if (run->nsources)
		fprintf(f, " (merged from %zu runs)", run->nsources);
	fprintf(f, "\n\n**%ld passed, %ld failed, %ld skipped, %ld errors** (%ld cases)\n\n",
		s->passed, s->failed, s->skipped, s->errors, s->total);
	if (run->incomplete)
		fputs("> **Incomplete run**: it was stopped before its end (interrupted, killed "
		      "or out of disk space); only the cases below finished.\n\n", f);
	fputs("| run | |\n|---|---|\n", f);
	meta_row(f, "started", run->started);
	meta_row(f, "finished", run->finished);
	meta_row(f, "host", run->host);
	meta_row(f, "kernel", run->kernel);
	meta_row(f, "cpu_model", run->cpu_model);
	meta_row(f, "wglab_version", run->wglab_version);
	fprintf(f, "| emulated | %s |\n", run->emulated ? "yes (kernel lab VM)" : "no");
	if (wgl_reports_jobs_text(run, jobs, sizeof(jobs)))
		meta_row(f, "jobs", jobs);
	for (size_t i = 0; i < run->nimpls; i++) {
		const struct wgl_impl *impl = &run->impls[i];

		fputs("| implementation ", f);
		md(f, impl->backend);
		fputs(" | ", f);
		md(f, impl->binary ? impl->binary : "-");
		fputs(" ", f);
		md(f, impl->version ? impl->version : "");
		fputs(" |\n", f);
	}
	remote_rows(run, f);
	fputc('\n', f);
}

/* A merged run's sources: where each set of results was measured. */
static void sources(const struct wgl_run *run, FILE *f)
{
	if (!run->nsources)
		return;
	fputs("| source | where | host | kernel | emulated | shard | run |\n"
	      "|---:|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < run->nsources; i++) {
		const struct wgl_source *s = &run->sources[i];

		fprintf(f, "| %zu | ", i);
		md(f, s->label);
		fputs(" | ", f);
		md(f, s->host ? s->host : "-");
		fputs(" | ", f);
		md(f, s->kernel ? s->kernel : "-");
		fprintf(f, " | %s | ", s->emulated ? "yes" : "no");
		md(f, s->shard ? s->shard : "-");
		fputs(" | ", f);
		md(f, s->path ? s->path : s->id ? s->id : "-");
		fputs(" |\n", f);
	}
	remote_rows(run, f);
	fputc('\n', f);
}

/* Merged runs: "lab: pass, native: skip", the primary result first. */
static void results_cell(const struct wgl_run *run, const struct wgl_case *c, FILE *f)
{
	for (size_t k = 0; k <= c->nalso; k++) {
		const struct wgl_case *r = k ? c->also[k - 1] : c;

		if (k)
			fputs(", ", f);
		md(f, r->source >= 0 ? run->sources[r->source].label : "?");
		fprintf(f, ": %s", wgl_verdict_name(wgl_case_get_verdict(r)));
	}
	fputs(" | ", f);
}

/* Skipped cases are not rows: the headline groups them into one line per reason. */
static void cases(const struct wgl_run *run, FILE *f)
{
	char pair[160];

	fprintf(f, "## Cases\n\n| verdict | scenario | case | backends | family |%s time (s) "
		"| message |\n|---|---|---|---|---|%s---:|---|\n", run->nsources ? " results |" : "",
		run->nsources ? "---|" : "");
	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];

		if (wgl_case_get_verdict(c) == WGL_SKIP)
			continue;
		fprintf(f, "| %s | ", badge(wgl_case_get_verdict(c)));
		md(f, c->scenario);
		fputs(" | ", f);
		md(f, c->name);
		fputs(" | ", f);
		md(f, wgl_case_backends(c, "-", pair, sizeof(pair)));
		fputs(" | ", f);
		md(f, c->family ? c->family : "-");
		fputs(" | ", f);
		if (run->nsources)
			results_cell(run, c, f);
		fprintf(f, "%.2f | ", c->duration_s);
		md(f, c->message ? c->message : "");
		fputs(" |\n", f);
	}
	remote_rows(run, f);
	fputc('\n', f);
}

static void failed_checks(const struct wgl_run *run, FILE *f)
{
	bool any = false;
	char id[256];

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];

		for (size_t j = 0; j < c->nchecks; j++) {
			if (c->checks[j].ok)
				continue;
			if (!any)
				fputs("## Failed checks\n\n", f);
			any = true;
			fputs("- ", f);
			md(f, wgl_case_id(c, id, sizeof(id)));
			fputs(": **", f);
			md(f, c->checks[j].name);
			fputs("**: ", f);
			md(f, c->checks[j].detail);
			fputc('\n', f);
		}
	}
	if (any)
		fputc('\n', f);
}

static void metric_row(const struct wgl_case *c, const struct wgl_metric *m, FILE *f)
{
	char a[32], b[32], d[32], id[256];
	const char *better = wgl_better_name(m->better);

	fputs("| ", f);
	md(f, wgl_case_id(c, id, sizeof(id)));
	fputs(" | ", f);
	md(f, m->name);
	fprintf(f, " | %s | %s | %s | %zu | ", wgl_fmt_num(m->median, a, sizeof(a)),
		wgl_fmt_num(m->min, b, sizeof(b)), wgl_fmt_num(m->max, d, sizeof(d)), m->n);
	md(f, m->unit);
	fprintf(f, " | %s |\n", better ? better : "-");
}

static void metrics(const struct wgl_run *run, FILE *f)
{
	bool any = false;

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];

		for (size_t j = 0; j < c->nmetrics; j++) {
			if (!any)
				fputs("## Metrics\n\n| case | metric | median | min | max | n | unit "
				      "| better |\n|---|---|---:|---:|---:|---:|---|---|\n", f);
			any = true;
			metric_row(c, &c->metrics[j], f);
		}
	}
	if (any)
		fputc('\n', f);
}

/* Runs with remote nodes: what each host spent during each case. */
static void case_hosts(const struct wgl_run *run, FILE *f)
{
	bool any = false;
	char id[256], line[512];

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];

		for (size_t j = 0; j < c->nhosts; j++) {
			if (!any)
				fputs("## Remote hosts during each case\n\n", f);
			any = true;
			wgl_report_case_host(&c->hosts[j], line, sizeof(line));
			fputs("- ", f);
			md(f, wgl_case_id(c, id, sizeof(id)));
			fputs(": ", f);
			md(f, line);
			fputc('\n', f);
		}
	}
	if (any)
		fputc('\n', f);
}

int wgl_write_markdown(const struct wgl_run *run, const struct wgl_plots *p, FILE *f)
{
	bool any = false;
	int k;

	header(run, f);
	sources(run, f);
	wgl_headline_markdown(run, f);
	wgl_ab_report_markdown(run, f);
	cases(run, f);
	failed_checks(run, f);
	metrics(run, f);
	case_hosts(run, f);
	for (k = 0; k < WGL_PLOT_N; k++) {
		if (!p || !p->svg[k])
			continue;
		if (!any)
			fputs("## Plots\n\n", f);
		any = true;
		fprintf(f, "![%s](plots/%s.svg)\n\n", wgl_plot_title(k), wgl_plot_name(k));
	}
	wgl_tables_markdown(run, f);
	return ferror(f) ? -EIO : 0;
}
