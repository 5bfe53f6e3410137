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

/*
 * Paired comparison of two implementations A and B measured in the same
 * rounds (a[i] and b[i] from round i). The differences are relative, per
 * pair: d[i] = (b[i] - a[i]) / |a[i]| * 100 (in %); pairs with a non-finite
 * value or a[i] == 0 are left out. The estimate is the Hodges-Lehmann
 * median of the Walsh averages (d[i] + d[j]) / 2, i <= j, and the interval
 * is the distribution-free one that inverts the Wilcoxon signed-rank test:
 * [W(k), W(M + 1 - k)] of the M = n(n+1)/2 sorted Walsh averages, with k
 * the largest rank such that P(T+ <= k - 1) <= (1 - level) / 2. P comes
 * from the exact null distribution of T+ for n <= WGL_PAIRED_EXACT_MAX and
 * from the normal approximation (with continuity correction) above. Few
 * pairs cannot reach the level asked for (n < 6 at 95%): k is then 1, the
 * interval is the full range of Walsh averages, and level holds the
 * confidence actually reached, 1 - 2 P(T+ <= k - 1).
 */
#define WGL_PAIRED_EXACT_MAX 60

struct wgl_paired {
	size_t n;           /* pairs used */
	double median_diff; /* median of d[] (plain, not Hodges-Lehmann), % */
	double estimate;    /* Hodges-Lehmann estimate, % */
	double lo, hi;      /* the interval, % */
	double level;       /* its confidence, 0..1 */
	int exact;          /* 1: exact signed-rank bounds, 0: normal approximation */
};

/*
 * Fills p from n pairs at confidence level (e.g. 0.95). 0, -EINVAL when no
 * pair is usable or level is not in (0, 1), -ENOMEM. The per-pair relative
 * differences go to diffs[] when it is not NULL (n entries, NaN where left out).
 */
int wgl_paired_compare(const double *a, const double *b, size_t n, double level,
		       struct wgl_paired *p, double *diffs);

/* The lower tail P(T+ <= t) of the signed-rank statistic of n pairs, exact. NaN past the limit. */
double wgl_signrank_cdf(size_t n, long t);

enum wgl_paired_verdict { WGL_PAIRED_SAME, WGL_PAIRED_B_BETTER, WGL_PAIRED_B_WORSE };

/*
 * The least confidence an interval needs before it may say "better" or
 * "worse": 4 pairs reach 87.5%, 3 only 75%.
 */
#define WGL_PAIRED_MIN_LEVEL 0.85

/*
 * What the interval says: B better or worse when the interval excludes 0 on
 * one side and its level is at least WGL_PAIRED_MIN_LEVEL; higher_better
 * tells which side is better for the metric.
 */
enum wgl_paired_verdict wgl_paired_verdict(const struct wgl_paired *p, int higher_better);
/*
 * The verdict as a sentence: "B is worse by 12.3% (CI -15.1..-9.8%)", "B is
 * better by ...", "no difference detectable at this noise (CI -3.2..4.1%)",
 * or "too few pairs (2) for a verdict (...)".
 */
void wgl_paired_text(const struct wgl_paired *p, int higher_better, char *buf, size_t len);

#endif
