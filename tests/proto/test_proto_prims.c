// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's building blocks: BLAKE2s/MAC/HMAC/KDF known answers, the
 * replay window against a deliberately naive reference (random walks, like
 * the kernel's selftest/allowedips.c), TAI64N and the inner echo packets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "proto/proto.h"
#include "tests/wgl_test.h"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	CU_ASSERT_FATAL(sodium_hex2bin(out, len, hex, 2 * len, NULL, NULL, NULL) == 0);
}

static void check(const uint8_t *got, const char *want_hex, size_t len)
{
	uint8_t want[64];

	unhex(want_hex, want, len);
	CU_ASSERT(memcmp(got, want, len) == 0);
}

/* BLAKE2s from RFC 7693 and the reference KAT; HMAC/KDF from Python's hmac+blake2s. */
static void test_primitives(void)
{
	static const char msg[] = "wglab hmac-blake2s test";
	uint8_t key[32], out[32], t1[32], t2[32], t3[32];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	wgl_hash(out, "abc", 3, NULL, 0);
	check(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	wgl_hash(out, "a", 1, "bc", 2);
	check(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	wgl_mac(out, key, 32, msg, strlen(msg));
	check(out, "1bc724a357e1af1a0656abc9f9b16486", 16);
	wgl_hmac(out, key, msg, strlen(msg));
	check(out, "91d2a293deedef4073b28eb011381823c5bd909e010c5bf72fb959262c75c362", 32);
	wgl_kdf(t1, t2, t3, key, msg, strlen(msg));
	check(t1, "5197540c334334cb6a8348bda5c1d4002678d008f844654128be55314b5be94d", 32);
	check(t2, "e7dad766e95f178023a8c04f252be053e7c4c4cc853524d358ffdb067c547e06", 32);
	check(t3, "5a324edbb36bccd5cceedd0921605a65d7d66bcc2170e80bd702e922ef9e004a", 32);
	wgl_kdf(t1, NULL, NULL, key, NULL, 0);
	check(t1, "7a38c34bf2b8738d7374ca77c44ecb309a11d2b2528304fa86052c365e722624", 32);
	/* KDF output may alias its key, as the chaining key updates do. */
	memcpy(t3, key, 32);
	wgl_kdf(t3, t2, NULL, t3, msg, strlen(msg));
	check(t3, "5197540c334334cb6a8348bda5c1d4002678d008f844654128be55314b5be94d", 32);
}

static void test_aead(void)
{
	uint8_t key[32], ct[64 + 16], pt[64], nonce[24] = { 1 };

	randombytes_buf(key, sizeof(key));
	wgl_aead_seal(ct, key, 7, "hello", 5, "ad", 2);
	CU_ASSERT_EQUAL(wgl_aead_open(pt, key, 7, ct, 21, "ad", 2), 0);
	CU_ASSERT(!memcmp(pt, "hello", 5));
	CU_ASSERT_EQUAL(wgl_aead_open(pt, key, 8, ct, 21, "ad", 2), -EKEYREJECTED);
	CU_ASSERT_EQUAL(wgl_aead_open(pt, key, 7, ct, 21, "aD", 2), -EKEYREJECTED);
	CU_ASSERT_EQUAL(wgl_aead_open(pt, key, 7, ct, 15, NULL, 0), -EKEYREJECTED);
	wgl_xaead_seal(ct, key, nonce, "cookie", 6, "m", 1);
	CU_ASSERT_EQUAL(wgl_xaead_open(pt, key, nonce, ct, 22, "m", 1), 0);
	nonce[23] = 1;
	CU_ASSERT_EQUAL(wgl_xaead_open(pt, key, nonce, ct, 22, "m", 1), -EKEYREJECTED);
}

/* ---- replay window ---- */

#define NAIVE_MAX (1u << 20)

/* The rule spelled out: new, below the limit, and within 8128 of the greatest seen. */
struct naive {
	uint8_t *seen;
	bool any;
	uint64_t max;
};

static bool naive_check(struct naive *n, uint64_t c)
{
	if (c >= WGL_REJECT_AFTER_MESSAGES || c >= NAIVE_MAX)
		return false;
	if (n->any && c + WGL_REPLAY_WINDOW < n->max)
		return false;
	if (n->seen[c])
		return false;
	n->seen[c] = 1;
	if (!n->any || c > n->max)
		n->max = c;
	n->any = true;
	return true;
}

static uint64_t next_counter(const struct naive *n)
{
	uint64_t base = n->any ? n->max : 0;
	uint32_t r = randombytes_uniform(100);
	int64_t c;

	if (r < 50)
		c = (int64_t)base + (int64_t)randombytes_uniform(64) - 32;
	else if (r < 80)
		c = (int64_t)base - (int64_t)randombytes_uniform(9000);
	else if (r < 90)
		c = (int64_t)base - WGL_REPLAY_WINDOW + (int64_t)randombytes_uniform(3) - 1;
	else if (r < 98)
		c = (int64_t)base + (int64_t)randombytes_uniform(300);
	else
		c = (int64_t)base + (int64_t)randombytes_uniform(20000);
	return c < 0 ? 0 : (uint64_t)c;
}

static void test_replay_random(void)
{
	struct naive n = { .seen = calloc(NAIVE_MAX, 1) };
	struct wgl_replay r;
	unsigned long accepted = 0, refused = 0, mismatches = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(n.seen);
	for (int round = 0; round < 20; round++) {
		memset(n.seen, 0, NAIVE_MAX);
		n.any = false;
		n.max = 0;
		wgl_replay_init(&r);
		for (int i = 0; i < 20000; i++) {
			uint64_t c = next_counter(&n);
			bool want, got;

			if (c >= NAIVE_MAX - 20000)
				break;
			want = naive_check(&n, c);
			got = wgl_replay_check(&r, c);
			if (want != got && mismatches++ < 5)
				printf("\n  counter %llu: window %d, naive %d (max %llu)\n",
				       (unsigned long long)c, got, want, (unsigned long long)n.max);
			want ? accepted++ : refused++;
		}
	}
	printf("(%lu accepted, %lu refused) ", accepted, refused);
	CU_ASSERT_EQUAL(mismatches, 0);
	/* The walk must exercise both outcomes, or it proves nothing. */
	CU_ASSERT(accepted > 10000 && refused > 5000);
	free(n.seen);
}

static void test_replay_edges(void)
{
	struct wgl_replay r;

	wgl_replay_init(&r);
	CU_ASSERT_TRUE(wgl_replay_check(&r, 0));
	CU_ASSERT_FALSE(wgl_replay_check(&r, 0));
	CU_ASSERT_TRUE(wgl_replay_check(&r, 10000));
	CU_ASSERT_FALSE(wgl_replay_check(&r, 10000 - WGL_REPLAY_WINDOW - 1));
	CU_ASSERT_TRUE(wgl_replay_check(&r, 10000 - WGL_REPLAY_WINDOW));
	CU_ASSERT_TRUE(wgl_replay_check(&r, 9999));
	/* A jump far beyond the ring clears it entirely. */
	CU_ASSERT_TRUE(wgl_replay_check(&r, 1000000));
	CU_ASSERT_TRUE(wgl_replay_check(&r, 1000000 - 64 * 126));
	CU_ASSERT_FALSE(wgl_replay_check(&r, 10000));
	CU_ASSERT_TRUE(wgl_replay_check(&r, WGL_REJECT_AFTER_MESSAGES - 1));
	CU_ASSERT_FALSE(wgl_replay_check(&r, WGL_REJECT_AFTER_MESSAGES));
	CU_ASSERT_FALSE(wgl_replay_check(&r, UINT64_MAX));
	CU_ASSERT_FALSE(wgl_replay_check(&r, WGL_REJECT_AFTER_MESSAGES - 1));
}

/* ---- TAI64N ---- */

static void test_tai64n(void)
{
	uint8_t a[12], b[12];

	wgl_tai64n_encode(a, 1764072000, 0x12000000);
	check(a, "4000000069259a4a12000000", 12);
	wgl_tai64n_add(a, 999999999LL);
	wgl_tai64n_encode(b, 1764072001, 0x12000000 - 1);
	CU_ASSERT_EQUAL(wgl_tai64n_cmp(a, b), 0);
	wgl_tai64n_add(a, -2000000000LL);
	wgl_tai64n_encode(b, 1764071999, 0x12000000 - 1);
	CU_ASSERT_EQUAL(wgl_tai64n_cmp(a, b), 0);
	/* now(): whitened, and strictly after `last` even when last is in the future. */
	wgl_tai64n_now(a, NULL);
	CU_ASSERT_EQUAL(a[11], 0);
	CU_ASSERT_EQUAL(a[10], 0);
	CU_ASSERT_EQUAL(a[9], 0);
	memcpy(b, a, 12);
	wgl_tai64n_add(b, 3600LL * 1000000000LL);
	wgl_tai64n_now(a, b);
	CU_ASSERT(wgl_tai64n_cmp(a, b) > 0);
}

/* ---- inner packets ---- */

static void echo_round_trip(int family, const char *src, const char *dst)
{
	struct wgl_echo e = { .family = family, .id = 0x1234, .seq = 77, .payload_len = 56 };
	struct wgl_echo got;
	uint8_t buf[256];
	int len;

	CU_ASSERT_EQUAL_FATAL(inet_pton(family, src, e.src), 1);
	CU_ASSERT_EQUAL_FATAL(inet_pton(family, dst, e.dst), 1);
	len = wgl_echo_build(&e, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(len, (family == AF_INET ? 20 : 40) + 8 + 56);
	/* Trailing transport padding is ignored. */
	memset(buf + len, 0, 16);
	CU_ASSERT_EQUAL(wgl_echo_parse(buf, (size_t)len + 16, &got), 0);
	CU_ASSERT_EQUAL(got.family, family);
	CU_ASSERT_EQUAL(got.id, 0x1234);
	CU_ASSERT_EQUAL(got.seq, 77);
	CU_ASSERT_FALSE(got.reply);
	CU_ASSERT_EQUAL(got.payload_len, 56);
	CU_ASSERT(!memcmp(got.src, e.src, family == AF_INET ? 4 : 16));
	/*
	 * Any flipped bit is caught by a checksum or a format check, except in
	 * the IPv6 fields no checksum covers: traffic class, flow label, hop
	 * limit (bit 0x04 of byte 0 is in the traffic class, not the version).
	 */
	for (int i = 0; i < len; i++) {
		bool uncovered = family == AF_INET6 && (i <= 3 || i == 7);

		buf[i] ^= 0x04;
		CU_ASSERT((wgl_echo_parse(buf, (size_t)len, &got) < 0) != uncovered);
		buf[i] ^= 0x04;
	}
	CU_ASSERT_EQUAL(wgl_echo_parse(buf, (size_t)len - 1, &got), -EINVAL);
}

static void test_echo(void)
{
	echo_round_trip(AF_INET, "198.19.0.1", "198.19.0.2");
	echo_round_trip(AF_INET6, "2001:2:0:2::1", "2001:2:0:2::2");
}

/*
 * An ICMPv6 echo reply 2001:2::2 -> 2001:2::1, id 0x0c1d, seq 1, payload
 * "wglab-v6", whose checksum was computed independently (a few lines of
 * Python over the RFC 4443 pseudo-header): proves the pseudo-header sum.
 */
static void test_echo6_known(void)
{
	struct wgl_echo e = { .family = AF_INET6, .id = 0x0c1d, .seq = 1, .reply = true,
			      .payload_len = 8, .payload = (const uint8_t *)"wglab-v6" };
	uint8_t buf[128];
	int len;

	inet_pton(AF_INET6, "2001:2::2", e.src);
	inet_pton(AF_INET6, "2001:2::1", e.dst);
	len = wgl_echo_build(&e, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(len, 56);
	CU_ASSERT_EQUAL(buf[42] << 8 | buf[43], 0x7661);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("proto-primitives", NULL, NULL);
	CU_add_test(s, "blake2s/mac/hmac/kdf", test_primitives);
	CU_add_test(s, "aead", test_aead);
	CU_add_test(s, "replay window vs naive", test_replay_random);
	CU_add_test(s, "replay window edges", test_replay_edges);
	CU_add_test(s, "tai64n", test_tai64n);
	CU_add_test(s, "echo packets", test_echo);
	CU_add_test(s, "icmpv6 checksum", test_echo6_known);
	return wgl_test_run();
}
