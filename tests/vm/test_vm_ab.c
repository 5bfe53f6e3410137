// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pure side of the lab's kernel A/B (vm/ab.h): --impl specs, the ABBA
 * boot order, the renaming of case names, and the pairing of a merged run's
 * cases (made by the real wgl_merge from tagged runs) into A and B values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/result.h"
#include "reports/merge.h"
#include "cli/ab.h"
#include "vm/ab.h"
#include "tests/wgl_test.h"

static void test_parse(void)
{
	static const char *const bad[] = {
		"k61", "=kernel", "k61=", "k=kernel:", "k=kernel:6.x", "k=/usr/bin/wg -f {ifname}",
		"a,b=kernel", "a[1]=kernel", "a:b=kernel", "k=kernelx",
		"a-name-longer-than-thirty-two-chars=kernel",
	};
	struct wgl_ab_impl im;

	CU_ASSERT_EQUAL_FATAL(wgl_ab_parse_impl("k612=kernel:6.12", &im), 0);
	CU_ASSERT_STRING_EQUAL(im.name, "k612");
	CU_ASSERT_STRING_EQUAL(im.version, "6.12");
	CU_ASSERT_STRING_EQUAL(im.spec, "kernel:6.12");
	CU_ASSERT_EQUAL_FATAL(wgl_ab_parse_impl("stock=kernel", &im), 0);
	CU_ASSERT_STRING_EQUAL(im.name, "stock");
	CU_ASSERT_STRING_EQUAL(im.version, "");
	CU_ASSERT_STRING_EQUAL(im.spec, "kernel");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(wgl_ab_parse_impl(bad[i], &im), -EINVAL);
		if (wgl_ab_parse_impl(bad[i], &im) != -EINVAL)
			printf("accepted: %s\n", bad[i]);
	}
}

static void test_boot_order(void)
{
	static const size_t want[] = { 0, 1, 1, 0, 0, 1, 1, 0 };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT_EQUAL(wgl_ab_boot_impl(i), want[i]);
}

static void test_rename(void)
{
	static const char *const t[][2] = {
		{ "connect[kernel,ipv4]", "connect[k61,ipv4]" },
		{ "x[kernel:kernel,ipv6]", "x[k61:k61,ipv6]" },
		{ "x[userspace:kernel,ipv4]", "x[userspace:k61,ipv4]" },
		{ "kernel[kernelx,kernel]", "kernel[kernelx,k61]" },
		{ "kernel", "kernel" },
		{ "x[akernel,ipv4]", "x[akernel,ipv4]" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(wgl_ab_rename(t[i][0], "kernel", "k61", out, sizeof(out)), 0);
		CU_ASSERT_STRING_EQUAL(out, t[i][1]);
	}
	CU_ASSERT_EQUAL(wgl_ab_rename("connect[kernel,ipv4]", "kernel", "k61", out, 17), -ENOSPC);
	CU_ASSERT_EQUAL(wgl_ab_rename("connect[kernel,ipv4]", "kernel", "k61", out, 18), 0);
}

/* One boot's run: case connect[kernel,ipv4] with the given latencies, tagged as impl. */
static struct wgl_run *boot_run(const char *id, const char *impl_arg, const char *release,
				const double *v, size_t n)
{
	struct wgl_case_ident ident = { .backend_a = "kernel", .family = "ipv4" };
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c;
	struct wgl_ab_impl im;

	CU_ASSERT_FATAL(run != NULL);
	free(run->id);
	run->id = strdup(id);
	free(run->kernel);
	run->kernel = strdup(release);
	wgl_result_add_impl(run, "kernel", "kernel", "linux (wireguard.ko)", "1.0.0");
	c = wgl_case_new(run, "connect", "connect[kernel,ipv4]", &ident);
	CU_ASSERT_FATAL(c != NULL);
	wgl_case_metric(c, "connect_latency", "ms", v, n, "lower");
	c = wgl_case_new(run, "connect", "connect[kernel,ipv6]", &ident);
	wgl_case_verdict(c, WGL_SKIP, "no IPv6 here");
	wgl_result_finish(run);
	CU_ASSERT_EQUAL_FATAL(wgl_ab_parse_impl(impl_arg, &im), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_ab_tag_run(run, &im, release), 0);
	return run;
}

static void test_tag_and_pair(void)
{
	static const double a1[] = { 50, 52 }, b1[] = { 100, 104 }, a2[] = { 54 };
	struct wgl_run *runs[3] = {
		boot_run("r1", "k61=kernel:6.1", "6.1.0-57-cloud-amd64", a1, 2),
		boot_run("r2", "k612=kernel:6.12", "6.12.117+deb12-cloud-amd64", b1, 2),
		boot_run("r3", "k61=kernel:6.1", "6.1.0-57-cloud-amd64", a2, 1),
	};
	const char *paths[3] = { "/a/result.json", "/b/result.json", "/c/result.json" };
	const struct wgl_param *p;
	struct wgl_ab_table t;
	struct wgl_run *m;
	char err[256];

	CU_ASSERT_STRING_EQUAL(runs[1]->cases[0]->name, "connect[k612,ipv4]");
	p = wgl_case_get_param(runs[1]->cases[0], "impl");
	CU_ASSERT(p && !strcmp(p->value, "k612"));
	p = wgl_case_get_param(runs[1]->cases[0], "version");
	CU_ASSERT(p && !strcmp(p->value, "6.12.117+deb12-cloud-amd64"));
	CU_ASSERT_EQUAL_FATAL(runs[1]->nimpls, 1);
	CU_ASSERT_STRING_EQUAL(runs[1]->impls[0].backend, "k612");
	CU_ASSERT_STRING_EQUAL(runs[1]->impls[0].command, "kernel:6.12");
	CU_ASSERT_STRING_EQUAL(runs[1]->impls[0].version, "6.12.117+deb12-cloud-amd64");
	/* A failed later boot becomes the primary result: values must stay in boot order. */
	wgl_case_verdict(runs[2]->cases[0], WGL_FAIL, "lost a packet");
	m = wgl_merge(runs, paths, 3, err, sizeof(err));
	CU_ASSERT_FATAL(m != NULL);
	/* Two impls x two families; the second k61 boot is kept in `also`. */
	CU_ASSERT_EQUAL(m->ncases, 4);
	CU_ASSERT_EQUAL_FATAL(wgl_ab_pairs(m, "k61", "k612", &t), 0);
	CU_ASSERT_EQUAL_FATAL(t.n, 1); /* skipped cases give no row */
	CU_ASSERT_STRING_EQUAL(t.rows[0].key, "connect[*,ipv4]");
	CU_ASSERT_STRING_EQUAL(t.rows[0].metric, "connect_latency");
	CU_ASSERT_EQUAL_FATAL(t.rows[0].n[0], 3);
	CU_ASSERT_EQUAL_FATAL(t.rows[0].n[1], 2);
	CU_ASSERT_EQUAL(t.rows[0].v[0][0], 50);
	CU_ASSERT_EQUAL(t.rows[0].v[0][1], 52);
	CU_ASSERT_EQUAL(t.rows[0].v[0][2], 54);
	CU_ASSERT_EQUAL(t.rows[0].v[1][0], 100);
	CU_ASSERT_EQUAL(t.rows[0].v[1][1], 104);
	/* Per-boot medians: two k61 boots (51, 54), one k612 boot (102). */
	CU_ASSERT_EQUAL_FATAL(t.rows[0].nround[0], 2);
	CU_ASSERT_EQUAL_FATAL(t.rows[0].nround[1], 1);
	CU_ASSERT_EQUAL(t.rows[0].round[0][0], 51);
	CU_ASSERT_EQUAL(t.rows[0].round[0][1], 54);
	CU_ASSERT_EQUAL(t.rows[0].round[1][0], 102);
	wgl_ab_table_free(&t);
	/* Names that match nothing pair nothing. */
	CU_ASSERT_EQUAL(wgl_ab_pairs(m, "x", "y", &t), 0);
	CU_ASSERT_EQUAL(t.n, 0);
	wgl_ab_table_free(&t);
	for (size_t i = 0; i < 3; i++)
		wgl_result_free(runs[i]);
	wgl_result_free(m);
}

/*
 * Eight boots in ABBA order whose connect_latency per boot is a[i] (k61) or
 * b[i] (k612); merged, paired into comparisons (one per row, the boots'
 * medians round by round) and judged by the gate. True when it tripped.
 */
static bool gate_over_boots(const double *a, const double *b, const char *gate, size_t *npairs)
{
	static const char *paths[8] = { "/1", "/2", "/3", "/4", "/5", "/6", "/7", "/8" };
	struct wgl_ab_opts ab = { .confidence = 0 };
	struct wgl_run *runs[8], *m;
	struct wgl_ab_table t;
	size_t ka = 0, kb = 0;
	char id[8], err[256];
	bool tripped;

	for (size_t i = 0; i < 8; i++) {
		bool is_b = wgl_ab_boot_impl(i) == 1;
		double v = is_b ? b[kb++] : a[ka++];

		snprintf(id, sizeof(id), "r%zu", i);
		runs[i] = boot_run(id, is_b ? "k612=kernel:6.12" : "k61=kernel:6.1",
				   is_b ? "6.12.117+deb12-cloud-amd64" : "6.1.0-57-cloud-amd64", &v, 1);
	}
	m = wgl_merge(runs, paths, 8, err, sizeof(err));
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_ab_pairs(m, "k61", "k612", &t), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_ab_table_comparisons(&t, m, "k61", "k612", 0), 0);
	CU_ASSERT_EQUAL_FATAL(m->ncomparisons, 1);
	CU_ASSERT_STRING_EQUAL(m->comparisons[0].family, "ipv4");
	*npairs = m->comparisons[0].n;
	CU_ASSERT_EQUAL_FATAL(wgl_ab_opt_gate(&ab, gate), 0);
	tripped = wgl_ab_gates(&ab, m);
	CU_ASSERT_EQUAL(m->ngates, 1);
	wgl_ab_table_free(&t);
	for (size_t i = 0; i < 8; i++)
		wgl_result_free(runs[i]);
	wgl_result_free(m);
	return tripped;
}

static void test_gate_over_rounds(void)
{
	static const double a[] = { 50, 52, 49, 51 }, slower[] = { 100, 98, 103, 99 },
			    same[] = { 51, 49, 52, 50 };
	size_t n = 0;

	/* B twice as slow in every round: beyond +10%, the gate trips. */
	CU_ASSERT(gate_over_boots(a, slower, "connect_latency>10%", &n));
	CU_ASSERT_EQUAL(n, 4);
	/* The same kernel twice, rounds either way: the interval holds 0, no trip. */
	CU_ASSERT(!gate_over_boots(a, same, "connect_latency>10%", &n));
	/* A threshold beyond the difference does not trip either. */
	CU_ASSERT(!gate_over_boots(a, slower, "connect_latency>200%", &n));
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kernel lab A/B (pure parts)", NULL, NULL);
	CU_add_test(s, "--impl specs", test_parse);
	CU_add_test(s, "ABBA boot order", test_boot_order);
	CU_add_test(s, "case names take the impl's name", test_rename);
	CU_add_test(s, "tagged boots merge and pair", test_tag_and_pair);
	CU_add_test(s, "--gate over the rounds of the boots", test_gate_over_rounds);
	return wgl_test_run();
}
