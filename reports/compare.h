/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Baseline comparison behind `wglab compare`. Cases are matched by
 * scenario and name, metrics within a case by name. A metric regresses when
 * its median moved in the worse direction (its "better") by more than the
 * threshold AND the two repetition ranges [min, max] do not overlap: a
 * move inside the spread the runs themselves showed is noise. A case whose
 * verdict went from pass to fail (or error) regresses too.
 */
#ifndef WGL_COMPARE_H
#define WGL_COMPARE_H

#include <stdio.h>
#include <jansson.h>

#include "base/result.h"

#define WGL_COMPARE_DEFAULT_THRESHOLD 5.0

enum wgl_cmp_status {
	WGL_CMP_REGRESSION, WGL_CMP_IMPROVEMENT, WGL_CMP_NOISE, WGL_CMP_WITHIN, WGL_CMP_INFO,
	WGL_CMP_NO_DATA, /* metric statuses end here */
	WGL_CMP_FIXED, WGL_CMP_CHANGED, /* verdict statuses (and REGRESSION) */
};

/* A metric found in both runs. NaN where a figure is missing. */
struct wgl_cmp_metric {
	char *case_id, *metric, *unit;
	enum wgl_better better;
	double base, cur;              /* medians */
	double base_lo, base_hi, cur_lo, cur_hi;
	double delta_pct;
	enum wgl_cmp_status status;
};

/* A case whose verdict changed. */
struct wgl_cmp_verdict {
	char *case_id, *message;
	enum wgl_verdict base, cur;
	enum wgl_cmp_status status;   /* REGRESSION, FIXED or CHANGED */
};

struct wgl_compare_report {
	double threshold_pct;
	int regressions, improvements;
	struct wgl_cmp_metric *metrics;
	size_t nmetrics;
	struct wgl_cmp_verdict *verdicts;
	size_t nverdicts;
	char **missing;                /* case ids only in the baseline */
	size_t nmissing;
	char **added;                  /* case ids only in the new run */
	size_t nadded;
};

/* Compares two runs; NULL with errno on allocation failure. */
struct wgl_compare_report *wgl_compare(const struct wgl_run *base, const struct wgl_run *cur,
				       double threshold_pct);
void wgl_compare_free(struct wgl_compare_report *r);
/* "regression", "improvement", "noise", "within-threshold", "info", "no-data", "fixed", ... */
const char *wgl_cmp_status_name(enum wgl_cmp_status s);
/*
 * The comparison as JSON (the --json output):
 * { "threshold_pct", "regressions", "improvements",
 *   "metrics": [{ "case", "metric", "unit", "better", "base", "new",
 *                 "base_range": [min, max], "new_range": [min, max],
 *                 "delta_pct", "status" }],
 *   "verdicts": [{ "case", "base", "new", "message", "status" }],
 *   "missing": [case...], "added": [case...] }
 * Metric status: regression, improvement, noise, within-threshold, info
 * (better is null), no-data. Verdict status: regression (pass -> fail or
 * error), fixed, changed.
 */
json_t *wgl_compare_to_json(const struct wgl_compare_report *r);
/* The human table of a comparison. */
void wgl_compare_print(const struct wgl_compare_report *r, FILE *f);

#endif
