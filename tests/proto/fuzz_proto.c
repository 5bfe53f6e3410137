// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for everything in harness/proto that reads bytes from the
 * network: message classification, the consume functions of both handshake
 * roles (with and without load), cookie replies, transport decryption and
 * the inner echo parser.
 *
 * Besides "no crash, no sanitizer report" it checks one property: anything
 * the engine accepts is byte-identical to a genuine message in the
 * authenticated part (all of it, except mac2 when mac2 is not demanded).
 *
 * Standalone (meson suite 'fuzz'): replays a corpus of genuine messages
 * (made by the engine plus the known-answer vectors), then mutates them and
 * makes random ones, for WGL_FUZZ_ITERATIONS (default 200000) iterations
 * seeded with WGL_FUZZ_SEED (default 1; printed, so a failure reproduces).
 * libFuzzer: clang -fsanitize=fuzzer,address -DWGL_LIBFUZZER -I. \
 *   tests/proto/fuzz_proto.c harness/proto/(star).c harness/log.c harness/wgconfig.c \
 *   -lsodium -lb2 -ljansson
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "proto/proto.h"

#define MAX_MSG 2048

/* Engines in a fixed state; each input runs against a fresh copy. */
static struct {
	struct wgl_noise resp;        /* responder, nothing consumed */
	struct wgl_noise ini;         /* initiator with a pending initiation */
	struct wgl_noise sess;        /* established session, responder side */
	struct wgl_msg_initiation init;
	struct wgl_msg_response response;
	struct wgl_msg_cookie cookie;
	uint8_t transport[4][MAX_MSG];
	size_t transport_len[4];
	int ntransport;
	bool ready;
} fx;

/* How often each check was where an input stopped: shows the fuzzer gets deep. */
static unsigned long reached[WGL_REJECT_REPLAY_COUNTER + 1];

static const uint8_t src_bytes[] = { 198, 18, 0, 1, 0xca, 0x6d };

static void fail(const char *what)
{
	fprintf(stderr, "fuzz: accepted a forged %s\n", what);
	abort();
}

static void add_transport(struct wgl_keypair *kp, const void *pt, size_t len)
{
	int n = wgl_transport_seal_next(kp, pt, len, fx.transport[fx.ntransport], MAX_MSG);

	if (n < 0)
		abort();
	fx.transport_len[fx.ntransport++] = (size_t)n;
}

static void fixture_init(void)
{
	struct wgl_noise ini, resp;
	struct wgl_msg_response r;
	struct wgl_echo e = { .family = AF_INET, .id = 7, .seq = 9, .payload_len = 40,
			      .src = { 198, 19, 0, 1 }, .dst = { 198, 19, 0, 2 } };
	wgl_proto_key a, b, apub, bpub, psk = { 1, 2, 3 };
	uint8_t pkt[256];

	for (int i = 0; i < 32; i++)
		a[i] = (uint8_t)(i * 7 + 1), b[i] = (uint8_t)(i * 13 + 5);
	crypto_scalarmult_base(apub, a);
	crypto_scalarmult_base(bpub, b);
	wgl_noise_init(&ini, a, bpub, psk);
	wgl_noise_init(&resp, b, apub, psk);
	wgl_cookie_checker_set_secret(&resp.checker, a);
	fx.resp = resp;
	if (wgl_noise_create_initiation(&ini, &fx.init, NULL))
		abort();
	fx.ini = ini;
	if (wgl_noise_consume_initiation(&resp, &fx.init, sizeof(fx.init), NULL, 0) ||
	    wgl_noise_create_response(&resp, &fx.response, NULL) ||
	    wgl_cookie_create_reply(&fx.resp.checker, &fx.init, sizeof(fx.init), src_bytes,
				    sizeof(src_bytes), NULL, &fx.cookie))
		abort();
	r = fx.response;
	if (wgl_noise_consume_response(&ini, &r, sizeof(r), NULL, 0))
		abort();
	add_transport(&ini.kp, NULL, 0);
	add_transport(&ini.kp, pkt, (size_t)wgl_echo_build(&e, pkt, sizeof(pkt)));
	e.family = AF_INET6;
	add_transport(&ini.kp, pkt, (size_t)wgl_echo_build(&e, pkt, sizeof(pkt)));
	add_transport(&ini.kp, "x", 1);
	fx.sess = resp;
	fx.ready = true;
}

/* Accepted => same bytes as the genuine message in [0, covered). */
static void check_same(const uint8_t *data, size_t len, const void *genuine, size_t covered,
		       const char *what)
{
	if (len < covered || memcmp(data, genuine, covered))
		fail(what);
}

static void run_handshake(const uint8_t *data, size_t size)
{
	static struct wgl_noise n;

	n = fx.resp;
	if (!wgl_noise_consume_initiation(&n, data, size, src_bytes, sizeof(src_bytes)))
		check_same(data, size, &fx.init, offsetof(struct wgl_msg_initiation, macs.mac2),
			   "initiation");
	reached[n.reject]++;
	n = fx.resp;
	n.under_load = true;
	if (!wgl_noise_consume_initiation(&n, data, size, src_bytes, sizeof(src_bytes)))
		fail("initiation under load"); /* the genuine one carries no mac2 */
	n = fx.ini;
	if (!wgl_noise_consume_response(&n, data, size, NULL, 0))
		check_same(data, size, &fx.response, offsetof(struct wgl_msg_response, macs.mac2),
			   "response");
	reached[n.reject]++;
	n = fx.ini;
	if (!wgl_noise_consume_cookie(&n, data, size))
		check_same(data, size, &fx.cookie, sizeof(fx.cookie), "cookie reply");
	wgl_cookie_check(&n.checker, data, size, src_bytes, sizeof(src_bytes), true);
}

/*
 * The same inputs with mac1 made valid again, so that mutations reach the
 * DH and AEAD checks behind it. Only the Noise-authenticated bytes are then
 * guaranteed: the sender index is covered by mac1 alone.
 */
static void run_fixed_mac1(const uint8_t *data, size_t size)
{
	static struct wgl_noise n;
	struct wgl_cookie_gen g;
	uint8_t buf[WGL_MSG_INITIATION_SIZE];

	if (size == sizeof(fx.init)) {
		memcpy(buf, data, size);
		g = fx.ini.gen;
		wgl_cookie_add_macs(&g, buf, size);
		n = fx.resp;
		if (!wgl_noise_consume_initiation(&n, buf, size, NULL, 0))
			check_same(buf + 8, size - 8, (const uint8_t *)&fx.init + 8,
				   offsetof(struct wgl_msg_initiation, macs) - 8, "initiation");
		reached[n.reject]++;
	}
	if (size == sizeof(fx.response)) {
		memcpy(buf, data, size);
		g = fx.resp.gen;
		wgl_cookie_add_macs(&g, buf, size);
		n = fx.ini;
		if (!wgl_noise_consume_response(&n, buf, size, NULL, 0))
			check_same(buf + 8, size - 8, (const uint8_t *)&fx.response + 8,
				   offsetof(struct wgl_msg_response, macs) - 8, "response");
		reached[n.reject]++;
	}
}

static void run_transport(const uint8_t *data, size_t size)
{
	static struct wgl_noise n;
	static uint8_t pt[65536];
	struct wgl_echo e;
	int len;

	n = fx.sess;
	len = wgl_noise_open(&n, data, size, pt, sizeof(pt), NULL);
	reached[n.reject]++;
	if (len >= 0) {
		int i;

		for (i = 0; i < fx.ntransport; i++)
			if (size == fx.transport_len[i] && !memcmp(data, fx.transport[i], size))
				break;
		if (i == fx.ntransport)
			fail("transport");
		wgl_echo_parse(pt, (size_t)len, &e);
	}
	wgl_echo_parse(data, size, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (!fx.ready)
		fixture_init();
	/* An exact-size heap copy lets ASan see any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	wgl_msg_classify(copy, size);
	if (size >= 2 * WGL_MAC_SIZE) /* wgl_cookie_check() reads the last 32 bytes */
		run_handshake(copy, size);
	run_fixed_mac1(copy, size);
	run_transport(copy, size);
	free(copy);
	return 0;
}

#ifndef WGL_LIBFUZZER
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* One corpus entry, mutated 0-4 times in one of several ways. */
static size_t mutate(uint8_t *buf, size_t len)
{
	int rounds = (int)(rng() % 5);

	for (int i = 0; i < rounds; i++) {
		switch (rng() % 6) {
		case 0: buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8)); break;
		case 1: buf[rng() % len] = (uint8_t)rng(); break;
		case 2: len = 1 + rng() % len; break;
		case 3: if (len < MAX_MSG - 16) len += rng() % 16; break;
		case 4: buf[rng() % 4] = (uint8_t)(rng() % 6); break;
		default: {
			size_t at = rng() % len, n = 1 + rng() % 4;

			memset(buf + at, 0, at + n > len ? len - at : n);
		}
		}
		if (len == 0)
			len = 1;
	}
	return len;
}

static size_t pick(uint8_t *buf)
{
	uint64_t r = rng() % (4 + (uint64_t)fx.ntransport + 1);
	size_t len;

	switch (r) {
	case 0: len = sizeof(fx.init); memcpy(buf, &fx.init, len); break;
	case 1: len = sizeof(fx.response); memcpy(buf, &fx.response, len); break;
	case 2: len = sizeof(fx.cookie); memcpy(buf, &fx.cookie, len); break;
	case 3: /* random bytes with a plausible header */
		len = 1 + rng() % 200;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		buf[0] = (uint8_t)(rng() % 6);
		if (len > 3)
			buf[1] = buf[2] = buf[3] = 0;
		break;
	default:
		if (r - 4 >= (uint64_t)fx.ntransport) {
			len = rng() % 64;
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rng();
			return len;
		}
		len = fx.transport_len[r - 4];
		memcpy(buf, fx.transport[r - 4], len);
	}
	return len;
}

/*
 * The genuine messages must be accepted where they belong, or the property
 * "accepted => genuine" would hold vacuously.
 */
static int check_corpus(void)
{
	static struct wgl_noise n;
	static uint8_t pt[MAX_MSG];
	int bad = 0;

	n = fx.resp;
	bad |= wgl_noise_consume_initiation(&n, &fx.init, sizeof(fx.init), NULL, 0);
	n = fx.ini;
	bad |= wgl_noise_consume_response(&n, &fx.response, sizeof(fx.response), NULL, 0);
	n = fx.ini;
	bad |= wgl_noise_consume_cookie(&n, &fx.cookie, sizeof(fx.cookie));
	n = fx.sess;
	for (int i = 0; i < fx.ntransport; i++)
		bad |= wgl_noise_open(&n, fx.transport[i], fx.transport_len[i], pt, sizeof(pt),
				      NULL) < 0;
	if (bad)
		fprintf(stderr, "fuzz_proto: a genuine corpus message was refused\n");
	return bad ? 1 : 0;
}

int main(void)
{
	const char *s = getenv("WGL_FUZZ_SEED"), *it = getenv("WGL_FUZZ_ITERATIONS");
	unsigned long long seed = s ? strtoull(s, NULL, 0) : 1, iterations;
	static uint8_t buf[MAX_MSG];

	iterations = it ? strtoull(it, NULL, 0) : 200000;
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	printf("fuzz_proto: seed %llu, %llu iterations\n", seed, iterations);
	fixture_init();
	if (check_corpus())
		return 1;
	for (unsigned long long i = 0; i < iterations; i++) {
		size_t len = pick(buf);

		if (len && (rng() % 8))
			len = mutate(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz_proto: where inputs stopped:");
	for (size_t i = 0; i < sizeof(reached) / sizeof(reached[0]); i++)
		if (reached[i])
			printf(" %s=%lu", wgl_reject_name((enum wgl_reject)i), reached[i]);
	printf("\n");
	return 0;
}
#endif
