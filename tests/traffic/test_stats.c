// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Percentiles and summaries against a deliberately naive reference: the
 * k-th smallest value found by counting (O(n^2), no sorting), interpolated
 * by the textbook R-7 formula. Plus the /proc parsers of cpu.c and the
 * echo statistics.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "harness/traffic/cpu.h"
#include "harness/traffic/echo.h"
#include "harness/traffic/stats.h"
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
	wgl_summarize(v, 1, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 9, 0);
	CU_ASSERT_EQUAL(s.stddev, 0);
	CU_ASSERT_EQUAL(s.spread_pct, 0);
	wgl_summarize(v, 0, &s);
	CU_ASSERT(isnan(s.median) && isnan(s.min));
}

static void test_echo_stats(void)
{
	double rtt[100];
	struct wgl_echo_result r;

	for (int i = 0; i < 100; i++)
		rtt[i] = 100 - i; /* 1..100 ms, reversed */
	wgl_echo_stats(rtt, 100, 125, &r);
	CU_ASSERT_EQUAL(r.sent, 125);
	CU_ASSERT_EQUAL(r.received, 100);
	CU_ASSERT_DOUBLE_EQUAL(r.loss_pct, 20, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(r.min_ms, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(r.p50_ms, 50.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(r.p90_ms, 90.1, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.p99_ms, 99.01, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.max_ms, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(r.mean_ms, 50.5, 1e-12);
	wgl_echo_stats(rtt, 0, 10, &r);
	CU_ASSERT_DOUBLE_EQUAL(r.loss_pct, 100, 0);
	CU_ASSERT(isnan(r.p50_ms) && isnan(r.mean_ms));
}

static void test_proc_parsers(void)
{
	struct wgl_cpu_sample s;
	unsigned long long ticks = 0;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(wgl_cpu_parse_proc_stat("cpu  10 2 30 400 5 6 7 8 0 0\ncpu0 1 1 1 1 1 1 1 1\n",
						&s), 0);
	CU_ASSERT(s.user == 10 && s.nice == 2 && s.system == 30 && s.idle == 400);
	CU_ASSERT(s.iowait == 5 && s.irq == 6 && s.softirq == 7 && s.steal == 8);
	CU_ASSERT_EQUAL(wgl_cpu_parse_proc_stat("intr 1 2 3\n", &s), -EINVAL);
	/* comm with a space and a parenthesis, as a hostile process name can be. */
	CU_ASSERT_EQUAL(wgl_cpu_parse_pid_stat("1234 (wire guard) x) S 1 1234 1234 0 -1 4194560 "
					       "100 0 0 0 250 75 0 0 20 0 8 0 999", &ticks), 0);
	CU_ASSERT_EQUAL(ticks, 325);
	CU_ASSERT_EQUAL(wgl_cpu_parse_pid_stat("1234 wireguard-go S 1", &ticks), -EINVAL);
	CU_ASSERT_EQUAL(wgl_cpu_parse_pid_stat("1234 (x) S 1 2", &ticks), -EINVAL);
}

static void test_delta(void)
{
	struct wgl_cpu_sample a, b;
	struct wgl_cpu_usage u;
	pid_t self[WGL_CPU_PROCS] = { getpid(), 0 };
	double hz = (double)sysconf(_SC_CLK_TCK);
	volatile double x = 0;

	CU_ASSERT_EQUAL_FATAL(wgl_cpu_sample(&a, self), 0);
	CU_ASSERT_TRUE(a.proc_ok[0]);
	CU_ASSERT_FALSE(a.proc_ok[1]);
	/* Burn a few ticks so the process delta is visibly positive. */
	for (long long t0 = a.wall_ns; wgl_now_ns() - t0 < 60000000LL;)
		x += 1;
	CU_ASSERT_EQUAL_FATAL(wgl_cpu_sample(&b, self), 0);
	wgl_cpu_delta(&a, &b, &u);
	CU_ASSERT(u.wall_s > 0.05);
	CU_ASSERT(u.proc_s[0] > 0);
	CU_ASSERT_EQUAL(u.proc_s[1], -1);
	CU_ASSERT(u.host_busy_s >= u.proc_s[0] - 2 / hz);
	CU_ASSERT_DOUBLE_EQUAL(wgl_cpu_s_per_gb(2, 4000000000ULL), 0.5, 1e-12);
	CU_ASSERT(isnan(wgl_cpu_s_per_gb(2, 0)));
	CU_ASSERT(isnan(wgl_cpu_s_per_gb(-1, 10)));
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
	CU_add_test(s, "echo_stats", test_echo_stats);
	CU_add_test(s, "proc_parsers", test_proc_parsers);
	CU_add_test(s, "cpu_delta", test_delta);
	return wgl_test_run();
}
