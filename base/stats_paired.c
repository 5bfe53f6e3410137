// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Paired comparison (base/stats.h): Hodges-Lehmann estimate and the
 * Wilcoxon signed-rank confidence interval of relative paired differences.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/stats.h"

double wgl_signrank_cdf(size_t n, long t)
{
	size_t m = n * (n + 1) / 2;
	double *c, sum = 0;

	if (n > WGL_PAIRED_EXACT_MAX)
		return NAN;
	if (t < 0)
		return 0;
	if ((size_t)t >= m)
		return 1;
	c = calloc(m + 1, sizeof(*c));
	if (!c)
		return NAN;
	/* c[s] = the number of subsets of the ranks 1..r summing to s, built rank by rank. */
	c[0] = 1;
	for (size_t r = 1; r <= n; r++)
		for (size_t s = r * (r + 1) / 2; s >= r; s--)
			c[s] += c[s - r];
	for (long s = 0; s <= t; s++)
		sum += c[s];
	free(c);
	return sum / ldexp(1.0, (int)n);
}

/* P(T+ <= t): exact where affordable, else the normal approximation. */
static double signrank_tail(size_t n, long t, int *exact)
{
	double mu = (double)n * (double)(n + 1) / 4;
	double sd = sqrt((double)n * (double)(n + 1) * (double)(2 * n + 1) / 24);

	*exact = n <= WGL_PAIRED_EXACT_MAX;
	if (*exact)
		return wgl_signrank_cdf(n, t);
	return 0.5 * erfc(-((double)t + 0.5 - mu) / sd / sqrt(2));
}

/* The relative differences of the usable pairs into d; their count. */
static size_t rel_diffs(const double *a, const double *b, size_t n, double *d, double *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		double x = NAN;

		if (isfinite(a[i]) && isfinite(b[i]) && a[i] != 0)
			x = (b[i] - a[i]) / fabs(a[i]) * 100.0;
		if (out)
			out[i] = x;
		if (!isnan(x))
			d[k++] = x;
	}
	return k;
}

/* The sorted Walsh averages of d[0..n), n(n+1)/2 of them; NULL on ENOMEM. */
static double *walsh(const double *d, size_t n)
{
	double *w = malloc(n * (n + 1) / 2 * sizeof(*w));
	size_t k = 0;

	if (!w)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[k++] = (d[i] + d[j]) / 2;
	qsort(w, k, sizeof(*w), wgl_cmp_double);
	return w;
}

int wgl_paired_compare(const double *a, const double *b, size_t n, double level,
		       struct wgl_paired *p, double *diffs)
{
	double *d, *w, half = (1 - level) / 2;
	size_t m, k = 1;

	*p = (struct wgl_paired){ .median_diff = NAN, .estimate = NAN, .lo = NAN, .hi = NAN };
	if (!(level > 0 && level < 1))
		return -EINVAL;
	d = malloc((n ? n : 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	p->n = rel_diffs(a, b, n, d, diffs);
	w = p->n ? walsh(d, p->n) : NULL;
	if (!w) {
		free(d);
		return p->n ? -ENOMEM : -EINVAL;
	}
	m = p->n * (p->n + 1) / 2;
	/* The largest k with P(T+ <= k - 1) <= half; k stays 1 when even that is too likely. */
	while (k < (m + 1) / 2 && signrank_tail(p->n, (long)k, &p->exact) <= half)
		k++;
	p->level = 1 - 2 * signrank_tail(p->n, (long)k - 1, &p->exact);
	p->lo = w[k - 1];
	p->hi = w[m - k];
	p->estimate = wgl_median(w, m);
	p->median_diff = wgl_median(d, p->n);
	free(w);
	free(d);
	return 0;
}

enum wgl_paired_verdict wgl_paired_verdict(const struct wgl_paired *p, int higher_better)
{
	if (!p->n || isnan(p->lo) || (p->lo <= 0 && p->hi >= 0) ||
	    p->level < WGL_PAIRED_MIN_LEVEL)
		return WGL_PAIRED_SAME;
	if ((p->lo > 0) == (higher_better != 0))
		return WGL_PAIRED_B_BETTER;
	return WGL_PAIRED_B_WORSE;
}

void wgl_paired_text(const struct wgl_paired *p, int higher_better, char *buf, size_t len)
{
	enum wgl_paired_verdict v = wgl_paired_verdict(p, higher_better);

	if (!p->n) {
		snprintf(buf, len, "no pairs to compare");
		return;
	}
	if (p->level < WGL_PAIRED_MIN_LEVEL)
		snprintf(buf, len, "too few pairs (%zu) for a verdict (%+.1f%%, %.0f%% CI "
			 "%+.1f..%+.1f%%)", p->n, p->estimate, p->level * 100, p->lo, p->hi);
	else if (v == WGL_PAIRED_SAME)
		snprintf(buf, len, "no difference detectable at this noise (%+.1f%%, %.0f%% CI "
			 "%+.1f..%+.1f%%)", p->estimate, p->level * 100, p->lo, p->hi);
	else
		snprintf(buf, len, "B is %s by %.1f%% (%.0f%% CI %+.1f..%+.1f%%)",
			 v == WGL_PAIRED_B_WORSE ? "worse" : "better", fabs(p->estimate),
			 p->level * 100, p->lo, p->hi);
}
