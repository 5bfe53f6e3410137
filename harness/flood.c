// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flood loop. Fresh initiations are made one batch ahead of the send:
 * the body is a ChaCha20 keystream (randombytes_buf_deterministic, no
 * system call), mac1 (and mac2) are keyed BLAKE2s over it with the probe's
 * keys, without touching its cookie generator, so its own handshakes go on.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <blake2.h>
#include <sodium.h>

#include "base/log.h"
#include "harness/flood.h"
#include "harness/probe.h"

#define BATCH 64
#define COOKIE_LIFETIME_NS (120LL * 1000000000LL)

struct flood_state {
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint8_t bufs[BATCH][sizeof(struct wgl_msg_initiation)];
	/*
	 * Keyed BLAKE2s states with the key block already absorbed: a mac is
	 * then one copy and the message's own blocks. Same result as
	 * wgl_cookie_add_macs(), which the probe's last_mac1 is left to.
	 */
	blake2s_state mac1_base, mac2_base;
	bool mac2;
	uint8_t seed[randombytes_SEEDBYTES];
	uint64_t stream;              /* keystream block counter, folded into the seed */
};

int wgl_flood_kind_parse(const char *name, enum wgl_flood_kind *kind)
{
	static const char *const names[] = { "copy", "init", "mac2" };

	for (size_t i = 0; i < WGL_ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*kind = (enum wgl_flood_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Fills slots [0, n) with fresh initiations: random bodies, then the macs. */
static void make_initiations(struct flood_state *s, size_t n)
{
	const size_t len = sizeof(s->bufs[0]);

	/* One keystream call per batch: the seed's first 8 bytes count batches. */
	memcpy(s->seed, &s->stream, sizeof(s->stream));
	s->stream++;
	randombytes_buf_deterministic(s->bufs, n * len, s->seed);
	for (size_t i = 0; i < n; i++) {
		uint8_t *m = s->bufs[i];

		m[0] = WGL_MSG_INITIATION;
		blake2s_state st = s->mac1_base;
		uint8_t *mac1 = m + len - 2 * WGL_MAC_SIZE, *mac2 = mac1 + WGL_MAC_SIZE;

		m[1] = m[2] = m[3] = 0;
		blake2s_update(&st, m, (size_t)(mac1 - m));
		blake2s_final(&st, mac1, WGL_MAC_SIZE);
		if (!s->mac2) {
			memset(mac2, 0, WGL_MAC_SIZE);
			continue;
		}
		st = s->mac2_base;
		blake2s_update(&st, m, (size_t)(mac2 - m));
		blake2s_final(&st, mac2, WGL_MAC_SIZE);
	}
}

/* Points the batch at the datagrams of this kind; fresh kinds are remade per batch. */
static int setup(struct flood_state *s, struct wgl_probe *p, const struct wgl_flood_opts *o,
		 const struct sockaddr *ep, socklen_t eplen)
{
	const uint8_t *last = NULL;
	size_t len = sizeof(s->bufs[0]);

	if (o->kind == WGL_FLOOD_COPY) {
		last = wgl_probe_last_sent(p, &len);
		if (!last)
			return -ENODATA;
	} else {
		const struct wgl_cookie_gen *g = &wgl_probe_engine(p)->gen;

		s->mac2 = o->kind == WGL_FLOOD_MAC2;
		if (s->mac2 && (!g->has_cookie ||
				wgl_clock_now(g->clock) - g->cookie_ns >= COOKIE_LIFETIME_NS))
			return -ENOKEY;
		if (blake2s_init_key(&s->mac1_base, WGL_MAC_SIZE, g->mac1_key, sizeof(g->mac1_key)) ||
		    (s->mac2 && blake2s_init_key(&s->mac2_base, WGL_MAC_SIZE, g->cookie,
						  WGL_COOKIE_SIZE)))
			return -EINVAL;
		randombytes_buf(s->seed, sizeof(s->seed));
	}
	for (size_t i = 0; i < BATCH; i++) {
		s->iov[i].iov_base = last ? (void *)last : s->bufs[i];
		s->iov[i].iov_len = len;
		s->msgs[i].msg_hdr = (struct msghdr){ .msg_name = (void *)ep, .msg_namelen = eplen,
						      .msg_iov = &s->iov[i], .msg_iovlen = 1 };
	}
	return 0;
}

/* Sleeps until the instant (wgl_now_ns() clock) the rate allows the next batch. */
static void pace(long long t0, unsigned long sent, double rate)
{
	long long due = t0 + (long long)((double)sent / rate * 1e9);
	struct timespec ts;

	if (due <= wgl_now_ns())
		return;
	ts.tv_sec = due / 1000000000LL;
	ts.tv_nsec = due % 1000000000LL;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* One batch of n on fd; counts into r. */
static void send_batch(struct flood_state *s, int fd, unsigned int n, struct wgl_flood_result *r)
{
	unsigned int off = 0;

	while (off < n) {
		int k = sendmmsg(fd, s->msgs + off, n - off, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (!r->first_error)
				r->first_error = -errno;
			r->errors++;
			return;
		}
		off += (unsigned int)k;
		r->sent += (unsigned long)k;
	}
}

int wgl_probe_flood(struct wgl_probe *p, const struct wgl_flood_opts *o,
		    struct wgl_flood_result *r)
{
	struct flood_state *s;
	struct sockaddr_storage ep;
	socklen_t eplen;
	unsigned long todo = o->count;
	long long t0, t1;
	size_t next = 0;
	int err;

	memset(r, 0, sizeof(*r));
	if (!o->nfds || !o->fds)
		return -EINVAL;
	if (wgl_probe_endpoint(p, &ep, &eplen) < 0)
		return -ENOTCONN;
	s = sodium_malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = setup(s, p, o, (const struct sockaddr *)&ep, eplen);
	if (err)
		goto out;
	t0 = wgl_now_ns();
	while (todo) {
		unsigned int n = todo < BATCH ? (unsigned int)todo : BATCH;

		if (o->kind != WGL_FLOOD_COPY)
			make_initiations(s, n);
		if (o->rate > 0)
			pace(t0, r->sent, o->rate);
		send_batch(s, o->fds[next++ % o->nfds], n, r);
		/* A failed batch still counts against the total: the flood must end. */
		todo -= n;
	}
	t1 = wgl_now_ns();
	r->seconds = (double)(t1 - t0) / 1e9;
	r->rate = r->seconds > 0 ? (double)r->sent / r->seconds : 0;
out:
	sodium_free(s);
	return err;
}
