// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The headline comparison (reports/headline.h). Rows are collected from
 * every real result of every case, the primary one and those of other
 * sources (case->also), keyed by metric, backend pair, family and
 * environment, so a merged run of a native and a kernel-lab run shows both
 * environments side by side, each with ratios computed inside itself.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "base/stats.h"
#include "base/util.h"
#include "reports/headline.h"
#include "reports/reports.h"

/*
 * The metrics the headline shows, by scenario. underlay names the bare-link
 * figure measured in the same case; bench measures the underlay as the
 * backend "none" instead.
 */
static const struct hl_metric {
	const char *scenario, *metric, *title, *underlay;
} hl_metrics[] = {
	{ "throughput", "tcp_throughput", "TCP throughput", "underlay_tcp_throughput" },
	{ "throughput", "udp_throughput", "UDP throughput", NULL },
	{ "throughput", "latency_idle_p50", "Idle latency (p50)", NULL },
	{ "throughput", "latency_loaded_p50", "Loaded latency (p50)", NULL },
	{ "connect", "connect_latency", "Connect latency", NULL },
	{ "connect", "handshake_rtt", "Handshake RTT on the wire", NULL },
	{ "many-peers", "handshakes_per_s", "Handshake rate", NULL },
	{ "many-peers", "node_memory_per_peer", "Memory per peer", NULL },
	{ "bench", "throughput", "TCP throughput (bench)", NULL },
	{ "bench", "cpu_host_all_per_gb", "CPU per GB (bench)", NULL },
	{ "bench", "latency_loaded_p50", "Loaded latency (bench, p50)", NULL },
};

struct hl_row {
	char pair[96], family[16], where[64];
	bool emulated;
	int order;              /* environment, then pair: kernel first, userspace last */
	double *v, *under;
	size_t n, nunder;
	struct wgl_summary s;
};

struct hl_table {
	const struct hl_metric *def;
	char unit[32];
	double scale;
	enum wgl_better better;
	struct hl_row *rows;
	size_t nrows;
};

static int pair_rank(const char *pair)
{
	static const char *const order[] = { "kernel:kernel", "kernel", "kernel:userspace",
					     "userspace:kernel", "userspace:userspace", "userspace" };

	for (size_t i = 0; i < WGL_ARRAY_SIZE(order); i++)
		if (!strcmp(pair, order[i]))
			return (int)i;
	return !strcmp(pair, "none") ? 9 : 8;
}

/* Where a result was measured: its source's environment, or the run's own. */
static void where(const struct wgl_run *run, const struct wgl_case *c, struct hl_row *r)
{
	bool merged = c->source >= 0 && (size_t)c->source < run->nsources;

	r->emulated = merged ? run->sources[c->source].emulated : run->emulated;
	snprintf(r->where, sizeof(r->where), "%s",
		 merged ? run->sources[c->source].label : run->emulated ? "lab" : "native");
	r->order = (merged ? (int)c->source : 0) * 16;
}

static int append(double **v, size_t *n, const struct wgl_metric *m, double scale)
{
	double *nv = realloc(*v, (*n + m->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	for (size_t i = 0; i < m->n; i++)
		nv[(*n)++] = m->values[i] * scale;
	return 0;
}

static struct hl_row *row_for(struct hl_table *t, const struct hl_row *key)
{
	struct hl_row *nr;

	for (size_t i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].pair, key->pair) &&
		    !strcmp(t->rows[i].family, key->family) &&
		    !strcmp(t->rows[i].where, key->where))
			return &t->rows[i];
	nr = realloc(t->rows, (t->nrows + 1) * sizeof(*nr));
	if (!nr)
		return NULL;
	t->rows = nr;
	nr[t->nrows] = *key;
	return &nr[t->nrows++];
}

static const struct wgl_metric *metric_of(const struct wgl_case *c, const char *name)
{
	for (size_t i = 0; name && i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

/* Figures are shown in Mbit/s when recorded in bit/s; other units as recorded. */
static void table_unit(struct hl_table *t, const struct wgl_metric *m)
{
	if (t->unit[0])
		return;
	t->scale = !strcmp(m->unit, "bit/s") ? 1e-6 : 1;
	snprintf(t->unit, sizeof(t->unit), "%s", !strcmp(m->unit, "bit/s") ? "Mbit/s" : m->unit);
	t->better = m->better;
}

static int add_result(struct hl_table *t, const struct wgl_run *run, const struct wgl_case *c)
{
	const struct wgl_metric *m = metric_of(c, t->def->metric);
	const struct wgl_metric *u = metric_of(c, t->def->underlay);
	struct hl_row key = { .v = NULL }, *r;

	if (!m || !m->n || wgl_case_get_verdict(c) == WGL_SKIP ||
	    strcmp(c->scenario, t->def->scenario))
		return 0;
	table_unit(t, m);
	wgl_case_backends(c, "-", key.pair, sizeof(key.pair));
	snprintf(key.family, sizeof(key.family), "%s", c->family ? c->family : "-");
	where(run, c, &key);
	key.order += pair_rank(key.pair);
	r = row_for(t, &key);
	if (!r || append(&r->v, &r->n, m, t->scale) < 0)
		return -ENOMEM;
	if (u && u->n && append(&r->under, &r->nunder, u, t->scale) < 0)
		return -ENOMEM;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct hl_row *x = a, *y = b;
	int f = strcmp(x->family, y->family);

	return x->order != y->order ? x->order - y->order : f;
}

static void collect(struct hl_table *t, const struct wgl_run *run)
{
	for (size_t i = 0; i < run->ncases; i++) {
		add_result(t, run, run->cases[i]);
		for (size_t k = 0; k < run->cases[i]->nalso; k++)
			add_result(t, run, run->cases[i]->also[k]);
	}
	for (size_t i = 0; i < t->nrows; i++)
		wgl_summarize(t->rows[i].v, t->rows[i].n, &t->rows[i].s);
	if (t->nrows)
		qsort(t->rows, t->nrows, sizeof(*t->rows), cmp_row);
}

static void table_free(struct hl_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i].v), free(t->rows[i].under);
	free(t->rows);
}

/* The row of pair in r's family and environment, or NULL. */
static const struct hl_row *peer_row(const struct hl_table *t, const struct hl_row *r,
				     const char *pair)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].pair, pair) && !strcmp(t->rows[i].family, r->family) &&
		    !strcmp(t->rows[i].where, r->where))
			return &t->rows[i];
	return NULL;
}

/* r's median over the underlay's: the case's own bare-link figure, or bench's "none". */
static double ratio_underlay(const struct hl_table *t, const struct hl_row *r)
{
	const struct hl_row *none = peer_row(t, r, "none");

	if (r->nunder)
		return r->s.median / wgl_median(r->under, r->nunder);
	return none ? r->s.median / none->s.median : NAN;
}

static double ratio_kernel(const struct hl_table *t, const struct hl_row *r)
{
	const struct hl_row *k = peer_row(t, r, "kernel:kernel");

	k = k ? k : peer_row(t, r, "kernel");
	return k ? r->s.median / k->s.median : NAN;
}

/* The printable cells of a row. */
struct hl_cells {
	char med[32], range[48], n[16], under[16], kernel[16], where[80];
};

static void fmt_ratio(double x, char *buf, size_t len)
{
	if (isfinite(x))
		snprintf(buf, len, "%.2f", x);
	else
		snprintf(buf, len, "-");
}

static void cells(const struct hl_table *t, const struct hl_row *r, struct hl_cells *c)
{
	char a[24], b[24];

	snprintf(c->med, sizeof(c->med), "%.4g", r->s.median);
	if (r->n > 1)
		snprintf(c->range, sizeof(c->range), "%s–%s", wgl_fmt_num(r->s.min, a, sizeof(a)),
			 wgl_fmt_num(r->s.max, b, sizeof(b)));
	else
		snprintf(c->range, sizeof(c->range), "-");
	snprintf(c->n, sizeof(c->n), "%zu", r->n);
	fmt_ratio(ratio_underlay(t, r), c->under, sizeof(c->under));
	fmt_ratio(ratio_kernel(t, r), c->kernel, sizeof(c->kernel));
	snprintf(c->where, sizeof(c->where), "%s%s", r->where, r->emulated ? ", emulated" : "");
}

static void put_xml(FILE *f, const char *s)
{
	wgl_fputs_xml(f, s, false);
}

static const char *better_text(enum wgl_better b)
{
	return b == WGL_BETTER_HIGHER ? ", higher is better" :
	       b == WGL_BETTER_LOWER ? ", lower is better" : "";
}

/* The pair and environment cells (from loaded files: escaped for the format). */
static void who_cells(const struct hl_row *r, const struct hl_cells *c, FILE *f, bool html)
{
	void (*put)(FILE *, const char *) = html ? put_xml : wgl_fputs_md;
	const char *sep = html ? "</td><td>" : " | ";

	fputs(html ? "<tr><td>" : "| ", f);
	put(f, !strcmp(r->pair, "none") ? "underlay" : r->pair);
	fputs(sep, f);
	put(f, r->family);
	fputs(sep, f);
	fputs(!r->emulated ? "" : html ? "<em>" : "*", f);
	put(f, c->where);
	fputs(!r->emulated ? "" : html ? "</em>" : "*", f);
}

static void table_md(const struct hl_table *t, FILE *f)
{
	fprintf(f, "### %s (%s%s)\n\n", t->def->title, t->unit, better_text(t->better));
	fputs("| backends | family | where | median | min–max | n | × underlay | × kernel |\n"
	      "|---|---|---|---:|---|---:|---:|---:|\n", f);
	for (size_t i = 0; i < t->nrows; i++) {
		struct hl_cells c;

		cells(t, &t->rows[i], &c);
		who_cells(&t->rows[i], &c, f, false);
		fprintf(f, " | %s | %s | %s | %s | %s |\n", c.med, c.range, c.n, c.under,
			c.kernel);
	}
	fputc('\n', f);
}

static void table_html(const struct hl_table *t, FILE *f)
{
	fprintf(f, "<h3>%s (%s%s)</h3>\n<table><tr><th>backends</th><th>family</th><th>where</th>"
		"<th>median</th><th>min–max</th><th>n</th><th>× underlay</th><th>× kernel</th></tr>\n",
		t->def->title, t->unit, better_text(t->better));
	for (size_t i = 0; i < t->nrows; i++) {
		struct hl_cells c;

		cells(t, &t->rows[i], &c);
		who_cells(&t->rows[i], &c, f, true);
		fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\">%s</td>"
			"<td class=\"num\">%s</td></tr>\n", c.med, c.range, c.n, c.under, c.kernel);
	}
	fputs("</table>\n", f);
}

static void table_text(const struct hl_table *t, FILE *f)
{
	fprintf(f, "\n%s [%s%s]\n", t->def->title, t->unit, better_text(t->better));
	fprintf(f, "  %-20s %-6s %-18s %10s %-23s %4s %9s %8s\n", "backends", "family", "where",
		"median", "min–max", "n", "×underlay", "×kernel");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct hl_row *r = &t->rows[i];
		struct hl_cells c;

		cells(t, r, &c);
		/* "–" is 3 bytes and one column: pad the range by hand. */
		fprintf(f, "  %-20s %-6s %-18s %10s %-*s %4s %9s %8s\n",
			!strcmp(r->pair, "none") ? "underlay" : r->pair, r->family, c.where,
			c.med, strstr(c.range, "–") ? 23 : 21, c.range, c.n, c.under, c.kernel);
	}
}

/* A group of skipped cases that share a reason (and source). */
struct skip_group {
	char who[64], why[400], instead[64];
	long n;
};

/* "kernel backend unavailable: REASON" reads as who = kernel, why = REASON. */
static void skip_key(const char *msg, struct skip_group *k)
{
	const char *p = msg ? strstr(msg, " backend unavailable: ") : NULL;

	if (p && p - msg < (int)sizeof(k->who)) {
		snprintf(k->who, sizeof(k->who), "%.*s", (int)(p - msg), msg);
		snprintf(k->why, sizeof(k->why), "%s", p + strlen(" backend unavailable: "));
	} else {
		snprintf(k->why, sizeof(k->why), "%s", msg ? msg : "no reason given");
	}
}

static void skip_add(struct skip_group **g, size_t *n, const struct skip_group *key)
{
	struct skip_group *ng;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*g)[i].who, key->who) && !strcmp((*g)[i].why, key->why) &&
		    !strcmp((*g)[i].instead, key->instead)) {
			(*g)[i].n++;
			return;
		}
	ng = realloc(*g, (*n + 1) * sizeof(*ng));
	if (!ng)
		return;
	*g = ng;
	ng[*n] = *key;
	ng[(*n)++].n = 1;
}

/* Skips of the primary results, and skips a merge replaced by another source's result. */
static size_t skip_groups(const struct wgl_run *run, struct skip_group **g)
{
	size_t n = 0;

	*g = NULL;
	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];
		bool real = wgl_case_get_verdict(c) != WGL_SKIP;
		struct skip_group key = { .n = 0 };

		if (!real) {
			skip_key(c->message, &key);
			skip_add(g, &n, &key);
		}
		for (size_t k = 0; real && k < c->nalso; k++) {
			const struct wgl_case *o = c->also[k];

			if (wgl_case_get_verdict(o) != WGL_SKIP || o->source < 0)
				continue;
			memset(&key, 0, sizeof(key));
			skip_key(o->message, &key);
			snprintf(key.instead, sizeof(key.instead), "%s",
				 run->sources[c->source].label);
			skip_add(g, &n, &key);
		}
	}
	return n;
}

enum hl_style { HL_TEXT, HL_MARKDOWN, HL_HTML };

static void skip_line(const struct skip_group *s, FILE *f, enum hl_style st)
{
	fputs(st == HL_MARKDOWN ? "- " : st == HL_HTML ? "<li>" : "", f);
	if (s->who[0])
		fprintf(f, "%s: ", s->who);
	fprintf(f, "%ld case%s skipped: ", s->n, s->n == 1 ? "" : "s");
	if (st == HL_MARKDOWN)
		wgl_fputs_md(f, s->why);
	else if (st == HL_HTML)
		wgl_fputs_xml(f, s->why, false);
	else
		fputs(s->why, f);
	if (s->instead[0])
		fprintf(f, " (their results come from %s)", s->instead);
	fputs(st == HL_HTML ? "</li>\n" : "\n", f);
}

static const char *const intro[] = {
	[HL_TEXT] = "\nheadline (median, min–max, n; ratios within one environment):\n",
	[HL_MARKDOWN] = "## Headline: kernel vs userspace\n\nEach cell: median, min–max and n "
		"of every value measured; × underlay is the ratio to the bare link measured in "
		"the same cases, × kernel the ratio to kernel:kernel in the same environment. "
		"*Emulated* figures come from the kernel lab under CPU emulation: compare them "
		"only with each other.\n\n",
	[HL_HTML] = "<h2>Headline: kernel vs userspace</h2>\n<p>Each cell: median, min–max and n "
		"of every value measured; × underlay is the ratio to the bare link measured in "
		"the same cases, × kernel the ratio to kernel:kernel in the same environment. "
		"<em>Emulated</em> figures come from the kernel lab under CPU emulation: compare "
		"them only with each other.</p>\n",
};

static void (*const table_fn[])(const struct hl_table *, FILE *) = {
	[HL_TEXT] = table_text, [HL_MARKDOWN] = table_md, [HL_HTML] = table_html,
};

static void emit(const struct wgl_run *run, FILE *f, enum hl_style st)
{
	struct skip_group *sk;
	size_t nsk = skip_groups(run, &sk);
	bool any = false;

	for (size_t m = 0; m < WGL_ARRAY_SIZE(hl_metrics); m++) {
		struct hl_table t = { .def = &hl_metrics[m] };

		collect(&t, run);
		if (t.nrows && !any)
			fputs(intro[st], f);
		any |= t.nrows > 0;
		if (t.nrows)
			table_fn[st](&t, f);
		table_free(&t);
	}
	if (nsk)
		fputs(st == HL_MARKDOWN ? "**Skipped**\n\n" : st == HL_HTML ?
		      "<p><b>Skipped</b></p>\n<ul>\n" : "\nskipped:\n", f);
	for (size_t i = 0; i < nsk; i++)
		skip_line(&sk[i], f, st);
	if (nsk && st != HL_TEXT)
		fputs(st == HL_HTML ? "</ul>\n" : "\n", f);
	free(sk);
}

void wgl_headline_markdown(const struct wgl_run *run, FILE *f)
{
	emit(run, f, HL_MARKDOWN);
}

void wgl_headline_html(const struct wgl_run *run, FILE *f)
{
	emit(run, f, HL_HTML);
}

void wgl_headline_print(const struct wgl_run *run, FILE *f)
{
	emit(run, f, HL_TEXT);
}
