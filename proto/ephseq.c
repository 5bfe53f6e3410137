// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ephemeral key sequences for floods: e, e+8, e+16, ... with their public
 * keys u(e_i·B) and their DH u(e_i·R) with one fixed peer key. Consecutive
 * points differ by the fixed point 8B (8R), so each next u-coordinate is one
 * x-only differential addition from the two before it (4M + 2S), and one
 * batch shares a single field inversion (Montgomery's trick): a few dozen
 * field multiplications per key instead of two scalar multiplications.
 *
 * Field arithmetic mod 2^255 - 19 in five 51-bit limbs. Only for floods:
 * related keys protect nothing, but the peer's work per message is the same.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"

typedef unsigned __int128 u128;
#define MASK51 ((1ULL << 51) - 1)

static void fe_carry(uint64_t h[5])
{
	for (int i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= MASK51;
	}
	h[0] += 19 * (h[4] >> 51);
	h[4] &= MASK51;
}

static void fe_add(uint64_t o[5], const uint64_t a[5], const uint64_t b[5])
{
	for (int i = 0; i < 5; i++)
		o[i] = a[i] + b[i];
	fe_carry(o);
}

/* a - b + 2p, limbs kept positive; inputs carried (< 2^52). */
static void fe_sub(uint64_t o[5], const uint64_t a[5], const uint64_t b[5])
{
	static const uint64_t two_p[5] = { 0xfffffffffffdaULL * 2, 0xffffffffffffeULL * 2,
					   0xffffffffffffeULL * 2, 0xffffffffffffeULL * 2,
					   0xffffffffffffeULL * 2 };

	for (int i = 0; i < 5; i++)
		o[i] = a[i] + two_p[i] - b[i];
	fe_carry(o);
}

static void fe_mul(uint64_t o[5], const uint64_t a[5], const uint64_t b[5])
{
	u128 t[5] = { 0 };
	uint64_t b19[5];

	for (int i = 0; i < 5; i++)
		b19[i] = 19 * b[i];
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			t[(i + j) % 5] += (u128)a[i] * (i + j >= 5 ? b19[j] : b[j]);
	for (int i = 0; i < 4; i++) {
		t[i + 1] += (uint64_t)(t[i] >> 51);
		o[i] = (uint64_t)t[i] & MASK51;
	}
	o[4] = (uint64_t)t[4] & MASK51;
	o[0] += 19 * (uint64_t)(t[4] >> 51);
	fe_carry(o);
}

static void fe_mul_small(uint64_t o[5], const uint64_t a[5], uint64_t k)
{
	u128 c = 0;

	for (int i = 0; i < 5; i++) {
		c += (u128)a[i] * k;
		o[i] = (uint64_t)c & MASK51;
		c >>= 51;
	}
	o[0] += 19 * (uint64_t)c;
	fe_carry(o);
}

/* a^(p-2) = 1/a, square and multiply over the exponent 2^255 - 21. */
static void fe_invert(uint64_t o[5], const uint64_t a[5])
{
	uint64_t r[5] = { 1 };

	for (int bit = 254; bit >= 0; bit--) {
		fe_mul(r, r, r);
		/* 2^255 - 21 = 0x7fff...ffeb: every bit set except bits 2 and 4. */
		if (bit != 2 && bit != 4)
			fe_mul(r, r, a);
	}
	memcpy(o, r, sizeof(r));
}

static void fe_frombytes(uint64_t h[5], const uint8_t s[32])
{
	uint64_t w[4];

	for (int i = 0; i < 4; i++) {
		w[i] = 0;
		for (int j = 7; j >= 0; j--)
			w[i] = w[i] << 8 | s[8 * i + j];
	}
	h[0] = w[0] & MASK51;
	h[1] = (w[0] >> 51 | w[1] << 13) & MASK51;
	h[2] = (w[1] >> 38 | w[2] << 26) & MASK51;
	h[3] = (w[2] >> 25 | w[3] << 39) & MASK51;
	h[4] = (w[3] >> 12) & MASK51; /* bit 255 ignored, as X25519 does */
}

/* Canonical little-endian encoding (fully reduced mod p). */
static void fe_tobytes(uint8_t s[32], const uint64_t a[5])
{
	uint64_t h[5], t[5], w[4];

	memcpy(h, a, sizeof(h));
	fe_carry(h);
	fe_carry(h);
	/* h < 2p now; h >= p exactly when h + 19 carries out of bit 255. */
	memcpy(t, h, sizeof(t));
	t[0] += 19;
	for (int i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] &= MASK51;
	}
	if (t[4] >> 51) {
		t[4] &= MASK51;
		memcpy(h, t, sizeof(h));
	}
	w[0] = h[0] | h[1] << 51;
	w[1] = h[1] >> 13 | h[2] << 38;
	w[2] = h[2] >> 26 | h[3] << 25;
	w[3] = h[3] >> 39 | h[4] << 12;
	for (int i = 0; i < 32; i++)
		s[i] = (uint8_t)(w[i / 8] >> (8 * (i % 8)));
}

/* u(8P) from u(P): three x-only doublings (RFC 7748 ladder step, a24 = 121665). */
static void times8(uint64_t x[5], uint64_t z[5], const uint8_t u[32])
{
	uint64_t aa[5], bb[5], e[5], t[5];

	fe_frombytes(x, u);
	memset(z, 0, 5 * sizeof(*z));
	z[0] = 1;
	for (int i = 0; i < 3; i++) {
		fe_add(t, x, z);
		fe_mul(aa, t, t);
		fe_sub(t, x, z);
		fe_mul(bb, t, t);
		fe_sub(e, aa, bb);
		fe_mul(x, aa, bb);
		fe_mul_small(t, e, 121665);
		fe_add(t, t, aa);
		fe_mul(z, e, t);
	}
}

/* One sequence's state: the last two points (projective) and the step's u (affine). */
static void seq_init(struct wgl_ephseq_track *t, const uint8_t u0[32], const uint8_t u1[32],
		     const uint8_t base[32])
{
	uint64_t x[5], z[5], zi[5];

	times8(x, z, base);
	fe_invert(zi, z);
	fe_mul(t->step, x, zi);
	fe_frombytes(t->prev_x, u0);
	fe_frombytes(t->cur_x, u1);
	memset(t->prev_z, 0, sizeof(t->prev_z));
	memset(t->cur_z, 0, sizeof(t->cur_z));
	t->prev_z[0] = t->cur_z[0] = 1;
}

/* cur + step, with cur - step = prev: the next point, projective. */
static void seq_step(struct wgl_ephseq_track *t)
{
	uint64_t a[5], b[5], s[5], d[5], x[5], z[5];

	fe_sub(a, t->cur_x, t->cur_z);
	fe_add(s, t->step, (const uint64_t[5]){ 1 });
	fe_mul(a, a, s);                       /* (X-Z)(x_d+1) */
	fe_add(b, t->cur_x, t->cur_z);
	fe_sub(d, t->step, (const uint64_t[5]){ 1 });
	fe_mul(b, b, d);                       /* (X+Z)(x_d-1) */
	fe_add(s, a, b);
	fe_sub(d, a, b);
	fe_mul(s, s, s);
	fe_mul(d, d, d);
	fe_mul(x, t->prev_z, s);
	fe_mul(z, t->prev_x, d);
	memcpy(t->prev_x, t->cur_x, sizeof(x));
	memcpy(t->prev_z, t->cur_z, sizeof(z));
	memcpy(t->cur_x, x, sizeof(x));
	memcpy(t->cur_z, z, sizeof(z));
}

static void scalar_add8(uint8_t k[32])
{
	unsigned int c = 8;

	for (int i = 0; i < 32 && c; i++) {
		c += k[i];
		k[i] = (uint8_t)c;
		c >>= 8;
	}
}

int wgl_ephseq_init(struct wgl_ephseq *s, const uint8_t peer_pub[WGL_KEY_SIZE])
{
	static const uint8_t basepoint[32] = { 9 };
	uint8_t next[WGL_KEY_SIZE], p0[32], p1[32], d0[32], d1[32];

	randombytes_buf(s->priv, sizeof(s->priv));
	/* Clamped, with bits 200..253 clear so that adding 8s never reaches bit 254. */
	s->priv[0] &= 248;
	memset(s->priv + 25, 0, 6);
	s->priv[31] = 64;
	memcpy(next, s->priv, sizeof(next));
	scalar_add8(next);
	crypto_scalarmult_base(p0, s->priv);
	crypto_scalarmult_base(p1, next);
	if (crypto_scalarmult(d0, s->priv, peer_pub) || crypto_scalarmult(d1, next, peer_pub))
		return -EPROTO;
	seq_init(&s->pub, p0, p1, basepoint);
	seq_init(&s->dh, d0, d1, peer_pub);
	s->pending = 2;
	return 0;
}

/*
 * Writes the affine u of the track's next n points, batch-inverted; the
 * first `pending` of them (0..2, the starting pair) need no step.
 */
static void take(struct wgl_ephseq_track *t, size_t n, size_t pending, uint8_t (*out)[32],
		 uint64_t (*xs)[5], uint64_t (*zs)[5], uint64_t (*acc)[5])
{
	uint64_t inv[5], tmp[5];

	for (size_t i = 0; i < n; i++) {
		bool prev = i == 0 && pending == 2;

		if (i >= pending)
			seq_step(t);
		memcpy(xs[i], prev ? t->prev_x : t->cur_x, sizeof(xs[i]));
		memcpy(zs[i], prev ? t->prev_z : t->cur_z, sizeof(zs[i]));
		if (i)
			fe_mul(acc[i], acc[i - 1], zs[i]);
		else
			memcpy(acc[0], zs[0], sizeof(acc[0]));
	}
	fe_invert(inv, acc[n - 1]);
	for (size_t i = n; i-- > 0;) {
		if (i) {
			fe_mul(tmp, inv, acc[i - 1]);   /* 1/z_i */
			fe_mul(inv, inv, zs[i]);        /* 1/(z_0..z_{i-1}) */
		} else {
			memcpy(tmp, inv, sizeof(tmp));
		}
		fe_mul(tmp, tmp, xs[i]);
		fe_tobytes(out[i], tmp);
	}
}

size_t wgl_ephseq_next(struct wgl_ephseq *s, size_t n, uint8_t (*priv)[WGL_KEY_SIZE],
		       uint8_t (*pub)[WGL_KEY_SIZE], uint8_t (*dh)[WGL_KEY_SIZE])
{
	uint64_t xs[WGL_EPHSEQ_BATCH][5], zs[WGL_EPHSEQ_BATCH][5], acc[WGL_EPHSEQ_BATCH][5];

	if (n > WGL_EPHSEQ_BATCH)
		n = WGL_EPHSEQ_BATCH;
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(priv[i], s->priv, WGL_KEY_SIZE);
		scalar_add8(s->priv);
	}
	take(&s->pub, n, s->pending, pub, xs, zs, acc);
	take(&s->dh, n, s->pending, dh, xs, zs, acc);
	s->pending = n >= s->pending ? 0 : s->pending - n;
	return n;
}
