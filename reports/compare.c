// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/result.h"
#include "reports/compare.h"
#include "reports/reports.h"

static const json_t *find_case(const json_t *run, const json_t *like)
{
	const char *scenario = wgl_jstr(like, "scenario", ""), *name = wgl_jstr(like, "name", "");
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(run, "cases"), i, c)
		if (!strcmp(wgl_jstr(c, "scenario", ""), scenario) &&
		    !strcmp(wgl_jstr(c, "name", ""), name))
			return c;
	return NULL;
}

static const json_t *find_metric(const json_t *c, const char *name)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(c, "metrics"), i, m)
		if (!strcmp(wgl_jstr(m, "name", ""), name))
			return m;
	return NULL;
}

/* A metric's range; a hand-written baseline with only a median has a point range. */
static void range_of(const json_t *m, double *lo, double *hi)
{
	double med = wgl_jnum(m, "median", NAN);

	*lo = wgl_jnum(m, "min", med);
	*hi = wgl_jnum(m, "max", med);
}

static const char *classify(const json_t *bm, const json_t *nm, double thr, double *delta)
{
	const char *better = wgl_jstr(bm, "better", NULL);
	double b = wgl_jnum(bm, "median", NAN), n = wgl_jnum(nm, "median", NAN);
	double blo, bhi, nlo, nhi, worse;

	*delta = NAN;
	if (isnan(b) || isnan(n))
		return "no-data";
	*delta = b != 0 ? (n - b) / fabs(b) * 100 : n == 0 ? 0 : copysign(INFINITY, n);
	if (!better || (strcmp(better, "higher") && strcmp(better, "lower")))
		return "info";
	if (fabs(*delta) <= thr)
		return "within-threshold";
	range_of(bm, &blo, &bhi);
	range_of(nm, &nlo, &nhi);
	if (nlo <= bhi && blo <= nhi)
		return "noise";
	worse = !strcmp(better, "higher") ? -*delta : *delta;
	return worse > 0 ? "regression" : "improvement";
}

static json_t *num_or_null(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

static json_t *metric_row(const json_t *c, const json_t *bm, const json_t *nm, double thr)
{
	double delta, blo, bhi, nlo, nhi;
	const char *status = classify(bm, nm, thr, &delta);
	char id[256];

	range_of(bm, &blo, &bhi);
	range_of(nm, &nlo, &nhi);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:[oo], s:[oo], s:o, s:s}",
			 "case", wgl_case_id(c, id, sizeof(id)), "metric", wgl_jstr(bm, "name", ""),
			 "unit", wgl_jstr(bm, "unit", ""),
			 "better", json_incref(json_object_get(bm, "better")) ?: json_null(),
			 "base", num_or_null(wgl_jnum(bm, "median", NAN)),
			 "new", num_or_null(wgl_jnum(nm, "median", NAN)),
			 "base_range", num_or_null(blo), num_or_null(bhi),
			 "new_range", num_or_null(nlo), num_or_null(nhi),
			 "delta_pct", num_or_null(delta), "status", status);
}

static json_t *verdict_row(const json_t *bc, const json_t *nc)
{
	enum wgl_verdict b = wgl_case_get_verdict(bc), n = wgl_case_get_verdict(nc);
	const char *status = "changed";
	char id[256];

	if (b == n)
		return NULL;
	if (b == WGL_PASS && (n == WGL_FAIL || n == WGL_ERROR))
		status = "regression";
	else if (n == WGL_PASS)
		status = "fixed";
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "case", wgl_case_id(nc, id, sizeof(id)),
			 "base", wgl_verdict_name(b), "new", wgl_verdict_name(n), "message",
			 wgl_jstr(nc, "message", ""), "status", status);
}

static void count(json_t *report, const json_t *row)
{
	const char *status = wgl_jstr(row, "status", "");
	const char *key = !strcmp(status, "regression") ? "regressions" :
			  !strcmp(status, "improvement") ? "improvements" : NULL;
	json_int_t n;

	if (!key)
		return;
	n = json_integer_value(json_object_get(report, key));
	json_object_set_new(report, key, json_integer(n + 1));
}

static void compare_case(json_t *report, const json_t *bc, const json_t *nc, double thr)
{
	const json_t *bm, *nm;
	json_t *row;
	size_t i;

	row = verdict_row(bc, nc);
	if (row) {
		count(report, row);
		json_array_append_new(json_object_get(report, "verdicts"), row);
	}
	json_array_foreach(json_object_get(bc, "metrics"), i, bm) {
		nm = find_metric(nc, wgl_jstr(bm, "name", ""));
		if (!nm)
			continue;
		row = metric_row(nc, bm, nm, thr);
		count(report, row);
		json_array_append_new(json_object_get(report, "metrics"), row);
	}
}

json_t *wgl_compare(const json_t *base, const json_t *cur, double threshold_pct)
{
	json_t *report;
	const json_t *c;
	char id[256];
	size_t i;

	report = json_pack("{s:f, s:i, s:i, s:[], s:[], s:[], s:[]}", "threshold_pct", threshold_pct,
			   "regressions", 0, "improvements", 0, "metrics", "verdicts", "missing",
			   "added");
	if (!report) {
		errno = ENOMEM;
		return NULL;
	}
	json_array_foreach(json_object_get(base, "cases"), i, c) {
		const json_t *nc = find_case(cur, c);

		if (nc)
			compare_case(report, c, nc, threshold_pct);
		else
			json_array_append_new(json_object_get(report, "missing"),
					      json_string(wgl_case_id(c, id, sizeof(id))));
	}
	json_array_foreach(json_object_get(cur, "cases"), i, c)
		if (!find_case(base, c))
			json_array_append_new(json_object_get(report, "added"),
					      json_string(wgl_case_id(c, id, sizeof(id))));
	return report;
}

/* A field for the terminal table: control characters in names would break the lines. */
static const char *clean(const json_t *r, const char *key, char *buf, size_t len)
{
	const char *s = wgl_jstr(r, key, "");
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	buf[i] = '\0';
	return buf;
}

static void print_metric(const json_t *r, FILE *f)
{
	char b[32], n[32], d[32], cs[256], m[128];
	json_t *delta = json_object_get(r, "delta_pct");

	if (json_is_number(delta))
		snprintf(d, sizeof(d), "%+.1f%%", json_number_value(delta));
	else
		snprintf(d, sizeof(d), "n/a");
	fprintf(f, "%-16s %-40s %-20s %10s -> %-10s %-8s %8s  (%s is better)\n",
		wgl_jstr(r, "status", ""), clean(r, "case", cs, sizeof(cs)),
		clean(r, "metric", m, sizeof(m)),
		wgl_fmt_num(json_object_get(r, "base"), b, sizeof(b)),
		wgl_fmt_num(json_object_get(r, "new"), n, sizeof(n)), wgl_jstr(r, "unit", ""), d,
		wgl_jstr(r, "better", "neither"));
}

void wgl_compare_print(const json_t *report, FILE *f)
{
	char cs[256], msg[512];
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(report, "metrics"), i, r)
		print_metric(r, f);
	json_array_foreach(json_object_get(report, "verdicts"), i, r)
		fprintf(f, "%-16s %-40s verdict %s -> %s%s%s\n", wgl_jstr(r, "status", ""),
			clean(r, "case", cs, sizeof(cs)), wgl_jstr(r, "base", ""),
			wgl_jstr(r, "new", ""), *wgl_jstr(r, "message", "") ? ": " : "",
			clean(r, "message", msg, sizeof(msg)));
	json_array_foreach(json_object_get(report, "missing"), i, r)
		fprintf(f, "%-16s %s (in the baseline only)\n", "missing", json_string_value(r));
	json_array_foreach(json_object_get(report, "added"), i, r)
		fprintf(f, "%-16s %s (new in this run)\n", "added", json_string_value(r));
	fprintf(f, "%lld regression(s), %lld improvement(s) beyond %.4g%% outside the "
		"repetition spread\n", json_integer_value(json_object_get(report, "regressions")),
		json_integer_value(json_object_get(report, "improvements")),
		json_number_value(json_object_get(report, "threshold_pct")));
}
