// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The probe peer: the engine plus a caller-owned UDP socket. It keeps the
 * raw bytes of whatever it sent last, so "replay exactly this" is a
 * sendto() of a saved buffer rather than a re-encryption that could differ.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "harness/probe.h"

#define PROBE_BUF 65536
#define KEYLOG_EPHEMERALS 64
#define RETRY_MS 1000
#define STALE_NS (3600LL * 1000000000LL)

/* Configuration keys (wgl_key) go straight into the engine (wgl_proto_key). */
_Static_assert(sizeof(wgl_key) == sizeof(wgl_proto_key), "key sizes differ");

struct wgl_probe {
	struct wgl_noise n;
	int fd;
	struct wgl_probe_io io;                 /* .send NULL: the fd is a local socket */
	struct sockaddr_storage ep;
	socklen_t eplen;
	bool have_peer;
	uint16_t echo_id;
	uint8_t inner4[2][4], inner6[2][16]; /* [0] = our address, [1] = target */
	bool have_inner4, have_inner6;
	uint8_t last[PROBE_BUF];
	size_t last_len;
	uint8_t rxbuf[PROBE_BUF], pt[PROBE_BUF], txbuf[PROBE_BUF];
	uint8_t ephemerals[KEYLOG_EPHEMERALS][WGL_KEY_SIZE];
	unsigned int n_ephemerals;
	struct wgl_probe_stats stats;
};

struct wgl_probe *wgl_probe_new(const wgl_key local_priv)
{
	struct wgl_probe *p = calloc(1, sizeof(*p));
	wgl_key priv, zero = { 0 };

	if (!p)
		return NULL;
	if (local_priv)
		memcpy(priv, local_priv, WGL_KEY_LEN);
	else
		wgl_key_generate_private(priv);
	wgl_noise_init(&p->n, priv, zero, NULL);
	sodium_memzero(priv, sizeof(priv));
	p->fd = -1;
	p->echo_id = (uint16_t)randombytes_uniform(0x10000);
	return p;
}

void wgl_probe_free(struct wgl_probe *p)
{
	if (!p)
		return;
	sodium_memzero(p, sizeof(*p));
	free(p);
}

void wgl_probe_public_key(const struct wgl_probe *p, wgl_key pub)
{
	memcpy(pub, p->n.local_pub, WGL_KEY_LEN);
}

int wgl_probe_set_peer(struct wgl_probe *p, const wgl_key peer_pub, const wgl_key psk,
		       const struct sockaddr *endpoint, socklen_t len)
{
	uint8_t ts[WGL_TAI64N_SIZE];
	wgl_key priv;

	if (!endpoint || len > sizeof(p->ep) ||
	    (endpoint->sa_family == AF_INET && len < sizeof(struct sockaddr_in)) ||
	    (endpoint->sa_family == AF_INET6 && len < sizeof(struct sockaddr_in6)))
		return -EINVAL;
	memcpy(priv, p->n.local_priv, WGL_KEY_LEN);
	memcpy(ts, p->n.sent_timestamp, sizeof(ts));
	wgl_noise_init(&p->n, priv, peer_pub, psk);
	/* Our clock stays monotonic: the peer may remember a bumped timestamp. */
	memcpy(p->n.sent_timestamp, ts, sizeof(ts));
	sodium_memzero(priv, sizeof(priv));
	memcpy(&p->ep, endpoint, len);
	p->eplen = len;
	p->have_peer = true;
	return 0;
}

void wgl_probe_set_fd(struct wgl_probe *p, int fd)
{
	p->fd = fd;
}

void wgl_probe_set_io(struct wgl_probe *p, const struct wgl_probe_io *io)
{
	memset(&p->io, 0, sizeof(p->io));
	if (io)
		p->io = *io;
}

int wgl_probe_set_inner(struct wgl_probe *p, int family, const char *src, const char *dst)
{
	if (family == AF_INET6) {
		if (inet_pton(AF_INET6, src, p->inner6[0]) != 1 ||
		    inet_pton(AF_INET6, dst, p->inner6[1]) != 1)
			return -EINVAL;
		p->have_inner6 = true;
		return 0;
	}
	if (family != AF_INET || inet_pton(AF_INET, src, p->inner4[0]) != 1 ||
	    inet_pton(AF_INET, dst, p->inner4[1]) != 1)
		return -EINVAL;
	p->have_inner4 = true;
	return 0;
}

struct wgl_noise *wgl_probe_engine(struct wgl_probe *p)
{
	return &p->n;
}

const struct wgl_probe_stats *wgl_probe_stats(const struct wgl_probe *p)
{
	return &p->stats;
}

int wgl_probe_endpoint(const struct wgl_probe *p, struct sockaddr_storage *ep, socklen_t *len)
{
	if (!p->have_peer)
		return -ENOTCONN;
	memcpy(ep, &p->ep, sizeof(*ep));
	*len = p->eplen;
	return 0;
}

/* Sends buf to the peer and keeps a copy for wgl_probe_resend_last(). */
static int probe_send(struct wgl_probe *p, int fd, const void *buf, size_t len)
{
	if (fd < 0)
		fd = p->fd;
	if (!p->have_peer || fd < 0)
		return -ENOTCONN;
	if (buf != p->last) {
		memcpy(p->last, buf, len);
		p->last_len = len;
	}
	if (p->io.send) {
		int err = p->io.send(p->io.ctx, fd, buf, len, (const struct sockaddr *)&p->ep,
				     p->eplen);

		if (err < 0)
			return err;
	} else if (sendto(fd, buf, len, 0, (const struct sockaddr *)&p->ep, p->eplen) < 0) {
		return -errno;
	}
	if (((const uint8_t *)buf)[0] <= WGL_MSG_TRANSPORT)
		p->stats.tx[((const uint8_t *)buf)[0]]++;
	return 0;
}

int wgl_probe_resend_last(struct wgl_probe *p, int fd)
{
	if (!p->last_len)
		return -ENODATA;
	return probe_send(p, fd, p->last, p->last_len);
}

const uint8_t *wgl_probe_last_sent(const struct wgl_probe *p, size_t *len)
{
	if (len)
		*len = p->last_len;
	return p->last_len ? p->last : NULL;
}

static void remember_ephemeral(struct wgl_probe *p)
{
	memcpy(p->ephemerals[p->n_ephemerals % KEYLOG_EPHEMERALS], p->n.hs.ephemeral_priv,
	       WGL_KEY_SIZE);
	p->n_ephemerals++;
}

int wgl_probe_send_initiation(struct wgl_probe *p, int fd, unsigned int flags)
{
	struct wgl_msg_initiation msg;
	uint8_t ts[WGL_TAI64N_SIZE];
	struct wgl_hs_fixed fx = { 0 };
	int rc;

	if (flags & (WGL_PROBE_REPLAY_TIMESTAMP | WGL_PROBE_STALE_TIMESTAMP)) {
		memcpy(ts, p->n.sent_timestamp, sizeof(ts));
		if (flags & WGL_PROBE_STALE_TIMESTAMP)
			wgl_tai64n_add(ts, -STALE_NS);
		fx.timestamp = ts;
	}
	rc = wgl_noise_create_initiation(&p->n, &msg, &fx);
	if (rc)
		return rc;
	remember_ephemeral(p);
	if (flags & WGL_PROBE_BAD_MAC1)
		msg.macs.mac1[0] ^= 0x01;
	if (flags & WGL_PROBE_NO_MAC2)
		memset(msg.macs.mac2, 0, sizeof(msg.macs.mac2));
	/* The engine drops a cookie after 120 s as a real peer does; this one keeps it. */
	if ((flags & WGL_PROBE_HELD_COOKIE) && p->n.gen.has_cookie)
		wgl_mac(msg.macs.mac2, p->n.gen.cookie, WGL_COOKIE_SIZE, &msg,
			sizeof(msg) - sizeof(msg.macs.mac2));
	if (flags & WGL_PROBE_BAD_MAC2) {
		msg.macs.mac2[0] ^= 0x01;
		msg.macs.mac2[15] |= 0x80; /* never all zeros, which would read as "no mac2" */
	}
	return probe_send(p, fd, &msg, sizeof(msg));
}

/* Feeds one datagram to the engine and fills rx. */
static void probe_classify(struct wgl_probe *p, size_t len, struct wgl_probe_rx *rx)
{
	struct wgl_noise *n = &p->n;
	int rc;

	switch (wgl_msg_classify(p->rxbuf, len)) {
	case WGL_MSG_INITIATION:
		rx->kind = WGL_RX_INITIATION;
		return;
	case WGL_MSG_RESPONSE:
		rx->kind = WGL_RX_RESPONSE;
		rx->err = wgl_noise_consume_response(n, p->rxbuf, len, NULL, 0);
		break;
	case WGL_MSG_COOKIE:
		rx->kind = WGL_RX_COOKIE;
		rx->err = wgl_noise_consume_cookie(n, p->rxbuf, len);
		break;
	case WGL_MSG_TRANSPORT:
		rc = wgl_noise_open(n, p->rxbuf, len, p->pt, sizeof(p->pt), &rx->counter);
		rx->err = rc < 0 ? rc : 0;
		rx->data = p->pt;
		rx->data_len = rc > 0 ? (size_t)rc : 0;
		rx->kind = rc == 0 ? WGL_RX_KEEPALIVE : WGL_RX_TRANSPORT;
		break;
	default:
		rx->kind = WGL_RX_INVALID;
		return;
	}
	if (rx->err)
		rx->reject = n->reject;
}

/* A datagram of len bytes in p->rxbuf: timed, classified, counted into rx. */
static int probe_received(struct wgl_probe *p, size_t len, struct wgl_probe_rx *rx)
{
	rx->at_ns = wgl_now_ns();
	rx->wire_len = len;
	probe_classify(p, len, rx);
	p->stats.rx[rx->kind]++;
	if (rx->err)
		p->stats.rx_rejected++;
	return 0;
}

/* wgl_probe_recv() through the I/O hook. */
static int probe_recv_io(struct wgl_probe *p, int fd, int timeout_ms, struct wgl_probe_rx *rx)
{
	ssize_t len = p->io.recv(p->io.ctx, fd, p->rxbuf, sizeof(p->rxbuf),
				 timeout_ms < 0 ? 0 : timeout_ms, &rx->from);

	if (len <= 0)
		return (int)len;
	return probe_received(p, (size_t)len, rx);
}

int wgl_probe_recv(struct wgl_probe *p, int fd, int timeout_ms, struct wgl_probe_rx *rx)
{
	struct pollfd pfd = { .fd = fd < 0 ? p->fd : fd, .events = POLLIN };
	socklen_t fromlen = sizeof(rx->from);
	ssize_t len;
	int rc;

	memset(rx, 0, sizeof(*rx));
	if (pfd.fd < 0)
		return -EBADF;
	if (p->io.recv)
		return probe_recv_io(p, pfd.fd, timeout_ms, rx);
	rc = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	len = recvfrom(pfd.fd, p->rxbuf, sizeof(p->rxbuf), MSG_DONTWAIT,
		       (struct sockaddr *)&rx->from, &fromlen);
	if (len < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	return probe_received(p, (size_t)len, rx);
}

static int remaining_ms(long long deadline)
{
	long long left = deadline - wgl_now_ns();

	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* Waits for the response to the initiation sent at t0; 1 = got it, 0 = resend. */
static int await_response(struct wgl_probe *p, long long t0, long long deadline, double *rtt_ms)
{
	long long until = t0 + RETRY_MS * 1000000LL;
	struct wgl_probe_rx rx;
	int rc;

	if (until > deadline)
		until = deadline;
	while (wgl_now_ns() < until) {
		rc = wgl_probe_recv(p, -1, remaining_ms(until), &rx);
		if (rc)
			return rc;
		if (rx.kind == WGL_RX_RESPONSE && !rx.err) {
			if (rtt_ms)
				*rtt_ms = (double)(rx.at_ns - t0) / 1e6;
			return 1;
		}
		/* With the cookie in hand, resend at once: now with mac2. */
		if (rx.kind == WGL_RX_COOKIE && !rx.err)
			return 0;
	}
	return 0;
}

int wgl_probe_handshake(struct wgl_probe *p, int timeout_ms, double *rtt_ms)
{
	long long deadline = wgl_now_ns() + timeout_ms * 1000000LL;
	int rc;

	while (wgl_now_ns() < deadline) {
		long long t0 = wgl_now_ns();

		rc = wgl_probe_send_initiation(p, -1, 0);
		if (rc)
			return rc;
		rc = await_response(p, t0, deadline, rtt_ms);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return wgl_probe_send_transport(p, -1, WGL_PROBE_NEXT_COUNTER, NULL, 0);
	}
	return -ETIMEDOUT;
}

int wgl_probe_send_transport(struct wgl_probe *p, int fd, uint64_t counter, const void *pt,
			     size_t len)
{
	struct wgl_keypair *kp = &p->n.kp;
	uint8_t *out = p->txbuf;
	int n;

	if (counter == WGL_PROBE_NEXT_COUNTER)
		counter = kp->send_counter;
	n = wgl_transport_seal(kp, counter, pt, len, out, sizeof(p->txbuf));
	if (n < 0)
		return n;
	if (counter >= kp->send_counter)
		kp->send_counter = counter + 1;
	return probe_send(p, fd, out, (size_t)n);
}

/* Fills e with this probe's echo for family; -EDESTADDRREQ without addresses. */
static int echo_setup(const struct wgl_probe *p, int family, uint16_t seq, struct wgl_echo *e)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	e->id = p->echo_id;
	e->seq = seq;
	e->payload_len = 32;
	if (family == AF_INET && p->have_inner4) {
		memcpy(e->src, p->inner4[0], 4);
		memcpy(e->dst, p->inner4[1], 4);
		return 0;
	}
	if (family == AF_INET6 && p->have_inner6) {
		memcpy(e->src, p->inner6[0], 16);
		memcpy(e->dst, p->inner6[1], 16);
		return 0;
	}
	return -EDESTADDRREQ;
}

int wgl_probe_send_echo(struct wgl_probe *p, int fd, int family, uint16_t seq,
			uint64_t counter)
{
	uint8_t pkt[128];
	struct wgl_echo e;
	int len = echo_setup(p, family, seq, &e);

	if (len < 0)
		return len;
	len = wgl_echo_build(&e, pkt, sizeof(pkt));
	if (len < 0)
		return len;
	return wgl_probe_send_transport(p, fd, counter, pkt, (size_t)len);
}

int wgl_probe_send_echo_from(struct wgl_probe *p, int fd, int family, const uint8_t *src,
			     uint16_t seq)
{
	uint8_t pkt[128];
	struct wgl_echo e;
	int len = echo_setup(p, family, seq, &e);

	if (len < 0)
		return len;
	memcpy(e.src, src, family == AF_INET ? 4 : 16);
	len = wgl_echo_build(&e, pkt, sizeof(pkt));
	if (len < 0)
		return len;
	return wgl_probe_send_transport(p, fd, WGL_PROBE_NEXT_COUNTER, pkt, (size_t)len);
}

/* true if rx carries the reply to our echo `want` (addresses swapped). */
static bool is_echo_reply(const struct wgl_probe_rx *rx, const struct wgl_echo *want)
{
	size_t alen = want->family == AF_INET ? 4 : 16;
	struct wgl_echo got;

	if (rx->kind != WGL_RX_TRANSPORT || rx->err)
		return false;
	if (wgl_echo_parse(rx->data, rx->data_len, &got))
		return false;
	return got.reply && got.family == want->family && got.id == want->id &&
	       got.seq == want->seq && !memcmp(got.src, want->dst, alen) &&
	       !memcmp(got.dst, want->src, alen);
}

int wgl_probe_wait_echo(struct wgl_probe *p, int fd, int family, uint16_t seq, int timeout_ms,
			double *rtt_ms)
{
	long long t0 = wgl_now_ns(), deadline = t0 + timeout_ms * 1000000LL;
	struct wgl_probe_rx rx;
	struct wgl_echo want;
	int rc = echo_setup(p, family, seq, &want);

	if (rc)
		return rc;
	while (wgl_now_ns() < deadline) {
		rc = wgl_probe_recv(p, fd, remaining_ms(deadline), &rx);
		if (rc)
			return rc;
		if (is_echo_reply(&rx, &want)) {
			if (rtt_ms)
				*rtt_ms = (double)(rx.at_ns - t0) / 1e6;
			return 0;
		}
	}
	return -ETIMEDOUT;
}

int wgl_probe_ping(struct wgl_probe *p, int fd, int family, uint16_t seq, int timeout_ms,
		   double *rtt_ms)
{
	long long t0 = wgl_now_ns();
	int rc = wgl_probe_send_echo(p, fd, family, seq, WGL_PROBE_NEXT_COUNTER);

	if (rc)
		return rc;
	rc = wgl_probe_wait_echo(p, fd, family, seq, timeout_ms, NULL);
	if (!rc && rtt_ms)
		*rtt_ms = (double)(wgl_now_ns() - t0) / 1e6;
	return rc;
}

static void keylog_line(FILE *f, const char *name, const uint8_t *key)
{
	char b64[WGL_KEY_B64_LEN];

	wgl_key_to_base64(b64, key);
	fprintf(f, "%s = %s\n", name, b64);
}

int wgl_probe_write_keylog(const struct wgl_probe *p, FILE *f)
{
	unsigned int n = p->n_ephemerals < KEYLOG_EPHEMERALS ? p->n_ephemerals
							      : KEYLOG_EPHEMERALS;

	keylog_line(f, "LOCAL_STATIC_PRIVATE_KEY", p->n.local_priv);
	keylog_line(f, "REMOTE_STATIC_PUBLIC_KEY", p->n.remote_pub);
	keylog_line(f, "PRESHARED_KEY", p->n.psk);
	for (unsigned int i = 0; i < n; i++)
		keylog_line(f, "LOCAL_EPHEMERAL_PRIVATE_KEY", p->ephemerals[i]);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
