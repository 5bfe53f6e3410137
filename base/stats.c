// SPDX-License-Identifier: GPL-2.0-or-later
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/stats.h"

int wgl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return (x > y) - (x < y);
}

/* Percentile of already sorted values. */
static double sorted_pct(const double *s, size_t n, double p)
{
	double h, frac;
	size_t lo;

	if (!n || !(p >= 0 && p <= 100))
		return NAN;
	h = (double)(n - 1) * p / 100.0;
	lo = (size_t)floor(h);
	if (lo >= n - 1)
		return s[n - 1];
	frac = h - (double)lo;
	return s[lo] + frac * (s[lo + 1] - s[lo]);
}

static double *sorted_copy(const double *v, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), wgl_cmp_double);
	return s;
}

void wgl_percentiles(const double *v, size_t n, const double *ps, double *out, size_t np)
{
	double *s = sorted_copy(v, n);

	for (size_t i = 0; i < np; i++)
		out[i] = s ? sorted_pct(s, n, ps[i]) : NAN;
	free(s);
}

double wgl_percentile(const double *v, size_t n, double p)
{
	double out;

	wgl_percentiles(v, n, &p, &out, 1);
	return out;
}

double wgl_median(const double *v, size_t n)
{
	return wgl_percentile(v, n, 50);
}

void wgl_summarize(const double *v, size_t n, struct wgl_summary *s)
{
	double *sorted, sum = 0, sq = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	sorted = n ? sorted_copy(v, n) : NULL;
	if (!sorted) {
		s->min = s->max = s->mean = s->median = NAN;
		s->spread = s->stddev = s->spread_pct = NAN;
		return;
	}
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->spread = s->max - s->min;
	s->median = sorted_pct(sorted, n, 50);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - s->mean) * (v[i] - s->mean);
	s->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	s->spread_pct = s->median != 0 ? s->spread / fabs(s->median) * 100.0 : 0;
	free(sorted);
}
