// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CPU accounting (harness/traffic/cpu.h): the /proc parsers, tick to second
 * conversion at the host's USER_HZ, deltas over a real busy loop; and the
 * echo statistics built on the statistics module.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "harness/traffic/cpu.h"
#include "harness/traffic/echo.h"
#include "tests/wgl_test.h"

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

static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
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
	/*
	 * Burn 60 ms of this process's own CPU time (not wall time: on a busy
	 * host the process may be scheduled out for a whole wall-clock window),
	 * so the process delta is several ticks whatever else runs.
	 */
	for (long long c0 = cpu_ns(); cpu_ns() - c0 < 60000000LL;)
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

static void test_seconds(void)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	static const struct { unsigned long long system, irq, softirq, proc; } t[] = {
		{ 0, 0, 0, 0 }, { 100, 0, 0, 1 }, { 30, 6, 7, 325 }, { 123456789, 1, 2, 99999 },
	};
	struct wgl_cpu_sample s;

	CU_ASSERT_EQUAL(wgl_cpu_hz(), hz);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.system = t[i].system;
		s.irq = t[i].irq;
		s.softirq = t[i].softirq;
		s.user = s.nice = s.idle = 1000; /* not kernel time */
		s.pid[0] = 42;
		s.proc_ticks[0] = t[i].proc;
		s.proc_ok[0] = true;
		CU_ASSERT_DOUBLE_EQUAL(wgl_cpu_host_kernel_s(&s),
				       (double)(t[i].system + t[i].irq + t[i].softirq) / hz, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(wgl_cpu_proc_s(&s, 0), (double)t[i].proc / hz, 1e-12);
		/* Slots that were not sampled, could not be read or do not exist. */
		CU_ASSERT_EQUAL(wgl_cpu_proc_s(&s, 1), -1);
		CU_ASSERT_EQUAL(wgl_cpu_proc_s(&s, WGL_CPU_PROCS), -1);
		s.proc_ok[0] = false;
		CU_ASSERT_EQUAL(wgl_cpu_proc_s(&s, 0), -1);
	}
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("cpu", NULL, NULL);
	CU_add_test(s, "echo_stats", test_echo_stats);
	CU_add_test(s, "proc_parsers", test_proc_parsers);
	CU_add_test(s, "cpu_delta", test_delta);
	CU_add_test(s, "seconds", test_seconds);
	return wgl_test_run();
}
