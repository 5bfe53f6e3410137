// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's clock and TAI64N timestamps. TAI64N: 8 bytes big-endian
 * 2^62 + 10 + unix seconds, then 4 bytes big-endian nanoseconds. Responders
 * accept an initiation only if its timestamp is strictly newer than the
 * last one, so the engine must never repeat one, even when two initiations
 * fall into the same whitened slot.
 */
#include <string.h>
#include <time.h>

#include "proto/proto.h"

#define TAI64_BASE 0x400000000000000aULL
/* wireguard-go clears the low 24 bits of the nanoseconds (~16.8 ms steps). */
#define TAI64N_WHITEN_MASK 0xffffffU
#define NSEC_PER_SEC 1000000000LL

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void wgl_tai64n_encode(uint8_t out[WGL_TAI64N_SIZE], int64_t sec, uint32_t nsec)
{
	put_be64(out, TAI64_BASE + (uint64_t)sec);
	put_be32(out + 8, nsec);
}

void wgl_tai64n_add(uint8_t ts[WGL_TAI64N_SIZE], int64_t delta_ns)
{
	int64_t sec = (int64_t)(get_be(ts, 8) - TAI64_BASE);
	int64_t nsec = (int64_t)get_be(ts + 8, 4) + delta_ns % NSEC_PER_SEC;

	sec += delta_ns / NSEC_PER_SEC;
	if (nsec < 0) {
		nsec += NSEC_PER_SEC;
		sec--;
	} else if (nsec >= NSEC_PER_SEC) {
		nsec -= NSEC_PER_SEC;
		sec++;
	}
	wgl_tai64n_encode(ts, sec, (uint32_t)nsec);
}

void wgl_tai64n_now(uint8_t out[WGL_TAI64N_SIZE], const uint8_t *last)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	wgl_tai64n_encode(out, now.tv_sec, (uint32_t)now.tv_nsec & ~TAI64N_WHITEN_MASK);
	if (last && wgl_tai64n_cmp(out, last) <= 0) {
		memcpy(out, last, WGL_TAI64N_SIZE);
		wgl_tai64n_add(out, TAI64N_WHITEN_MASK + 1);
	}
}

long long wgl_clock_now(const struct wgl_clock *c)
{
	struct timespec ts;

	if (c)
		return c->now_ns(c->ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int wgl_tai64n_cmp(const uint8_t a[WGL_TAI64N_SIZE], const uint8_t b[WGL_TAI64N_SIZE])
{
	return memcmp(a, b, WGL_TAI64N_SIZE);
}
