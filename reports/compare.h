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

#define WGL_COMPARE_DEFAULT_THRESHOLD 5.0

/*
 * Returns the comparison as JSON (the --json output):
 * { "threshold_pct", "regressions", "improvements",
 *   "metrics": [{ "case", "metric", "unit", "better", "base", "new",
 *                 "base_range": [min, max], "new_range": [min, max],
 *                 "delta_pct", "status" }],
 *   "verdicts": [{ "case", "base", "new", "message", "status" }],
 *   "missing": [case...], "added": [case...] }
 * Metric status: regression, improvement, noise, within-threshold, info
 * (better is null), no-data. Verdict status: regression (pass -> fail or
 * error), fixed, changed. NULL with errno on allocation failure.
 */
json_t *wgl_compare(const json_t *base, const json_t *cur, double threshold_pct);
/* The human table of a wgl_compare() report. */
void wgl_compare_print(const json_t *report, FILE *f);

#endif
