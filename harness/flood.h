/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Floods from the probe: batched sends (sendmmsg) of pre-built datagrams to
 * the probe's peer, round robin over many source sockets, at a chosen rate
 * or as fast as the kernel takes them. A responder that falls over at some
 * rate of initiations can only be shown falling over by a generator that
 * reaches it, so the messages are made outside the send loop where they can
 * be, and the loop itself is one system call per batch.
 *
 * Flood sends do not go through the probe's handshake state: they change
 * neither its last message nor its counters (wgl_probe_stats()).
 */
#ifndef WGL_FLOOD_H
#define WGL_FLOOD_H

#include <stddef.h>

struct wgl_probe;

enum wgl_flood_kind {
	WGL_FLOOD_COPY,  /* exact copies of the probe's last datagram */
	WGL_FLOOD_INIT,  /* fresh initiations: random bodies, valid mac1, no mac2 */
	WGL_FLOOD_MAC2,  /* the same with a valid mac2 from the cookie the probe holds */
	WGL_FLOOD_VALID, /* fully valid initiations from the client keys in o->clients */
};

struct wgl_flood_opts {
	enum wgl_flood_kind kind;
	unsigned long count;   /* datagrams in all */
	double rate;           /* datagrams/s over all sockets; 0 = as fast as they go */
	const int *fds;        /* source sockets, one batch each in turn; not owned */
	size_t nfds;
	/*
	 * VALID only: private keys of clients the responder knows, in turn.
	 * Each client's static-static DH is computed once; each initiation has
	 * its own ephemeral key (a wgl_ephseq per thread) and a timestamp one
	 * nanosecond after that client's last, from the flood's start time.
	 */
	const uint8_t (*clients)[32];
	size_t nclients;
	unsigned int threads;  /* VALID: sending threads; 0 = one per online CPU */
};

struct wgl_flood_result {
	unsigned long sent;    /* datagrams the kernel took */
	unsigned long errors;  /* send calls that failed (e.g. ENOBUFS); the flood goes on */
	int first_error;       /* -errno of the first failure, 0 if none */
	double seconds;        /* from the first send to the last */
	double rate;           /* sent / seconds */
};

/* Parses "copy", "init", "mac2", "valid"; -EINVAL otherwise. */
int wgl_flood_kind_parse(const char *name, enum wgl_flood_kind *kind);
/*
 * Sends o->count datagrams of o->kind to p's peer. Returns 0 (per-send
 * failures are counted in r), -ENODATA for COPY with nothing sent yet,
 * -ENOKEY for MAC2 without a cookie less than 120 s old, -ENOTCONN without
 * a peer, -EINVAL for no sockets or (VALID) no clients, -EPROTO for a
 * low-order key.
 */
int wgl_probe_flood(struct wgl_probe *p, const struct wgl_flood_opts *o,
		    struct wgl_flood_result *r);

#endif
