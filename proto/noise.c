// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Noise_IKpsk2 as WireGuard uses it, in both roles. Each consume function
 * works on a copy of the handshake and commits only when every check has
 * passed, so a forged message can never disturb a handshake in progress.
 * Every intermediate C, H and AEAD key is offered to the optional trace,
 * which is what makes a mismatch with the known answers point at a step.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

static void trace(struct wgl_noise *n, const char *step, const uint8_t v[WGL_HASH_SIZE])
{
	struct wgl_trace *t = n->trace;

	if (!t || t->n >= WGL_TRACE_MAX)
		return;
	snprintf(t->e[t->n].step, sizeof(t->e[t->n].step), "%s", step);
	memcpy(t->e[t->n].value, v, WGL_HASH_SIZE);
	t->n++;
}

static void mix_hash(uint8_t h[WGL_HASH_SIZE], const void *data, size_t len)
{
	wgl_hash(h, h, WGL_HASH_SIZE, data, len);
}

static void mix_key(uint8_t c[WGL_HASH_SIZE], const void *data, size_t len)
{
	wgl_kdf(c, NULL, NULL, c, data, len);
}

/* (C, k) = KDF2(C, DH(priv, pub)); -EPROTO for a low-order public key. */
static int mix_dh(uint8_t c[WGL_HASH_SIZE], uint8_t *k, const uint8_t *priv, const uint8_t *pub)
{
	uint8_t ss[WGL_KEY_SIZE];
	int rc = wgl_dh(ss, priv, pub);

	if (!rc)
		wgl_kdf(c, k, NULL, c, ss, sizeof(ss));
	sodium_memzero(ss, sizeof(ss));
	return rc;
}

/* C0, H0 and H1 = HASH(H0 ‖ responder's static public). */
static void hs_begin(struct wgl_noise *n, struct wgl_handshake *hs, const uint8_t *resp_pub)
{
	wgl_hash(hs->chaining_key, construction, strlen(construction), NULL, 0);
	trace(n, "C0", hs->chaining_key);
	wgl_hash(hs->hash, hs->chaining_key, WGL_HASH_SIZE, identifier, strlen(identifier));
	trace(n, "H0", hs->hash);
	mix_hash(hs->hash, resp_pub, WGL_KEY_SIZE);
	trace(n, "H1", hs->hash);
}

/* A clamped Curve25519 private key, as wg genkey makes: key logs expect that. */
static void generate_private(uint8_t priv[WGL_KEY_SIZE])
{
	randombytes_buf(priv, WGL_KEY_SIZE);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

static void hs_ephemeral(struct wgl_noise *n, struct wgl_handshake *hs, const uint8_t *fixed)
{
	if (fixed)
		memcpy(hs->ephemeral_priv, fixed, WGL_KEY_SIZE);
	else
		generate_private(hs->ephemeral_priv);
	crypto_scalarmult_base(hs->ephemeral_pub, hs->ephemeral_priv);
}

static uint32_t hs_index(const struct wgl_hs_fixed *fx)
{
	return fx && fx->has_index ? fx->index : randombytes_random();
}

static int fail(struct wgl_noise *n, enum wgl_reject why, int err)
{
	n->reject = why;
	return err;
}

void wgl_noise_init(struct wgl_noise *n, const wgl_proto_key local_priv,
		    const wgl_proto_key remote_pub, const wgl_proto_key psk)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->local_priv, local_priv, WGL_KEY_SIZE);
	crypto_scalarmult_base(n->local_pub, n->local_priv);
	memcpy(n->remote_pub, remote_pub, WGL_KEY_SIZE);
	if (psk)
		memcpy(n->psk, psk, WGL_KEY_SIZE);
	wgl_cookie_checker_init(&n->checker, n->local_pub);
	wgl_cookie_gen_init(&n->gen, n->remote_pub);
}

void wgl_noise_set_clock(struct wgl_noise *n, const struct wgl_clock *c)
{
	n->clock = c;
	n->checker.clock = c;
	n->gen.clock = c;
}

static void encrypt_timestamp(struct wgl_noise *n, struct wgl_handshake *hs, uint8_t *out,
			      const uint8_t k[WGL_KEY_SIZE], const struct wgl_hs_fixed *fx)
{
	uint8_t ts[WGL_TAI64N_SIZE];
	static const uint8_t zero[WGL_TAI64N_SIZE];
	bool have_last = memcmp(n->sent_timestamp, zero, sizeof(zero)) != 0;

	if (fx && fx->timestamp)
		memcpy(ts, fx->timestamp, sizeof(ts));
	else
		wgl_tai64n_now(ts, have_last ? n->sent_timestamp : NULL);
	/* Only ever forward: a deliberately stale timestamp must not drag the clock back. */
	if (wgl_tai64n_cmp(ts, n->sent_timestamp) > 0)
		memcpy(n->sent_timestamp, ts, sizeof(ts));
	wgl_aead_seal(out, k, 0, ts, sizeof(ts), hs->hash, WGL_HASH_SIZE);
	mix_hash(hs->hash, out, WGL_TAI64N_SIZE + WGL_TAG_SIZE);
	trace(n, "H4", hs->hash);
}

int wgl_noise_create_initiation(struct wgl_noise *n, struct wgl_msg_initiation *msg,
				const struct wgl_hs_fixed *fx)
{
	struct wgl_handshake *hs = &n->hs;
	uint8_t k[WGL_KEY_SIZE];
	int rc;

	memset(hs, 0, sizeof(*hs));
	memset(msg, 0, sizeof(*msg));
	hs_begin(n, hs, n->remote_pub);
	hs_ephemeral(n, hs, fx ? fx->ephemeral_priv : NULL);
	hs->local_index = hs_index(fx);
	msg->type = htole32(WGL_MSG_INITIATION);
	msg->sender = htole32(hs->local_index);
	memcpy(msg->ephemeral, hs->ephemeral_pub, WGL_KEY_SIZE);

	mix_key(hs->chaining_key, msg->ephemeral, WGL_KEY_SIZE);
	trace(n, "C1", hs->chaining_key);
	mix_hash(hs->hash, msg->ephemeral, WGL_KEY_SIZE);
	trace(n, "H2", hs->hash);
	rc = mix_dh(hs->chaining_key, k, hs->ephemeral_priv, n->remote_pub);
	if (rc)
		goto dh_failed;
	trace(n, "C2", hs->chaining_key);
	trace(n, "k_static", k);
	wgl_aead_seal(msg->encrypted_static, k, 0, n->local_pub, WGL_KEY_SIZE, hs->hash,
		      WGL_HASH_SIZE);
	mix_hash(hs->hash, msg->encrypted_static, sizeof(msg->encrypted_static));
	trace(n, "H3", hs->hash);
	rc = mix_dh(hs->chaining_key, k, n->local_priv, n->remote_pub);
	if (rc)
		goto dh_failed;
	trace(n, "C3", hs->chaining_key);
	trace(n, "k_timestamp", k);
	encrypt_timestamp(n, hs, msg->encrypted_timestamp, k, fx);

	wgl_cookie_add_macs(&n->gen, msg, sizeof(*msg));
	hs->state = WGL_HS_INITIATION_CREATED;
	sodium_memzero(k, sizeof(k));
	return 0;

dh_failed:
	memset(hs, 0, sizeof(*hs));
	return fail(n, WGL_REJECT_STATIC_DH, rc);
}

/* The responder's half of the initiation, on a scratch handshake t. */
static int open_initiation(struct wgl_noise *n, struct wgl_handshake *t,
			   const struct wgl_msg_initiation *msg, uint8_t ts[WGL_TAI64N_SIZE])
{
	uint8_t k[WGL_KEY_SIZE], stat[WGL_KEY_SIZE];

	hs_begin(n, t, n->local_pub);
	memcpy(t->remote_ephemeral, msg->ephemeral, WGL_KEY_SIZE);
	mix_key(t->chaining_key, msg->ephemeral, WGL_KEY_SIZE);
	trace(n, "C1", t->chaining_key);
	mix_hash(t->hash, msg->ephemeral, WGL_KEY_SIZE);
	trace(n, "H2", t->hash);
	if (mix_dh(t->chaining_key, k, n->local_priv, msg->ephemeral))
		return fail(n, WGL_REJECT_EPHEMERAL_DH, -EPROTO);
	trace(n, "C2", t->chaining_key);
	trace(n, "k_static", k);
	if (wgl_aead_open(stat, k, 0, msg->encrypted_static, sizeof(msg->encrypted_static),
			  t->hash, WGL_HASH_SIZE))
		return fail(n, WGL_REJECT_STATIC, -EKEYREJECTED);
	mix_hash(t->hash, msg->encrypted_static, sizeof(msg->encrypted_static));
	trace(n, "H3", t->hash);
	if (!wgl_crypto_equal(stat, n->remote_pub, WGL_KEY_SIZE))
		return fail(n, WGL_REJECT_UNKNOWN_PEER, -ENOKEY);
	if (mix_dh(t->chaining_key, k, n->local_priv, n->remote_pub))
		return fail(n, WGL_REJECT_STATIC_DH, -EPROTO);
	trace(n, "C3", t->chaining_key);
	trace(n, "k_timestamp", k);
	if (wgl_aead_open(ts, k, 0, msg->encrypted_timestamp, sizeof(msg->encrypted_timestamp),
			  t->hash, WGL_HASH_SIZE))
		return fail(n, WGL_REJECT_TIMESTAMP, -EKEYREJECTED);
	mix_hash(t->hash, msg->encrypted_timestamp, sizeof(msg->encrypted_timestamp));
	trace(n, "H4", t->hash);
	sodium_memzero(k, sizeof(k));
	return 0;
}

int wgl_noise_consume_initiation(struct wgl_noise *n, const void *buf, size_t len,
				 const uint8_t *src, size_t srclen)
{
	struct wgl_msg_initiation msg;
	struct wgl_handshake t = { 0 };
	uint8_t ts[WGL_TAI64N_SIZE];
	long long now;
	int rc;

	if (wgl_msg_classify(buf, len) != WGL_MSG_INITIATION)
		return fail(n, WGL_REJECT_MALFORMED, -EINVAL);
	memcpy(&msg, buf, sizeof(msg));
	rc = wgl_cookie_check(&n->checker, &msg, sizeof(msg), src, srclen, n->under_load);
	if (rc)
		return fail(n, rc == -EBADMSG ? WGL_REJECT_MAC1 : WGL_REJECT_MAC2, rc);
	rc = open_initiation(n, &t, &msg, ts);
	if (rc)
		return rc;
	if (wgl_tai64n_cmp(ts, n->last_timestamp) <= 0)
		return fail(n, WGL_REJECT_REPLAY_TIMESTAMP, -ESTALE);
	now = wgl_clock_now(n->clock);
	if (n->flood_ns && n->has_last_initiation && now - n->last_initiation_ns < n->flood_ns)
		return fail(n, WGL_REJECT_FLOOD, -EAGAIN);

	t.remote_index = le32toh(msg.sender);
	t.state = WGL_HS_INITIATION_CONSUMED;
	n->hs = t;
	memcpy(n->last_timestamp, ts, sizeof(ts));
	n->has_last_initiation = true;
	n->last_initiation_ns = now;
	n->reject = WGL_REJECT_NONE;
	return 0;
}

/*
 * Both roles end with (T_i_send, T_i_recv) = KDF2(C, ε); the responder's
 * send key is the initiator's receive key.
 */
static void derive_keypair(struct wgl_noise *n, bool initiator, uint32_t local_index,
			   uint32_t remote_index)
{
	struct wgl_keypair *kp = &n->kp;
	uint8_t t1[WGL_KEY_SIZE], t2[WGL_KEY_SIZE];

	wgl_kdf(t1, t2, NULL, n->hs.chaining_key, NULL, 0);
	trace(n, "T_send", t1);
	trace(n, "T_recv", t2);
	memset(kp, 0, sizeof(*kp));
	memcpy(kp->send_key, initiator ? t1 : t2, WGL_KEY_SIZE);
	memcpy(kp->recv_key, initiator ? t2 : t1, WGL_KEY_SIZE);
	kp->valid = true;
	kp->initiator = initiator;
	kp->confirmed = initiator;
	kp->local_index = local_index;
	kp->remote_index = remote_index;
	kp->birth_ns = wgl_clock_now(n->clock);
	wgl_replay_init(&kp->replay);
	sodium_memzero(t1, sizeof(t1));
	sodium_memzero(t2, sizeof(t2));
	/* The handshake secrets have done their job; keep only the indices. */
	sodium_memzero(n->hs.chaining_key, WGL_HASH_SIZE);
	sodium_memzero(n->hs.ephemeral_priv, WGL_KEY_SIZE);
}

/* The DH/PSK chain shared by both roles from C4 to H7; seals or opens `empty`. */
static int response_chain(struct wgl_noise *n, struct wgl_handshake *t, const uint8_t *e_r_pub,
			  const uint8_t *dh_ee_priv, const uint8_t *dh_ee_pub,
			  const uint8_t *dh_se_priv, const uint8_t *dh_se_pub, uint8_t *empty,
			  bool seal)
{
	uint8_t tau[WGL_HASH_SIZE], k[WGL_KEY_SIZE], nothing[1];
	int rc = 0;

	mix_key(t->chaining_key, e_r_pub, WGL_KEY_SIZE);
	trace(n, "C4", t->chaining_key);
	mix_hash(t->hash, e_r_pub, WGL_KEY_SIZE);
	trace(n, "H5", t->hash);
	if (mix_dh(t->chaining_key, NULL, dh_ee_priv, dh_ee_pub))
		return fail(n, WGL_REJECT_EPHEMERAL_DH, -EPROTO);
	trace(n, "C5", t->chaining_key);
	if (mix_dh(t->chaining_key, NULL, dh_se_priv, dh_se_pub))
		return fail(n, WGL_REJECT_STATIC_DH, -EPROTO);
	trace(n, "C6", t->chaining_key);
	wgl_kdf(t->chaining_key, tau, k, t->chaining_key, n->psk, WGL_KEY_SIZE);
	trace(n, "C7", t->chaining_key);
	trace(n, "k_empty", k);
	mix_hash(t->hash, tau, sizeof(tau));
	trace(n, "H6", t->hash);
	if (seal)
		wgl_aead_seal(empty, k, 0, NULL, 0, t->hash, WGL_HASH_SIZE);
	else if (wgl_aead_open(nothing, k, 0, empty, WGL_TAG_SIZE, t->hash, WGL_HASH_SIZE))
		rc = fail(n, WGL_REJECT_EMPTY, -EKEYREJECTED);
	if (!rc) {
		mix_hash(t->hash, empty, WGL_TAG_SIZE);
		trace(n, "H7", t->hash);
	}
	sodium_memzero(tau, sizeof(tau));
	sodium_memzero(k, sizeof(k));
	return rc;
}

int wgl_noise_create_response(struct wgl_noise *n, struct wgl_msg_response *msg,
			      const struct wgl_hs_fixed *fx)
{
	struct wgl_handshake t = n->hs;
	int rc;

	if (t.state != WGL_HS_INITIATION_CONSUMED)
		return fail(n, WGL_REJECT_STATE, -ENOTCONN);
	memset(msg, 0, sizeof(*msg));
	hs_ephemeral(n, &t, fx ? fx->ephemeral_priv : NULL);
	t.local_index = hs_index(fx);
	msg->type = htole32(WGL_MSG_RESPONSE);
	msg->sender = htole32(t.local_index);
	msg->receiver = htole32(t.remote_index);
	memcpy(msg->ephemeral, t.ephemeral_pub, WGL_KEY_SIZE);
	rc = response_chain(n, &t, t.ephemeral_pub, t.ephemeral_priv, t.remote_ephemeral,
			    t.ephemeral_priv, n->remote_pub, msg->encrypted_nothing, true);
	if (rc)
		return rc;
	wgl_cookie_add_macs(&n->gen, msg, sizeof(*msg));
	t.state = WGL_HS_RESPONSE_CREATED;
	n->hs = t;
	derive_keypair(n, false, t.local_index, t.remote_index);
	return 0;
}

int wgl_noise_consume_response(struct wgl_noise *n, const void *buf, size_t len,
			       const uint8_t *src, size_t srclen)
{
	struct wgl_msg_response msg;
	struct wgl_handshake t = n->hs;
	int rc;

	if (wgl_msg_classify(buf, len) != WGL_MSG_RESPONSE)
		return fail(n, WGL_REJECT_MALFORMED, -EINVAL);
	memcpy(&msg, buf, sizeof(msg));
	rc = wgl_cookie_check(&n->checker, &msg, sizeof(msg), src, srclen, n->under_load);
	if (rc)
		return fail(n, rc == -EBADMSG ? WGL_REJECT_MAC1 : WGL_REJECT_MAC2, rc);
	if (t.state != WGL_HS_INITIATION_CREATED)
		return fail(n, WGL_REJECT_STATE, -ENOTCONN);
	if (le32toh(msg.receiver) != t.local_index)
		return fail(n, WGL_REJECT_UNKNOWN_INDEX, -ENOKEY);
	memcpy(t.remote_ephemeral, msg.ephemeral, WGL_KEY_SIZE);
	rc = response_chain(n, &t, msg.ephemeral, t.ephemeral_priv, msg.ephemeral, n->local_priv,
			    msg.ephemeral, msg.encrypted_nothing, false);
	if (rc)
		return rc;
	t.remote_index = le32toh(msg.sender);
	t.state = WGL_HS_RESPONSE_CONSUMED;
	n->hs = t;
	derive_keypair(n, true, t.local_index, t.remote_index);
	n->reject = WGL_REJECT_NONE;
	return 0;
}

int wgl_init_precompute(struct wgl_init_precomp *pc, const wgl_proto_key local_priv,
			const wgl_proto_key remote_pub)
{
	struct wgl_cookie_gen g;
	int rc;

	wgl_hash(pc->c0, construction, strlen(construction), NULL, 0);
	wgl_hash(pc->h1, pc->c0, WGL_HASH_SIZE, identifier, strlen(identifier));
	mix_hash(pc->h1, remote_pub, WGL_KEY_SIZE);
	crypto_scalarmult_base(pc->local_pub, local_priv);
	rc = wgl_dh(pc->static_dh, local_priv, remote_pub);
	wgl_cookie_gen_init(&g, remote_pub);
	memcpy(pc->mac1_key, g.mac1_key, sizeof(pc->mac1_key));
	return rc;
}

/* The steps of wgl_noise_create_initiation() with both DH results given. */
void wgl_init_build(const struct wgl_init_precomp *pc, const uint8_t eph_pub[WGL_KEY_SIZE],
		    const uint8_t eph_dh[WGL_KEY_SIZE], uint32_t index,
		    const uint8_t ts[WGL_TAI64N_SIZE], struct wgl_msg_initiation *msg)
{
	uint8_t c[WGL_HASH_SIZE], h[WGL_HASH_SIZE], k[WGL_KEY_SIZE];

	msg->type = htole32(WGL_MSG_INITIATION);
	msg->sender = htole32(index);
	memcpy(msg->ephemeral, eph_pub, WGL_KEY_SIZE);
	wgl_kdf(c, NULL, NULL, pc->c0, eph_pub, WGL_KEY_SIZE);
	wgl_hash(h, pc->h1, WGL_HASH_SIZE, eph_pub, WGL_KEY_SIZE);
	wgl_kdf(c, k, NULL, c, eph_dh, WGL_KEY_SIZE);
	wgl_aead_seal(msg->encrypted_static, k, 0, pc->local_pub, WGL_KEY_SIZE, h, WGL_HASH_SIZE);
	mix_hash(h, msg->encrypted_static, sizeof(msg->encrypted_static));
	wgl_kdf(c, k, NULL, c, pc->static_dh, WGL_KEY_SIZE);
	wgl_aead_seal(msg->encrypted_timestamp, k, 0, ts, WGL_TAI64N_SIZE, h, WGL_HASH_SIZE);
	wgl_mac(msg->macs.mac1, pc->mac1_key, sizeof(pc->mac1_key), msg,
		offsetof(struct wgl_msg_initiation, macs));
	memset(msg->macs.mac2, 0, sizeof(msg->macs.mac2));
}
