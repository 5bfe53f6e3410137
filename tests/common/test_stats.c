// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The statistics module (base/stats.h): tables for the edges (even and odd
 * n, p = 0 and 100, empty input, NaN ordering), and percentiles, medians and
 * summaries against a deliberately naive reference on random inputs: the
 * k-th smallest value found by counting (O(n^2), no sorting), interpolated
 * by the textbook R-7 formula.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/stats.h"
#include "tests/wgl_test.h"

/* The k-th smallest (0-based): the x with #{< x} <= k < #{<= x}. */
static double naive_kth(const double *v, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++) {
		size_t less = 0, leq = 0;

		for (size_t j = 0; j < n; j++) {
			less += v[j] < v[i];
			leq += v[j] <= v[i];
		}
		if (less <= k && k < leq)
			return v[i];
	}
	return NAN;
}

static double naive_pct(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p / 100.0;
	size_t lo = (size_t)h;
	double a = naive_kth(v, n, lo);

	if (lo + 1 >= n)
		return a;
	return a + (h - (double)lo) * (naive_kth(v, n, lo + 1) - a);
}

static void test_table(void)
{
	static const double v[] = { 15, 20, 35, 40, 50 };
	static const struct { double p, want; } t[] = {
		{ 0, 15 }, { 25, 20 }, { 40, 29 }, { 50, 35 }, { 90, 46 }, { 100, 50 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_DOUBLE_EQUAL(wgl_percentile(v, 5, t[i].p), t[i].want, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(wgl_percentile((double[]){ 7 }, 1, 99), 7, 0);
	CU_ASSERT(isnan(wgl_percentile(v, 0, 50)));
	CU_ASSERT(isnan(wgl_percentile(v, 5, -1)));
	CU_ASSERT(isnan(wgl_percentile(v, 5, 100.5)));
	CU_ASSERT(isnan(wgl_percentile(v, 5, NAN)));
}

static void test_random_vs_naive(void)
{
	static const double ps[] = { 0, 1, 10, 25, 50, 75, 90, 99, 99.9, 100 };
	double v[257], copy[257], out[10];

	srand(12345);
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + (size_t)(rand() % 257);

		/* Few distinct values in half the rounds, so ties are common. */
		for (size_t i = 0; i < n; i++)
			v[i] = round % 2 ? (double)(rand() % 7) : (double)rand() / RAND_MAX * 1e3 - 500;
		memcpy(copy, v, sizeof(double) * n);
		wgl_percentiles(v, n, ps, out, 10);
		for (size_t k = 0; k < 10; k++) {
			double want = naive_pct(v, n, ps[k]);

			CU_ASSERT_DOUBLE_EQUAL(out[k], want, 1e-9 * (1 + fabs(want)));
			CU_ASSERT_DOUBLE_EQUAL(wgl_percentile(v, n, ps[k]), want,
					       1e-9 * (1 + fabs(want)));
		}
		/* The input is left as it was. */
		CU_ASSERT_EQUAL(memcmp(v, copy, sizeof(double) * n), 0);
	}
}

static void test_summary(void)
{
	static const double v[] = { 9, 1, 4, 6 };
	struct wgl_summary s;

	wgl_summarize(v, 4, &s);
	CU_ASSERT_EQUAL(s.n, 4);
	CU_ASSERT_DOUBLE_EQUAL(s.min, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 9, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.mean, 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 5, 1e-12);
	/* deviations -4 4 -1 1: (16+16+1+1)/3 */
	CU_ASSERT_DOUBLE_EQUAL(s.stddev, sqrt(34.0 / 3), 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.spread_pct, 160, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.spread, 8, 0);
	wgl_summarize(v, 1, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 9, 0);
	CU_ASSERT_EQUAL(s.stddev, 0);
	CU_ASSERT_EQUAL(s.spread_pct, 0);
	wgl_summarize(v, 0, &s);
	CU_ASSERT(isnan(s.median) && isnan(s.min));
}

static void test_median_table(void)
{
	static const struct {
		size_t n;
		double v[6], want;
	} t[] = {
		{ 1, { 7 }, 7 },
		{ 2, { 2, 1 }, 1.5 },                  /* even n: mean of the two middle values */
		{ 3, { 3, 1, 2 }, 2 },                 /* odd n: the middle value */
		{ 4, { 4, 1, 3, 2 }, 2.5 },
		{ 4, { 5, 5, 1, 9 }, 5 },              /* tie in the middle */
		{ 5, { -1, -3, -2, 10, 0 }, -1 },
		{ 6, { 0.5, 0.25, 1, 2, 4, 8 }, 1.5 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_DOUBLE_EQUAL(wgl_median(t[i].v, t[i].n), t[i].want, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(wgl_percentile(t[i].v, t[i].n, 50), t[i].want, 1e-12);
	}
}

static void test_empty_is_nan(void)
{
	static const double v[] = { 1 };
	double ps[] = { 0, 50, 100 }, out[3];
	struct wgl_summary s;

	CU_ASSERT(isnan(wgl_median(v, 0)));
	CU_ASSERT(isnan(wgl_percentile(v, 0, 0)));
	CU_ASSERT(isnan(wgl_percentile(v, 0, 100)));
	wgl_percentiles(v, 0, ps, out, 3);
	CU_ASSERT(isnan(out[0]) && isnan(out[1]) && isnan(out[2]));
	wgl_summarize(v, 0, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT(isnan(s.min) && isnan(s.max) && isnan(s.mean) && isnan(s.median));
	CU_ASSERT(isnan(s.spread) && isnan(s.stddev) && isnan(s.spread_pct));
}

static void test_cmp_double(void)
{
	static const struct { double a, b; int want; } t[] = {
		{ 1, 2, -1 }, { 2, 1, 1 }, { 3, 3, 0 }, { -0.0, 0.0, 0 },
		{ -INFINITY, -1e308, -1 }, { INFINITY, 1e308, 1 },
		{ NAN, INFINITY, 1 }, { INFINITY, NAN, -1 }, { NAN, NAN, 0 }, { -1, NAN, -1 },
	};
	double v[] = { 3, NAN, -1, INFINITY, NAN, 0 };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_EQUAL(wgl_cmp_double(&t[i].a, &t[i].b), t[i].want);
	/* A total order: NaNs end up after every number. */
	qsort(v, 6, sizeof(double), wgl_cmp_double);
	CU_ASSERT(v[0] == -1 && v[1] == 0 && v[2] == 3 && v[3] == INFINITY);
	CU_ASSERT(isnan(v[4]) && isnan(v[5]));
}

/* Random rounds: median, p = 0 / 100 and the summary against loops over the input. */
static void test_summary_vs_naive(void)
{
	double v[65];
	struct wgl_summary s;

	srand(4242);
	for (int round = 0; round < 500; round++) {
		size_t n = 1 + (size_t)(rand() % 64);
		double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0, mean;

		for (size_t i = 0; i < n; i++) {
			v[i] = round % 3 ? (double)rand() / RAND_MAX * 200 - 100 : (double)(rand() % 5);
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
			sum += v[i];
		}
		mean = sum / (double)n;
		for (size_t i = 0; i < n; i++)
			sq += (v[i] - mean) * (v[i] - mean);
		wgl_summarize(v, n, &s);
		CU_ASSERT_EQUAL(s.n, n);
		CU_ASSERT_EQUAL(s.min, lo);
		CU_ASSERT_EQUAL(s.max, hi);
		CU_ASSERT_EQUAL(wgl_percentile(v, n, 0), lo);
		CU_ASSERT_EQUAL(wgl_percentile(v, n, 100), hi);
		CU_ASSERT_DOUBLE_EQUAL(s.spread, hi - lo, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(s.mean, mean, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(s.stddev, n > 1 ? sqrt(sq / (double)(n - 1)) : 0, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(s.median, naive_pct(v, n, 50), 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(wgl_median(v, n), naive_pct(v, n, 50), 1e-9);
	}
}

/* Signed-rank tail against the counts of subsets of 1..10 (25 and 33 of 1024 sums <= 8, <= 9). */
static void test_signrank_cdf(void)
{
	CU_ASSERT_DOUBLE_EQUAL(wgl_signrank_cdf(10, 8), 25.0 / 1024, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(wgl_signrank_cdf(10, 9), 33.0 / 1024, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(wgl_signrank_cdf(6, 0), 1.0 / 64, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(wgl_signrank_cdf(6, 21), 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(wgl_signrank_cdf(6, -1), 0.0, 1e-12);
	/* The distribution is symmetric around n(n+1)/4: P(T <= 10) + P(T <= 10) = 1 for n = 5 (M = 15). */
	CU_ASSERT_DOUBLE_EQUAL(wgl_signrank_cdf(5, 7) * 2, 1.0, 1e-12);
	CU_ASSERT(isnan(wgl_signrank_cdf(WGL_PAIRED_EXACT_MAX + 1, 3)));
}

/*
 * d = 1..10 % (a = 100, b = 101..110): 55 Walsh averages, Hodges-Lehmann 5.5;
 * k = 9 (P(T+ <= 8) = 25/1024 <= 0.025 < P(T+ <= 9)), so the 95% interval is
 * [W(9), W(47)] = [3, 8] at 1 - 50/1024.
 */
static void test_paired_ten(void)
{
	double a[10], b[10], d[10];
	struct wgl_paired p;

	for (int i = 0; i < 10; i++)
		a[i] = 100, b[i] = 101 + i;
	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, 10, 0.95, &p, d), 0);
	CU_ASSERT_EQUAL(p.n, 10);
	CU_ASSERT_DOUBLE_EQUAL(d[9], 10.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.estimate, 5.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.median_diff, 5.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.lo, 3.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.hi, 8.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.level, 1 - 50.0 / 1024, 1e-12);
	CU_ASSERT_EQUAL(p.exact, 1);
	CU_ASSERT_EQUAL(wgl_paired_verdict(&p, 1), WGL_PAIRED_B_BETTER);
	CU_ASSERT_EQUAL(wgl_paired_verdict(&p, 0), WGL_PAIRED_B_WORSE);
}

/*
 * Six pairs, d = {10, -5, 20, 5, 30, 1} %: P(T+ <= 0) = 1/64 <= 0.025 <
 * 2/64, so k = 1: the interval spans all 21 Walsh averages, -5..30, at
 * 1 - 2/64; their 11th is 10. It contains 0: no difference detectable.
 * A pair with A = 0 or a NaN is left out.
 */
static void test_paired_six(void)
{
	double a[] = { 200, 200, 200, 200, 200, 200, 0, 200 };
	double b[] = { 220, 190, 240, 210, 260, 202, 5, NAN };
	struct wgl_paired p;
	char text[160];

	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, 8, 0.95, &p, NULL), 0);
	CU_ASSERT_EQUAL(p.n, 6);
	CU_ASSERT_DOUBLE_EQUAL(p.estimate, 10.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.lo, -5.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.hi, 30.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.level, 1 - 2.0 / 64, 1e-12);
	CU_ASSERT_EQUAL(wgl_paired_verdict(&p, 1), WGL_PAIRED_SAME);
	wgl_paired_text(&p, 1, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "no difference detectable at this noise (+10.0%, 97% CI "
			       "-5.0..+30.0%)");
}

/* Four pairs all 20% down: the interval is the full range, at 1 - 2/16 = 87.5%. */
static void test_paired_worse_text(void)
{
	double a[] = { 10, 20, 30, 40 }, b[] = { 8, 16, 24, 32 };
	struct wgl_paired p;
	char text[160];

	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, 4, 0.95, &p, NULL), 0);
	CU_ASSERT_DOUBLE_EQUAL(p.level, 0.875, 1e-12);
	wgl_paired_text(&p, 1, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "B is worse by 20.0% (88% CI -20.0..-20.0%)");
	/* Three pairs reach only 75%: no verdict, however clear the figures. */
	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, 3, 0.95, &p, NULL), 0);
	CU_ASSERT_DOUBLE_EQUAL(p.level, 0.75, 1e-12);
	CU_ASSERT_EQUAL(wgl_paired_verdict(&p, 1), WGL_PAIRED_SAME);
	wgl_paired_text(&p, 1, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "too few pairs (3) for a verdict (-20.0%, 75% CI "
			       "-20.0..-20.0%)");
	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, 0, 0.95, &p, NULL), -EINVAL);
	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, 4, 1.5, &p, NULL), -EINVAL);
}

/* Past the exact limit the normal approximation takes over and agrees with the exact tail near it. */
static void test_paired_normal(void)
{
	size_t n = WGL_PAIRED_EXACT_MAX + 1;
	double *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
	struct wgl_paired p;

	for (size_t i = 0; i < n; i++)
		a[i] = 100, b[i] = 100 + (double)i - 30;
	CU_ASSERT_EQUAL(wgl_paired_compare(a, b, n, 0.95, &p, NULL), 0);
	CU_ASSERT_EQUAL(p.exact, 0);
	CU_ASSERT_DOUBLE_EQUAL(p.estimate, 0.0, 1e-9);
	CU_ASSERT(p.lo < 0 && p.hi > 0 && p.lo == -p.hi);
	CU_ASSERT_DOUBLE_EQUAL(p.level, 0.95, 0.01);
	free(a);
	free(b);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("stats", NULL, NULL);
	CU_add_test(s, "table", test_table);
	CU_add_test(s, "random_vs_naive", test_random_vs_naive);
	CU_add_test(s, "summary", test_summary);
	CU_add_test(s, "median_even_odd", test_median_table);
	CU_add_test(s, "empty_is_nan", test_empty_is_nan);
	CU_add_test(s, "cmp_double", test_cmp_double);
	CU_add_test(s, "summary_vs_naive", test_summary_vs_naive);
	CU_add_test(s, "signrank_cdf", test_signrank_cdf);
	CU_add_test(s, "paired_ten", test_paired_ten);
	CU_add_test(s, "paired_six", test_paired_six);
	CU_add_test(s, "paired_worse_text", test_paired_worse_text);
	CU_add_test(s, "paired_normal", test_paired_normal);
	return wgl_test_run();
}
