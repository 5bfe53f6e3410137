/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The impairment middlebox: a userspace NFQUEUE consumer inside a wglab
 * namespace that drops, duplicates, delays and reorders the UDP packets
 * leaving through one link, for kernels without sch_netem.
 *
 * Two halves: the decision logic (mbox.c, pure: which packet is dropped,
 * copied, delayed or held, and when held packets are released) and the
 * runtime (nfqueue.c: the queue, its nf_tables rule, the release loop).
 */
#ifndef WGL_MBOX_H
#define WGL_MBOX_H

#include <stdbool.h>
#include <stdint.h>

struct wgl_ns;

struct wgl_mbox_spec {
	double loss_pct;          /* 0..100: random drops */
	double dup_pct;           /* 0..100: a copy is sent right after the packet */
	int delay_us, jitter_us;  /* every packet held delay +- jitter (uniform) */
	/*
	 * Reordering: every reorder_every-th packet (counted among those not
	 * dropped) is held until reorder_after later packets have been released
	 * (packets held by count do not count), or, with reorder_after 0, for
	 * reorder_hold_us. A held packet of counter c then arrives reorder_after
	 * counters behind the newest: the lag a replay window must take or refuse.
	 */
	int reorder_every, reorder_after, reorder_hold_us;
	uint64_t seed;            /* 0: a fixed default, so runs repeat */
};

/* What happens to one packet. */
struct wgl_mbox_plan {
	bool drop, dup, reorder;
	int64_t hold_us;          /* > 0: released that much later */
	int hold_pkts;            /* > 0: released after that many later packets */
};

struct wgl_mbox_state {
	uint64_t rng, seen, kept;
};

/* 0 or -EINVAL for values out of range. */
int wgl_mbox_spec_check(const struct wgl_mbox_spec *s);
void wgl_mbox_init(struct wgl_mbox_state *st, const struct wgl_mbox_spec *s);
/* The fate of the next packet; deterministic for a given seed and sequence. */
void wgl_mbox_decide(const struct wgl_mbox_spec *s, struct wgl_mbox_state *st,
		     struct wgl_mbox_plan *p);

/* Packets held back, released by deadline or by count of later releases. */
#define WGL_MBOX_HELD_MAX 4096
struct wgl_mbox_held {
	uint32_t id;
	int64_t due_us;           /* 0: released by count */
	int left;                 /* later packets still to pass before release */
	void *copy;               /* the runtime's duplicate, sent on release (not owned here) */
	uint16_t copy_len;
};
struct wgl_mbox_queue {
	struct wgl_mbox_held e[WGL_MBOX_HELD_MAX];
	int n;
};
/* -ENOSPC when full (the caller releases the packet at once instead). */
int wgl_mbox_hold(struct wgl_mbox_queue *q, const struct wgl_mbox_held *h);
/*
 * One packet was released: every count-held packet gets one step closer.
 * Moves those whose count reached zero into out (up to max, in the order they
 * were held) and returns how many.
 */
int wgl_mbox_passed(struct wgl_mbox_queue *q, struct wgl_mbox_held *out, int max);
/* Moves the deadline-held packets due at now_us into out; returns how many. */
int wgl_mbox_due(struct wgl_mbox_queue *q, int64_t now_us, struct wgl_mbox_held *out, int max);
/* Earliest deadline among the held packets, or -1 if none is deadline-held. */
int64_t wgl_mbox_next_due(const struct wgl_mbox_queue *q);
/*
 * How long the middlebox may sleep at now_us: -1 (until a packet or a
 * command) when nothing is deadline-held, else the time to the earliest
 * deadline, 0 when it has already passed (the thread ran late).
 */
int64_t wgl_mbox_wait_us(const struct wgl_mbox_queue *q, int64_t now_us);

struct wgl_mbox_stats {
	uint64_t seen;            /* packets the queue delivered */
	uint64_t dropped, duplicated, delayed, reordered;
	uint64_t sent;            /* packets (and copies) that left */
	uint64_t errors;          /* copies that could not be sent, queue overflows */
};

struct wgl_mbox;
/*
 * Starts a middlebox on the UDP packets leaving ns through ifname (forwarded
 * or local), on NFQUEUE number queue (one per middlebox of a namespace).
 * The queue's rule is installed through nf_tables' xtables compatibility
 * (the NFQUEUE target), which works where nftables' own queue statement is
 * not built. NULL + errno on failure (the reason is logged).
 */
struct wgl_mbox *wgl_mbox_start(struct wgl_ns *ns, const char *ifname, int queue,
				const struct wgl_mbox_spec *spec);
void wgl_mbox_get_stats(struct wgl_mbox *m, struct wgl_mbox_stats *st);
/* Releases what is held, removes the rule and stops the thread. NULL is a no-op. */
void wgl_mbox_stop(struct wgl_mbox *m);

#endif
