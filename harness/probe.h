/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The probe: a WireGuard peer made of wglab's own engine (proto.h) and a
 * UDP socket, for scenarios that must talk to a real peer in ways a real
 * peer never would: exact counters, exact replays, broken macs, stale
 * timestamps, many source addresses.
 *
 * Sockets belong to the caller, who creates them inside a namespace with
 * wgl_ns_socket() and binds them; the probe never closes them. Every call
 * that touches the network takes an fd; -1 means the default set with
 * wgl_probe_set_fd(), so a flood from many source addresses is a loop over
 * sockets. The probe only ever initiates; it does not answer initiations.
 *
 * Not thread-safe. Errors are -errno and are not logged here: the caller
 * (a scenario or test) knows what the failure means.
 */
#ifndef WGL_PROBE_H
#define WGL_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "base/wgconfig.h"
#include "proto/proto.h"

struct wgl_probe;

/* Flags for wgl_probe_send_initiation(): what to break on purpose. */
enum {
	WGL_PROBE_BAD_MAC1 = 1U << 0,        /* flip a bit of mac1: must be ignored */
	WGL_PROBE_NO_MAC2 = 1U << 1,         /* zero mac2 even when a cookie is held */
	WGL_PROBE_BAD_MAC2 = 1U << 2,        /* a wrong, non-zero mac2 */
	WGL_PROBE_REPLAY_TIMESTAMP = 1U << 3, /* reuse the greatest timestamp sent so far */
	WGL_PROBE_STALE_TIMESTAMP = 1U << 4, /* one hour before the greatest sent */
	WGL_PROBE_HELD_COOKIE = 1U << 5,     /* mac2 from the cookie held, however old */
};

/* Counter argument of wgl_probe_send_transport(): use and advance the session's. */
#define WGL_PROBE_NEXT_COUNTER UINT64_MAX

enum wgl_probe_rx_kind {
	WGL_RX_NOTHING,     /* timeout */
	WGL_RX_INITIATION,  /* the peer initiated; the probe does not answer */
	WGL_RX_RESPONSE,
	WGL_RX_COOKIE,
	WGL_RX_TRANSPORT,   /* data; see rx.data */
	WGL_RX_KEEPALIVE,   /* transport with empty payload */
	WGL_RX_INVALID,     /* not a WireGuard message */
	WGL_RX_KINDS
};

/* What one wgl_probe_recv() saw. */
struct wgl_probe_rx {
	enum wgl_probe_rx_kind kind;
	int err;                   /* 0: the engine accepted it; else its -errno */
	enum wgl_reject reject;    /* the engine's reason when err != 0 */
	size_t wire_len;
	const uint8_t *data;       /* decrypted payload incl. padding; valid until next recv */
	size_t data_len;
	uint64_t counter;          /* transport counter */
	struct sockaddr_storage from;
	long long at_ns;           /* wgl_now_ns() at reception */
};

struct wgl_probe_stats {
	unsigned long tx[WGL_MSG_TRANSPORT + 1];  /* by message type */
	unsigned long rx[WGL_RX_KINDS];           /* by kind */
	unsigned long rx_rejected;                /* received but refused by the engine */
};

/* A probe with local_priv (NULL: a fresh random key). NULL + errno on failure. */
struct wgl_probe *wgl_probe_new(const wgl_key local_priv);
/* NULL-safe; wipes the keys. Does not close any socket. */
void wgl_probe_free(struct wgl_probe *p);
void wgl_probe_public_key(const struct wgl_probe *p, wgl_key pub);
/*
 * The real peer: its public key, optional preshared key (NULL = none) and
 * its endpoint (IPv4 or IPv6). Resets handshake and session state but keeps
 * the timestamp clock monotonic. -EINVAL for a bad address length.
 */
int wgl_probe_set_peer(struct wgl_probe *p, const wgl_key peer_pub, const wgl_key psk,
		       const struct sockaddr *endpoint, socklen_t len);
/* The socket used when a call passes fd -1. Not owned. */
void wgl_probe_set_fd(struct wgl_probe *p, int fd);
/*
 * Datagram I/O other than sendto/recvfrom on a local fd: a socket on
 * another host, relayed by its agent. The probe's fds are then the hook's
 * own numbers. send: 0 or -errno. recv: waits up to timeout_ms for one
 * datagram into buf; its length with *from filled, 0 when none came, or
 * -errno.
 */
struct wgl_probe_io {
	int (*send)(void *ctx, int fd, const void *buf, size_t len, const struct sockaddr *to,
		    socklen_t tolen);
	ssize_t (*recv)(void *ctx, int fd, void *buf, size_t cap, int timeout_ms,
			struct sockaddr_storage *from);
	void *ctx;
};
/* io (copied) replaces the local socket calls; NULL: back to them. */
void wgl_probe_set_io(struct wgl_probe *p, const struct wgl_probe_io *io);
/*
 * Tunnel addresses for echo: src is the probe's address inside the tunnel
 * (in the peer's allowed IPs for the probe's key), dst the address to ping.
 * One pair per family. -EINVAL if they do not parse.
 */
int wgl_probe_set_inner(struct wgl_probe *p, int family, const char *src, const char *dst);
/* The engine underneath, for tests that need to look or poke at state. */
struct wgl_noise *wgl_probe_engine(struct wgl_probe *p);
const struct wgl_probe_stats *wgl_probe_stats(const struct wgl_probe *p);
/* The peer's endpoint (for harness/flood.c): 0, or -ENOTCONN before wgl_probe_set_peer(). */
int wgl_probe_endpoint(const struct wgl_probe *p, struct sockaddr_storage *ep, socklen_t *len);

/*
 * Sends one initiation, broken as flags say. Returns 0 or -errno from
 * sendto() / the engine (-EPROTO: low-order peer key).
 */
int wgl_probe_send_initiation(struct wgl_probe *p, int fd, unsigned int flags);
/*
 * Waits up to timeout_ms for one datagram on fd, feeds it to the engine
 * (response, cookie reply, transport) and classifies it in *rx. Returns 0
 * (including rx->kind == WGL_RX_NOTHING on timeout) or -errno from poll/recv.
 */
int wgl_probe_recv(struct wgl_probe *p, int fd, int timeout_ms, struct wgl_probe_rx *rx);
/*
 * A complete handshake as initiator on the default fd: initiation, wait for
 * the response (retry every second; after a cookie reply resend at once with
 * mac2), then a keepalive so the peer may send. *rtt_ms (may be NULL) is the
 * time from the initiation that was answered to its response. -ETIMEDOUT.
 */
int wgl_probe_handshake(struct wgl_probe *p, int timeout_ms, double *rtt_ms);
/*
 * Encrypts pt into a transport message with the given counter (or
 * WGL_PROBE_NEXT_COUNTER) and sends it. An explicit counter moves the
 * automatic one past it. -ENOTCONN without a session.
 */
int wgl_probe_send_transport(struct wgl_probe *p, int fd, uint64_t counter, const void *pt,
			     size_t len);
/* Sends an exact copy of the last datagram sent (any type). -ENODATA if none. */
int wgl_probe_resend_last(struct wgl_probe *p, int fd);
/* The raw bytes of the last datagram sent; NULL if none. */
const uint8_t *wgl_probe_last_sent(const struct wgl_probe *p, size_t *len);

/* Sends an ICMP(v6) echo request with id/seq through the tunnel at counter. */
int wgl_probe_send_echo(struct wgl_probe *p, int fd, int family, uint16_t seq,
			uint64_t counter);
/*
 * Like wgl_probe_send_echo(), but with src (4 or 16 bytes by family) as the
 * inner source instead of the probe's own tunnel address: a packet its key
 * may or may not be allowed to send (cryptokey routing on receive). The
 * destination stays the configured inner dst. Next counter.
 */
int wgl_probe_send_echo_from(struct wgl_probe *p, int fd, int family, const uint8_t *src,
			     uint16_t seq);
/*
 * Receives until an echo reply to seq (from the pinged address, valid
 * checksums) arrives: 0, or -ETIMEDOUT after timeout_ms. Other packets are
 * consumed and counted. *rtt_ms (may be NULL) is measured from the call.
 */
int wgl_probe_wait_echo(struct wgl_probe *p, int fd, int family, uint16_t seq, int timeout_ms,
			double *rtt_ms);
/* send_echo with the next counter + wait_echo on the same fd. */
int wgl_probe_ping(struct wgl_probe *p, int fd, int family, uint16_t seq, int timeout_ms,
		   double *rtt_ms);

/*
 * Writes the keys Wireshark needs to decrypt the probe's sessions
 * (wg.keylog_file format: LOCAL_STATIC_PRIVATE_KEY, REMOTE_STATIC_PUBLIC_KEY,
 * PRESHARED_KEY, and one LOCAL_EPHEMERAL_PRIVATE_KEY per initiation sent,
 * the last 64 kept). Returns 0 or -EIO.
 */
int wgl_probe_write_keylog(const struct wgl_probe *p, FILE *f);

#endif
