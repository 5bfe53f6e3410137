// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The middlebox's decisions, without any I/O: the same seed and packet
 * sequence give the same drops, copies and holds, so a test can compute
 * exactly what the wire must show.
 */
#include <errno.h>
#include <string.h>

#include "netns/mbox.h"

int wgl_mbox_spec_check(const struct wgl_mbox_spec *s)
{
	if (!(s->loss_pct >= 0 && s->loss_pct <= 100) || !(s->dup_pct >= 0 && s->dup_pct <= 100) ||
	    s->delay_us < 0 || s->jitter_us < 0 || s->delay_us > 60000000 ||
	    s->jitter_us > 60000000 || s->reorder_every < 0 || s->reorder_after < 0 ||
	    s->reorder_hold_us < 0 || s->reorder_hold_us > 60000000 || s->reorder_after > 1000000)
		return -EINVAL;
	/* Packets held at once by count: about after / every; they must fit the queue. */
	if (s->reorder_every && s->reorder_after / s->reorder_every + 1 >= WGL_MBOX_HELD_MAX / 2)
		return -EINVAL;
	if (s->reorder_every == 1 && s->reorder_after)
		return -EINVAL; /* every packet waiting for a later one: none would leave */
	if (s->reorder_every && !s->reorder_after && !s->reorder_hold_us)
		return -EINVAL;
	return 0;
}

void wgl_mbox_init(struct wgl_mbox_state *st, const struct wgl_mbox_spec *s)
{
	memset(st, 0, sizeof(*st));
	st->rng = s->seed ? s->seed : 0x9e3779b97f4a7c15ull;
}

/* splitmix64: small, and good enough for loss and jitter draws. */
static uint64_t next64(struct wgl_mbox_state *st)
{
	uint64_t z = (st->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* [0, 1) with 53 bits. */
static double uniform(struct wgl_mbox_state *st)
{
	return (double)(next64(st) >> 11) * (1.0 / 9007199254740992.0);
}

static bool chance(struct wgl_mbox_state *st, double pct)
{
	/* Draw even at 0 and 100 % so the sequence does not depend on the rates. */
	double u = uniform(st) * 100.0;

	return u < pct;
}

void wgl_mbox_decide(const struct wgl_mbox_spec *s, struct wgl_mbox_state *st,
		     struct wgl_mbox_plan *p)
{
	double j;

	memset(p, 0, sizeof(*p));
	st->seen++;
	p->drop = chance(st, s->loss_pct);
	p->dup = chance(st, s->dup_pct);
	j = uniform(st);
	if (p->drop) {
		p->dup = false;
		return;
	}
	st->kept++;
	if (s->delay_us || s->jitter_us) {
		p->hold_us = s->delay_us + (int64_t)((2 * j - 1) * s->jitter_us);
		if (p->hold_us < 0)
			p->hold_us = 0;
	}
	if (s->reorder_every && st->kept % (uint64_t)s->reorder_every == 0) {
		p->reorder = true;
		if (s->reorder_after)
			p->hold_pkts = s->reorder_after;
		else
			p->hold_us += s->reorder_hold_us;
	}
}

int wgl_mbox_hold(struct wgl_mbox_queue *q, const struct wgl_mbox_held *h)
{
	if (q->n >= WGL_MBOX_HELD_MAX)
		return -ENOSPC;
	q->e[q->n++] = *h;
	return 0;
}

/* Moves the entries matching `ready` into out, keeping the others in order. */
static int take(struct wgl_mbox_queue *q, struct wgl_mbox_held *out, int max,
		bool (*ready)(const struct wgl_mbox_held *, int64_t), int64_t now)
{
	int k = 0, o = 0;

	for (int i = 0; i < q->n; i++) {
		if (o < max && ready(&q->e[i], now))
			out[o++] = q->e[i];
		else
			q->e[k++] = q->e[i];
	}
	q->n = k;
	return o;
}

static bool count_ready(const struct wgl_mbox_held *h, int64_t now)
{
	return !h->due_us && h->left <= 0;
}

static bool time_ready(const struct wgl_mbox_held *h, int64_t now)
{
	return h->due_us && h->due_us <= now;
}

int wgl_mbox_passed(struct wgl_mbox_queue *q, struct wgl_mbox_held *out, int max)
{
	for (int i = 0; i < q->n; i++)
		if (!q->e[i].due_us)
			q->e[i].left--;
	return take(q, out, max, count_ready, 0);
}

int wgl_mbox_due(struct wgl_mbox_queue *q, int64_t now_us, struct wgl_mbox_held *out, int max)
{
	return take(q, out, max, time_ready, now_us);
}

int64_t wgl_mbox_next_due(const struct wgl_mbox_queue *q)
{
	int64_t best = -1;

	for (int i = 0; i < q->n; i++)
		if (q->e[i].due_us && (best < 0 || q->e[i].due_us < best))
			best = q->e[i].due_us;
	return best;
}

int64_t wgl_mbox_wait_us(const struct wgl_mbox_queue *q, int64_t now_us)
{
	int64_t due = wgl_mbox_next_due(q);

	/*
	 * "No timeout" for a deadline already passed would wait for the next
	 * packet, forever when both ends wait on what this box holds.
	 */
	if (due < 0)
		return -1;
	return due > now_us ? due - now_us : 0;
}
