// SPDX-License-Identifier: GPL-2.0-or-later
/* The impairment middlebox's decisions (netns/mbox.c): rates, holds and releases. */
#include <errno.h>
#include <string.h>

#include "netns/mbox.h"
#include "tests/wgl_test.h"

static void run(const struct wgl_mbox_spec *s, int n, int *drop, int *dup, int *reorder)
{
	struct wgl_mbox_state st;
	struct wgl_mbox_plan p;

	*drop = *dup = *reorder = 0;
	wgl_mbox_init(&st, s);
	for (int i = 0; i < n; i++) {
		wgl_mbox_decide(s, &st, &p);
		*drop += p.drop;
		*dup += p.dup;
		*reorder += p.reorder;
		CU_ASSERT(!(p.drop && (p.dup || p.reorder || p.hold_us || p.hold_pkts)));
	}
}

static void test_rates(void)
{
	struct wgl_mbox_spec none = { 0 }, all = { .loss_pct = 100 }, dup = { .dup_pct = 100 };
	struct wgl_mbox_spec five = { .loss_pct = 5, .dup_pct = 10, .seed = 7 };
	int d, u, r, d2, u2, r2;

	run(&none, 1000, &d, &u, &r);
	CU_ASSERT(d == 0 && u == 0 && r == 0);
	run(&all, 1000, &d, &u, &r);
	CU_ASSERT(d == 1000 && u == 0);
	run(&dup, 1000, &d, &u, &r);
	CU_ASSERT(d == 0 && u == 1000);
	/* 100000 draws: 5 % is 5000 +- 69 (sd); 6 sd either way. */
	run(&five, 100000, &d, &u, &r);
	CU_ASSERT(d > 4580 && d < 5420);
	CU_ASSERT(u > 8800 && u < 10400); /* 10 % of the kept 95 % */
	/* The same seed repeats exactly; another one differs. */
	run(&five, 100000, &d2, &u2, &r2);
	CU_ASSERT(d == d2 && u == u2);
	five.seed = 8;
	run(&five, 100000, &d2, &u2, &r2);
	CU_ASSERT(d != d2 || u != u2);
}

static void test_reorder_every(void)
{
	struct wgl_mbox_spec s = { .loss_pct = 20, .reorder_every = 7, .reorder_after = 3, .seed = 3 };
	struct wgl_mbox_state st;
	struct wgl_mbox_plan p;
	int kept = 0;

	wgl_mbox_init(&st, &s);
	for (int i = 0; i < 700; i++) {
		wgl_mbox_decide(&s, &st, &p);
		if (p.drop)
			continue;
		kept++;
		/* Every 7th packet that is kept, exactly, and only those. */
		CU_ASSERT_EQUAL(p.reorder, kept % 7 == 0);
		CU_ASSERT_EQUAL(p.hold_pkts, kept % 7 == 0 ? 3 : 0);
	}
}

static void test_delay_jitter(void)
{
	struct wgl_mbox_spec s = { .delay_us = 1000, .jitter_us = 400, .reorder_every = 5,
				   .reorder_hold_us = 50000 };
	struct wgl_mbox_state st;
	struct wgl_mbox_plan p;

	wgl_mbox_init(&st, &s);
	for (int i = 1; i <= 500; i++) {
		wgl_mbox_decide(&s, &st, &p);
		int64_t base = p.hold_us - (i % 5 == 0 ? 50000 : 0);

		CU_ASSERT(base >= 600 && base <= 1400);
		CU_ASSERT_EQUAL(p.hold_pkts, 0);
	}
}

static void test_spec_check(void)
{
	struct wgl_mbox_spec bad[] = {
		{ .loss_pct = -1 }, { .loss_pct = 101 }, { .dup_pct = 100.5 }, { .delay_us = -1 },
		{ .reorder_every = 1, .reorder_after = 1 }, { .reorder_every = 3 },
		{ .reorder_every = 2, .reorder_after = WGL_MBOX_HELD_MAX * 4 },
	};
	struct wgl_mbox_spec ok = { .reorder_every = 9000, .reorder_after = 8300 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(wgl_mbox_spec_check(&bad[i]), -EINVAL);
	CU_ASSERT_EQUAL(wgl_mbox_spec_check(&ok), 0);
}

/* Count holds: released after exactly `left` later passes, in the order they were held. */
static void test_queue_count(void)
{
	struct wgl_mbox_queue *q = calloc(1, sizeof(*q));
	struct wgl_mbox_held out[8], a = { .id = 1, .left = 2 }, b = { .id = 2, .left = 1 };

	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_EQUAL(wgl_mbox_hold(q, &a), 0);
	CU_ASSERT_EQUAL(wgl_mbox_hold(q, &b), 0);
	CU_ASSERT_EQUAL(wgl_mbox_passed(q, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].id, 2);
	CU_ASSERT_EQUAL(wgl_mbox_passed(q, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].id, 1);
	CU_ASSERT_EQUAL(q->n, 0);
	CU_ASSERT_EQUAL(wgl_mbox_next_due(q), -1);
	for (int i = 0; i < WGL_MBOX_HELD_MAX; i++)
		CU_ASSERT_EQUAL(wgl_mbox_hold(q, &a), 0);
	CU_ASSERT_EQUAL(wgl_mbox_hold(q, &a), -ENOSPC);
	free(q);
}

/* Deadline holds: earliest first, count holds untouched by time. */
static void test_queue_due(void)
{
	struct wgl_mbox_queue *q = calloc(1, sizeof(*q));
	struct wgl_mbox_held out[8];
	struct wgl_mbox_held t1 = { .id = 1, .due_us = 300 }, t2 = { .id = 2, .due_us = 100 },
			     c = { .id = 3, .left = 1 };

	CU_ASSERT_FATAL(q != NULL);
	wgl_mbox_hold(q, &t1);
	wgl_mbox_hold(q, &c);
	wgl_mbox_hold(q, &t2);
	CU_ASSERT_EQUAL(wgl_mbox_next_due(q), 100);
	/* The wait: to the earliest deadline; none once it passed (a late thread), never -1. */
	CU_ASSERT_EQUAL(wgl_mbox_wait_us(q, 40), 60);
	CU_ASSERT_EQUAL(wgl_mbox_wait_us(q, 100), 0);
	CU_ASSERT_EQUAL(wgl_mbox_wait_us(q, 250), 0);
	CU_ASSERT_EQUAL(wgl_mbox_due(q, 99, out, 8), 0);
	CU_ASSERT_EQUAL(wgl_mbox_due(q, 100, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].id, 2);
	CU_ASSERT_EQUAL(wgl_mbox_next_due(q), 300);
	CU_ASSERT_EQUAL(wgl_mbox_due(q, 1000000, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].id, 1);
	CU_ASSERT_EQUAL(q->n, 1);
	/* Only a count hold left: nothing to wake for but a packet. */
	CU_ASSERT_EQUAL(wgl_mbox_wait_us(q, 5000), -1);
	CU_ASSERT_EQUAL(wgl_mbox_passed(q, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].id, 3);
	free(q);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("mbox", NULL, NULL);
	CU_add_test(s, "rates", test_rates);
	CU_add_test(s, "reorder every", test_reorder_every);
	CU_add_test(s, "delay and jitter", test_delay_jitter);
	CU_add_test(s, "spec check", test_spec_check);
	CU_add_test(s, "queue by count", test_queue_count);
	CU_add_test(s, "queue by deadline", test_queue_due);
	return wgl_test_run();
}
