// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transport data messages. Counters are explicit so that attack scenarios
 * can send any counter they like (replays, jumps past the window); the
 * "next counter" convenience lives in wgl_transport_seal_next().
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "proto/proto.h"

static size_t padded(size_t len)
{
	return (len + WGL_MSG_PADDING - 1) & ~(size_t)(WGL_MSG_PADDING - 1);
}

size_t wgl_transport_size(size_t len)
{
	return WGL_MSG_TRANSPORT_HEADER_SIZE + padded(len) + WGL_TAG_SIZE;
}

int wgl_transport_seal(const struct wgl_keypair *kp, uint64_t counter, const void *pt,
		       size_t len, void *out, size_t cap)
{
	struct wgl_msg_transport *m = out;
	size_t plen = padded(len), total = wgl_transport_size(len);

	if (!kp->valid || !kp->confirmed)
		return -ENOTCONN;
	if (cap < total)
		return -ENOBUFS;
	/* Padding first: pt may already sit where the ciphertext goes. */
	if (len)
		memmove(m->encrypted, pt, len);
	memset(m->encrypted + len, 0, plen - len);
	m->type = htole32(WGL_MSG_TRANSPORT);
	m->receiver = htole32(kp->remote_index);
	m->counter = htole64(counter);
	wgl_aead_seal(m->encrypted, kp->send_key, counter, m->encrypted, plen, NULL, 0);
	return (int)total;
}

int wgl_transport_seal_next(struct wgl_keypair *kp, const void *pt, size_t len, void *out,
			    size_t cap)
{
	int rc = wgl_transport_seal(kp, kp->send_counter, pt, len, out, cap);

	if (rc >= 0)
		kp->send_counter++;
	return rc;
}

int wgl_transport_open(struct wgl_keypair *kp, const void *buf, size_t len, void *pt,
		       size_t cap, uint64_t *counter)
{
	const struct wgl_msg_transport *m = buf;
	size_t ctlen = len - WGL_MSG_TRANSPORT_HEADER_SIZE;
	uint64_t ctr;

	if (wgl_msg_classify(buf, len) != WGL_MSG_TRANSPORT)
		return -EINVAL;
	if (!kp->valid)
		return -ENOTCONN;
	if (le32toh(m->receiver) != kp->local_index)
		return -ENOKEY;
	if (cap < ctlen - WGL_TAG_SIZE)
		return -ENOBUFS;
	memcpy(&ctr, &m->counter, sizeof(ctr));
	ctr = le64toh(ctr);
	if (wgl_aead_open(pt, kp->recv_key, ctr, m->encrypted, ctlen, NULL, 0))
		return -EKEYREJECTED;
	if (counter)
		*counter = ctr;
	/* Only an authentic packet may move the window. */
	if (!wgl_replay_check(&kp->replay, ctr))
		return -ESTALE;
	kp->confirmed = true;
	return (int)(ctlen - WGL_TAG_SIZE);
}

int wgl_noise_open(struct wgl_noise *n, const void *buf, size_t len, void *pt, size_t cap,
		   uint64_t *counter)
{
	int rc = wgl_transport_open(&n->kp, buf, len, pt, cap, counter);

	switch (rc) {
	case -EINVAL:
	case -ENOBUFS:
		n->reject = WGL_REJECT_MALFORMED;
		break;
	case -ENOTCONN:
		n->reject = WGL_REJECT_STATE;
		break;
	case -ENOKEY:
		n->reject = WGL_REJECT_UNKNOWN_INDEX;
		break;
	case -EKEYREJECTED:
		n->reject = WGL_REJECT_TRANSPORT;
		break;
	case -ESTALE:
		n->reject = WGL_REJECT_REPLAY_COUNTER;
		break;
	default:
		n->reject = WGL_REJECT_NONE;
	}
	return rc;
}
