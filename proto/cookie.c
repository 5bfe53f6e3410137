// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mac1/mac2 and cookie replies. mac1 proves the sender knows the receiver's
 * public key; mac2 proves it can receive at its source address, because the
 * cookie it is keyed with is only ever sent there. A responder under load
 * answers messages without a valid mac2 with a cookie reply instead of doing
 * the expensive DH work.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"

#define LABEL_MAC1 "mac1----"
#define LABEL_COOKIE "cookie--"
/* Both secrets and cookies live 120 s (COOKIE_SECRET_MAX_AGE, CookieRefreshTime). */
#define COOKIE_LIFETIME_NS (120LL * 1000000000LL)

static void derive_keys(uint8_t mac1_key[WGL_HASH_SIZE], uint8_t cookie_key[WGL_HASH_SIZE],
			const wgl_proto_key pub)
{
	wgl_hash(mac1_key, LABEL_MAC1, strlen(LABEL_MAC1), pub, WGL_KEY_SIZE);
	wgl_hash(cookie_key, LABEL_COOKIE, strlen(LABEL_COOKIE), pub, WGL_KEY_SIZE);
}

/*
 * Whether the secret has outlived COOKIE_LIFETIME_NS at now. A pinned
 * secret never expires; an age of exactly 120 s still counts as current,
 * as in wireguard-go (time.Since(secretSet) > CookieRefreshTime).
 */
static bool secret_expired(const struct wgl_cookie_checker *c, long long now)
{
	return !c->secret_fixed && (!c->has_secret || now - c->secret_ns > COOKIE_LIFETIME_NS);
}

void wgl_cookie_gen_init(struct wgl_cookie_gen *g, const wgl_proto_key peer_pub)
{
	memset(g, 0, sizeof(*g));
	derive_keys(g->mac1_key, g->cookie_key, peer_pub);
}

void wgl_cookie_checker_init(struct wgl_cookie_checker *c, const wgl_proto_key own_pub)
{
	memset(c, 0, sizeof(*c));
	derive_keys(c->mac1_key, c->cookie_key, own_pub);
}

void wgl_cookie_checker_set_secret(struct wgl_cookie_checker *c,
				   const uint8_t secret[WGL_HASH_SIZE])
{
	memcpy(c->secret, secret, WGL_HASH_SIZE);
	c->has_secret = true;
	c->secret_ns = wgl_clock_now(c->clock);
	c->secret_fixed = true;
}

void wgl_cookie_add_macs(struct wgl_cookie_gen *g, void *msg, size_t len)
{
	struct wgl_msg_macs *macs = (struct wgl_msg_macs *)((uint8_t *)msg + len - sizeof(*macs));
	size_t before_mac1 = len - sizeof(*macs);

	wgl_mac(macs->mac1, g->mac1_key, sizeof(g->mac1_key), msg, before_mac1);
	memcpy(g->last_mac1, macs->mac1, WGL_MAC_SIZE);
	g->has_last_mac1 = true;
	/* Strictly younger than 120 s, like the kernel's wg_birthdate_has_expired(). */
	if (g->has_cookie && wgl_clock_now(g->clock) - g->cookie_ns < COOKIE_LIFETIME_NS)
		wgl_mac(macs->mac2, g->cookie, WGL_COOKIE_SIZE, msg, before_mac1 + WGL_MAC_SIZE);
	else
		memset(macs->mac2, 0, WGL_MAC_SIZE);
}

void wgl_cookie_make(struct wgl_cookie_checker *c, uint8_t out[WGL_COOKIE_SIZE],
		     const uint8_t *src, size_t srclen)
{
	long long now = wgl_clock_now(c->clock);

	if (secret_expired(c, now)) {
		randombytes_buf(c->secret, sizeof(c->secret));
		c->has_secret = true;
		c->secret_ns = now;
	}
	wgl_mac(out, c->secret, sizeof(c->secret), src, srclen);
}

int wgl_cookie_check(struct wgl_cookie_checker *c, const void *msg, size_t len,
		     const uint8_t *src, size_t srclen, bool need_mac2)
{
	const struct wgl_msg_macs *macs =
		(const struct wgl_msg_macs *)((const uint8_t *)msg + len - sizeof(*macs));
	size_t before_mac1 = len - sizeof(*macs);
	uint8_t mac[WGL_MAC_SIZE], cookie[WGL_COOKIE_SIZE];

	wgl_mac(mac, c->mac1_key, sizeof(c->mac1_key), msg, before_mac1);
	if (!wgl_crypto_equal(mac, macs->mac1, WGL_MAC_SIZE))
		return -EBADMSG;
	if (!need_mac2)
		return 0;
	/* An expired secret means every outstanding cookie is void. */
	if (secret_expired(c, wgl_clock_now(c->clock)))
		return -EBUSY;
	wgl_mac(cookie, c->secret, sizeof(c->secret), src, srclen);
	wgl_mac(mac, cookie, sizeof(cookie), msg, before_mac1 + WGL_MAC_SIZE);
	if (!wgl_crypto_equal(mac, macs->mac2, WGL_MAC_SIZE))
		return -EBUSY;
	return 0;
}

int wgl_cookie_create_reply(struct wgl_cookie_checker *c, const void *msg, size_t len,
			    const uint8_t *src, size_t srclen, const uint8_t *nonce,
			    struct wgl_msg_cookie *out)
{
	const struct wgl_msg_macs *macs;
	uint8_t cookie[WGL_COOKIE_SIZE];
	int type = wgl_msg_classify(msg, len);

	if (type != WGL_MSG_INITIATION && type != WGL_MSG_RESPONSE)
		return -EINVAL;
	macs = (const struct wgl_msg_macs *)((const uint8_t *)msg + len - sizeof(*macs));
	memset(out, 0, sizeof(*out));
	out->type = htole32(WGL_MSG_COOKIE);
	out->receiver = htole32(wgl_msg_sender(msg));
	if (nonce)
		memcpy(out->nonce, nonce, sizeof(out->nonce));
	else
		randombytes_buf(out->nonce, sizeof(out->nonce));
	wgl_cookie_make(c, cookie, src, srclen);
	wgl_xaead_seal(out->encrypted_cookie, c->cookie_key, out->nonce, cookie, sizeof(cookie),
		       macs->mac1, WGL_MAC_SIZE);
	return 0;
}

int wgl_cookie_consume_reply(struct wgl_cookie_gen *g, const void *buf, size_t len)
{
	const struct wgl_msg_cookie *m = buf;
	uint8_t cookie[WGL_COOKIE_SIZE];

	if (wgl_msg_classify(buf, len) != WGL_MSG_COOKIE)
		return -EINVAL;
	if (!g->has_last_mac1)
		return -ENOTCONN;
	if (wgl_xaead_open(cookie, g->cookie_key, m->nonce, m->encrypted_cookie,
			   sizeof(m->encrypted_cookie), g->last_mac1, WGL_MAC_SIZE))
		return -EKEYREJECTED;
	memcpy(g->cookie, cookie, sizeof(cookie));
	g->has_cookie = true;
	g->cookie_ns = wgl_clock_now(g->clock);
	/* One reply per mac1: a second copy of the reply has nothing to answer. */
	g->has_last_mac1 = false;
	return 0;
}

int wgl_noise_consume_cookie(struct wgl_noise *n, const void *buf, size_t len)
{
	const struct wgl_msg_cookie *m = buf;
	int rc;

	if (wgl_msg_classify(buf, len) != WGL_MSG_COOKIE) {
		n->reject = WGL_REJECT_MALFORMED;
		return -EINVAL;
	}
	if (n->hs.state != WGL_HS_INITIATION_CREATED && !n->kp.valid) {
		n->reject = WGL_REJECT_STATE;
		return -ENOTCONN;
	}
	if (le32toh(m->receiver) != n->hs.local_index &&
	    !(n->kp.valid && le32toh(m->receiver) == n->kp.local_index)) {
		n->reject = WGL_REJECT_UNKNOWN_INDEX;
		return -ENOKEY;
	}
	rc = wgl_cookie_consume_reply(&n->gen, buf, len);
	n->reject = rc ? WGL_REJECT_COOKIE : WGL_REJECT_NONE;
	return rc;
}
