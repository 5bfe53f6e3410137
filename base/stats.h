/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wglab's one statistics module: medians, percentiles and the summary of a
 * series (repetitions of a metric, latency samples). Every figure wglab
 * prints or records, from C or from a scenario (wglab.stats in Lua), comes
 * from here, so the same numbers give the same median everywhere.
 *
 * ONE definition of a percentile, used throughout: linear interpolation
 * between closest ranks (Hyndman & Fan's "R-7", the default of NumPy, R and
 * spreadsheets). With the n values sorted as s[0] <= ... <= s[n-1], the p-th
 * percentile (0 <= p <= 100) is the value at the fractional rank
 *
 *     h = (n - 1) * p / 100,   s[floor(h)] + (h - floor(h)) * (s[floor(h) + 1] - s[floor(h)])
 *
 * so p = 0 is the minimum, p = 100 the maximum, and the median (p = 50) is
 * the middle value for odd n and the mean of the two middle values for even n.
 *
 * Functions copy before sorting: the caller's array is never reordered.
 * NaN inputs sort after every number (see wgl_cmp_double); callers that mean
 * "no value" by NaN drop those first, as the result model does.
 */
#ifndef WGL_STATS_H
#define WGL_STATS_H

#include <stddef.h>

/*
 * qsort comparator for doubles in ascending order; NaNs compare equal to
 * each other and greater than every number, so the order is total.
 */
int wgl_cmp_double(const void *a, const void *b);

/* The p-th percentile of n values as defined above; NaN when n == 0 or p is outside 0..100. */
double wgl_percentile(const double *v, size_t n, double p);

/* Several percentiles with one sort: out[i] = wgl_percentile(v, n, ps[i]). */
void wgl_percentiles(const double *v, size_t n, const double *ps, double *out, size_t np);

/* The median: wgl_percentile(v, n, 50). NaN when n == 0. */
double wgl_median(const double *v, size_t n);

struct wgl_summary {
	size_t n;
	double min, max, mean, median;
	double spread;      /* max - min */
	double stddev;      /* sample standard deviation (n - 1); 0 for n < 2 */
	double spread_pct;  /* (max - min) / |median| * 100; 0 when the median is 0 */
};

/* Fills s from n values; with none, n = 0 and every other field is NaN. */
void wgl_summarize(const double *v, size_t n, struct wgl_summary *s);

#endif
