// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "reports/compare.h"
#include "reports/reports.h"

static const struct wgl_case *find_case(const struct wgl_run *run, const struct wgl_case *like)
{
	for (size_t i = 0; i < run->ncases; i++)
		if (!strcmp(run->cases[i]->scenario, like->scenario) &&
		    !strcmp(run->cases[i]->name, like->name))
			return run->cases[i];
	return NULL;
}

static const struct wgl_metric *find_metric(const struct wgl_case *c, const char *name)
{
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

/* A metric's range; a hand-written baseline with only a median has a point range. */
static void range_of(const struct wgl_metric *m, double *lo, double *hi)
{
	*lo = isnan(m->min) ? m->median : m->min;
	*hi = isnan(m->max) ? m->median : m->max;
}

static enum wgl_cmp_status classify(struct wgl_cmp_metric *r, double thr)
{
	double b = r->base, n = r->cur, worse;

	r->delta_pct = NAN;
	if (isnan(b) || isnan(n))
		return WGL_CMP_NO_DATA;
	r->delta_pct = b != 0 ? (n - b) / fabs(b) * 100 : n == 0 ? 0 : copysign(INFINITY, n);
	if (r->better == WGL_BETTER_NONE)
		return WGL_CMP_INFO;
	if (fabs(r->delta_pct) <= thr)
		return WGL_CMP_WITHIN;
	if (r->cur_lo <= r->base_hi && r->base_lo <= r->cur_hi)
		return WGL_CMP_NOISE;
	worse = r->better == WGL_BETTER_HIGHER ? -r->delta_pct : r->delta_pct;
	return worse > 0 ? WGL_CMP_REGRESSION : WGL_CMP_IMPROVEMENT;
}

static void count(struct wgl_compare_report *report, enum wgl_cmp_status s)
{
	report->regressions += s == WGL_CMP_REGRESSION;
	report->improvements += s == WGL_CMP_IMPROVEMENT;
}

static char *case_id_dup(const struct wgl_case *c)
{
	char id[512];

	return strdup(wgl_case_id(c, id, sizeof(id)));
}

static int metric_row(struct wgl_compare_report *report, const struct wgl_case *c,
		      const struct wgl_metric *bm, const struct wgl_metric *nm)
{
	struct wgl_cmp_metric *rows = realloc(report->metrics,
					      (report->nmetrics + 1) * sizeof(*rows)), *r;

	if (!rows)
		return -ENOMEM;
	report->metrics = rows;
	r = &rows[report->nmetrics++];
	*r = (struct wgl_cmp_metric){
		.case_id = case_id_dup(c), .metric = strdup(bm->name), .unit = strdup(bm->unit),
		.better = bm->better, .base = bm->median, .cur = nm->median,
	};
	range_of(bm, &r->base_lo, &r->base_hi);
	range_of(nm, &r->cur_lo, &r->cur_hi);
	r->status = classify(r, report->threshold_pct);
	count(report, r->status);
	return 0;
}

static int verdict_row(struct wgl_compare_report *report, const struct wgl_case *bc,
		       const struct wgl_case *nc)
{
	enum wgl_verdict b = wgl_case_get_verdict(bc), n = wgl_case_get_verdict(nc);
	struct wgl_cmp_verdict *rows, *r;

	if (b == n)
		return 0;
	rows = realloc(report->verdicts, (report->nverdicts + 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	report->verdicts = rows;
	r = &rows[report->nverdicts++];
	*r = (struct wgl_cmp_verdict){
		.case_id = case_id_dup(nc), .message = strdup(nc->message ? nc->message : ""),
		.base = b, .cur = n, .status = WGL_CMP_CHANGED,
	};
	if (b == WGL_PASS && (n == WGL_FAIL || n == WGL_ERROR))
		r->status = WGL_CMP_REGRESSION;
	else if (n == WGL_PASS)
		r->status = WGL_CMP_FIXED;
	count(report, r->status);
	return 0;
}

static int compare_case(struct wgl_compare_report *report, const struct wgl_case *bc,
			const struct wgl_case *nc)
{
	int ret = verdict_row(report, bc, nc);

	for (size_t i = 0; i < bc->nmetrics && !ret; i++) {
		const struct wgl_metric *nm = find_metric(nc, bc->metrics[i].name);

		if (nm)
			ret = metric_row(report, nc, &bc->metrics[i], nm);
	}
	return ret;
}

static int add_id(char ***list, size_t *n, const struct wgl_case *c)
{
	char **nl = realloc(*list, (*n + 1) * sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	*list = nl;
	nl[(*n)++] = case_id_dup(c);
	return 0;
}

struct wgl_compare_report *wgl_compare(const struct wgl_run *base, const struct wgl_run *cur,
				       double threshold_pct)
{
	struct wgl_compare_report *report = calloc(1, sizeof(*report));
	int ret = 0;
	size_t i;

	if (!report)
		goto err_alloc;
	report->threshold_pct = threshold_pct;
	for (i = 0; i < base->ncases && !ret; i++) {
		const struct wgl_case *nc = find_case(cur, base->cases[i]);

		ret = nc ? compare_case(report, base->cases[i], nc)
			 : add_id(&report->missing, &report->nmissing, base->cases[i]);
	}
	for (i = 0; i < cur->ncases && !ret; i++)
		if (!find_case(base, cur->cases[i]))
			ret = add_id(&report->added, &report->nadded, cur->cases[i]);
	if (!ret)
		return report;
err_alloc:
	wgl_compare_free(report);
	errno = ENOMEM;
	return NULL;
}

void wgl_compare_free(struct wgl_compare_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nmetrics; i++)
		free(r->metrics[i].case_id), free(r->metrics[i].metric), free(r->metrics[i].unit);
	for (i = 0; i < r->nverdicts; i++)
		free(r->verdicts[i].case_id), free(r->verdicts[i].message);
	for (i = 0; i < r->nmissing; i++)
		free(r->missing[i]);
	for (i = 0; i < r->nadded; i++)
		free(r->added[i]);
	free(r->metrics), free(r->verdicts), free(r->missing), free(r->added);
	free(r);
}

const char *wgl_cmp_status_name(enum wgl_cmp_status s)
{
	static const char *const names[] = {
		[WGL_CMP_REGRESSION] = "regression", [WGL_CMP_IMPROVEMENT] = "improvement",
		[WGL_CMP_NOISE] = "noise", [WGL_CMP_WITHIN] = "within-threshold",
		[WGL_CMP_INFO] = "info", [WGL_CMP_NO_DATA] = "no-data",
		[WGL_CMP_FIXED] = "fixed", [WGL_CMP_CHANGED] = "changed",
	};

	return (unsigned int)s < WGL_ARRAY_SIZE(names) ? names[s] : "?";
}

static json_t *num_or_null(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

static json_t *metric_json(const struct wgl_cmp_metric *r)
{
	const char *better = wgl_better_name(r->better);

	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:[oo], s:[oo], s:o, s:s}",
			 "case", r->case_id, "metric", r->metric, "unit", r->unit,
			 "better", better, "base", num_or_null(r->base), "new", num_or_null(r->cur),
			 "base_range", num_or_null(r->base_lo), num_or_null(r->base_hi),
			 "new_range", num_or_null(r->cur_lo), num_or_null(r->cur_hi),
			 "delta_pct", num_or_null(r->delta_pct),
			 "status", wgl_cmp_status_name(r->status));
}

static json_t *ids_json(char *const *ids, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(ids[i] ? ids[i] : ""));
	return a;
}

json_t *wgl_compare_to_json(const struct wgl_compare_report *r)
{
	json_t *metrics = json_array(), *verdicts = json_array();
	size_t i;

	for (i = 0; metrics && i < r->nmetrics; i++)
		json_array_append_new(metrics, metric_json(&r->metrics[i]));
	for (i = 0; verdicts && i < r->nverdicts; i++)
		json_array_append_new(verdicts, json_pack("{s:s?, s:s, s:s, s:s?, s:s}",
				      "case", r->verdicts[i].case_id,
				      "base", wgl_verdict_name(r->verdicts[i].base),
				      "new", wgl_verdict_name(r->verdicts[i].cur),
				      "message", r->verdicts[i].message,
				      "status", wgl_cmp_status_name(r->verdicts[i].status)));
	return json_pack("{s:f, s:i, s:i, s:o, s:o, s:o, s:o}", "threshold_pct", r->threshold_pct,
			 "regressions", r->regressions, "improvements", r->improvements,
			 "metrics", metrics, "verdicts", verdicts,
			 "missing", ids_json(r->missing, r->nmissing),
			 "added", ids_json(r->added, r->nadded));
}

/* A field for the terminal table: control characters in names would break the lines. */
static const char *clean(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	buf[i] = '\0';
	return buf;
}

static void print_metric(const struct wgl_cmp_metric *r, FILE *f)
{
	char b[32], n[32], d[32], cs[256], m[128];
	const char *better = wgl_better_name(r->better);

	if (isfinite(r->delta_pct))
		snprintf(d, sizeof(d), "%+.1f%%", r->delta_pct);
	else
		snprintf(d, sizeof(d), "n/a");
	fprintf(f, "%-16s %-40s %-20s %10s -> %-10s %-8s %8s  (%s is better)\n",
		wgl_cmp_status_name(r->status), clean(r->case_id, cs, sizeof(cs)),
		clean(r->metric, m, sizeof(m)), wgl_fmt_num(r->base, b, sizeof(b)),
		wgl_fmt_num(r->cur, n, sizeof(n)), r->unit ? r->unit : "", d,
		better ? better : "neither");
}

void wgl_compare_print(const struct wgl_compare_report *r, FILE *f)
{
	char cs[256], msg[512];
	size_t i;

	for (i = 0; i < r->nmetrics; i++)
		print_metric(&r->metrics[i], f);
	for (i = 0; i < r->nverdicts; i++) {
		const struct wgl_cmp_verdict *v = &r->verdicts[i];

		fprintf(f, "%-16s %-40s verdict %s -> %s%s%s\n", wgl_cmp_status_name(v->status),
			clean(v->case_id, cs, sizeof(cs)), wgl_verdict_name(v->base),
			wgl_verdict_name(v->cur), v->message && *v->message ? ": " : "",
			clean(v->message, msg, sizeof(msg)));
	}
	for (i = 0; i < r->nmissing; i++)
		fprintf(f, "%-16s %s (in the baseline only)\n", "missing", r->missing[i]);
	for (i = 0; i < r->nadded; i++)
		fprintf(f, "%-16s %s (new in this run)\n", "added", r->added[i]);
	fprintf(f, "%d regression(s), %d improvement(s) beyond %.4g%% outside the "
		"repetition spread\n", r->regressions, r->improvements, r->threshold_pct);
}
