// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Everything in the engine that ages, on injected clocks: a cookie held by
 * the initiator keys mac2 for 120 s after it arrived and not after; the
 * responder's cookie secret lives 120 s, after which cookies made from it no
 * longer validate mac2 and the next cookie comes from a new secret; the
 * initiation flood limit; session birth times. Each side has its own clock,
 * so one side's ageing is tested while the other's stands still. Every table
 * has rows on both sides of its boundary, one nanosecond apart.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "tests/wgl_test.h"

#define SEC 1000000000LL
#define LIFETIME (120 * SEC)

struct fake_clock {
	struct wgl_clock c;
	long long now;
};

static long long fake_now(void *ctx)
{
	return ((struct fake_clock *)ctx)->now;
}

static void fake_init(struct fake_clock *f, long long start)
{
	f->c.now_ns = fake_now;
	f->c.ctx = f;
	f->now = start;
}

/* An initiator and a responder under load, each on its own fake clock. */
struct pair {
	struct wgl_noise ini, resp;
	struct fake_clock ini_clock, resp_clock;
};

static const uint8_t src[] = { 198, 18, 0, 1, 0xca, 0x6c };
static const uint8_t other_src[] = { 198, 18, 0, 7, 0xca, 0x6c };

static void pair_init(struct pair *p, long long start)
{
	wgl_proto_key ipriv, rpriv, ipub, rpub;

	randombytes_buf(ipriv, sizeof(ipriv));
	randombytes_buf(rpriv, sizeof(rpriv));
	crypto_scalarmult_base(ipub, ipriv);
	crypto_scalarmult_base(rpub, rpriv);
	wgl_noise_init(&p->ini, ipriv, rpub, NULL);
	wgl_noise_init(&p->resp, rpriv, ipub, NULL);
	fake_init(&p->ini_clock, start);
	fake_init(&p->resp_clock, start);
	wgl_noise_set_clock(&p->ini, &p->ini_clock.c);
	wgl_noise_set_clock(&p->resp, &p->resp_clock.c);
	p->resp.under_load = true;
}

/* Initiation refused for want of mac2, answered with a cookie the initiator takes. */
static void pair_get_cookie(struct pair *p)
{
	struct wgl_msg_initiation init;
	struct wgl_msg_cookie reply;

	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&p->ini, &init, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_initiation(&p->resp, &init, sizeof(init), src,
							   sizeof(src)), -EBUSY);
	CU_ASSERT_EQUAL_FATAL(wgl_cookie_create_reply(&p->resp.checker, &init, sizeof(init), src,
						      sizeof(src), NULL, &reply), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_cookie(&p->ini, &reply, sizeof(reply)), 0);
}

/* A new initiation from src: 0, or -EBUSY when its mac2 does not validate. */
static int pair_try(struct pair *p, bool *mac2_set)
{
	struct wgl_msg_initiation init;

	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&p->ini, &init, NULL), 0);
	*mac2_set = !sodium_is_zero(init.macs.mac2, sizeof(init.macs.mac2));
	return wgl_noise_consume_initiation(&p->resp, &init, sizeof(init), src, sizeof(src));
}

/*
 * Initiator side: the cookie arrives at `start`; an initiation made `age`
 * later carries mac2 (and the responder, its secret still fresh, accepts
 * it) only while age < 120 s.
 */
static void test_cookie_lifetime(void)
{
	static const struct {
		const char *name;
		long long start, age;
		bool want_mac2;
	} rows[] = {
		{ "at once", 5 * SEC, 0, true },
		{ "clock starting at 0", 0, 0, true },
		{ "after 60 s", 5 * SEC, 60 * SEC, true },
		{ "1 ns before 120 s", 5 * SEC, LIFETIME - 1, true },
		{ "1 ns after 120 s", 5 * SEC, LIFETIME + 1, false },
		{ "1 ns after 120 s, clock from 0", 0, LIFETIME + 1, false },
		{ "after an hour", 5 * SEC, 3600 * SEC, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pair p;
		bool mac2_set;
		int rc;

		pair_init(&p, rows[i].start);
		pair_get_cookie(&p);
		p.ini_clock.now += rows[i].age;
		rc = pair_try(&p, &mac2_set);
		if (mac2_set != rows[i].want_mac2 || rc != (rows[i].want_mac2 ? 0 : -EBUSY))
			printf("\n  row \"%s\": mac2 %s, consume %d\n", rows[i].name,
			       mac2_set ? "set" : "zero", rc);
		CU_ASSERT_EQUAL(mac2_set, rows[i].want_mac2);
		CU_ASSERT_EQUAL(rc, rows[i].want_mac2 ? 0 : -EBUSY);
		CU_ASSERT_EQUAL(p.resp.reject, rows[i].want_mac2 ? WGL_REJECT_NONE : WGL_REJECT_MAC2);
	}
}

/*
 * Responder side: the secret is drawn when the cookie is made, at `start`.
 * `age` later the responder may first make a cookie for another source
 * (which redraws an expired secret), then checks the initiator's mac2, made
 * with the old cookie (the initiator's clock stands still, so it always
 * sends one). Past 120 s the old cookie is void either way; a new cookie
 * then validates again.
 */
static void test_cookie_secret_rotation(void)
{
	static const struct {
		const char *name;
		long long age;
		bool remake; /* a cookie for other_src is made first */
		int want;
		bool want_rotated;
	} rows[] = {
		{ "fresh secret", 0, false, 0, false },
		{ "1 ns before 120 s", LIFETIME - 1, false, 0, false },
		{ "1 ns before 120 s, cookie made", LIFETIME - 1, true, 0, false },
		{ "1 ns after 120 s", LIFETIME + 1, false, -EBUSY, false },
		{ "1 ns after 120 s, cookie made", LIFETIME + 1, true, -EBUSY, true },
		{ "after an hour, cookie made", 3600 * SEC, true, -EBUSY, true },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t old_secret[WGL_HASH_SIZE], cookie[WGL_COOKIE_SIZE];
		struct pair p;
		bool mac2_set, rotated;
		int rc;

		pair_init(&p, 7 * SEC);
		pair_get_cookie(&p);
		memcpy(old_secret, p.resp.checker.secret, sizeof(old_secret));
		p.resp_clock.now += rows[i].age;
		if (rows[i].remake)
			wgl_cookie_make(&p.resp.checker, cookie, other_src, sizeof(other_src));
		rotated = memcmp(old_secret, p.resp.checker.secret, sizeof(old_secret)) != 0;
		rc = pair_try(&p, &mac2_set);
		if (rc != rows[i].want || rotated != rows[i].want_rotated)
			printf("\n  row \"%s\": consume %d, secret %s\n", rows[i].name, rc,
			       rotated ? "rotated" : "kept");
		CU_ASSERT_TRUE(mac2_set);
		CU_ASSERT_EQUAL(rc, rows[i].want);
		CU_ASSERT_EQUAL(rotated, rows[i].want_rotated);
		if (!rc)
			continue;
		/* The refused initiator fetches a cookie from the current secret: valid again. */
		pair_get_cookie(&p);
		CU_ASSERT_EQUAL(pair_try(&p, &mac2_set), 0);
		CU_ASSERT_TRUE(mac2_set);
	}
}

/* The flood limit and session birth read the engine's clock too. */
static void test_flood_and_birth(void)
{
	static const struct {
		const char *name;
		long long gap;
		int want;
	} rows[] = {
		{ "same instant", 0, -EAGAIN },
		{ "1 ns short of the limit", 20 * 1000000LL - 1, -EAGAIN },
		{ "at the limit", 20 * 1000000LL, 0 },
		{ "a second later", SEC, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct wgl_msg_initiation init;
		struct wgl_msg_response resp;
		struct pair p;

		pair_init(&p, 0);
		p.resp.under_load = false;
		p.resp.flood_ns = 20 * 1000000LL;
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&p.ini, &init, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_initiation(&p.resp, &init, sizeof(init),
								   NULL, 0), 0);
		p.resp_clock.now += rows[i].gap;
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&p.ini, &init, NULL), 0);
		CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&p.resp, &init, sizeof(init), NULL, 0),
				rows[i].want);
		if (rows[i].want)
			continue;
		p.ini_clock.now = 42 * SEC;
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_response(&p.resp, &resp, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_response(&p.ini, &resp, sizeof(resp), NULL,
								 0), 0);
		CU_ASSERT_EQUAL(p.resp.kp.birth_ns, rows[i].gap);
		CU_ASSERT_EQUAL(p.ini.kp.birth_ns, 42 * SEC);
	}
}

int main(void)
{
	CU_pSuite s;

	if (sodium_init() < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("proto-clock", NULL, NULL);
	CU_add_test(s, "cookie lifetime 120 s", test_cookie_lifetime);
	CU_add_test(s, "cookie secret rotation 120 s", test_cookie_secret_rotation);
	CU_add_test(s, "flood limit and session birth", test_flood_and_birth);
	return wgl_test_run();
}
