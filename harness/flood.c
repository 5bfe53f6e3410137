// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flood loop. Fresh initiations are made one batch ahead of the send:
 * the body is a ChaCha20 keystream (randombytes_buf_deterministic, no
 * system call), mac1 (and mac2) are keyed BLAKE2s over it with the probe's
 * keys, without touching its cookie generator, so its own handshakes go on.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <blake2.h>
#include <sodium.h>

#include "base/child.h"
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
	static const char *const names[] = { "copy", "init", "mac2", "valid" };

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
static void send_batch(struct mmsghdr *msgs, int fd, unsigned int n, struct wgl_flood_result *r)
{
	unsigned int off = 0;

	while (off < n) {
		int k = sendmmsg(fd, msgs + off, n - off, 0);

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

/* ---- fully valid initiations: one thread per core, each its own ephemerals ---- */

struct valid_shared {
	const struct wgl_flood_opts *o;
	const uint8_t *resp_pub;
	const struct sockaddr *ep;
	socklen_t eplen;
	unsigned int nthreads;
	/* A start gate: the clock starts when every thread has precomputed. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int ready;
	bool cancel;                  /* a thread could not be started: nobody sends */
	uint8_t ts0[WGL_TAI64N_SIZE]; /* the flood's start time, every client's first stamp */
};

struct valid_thread {
	pthread_t tid;
	struct valid_shared *sh;
	unsigned int id;
	unsigned long count;
	int err;
	long long t0, t1;
	struct wgl_flood_result r;
	struct wgl_init_precomp *pc;  /* this thread's clients: id, id + nthreads, ... */
	uint8_t (*ts)[WGL_TAI64N_SIZE];
	size_t nclients;
	struct wgl_ephseq eph;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct wgl_msg_initiation bufs[BATCH];
	uint8_t priv[BATCH][WGL_KEY_SIZE], pub[BATCH][WGL_KEY_SIZE], dh[BATCH][WGL_KEY_SIZE];
};

/* The per-client parts: static-static DH, hashes of the responder's key, mac1 key. */
static int valid_precompute(struct valid_thread *t)
{
	const struct wgl_flood_opts *o = t->sh->o;
	int err = wgl_ephseq_init(&t->eph, t->sh->resp_pub);

	for (size_t i = 0; i < t->nclients && !err; i++) {
		err = wgl_init_precompute(&t->pc[i], o->clients[t->id + i * t->sh->nthreads],
					  t->sh->resp_pub);
		memcpy(t->ts[i], t->sh->ts0, WGL_TAI64N_SIZE);
	}
	for (size_t i = 0; i < BATCH; i++) {
		t->iov[i] = (struct iovec){ .iov_base = &t->bufs[i], .iov_len = sizeof(t->bufs[i]) };
		t->msgs[i].msg_hdr = (struct msghdr){ .msg_name = (void *)t->sh->ep,
						      .msg_namelen = t->sh->eplen,
						      .msg_iov = &t->iov[i], .msg_iovlen = 1 };
	}
	return err;
}

static void *valid_main(void *arg)
{
	struct valid_thread *t = arg;
	const struct wgl_flood_opts *o = t->sh->o;
	double rate = o->rate / t->sh->nthreads;
	unsigned long todo = t->count;
	size_t client = 0, next = t->id;
	uint32_t index = randombytes_random();

	t->err = valid_precompute(t);
	pthread_mutex_lock(&t->sh->mu);
	t->sh->ready++;
	pthread_cond_broadcast(&t->sh->cv);
	while (t->sh->ready < t->sh->nthreads && !t->sh->cancel)
		pthread_cond_wait(&t->sh->cv, &t->sh->mu);
	t->err = t->err ?: t->sh->cancel ? -ECANCELED : 0;
	pthread_mutex_unlock(&t->sh->mu);
	t->t0 = wgl_now_ns();
	while (todo && !t->err) {
		unsigned int n = todo < BATCH ? (unsigned int)todo : BATCH;

		wgl_ephseq_next(&t->eph, n, t->priv, t->pub, t->dh);
		for (unsigned int i = 0; i < n; i++, client = (client + 1) % t->nclients) {
			wgl_tai64n_add(t->ts[client], 1);
			wgl_init_build(&t->pc[client], t->pub[i], t->dh[i], index++, t->ts[client],
				       &t->bufs[i]);
		}
		if (rate > 0)
			pace(t->t0, t->r.sent, rate);
		send_batch(t->msgs, o->fds[next++ % o->nfds], n, &t->r);
		next += t->sh->nthreads - 1;
		todo -= n;
	}
	t->t1 = wgl_now_ns();
	return NULL;
}

static unsigned int valid_threads(const struct wgl_flood_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = o->threads ? o->threads : cpus > 0 ? (unsigned int)cpus : 1;

	/* Each thread needs a client of its own (timestamps per client are per thread). */
	return n > o->nclients ? (unsigned int)o->nclients : n;
}

/* Sums the threads into r: the flood lasts from the first start to the last end. */
static int valid_collect(struct valid_thread *th, unsigned int n, struct wgl_flood_result *r)
{
	long long t0 = th[0].t0, t1 = th[0].t1;
	int err = 0;

	for (unsigned int i = 0; i < n; i++) {
		r->sent += th[i].r.sent;
		r->errors += th[i].r.errors;
		if (!r->first_error)
			r->first_error = th[i].r.first_error;
		err = err ?: th[i].err;
		t0 = th[i].t0 < t0 ? th[i].t0 : t0;
		t1 = th[i].t1 > t1 ? th[i].t1 : t1;
	}
	r->seconds = (double)(t1 - t0) / 1e9;
	r->rate = r->seconds > 0 ? (double)r->sent / r->seconds : 0;
	return err;
}

static int flood_valid(struct wgl_probe *p, const struct wgl_flood_opts *o,
		       const struct sockaddr *ep, socklen_t eplen, struct wgl_flood_result *r)
{
	struct valid_shared sh = { .o = o, .ep = ep, .eplen = eplen,
				   .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct valid_thread *th;
	struct timespec now;
	unsigned int started = 0;
	size_t per;
	int err = 0;

	if (!o->nclients || !o->clients)
		return -EINVAL;
	sh.resp_pub = wgl_probe_engine(p)->remote_pub;
	sh.nthreads = valid_threads(o);
	per = (o->nclients + sh.nthreads - 1) / sh.nthreads;
	/*
	 * Not whitened: a flood right after another with the same clients must
	 * start past the last stamps it sent (one nanosecond per initiation).
	 */
	clock_gettime(CLOCK_REALTIME, &now);
	wgl_tai64n_encode(sh.ts0, now.tv_sec, (uint32_t)now.tv_nsec);
	th = calloc(sh.nthreads, sizeof(*th));
	if (!th)
		return -ENOMEM;
	for (unsigned int i = 0; i < sh.nthreads; i++) {
		th[i] = (struct valid_thread){ .sh = &sh, .id = i };
		th[i].count = o->count / sh.nthreads + (i < o->count % sh.nthreads);
		th[i].nclients = (o->nclients - i + sh.nthreads - 1) / sh.nthreads;
		th[i].pc = calloc(per, sizeof(*th[i].pc));
		th[i].ts = calloc(per, sizeof(*th[i].ts));
		if (!th[i].pc || !th[i].ts)
			err = -ENOMEM;
	}
	for (; started < sh.nthreads && !err; started++)
		err = wgl_thread_create(&th[started].tid, valid_main, &th[started]);
	if (err) {
		/* The started ones wait at the gate for threads that will never come. */
		pthread_mutex_lock(&sh.mu);
		sh.cancel = true;
		pthread_cond_broadcast(&sh.cv);
		pthread_mutex_unlock(&sh.mu);
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(th[i].tid, NULL);
	err = err ?: valid_collect(th, sh.nthreads, r);
	for (unsigned int i = 0; i < sh.nthreads; i++) {
		free(th[i].pc);
		free(th[i].ts);
	}
	sodium_memzero(th, sh.nthreads * sizeof(*th));
	free(th);
	return err;
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
	if (o->kind == WGL_FLOOD_VALID)
		return flood_valid(p, o, (const struct sockaddr *)&ep, eplen, r);
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
		send_batch(s->msgs, o->fds[next++ % o->nfds], n, r);
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
