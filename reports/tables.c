// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-scenario tables (tables.h). Each table is built once as rows of
 * text cells, then written as Markdown or HTML with that format's escaping:
 * backend names and check details come from loaded files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"
#include "reports/tables.h"

#define NCOLS 7

struct table {
	const char *title;
	const char *head[NCOLS];
	int ncols;
	char (*rows)[NCOLS][96];
	size_t nrows, cap;
};

static char (*add_row(struct table *t))[96]
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *nr = realloc(t->rows, cap * sizeof(*t->rows));

		if (!nr)
			return NULL;
		t->rows = nr;
		t->cap = cap;
	}
	memset(t->rows[t->nrows], 0, sizeof(t->rows[0]));
	return t->rows[t->nrows++];
}

static const struct wgl_metric *metric(const struct wgl_case *c, const char *name)
{
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name) && isfinite(c->metrics[i].median))
			return &c->metrics[i];
	return NULL;
}

static void num(char *cell, size_t len, const struct wgl_metric *m)
{
	if (m)
		snprintf(cell, len, "%.4g", m->median);
	else
		snprintf(cell, len, "-");
}

static void ident(const struct wgl_case *c, char (*row)[96])
{
	wgl_case_backends(c, "-", row[0], sizeof(row[0]));
	snprintf(row[1], sizeof(row[1]), "%s", c->family ? c->family : "-");
}

/* mtu: the largest inner size that crossed, and whether PMTU discovery got there. */
static void mtu_rows(const struct wgl_run *run, struct table *t)
{
	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];
		const struct wgl_metric *r;
		char (*row)[96];

		if (strcmp(c->scenario, "mtu") || wgl_case_get_verdict(c) == WGL_SKIP)
			continue;
		row = add_row(t);
		if (!row)
			return;
		ident(c, row);
		num(row[2], sizeof(row[2]), metric(c, "largest_inner"));
		r = metric(c, "pmtu_recovered");
		snprintf(row[3], sizeof(row[3]), "%s", !r ? "-" : r->median > 0 ? "yes" : "no");
	}
}

/* The n-th "impairment on ..." check's mechanism (node:impair records one per call). */
static void via(const struct wgl_case *c, int n, char *cell, size_t len)
{
	snprintf(cell, len, "-");
	for (size_t i = 0; i < c->nchecks; i++) {
		const char *d = c->checks[i].detail;

		if (strncmp(c->checks[i].name, "impairment on ", 14) || n-- > 0)
			continue;
		if (d && !strncmp(d, "impairment: ", 12))
			snprintf(cell, len, "%.*s", (int)strcspn(d + 12, " "), d + 12);
		return;
	}
}

/* impairment: asked and measured per kind, in the order the scenario impairs. */
static void impairment_rows(const struct wgl_run *run, struct table *t)
{
	static const char *const kinds[] = { "loss", "dup", "delay", "reorder" };

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];

		if (strcmp(c->scenario, "impairment") || wgl_case_get_verdict(c) == WGL_SKIP)
			continue;
		for (int k = 0; k < 4; k++) {
			char name[64], (*row)[96];
			const struct wgl_metric *a;

			snprintf(name, sizeof(name), "impair_%s_asked", kinds[k]);
			a = metric(c, name);
			if (!a || !(row = add_row(t)))
				continue;
			ident(c, row);
			snprintf(row[2], sizeof(row[2]), "%s", kinds[k]);
			via(c, k, row[3], sizeof(row[3]));
			num(row[4], sizeof(row[4]), a);
			snprintf(name, sizeof(name), "impair_%s_measured", kinds[k]);
			num(row[5], sizeof(row[5]), metric(c, name));
			snprintf(row[6], sizeof(row[6]), "%s", a->unit ? a->unit : "");
		}
	}
}

static void md_cell(FILE *f, const char *s)
{
	fputs("| ", f);
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc(' ', f);
}

static void html_cell(FILE *f, const char *tag, const char *s)
{
	fprintf(f, "<%s>", tag);
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
	fprintf(f, "</%s>", tag);
}

static void write_table(const struct table *t, FILE *f, bool html)
{
	if (!t->nrows)
		return;
	fprintf(f, html ? "<h2>%s</h2>\n<table><tr>" : "## %s\n\n", t->title);
	for (int j = 0; j < t->ncols; j++)
		html ? html_cell(f, "th", t->head[j]) : md_cell(f, t->head[j]);
	fputs(html ? "</tr>\n" : "|\n", f);
	for (int j = 0; !html && j < t->ncols; j++)
		fputs("|---", f);
	fputs(html ? "" : "|\n", f);
	for (size_t i = 0; i < t->nrows; i++) {
		fputs(html ? "<tr>" : "", f);
		for (int j = 0; j < t->ncols; j++)
			html ? html_cell(f, "td", t->rows[i][j]) : md_cell(f, t->rows[i][j]);
		fputs(html ? "</tr>\n" : "|\n", f);
	}
	fputs(html ? "</table>\n" : "\n", f);
}

static void tables(const struct wgl_run *run, FILE *f, bool html)
{
	struct table mtu = { .title = "Largest inner packet across the small-MTU hop (mtu)",
			     .head = { "backends", "family", "largest inner (bytes)",
				       "PMTU discovery recovered" }, .ncols = 4 };
	struct table imp = { .title = "Impairment asked vs measured on the wire (impairment)",
			     .head = { "backends", "family", "impairment", "via", "asked",
				       "measured", "unit" }, .ncols = 7 };

	mtu_rows(run, &mtu);
	impairment_rows(run, &imp);
	write_table(&mtu, f, html);
	write_table(&imp, f, html);
	free(mtu.rows);
	free(imp.rows);
}

void wgl_tables_markdown(const struct wgl_run *run, FILE *f)
{
	tables(run, f, false);
}

void wgl_tables_html(const struct wgl_run *run, FILE *f)
{
	tables(run, f, true);
}
