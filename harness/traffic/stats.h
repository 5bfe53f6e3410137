/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Statistics over repetitions and samples: percentiles and a summary.
 * The median of the result model is wgl_median() (base/result.h); the
 * functions here add what a benchmark table needs on top of it.
 */
#ifndef WGL_STATS_H
#define WGL_STATS_H

#include <stddef.h>

/*
 * The p-th percentile (0 <= p <= 100) of n values, by linear interpolation
 * between closest ranks (the "R-7"/NumPy default definition): the value at
 * rank h = (n - 1) * p / 100 of the sorted values. Does not reorder v.
 * NaN when n == 0 or p is out of range.
 */
double wgl_percentile(const double *v, size_t n, double p);

/* Several percentiles with one sort: out[i] = wgl_percentile(v, n, ps[i]). */
void wgl_percentiles(const double *v, size_t n, const double *ps, double *out, size_t np);

struct wgl_summary {
	size_t n;
	double min, max, mean, median;
	double stddev;      /* sample standard deviation (n - 1); 0 for n < 2 */
	double spread_pct;  /* (max - min) / median * 100; 0 when the median is 0 */
};

/* Fills s from n values; all fields NaN (n = 0) when there are none. */
void wgl_summarize(const double *v, size_t n, struct wgl_summary *s);

#endif
