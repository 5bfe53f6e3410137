// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A/B in one run (cli/ab.h): the ABBA order, --gate parsing, rounds merged
 * into their cases and into the comparison, and gates judged on
 * hand-made pairs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/result.h"
#include "cli/ab.h"
#include "tests/wgl_test.h"

static void test_abba(void)
{
	char order[17] = "";

	for (size_t k = 0; k < 8; k++)
		for (int j = 0; j < 2; j++)
			strcat(order, wgl_ab_side(k, j) ? "B" : "A");
	CU_ASSERT_STRING_EQUAL(order, "ABBAABBAABBAABBA");
}

static void test_gate_parse(void)
{
	struct wgl_ab_opts ab = { 0 };

	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "tcp_throughput<-5%"), 0);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "connect_latency>+10.5%"), 0);
	CU_ASSERT_EQUAL(ab.ngates, 2);
	CU_ASSERT_STRING_EQUAL(ab.gates[0].metric, "tcp_throughput");
	CU_ASSERT_EQUAL(ab.gates[0].op, '<');
	CU_ASSERT_DOUBLE_EQUAL(ab.gates[0].pct, -5, 1e-12);
	CU_ASSERT_EQUAL(ab.gates[1].op, '>');
	CU_ASSERT_DOUBLE_EQUAL(ab.gates[1].pct, 10.5, 1e-12);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "<-5%"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "x=-5%"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "x<-5"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "x<%"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "x<-5%%"), -EINVAL);
	CU_ASSERT_EQUAL(ab.ngates, 2);
	CU_ASSERT_EQUAL(wgl_ab_check(&ab), -EINVAL);  /* gates without two --impl */
}

/* One round's case run: a metric of one value and a check. */
static struct wgl_case *rep_case(const char *name, double v, bool ok)
{
	struct wgl_case *c = wgl_case_alloc("throughput", name, NULL);

	wgl_case_metric(c, "tcp_throughput", "bit/s", &v, 1, "higher");
	wgl_case_check(c, "iperf completed", ok, "%s", ok ? "" : "no bytes");
	return c;
}

/* Rounds go into their cases in order and into the comparison by round. */
static void test_merge(void)
{
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c[2] = { wgl_case_new(run, "throughput", "t[a:a]", NULL),
				  wgl_case_new(run, "throughput", "t[b:b]", NULL) };
	struct wgl_ab_rounds *st = wgl_ab_rounds_new(3);
	const double a[] = { 100, 110, 90 }, b[] = { 80, 85, 75 };

	for (size_t k = 0; k < 3; k++)
		for (int j = 0; j < 2; j++) {
			int s = wgl_ab_side(k, j);
			struct wgl_case *rep = rep_case(c[s]->name, s ? b[k] : a[k], !(s && k == 2));

			wgl_ab_merge(st, c[s], rep, s, k);
			wgl_case_free(rep);
		}
	CU_ASSERT_EQUAL_FATAL(c[0]->nmetrics, 1);
	CU_ASSERT_EQUAL(c[0]->metrics[0].n, 3);
	CU_ASSERT_DOUBLE_EQUAL(c[0]->metrics[0].values[2], 90, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(c[1]->metrics[0].median, 80, 1e-12);
	CU_ASSERT_EQUAL(c[0]->nchecks, 3);
	CU_ASSERT_STRING_EQUAL(c[0]->checks[1].name, "round 2: iperf completed");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c[0]), WGL_PASS);
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c[1]), WGL_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(c[1]->message, "round 3: iperf completed"));
	wgl_ab_rounds_finish(st, run, c, "a", "b", 0);
	CU_ASSERT_EQUAL_FATAL(run->ncomparisons, 1);
	CU_ASSERT_EQUAL(run->comparisons[0].n, 3);
	CU_ASSERT_DOUBLE_EQUAL(run->comparisons[0].a[1], 110, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(run->comparisons[0].b[1], 85, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(run->comparisons[0].confidence, 0.95, 1e-12);
	CU_ASSERT_STRING_EQUAL(run->comparisons[0].case_b, "t[b:b]");
	wgl_result_free(run);
}

static void add_cmp(struct wgl_run *run, const char *metric, const double *a, const double *b,
		    size_t n)
{
	const struct wgl_comparison cmp = { .scenario = "throughput", .family = "ipv4",
		.metric = (char *)metric, .unit = "bit/s", .impl_a = "base", .impl_b = "pr",
		.better = WGL_BETTER_HIGHER, .a = (double *)a, .b = (double *)b, .n = n };

	CU_ASSERT_EQUAL(wgl_result_add_comparison(run, &cmp), 0);
}

/*
 * Six pairs 20% down (d = -20 -18 -21 -19 -20 -22): the 96.9% interval is
 * -22..-18, below -5% (trips) but not below -30%. Identical figures give
 * 0..0, which contains 0. A gate on a metric nobody compared is a skip.
 */
static void test_gates(void)
{
	static const double a[] = { 100, 100, 100, 100, 100, 100 };
	static const double b[] = { 80, 82, 79, 81, 80, 78 };
	struct wgl_ab_opts ab = { 0 };
	struct wgl_run *run = wgl_result_new();

	add_cmp(run, "tcp_throughput", a, b, 6);
	add_cmp(run, "udp_throughput", a, a, 6);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "tcp_throughput<-5%"), 0);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "tcp_throughput<-30%"), 0);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "udp_throughput<-1%"), 0);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "tcp_throughput>5%"), 0);
	CU_ASSERT_EQUAL(wgl_ab_opt_gate(&ab, "nosuch<-5%"), 0);
	CU_ASSERT(wgl_ab_gates(&ab, run));
	CU_ASSERT_EQUAL_FATAL(run->ngates, 5);
	CU_ASSERT_EQUAL(run->gates[0].verdict, WGL_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(run->gates[0].detail, "B is worse by 20.0% (97% CI "
				      "-22.0..-18.0%)"));
	CU_ASSERT_EQUAL(run->gates[1].verdict, WGL_PASS);
	CU_ASSERT_EQUAL(run->gates[2].verdict, WGL_PASS);
	CU_ASSERT_PTR_NOT_NULL(strstr(run->gates[2].detail, "no difference detectable"));
	CU_ASSERT_EQUAL(run->gates[3].verdict, WGL_PASS);
	CU_ASSERT_EQUAL(run->gates[4].verdict, WGL_SKIP);
	wgl_result_free(run);
	/* Four pairs (87.5%) may trip; three (75%) never do, however far apart. */
	run = wgl_result_new();
	add_cmp(run, "tcp_throughput", a, b, 3);
	CU_ASSERT(!wgl_ab_gates(&ab, run));
	wgl_result_free(run);
	run = wgl_result_new();
	add_cmp(run, "tcp_throughput", a, b, 4);
	CU_ASSERT(wgl_ab_gates(&ab, run));
	wgl_result_free(run);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ab", NULL, NULL);
	CU_add_test(s, "ABBA order", test_abba);
	CU_add_test(s, "--gate parsing", test_gate_parse);
	CU_add_test(s, "rounds merged into cases and comparison", test_merge);
	CU_add_test(s, "gates on hand-made pairs", test_gates);
	return wgl_test_run();
}
