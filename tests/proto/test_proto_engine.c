// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine against itself: handshakes between two instances with random
 * keys, tampered messages rejected at the check the tampering targets,
 * replayed initiations, the cookie round trip and low-order public keys.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "proto/proto.h"
#include "tests/wgl_test.h"

struct duo {
	struct wgl_noise ini, resp;
	wgl_proto_key ipriv, rpriv, psk;
};

static void duo_init(struct duo *d, bool psk)
{
	wgl_proto_key ipub, rpub;

	randombytes_buf(d->ipriv, 32);
	randombytes_buf(d->rpriv, 32);
	memset(d->psk, 0, 32);
	if (psk)
		randombytes_buf(d->psk, 32);
	crypto_scalarmult_base(ipub, d->ipriv);
	crypto_scalarmult_base(rpub, d->rpriv);
	wgl_noise_init(&d->ini, d->ipriv, rpub, d->psk);
	wgl_noise_init(&d->resp, d->rpriv, ipub, d->psk);
}

/* Full handshake plus the initiator's first (confirming) transport. */
static void duo_handshake(struct duo *d)
{
	struct wgl_msg_initiation init;
	struct wgl_msg_response resp;
	uint8_t buf[64], pt[64];

	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&d->ini, &init, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_initiation(&d->resp, &init, sizeof(init), NULL, 0),
			      0);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_response(&d->resp, &resp, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_response(&d->ini, &resp, sizeof(resp), NULL, 0), 0);
	CU_ASSERT_FALSE(d->resp.kp.confirmed);
	CU_ASSERT_EQUAL_FATAL(wgl_transport_seal_next(&d->ini.kp, NULL, 0, buf, sizeof(buf)), 32);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_open(&d->resp, buf, 32, pt, sizeof(pt), NULL), 0);
	CU_ASSERT_TRUE(d->resp.kp.confirmed);
}

static void test_handshake_and_transport(void)
{
	uint8_t pt[2048], ct[2048 + 64], out[2048];

	for (int i = 0; i < 40; i++) {
		struct duo d;
		size_t len = randombytes_uniform(1500);
		struct wgl_noise *from = i % 2 ? &d.ini : &d.resp, *to = i % 2 ? &d.resp : &d.ini;
		uint64_t ctr;
		int n;

		duo_init(&d, i % 3 == 0);
		duo_handshake(&d);
		CU_ASSERT(!memcmp(d.ini.kp.send_key, d.resp.kp.recv_key, 32));
		CU_ASSERT(!memcmp(d.ini.kp.recv_key, d.resp.kp.send_key, 32));
		CU_ASSERT(memcmp(d.ini.kp.send_key, d.ini.kp.recv_key, 32) != 0);
		randombytes_buf(pt, len);
		n = wgl_transport_seal_next(&from->kp, pt, len, ct, sizeof(ct));
		CU_ASSERT_EQUAL_FATAL(n, (int)wgl_transport_size(len));
		CU_ASSERT_EQUAL(n % 16, 0);
		n = wgl_noise_open(to, ct, (size_t)n, out, sizeof(out), &ctr);
		CU_ASSERT_EQUAL_FATAL(n, (int)((len + 15) / 16 * 16));
		CU_ASSERT(!memcmp(out, pt, len));
		CU_ASSERT_EQUAL(ctr, from == &d.ini ? 1 : 0);
	}
}

static void test_psk_mismatch(void)
{
	struct wgl_msg_initiation init;
	struct wgl_msg_response resp;
	struct duo d;

	duo_init(&d, true);
	d.resp.psk[0] ^= 1;
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), NULL, 0), 0);
	CU_ASSERT_EQUAL(wgl_noise_create_response(&d.resp, &resp, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_response(&d.ini, &resp, sizeof(resp), NULL, 0),
			-EKEYREJECTED);
	CU_ASSERT_EQUAL(d.ini.reject, WGL_REJECT_EMPTY);
	CU_ASSERT_FALSE(d.ini.kp.valid);
}

/*
 * Flips one bit at offset `at` of a fresh initiation; with fix_mac1 the mac1
 * is recomputed so that the deeper checks are reached. Returns the
 * responder's verdict and leaves the reason in *why.
 */
static int tamper_initiation(size_t at, bool fix_mac1, bool under_load, enum wgl_reject *why)
{
	struct wgl_msg_initiation init;
	struct duo d;
	int rc;

	duo_init(&d, false);
	d.resp.under_load = under_load;
	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
	((uint8_t *)&init)[at] ^= 0x20;
	if (fix_mac1)
		wgl_cookie_add_macs(&d.ini.gen, &init, sizeof(init));
	rc = wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), NULL, 0);
	*why = d.resp.reject;
	return rc;
}

#define OFF(f) offsetof(struct wgl_msg_initiation, f)

static void test_tamper_initiation(void)
{
	enum wgl_reject why;

	CU_ASSERT_EQUAL(tamper_initiation(0, false, false, &why), -EINVAL);
	CU_ASSERT_EQUAL(why, WGL_REJECT_MALFORMED);
	/* Anything before mac1 without fixing mac1: mac1 is the first check. */
	for (size_t at = 4; at < OFF(macs); at += 7) {
		CU_ASSERT_EQUAL(tamper_initiation(at, false, false, &why), -EBADMSG);
		CU_ASSERT_EQUAL(why, WGL_REJECT_MAC1);
	}
	CU_ASSERT_EQUAL(tamper_initiation(OFF(macs.mac1) + 3, false, false, &why), -EBADMSG);
	CU_ASSERT_EQUAL(why, WGL_REJECT_MAC1);
	/* With a valid mac1, each field fails at its own check. */
	CU_ASSERT_EQUAL(tamper_initiation(OFF(ephemeral) + 5, true, false, &why), -EKEYREJECTED);
	CU_ASSERT_EQUAL(why, WGL_REJECT_STATIC);
	CU_ASSERT_EQUAL(tamper_initiation(OFF(encrypted_static) + 1, true, false, &why),
			-EKEYREJECTED);
	CU_ASSERT_EQUAL(why, WGL_REJECT_STATIC);
	CU_ASSERT_EQUAL(tamper_initiation(OFF(encrypted_static) + 40, true, false, &why),
			-EKEYREJECTED);
	CU_ASSERT_EQUAL(why, WGL_REJECT_STATIC);
	CU_ASSERT_EQUAL(tamper_initiation(OFF(encrypted_timestamp) + 2, true, false, &why),
			-EKEYREJECTED);
	CU_ASSERT_EQUAL(why, WGL_REJECT_TIMESTAMP);
	CU_ASSERT_EQUAL(tamper_initiation(OFF(encrypted_timestamp) + 20, true, false, &why),
			-EKEYREJECTED);
	CU_ASSERT_EQUAL(why, WGL_REJECT_TIMESTAMP);
	/* The sender index is covered only by mac1. */
	CU_ASSERT_EQUAL(tamper_initiation(OFF(sender), true, false, &why), 0);
	/* mac2 is ignored unless under load, and then checked before any DH. */
	CU_ASSERT_EQUAL(tamper_initiation(OFF(macs.mac2) + 1, false, false, &why), 0);
	CU_ASSERT_EQUAL(tamper_initiation(OFF(macs.mac2) + 1, false, true, &why), -EBUSY);
	CU_ASSERT_EQUAL(why, WGL_REJECT_MAC2);
}

static void test_unknown_peer(void)
{
	struct wgl_msg_initiation init;
	struct duo d, other;

	duo_init(&d, false);
	duo_init(&other, false);
	/* `other`'s initiator talks to d's responder key, but d expects a different peer. */
	wgl_noise_init(&other.ini, other.ipriv, d.resp.local_pub, NULL);
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&other.ini, &init, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), NULL, 0),
			-ENOKEY);
	CU_ASSERT_EQUAL(d.resp.reject, WGL_REJECT_UNKNOWN_PEER);
	CU_ASSERT_EQUAL(d.resp.hs.state, WGL_HS_NONE);
}

static void test_tamper_response(void)
{
	static const struct { size_t at; bool fix; int rc; enum wgl_reject why; } t[] = {
		{ 0, false, -EINVAL, WGL_REJECT_MALFORMED },
		{ offsetof(struct wgl_msg_response, receiver), false, -EBADMSG, WGL_REJECT_MAC1 },
		{ offsetof(struct wgl_msg_response, receiver), true, -ENOKEY,
		  WGL_REJECT_UNKNOWN_INDEX },
		{ offsetof(struct wgl_msg_response, ephemeral) + 9, true, -EKEYREJECTED,
		  WGL_REJECT_EMPTY },
		{ offsetof(struct wgl_msg_response, encrypted_nothing) + 15, true, -EKEYREJECTED,
		  WGL_REJECT_EMPTY },
		{ offsetof(struct wgl_msg_response, macs.mac1), false, -EBADMSG, WGL_REJECT_MAC1 },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		struct wgl_msg_initiation init;
		struct wgl_msg_response resp;
		struct duo d;

		duo_init(&d, true);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init),
								   NULL, 0), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_response(&d.resp, &resp, NULL), 0);
		((uint8_t *)&resp)[t[i].at] ^= 0x01;
		if (t[i].fix)
			wgl_cookie_add_macs(&d.resp.gen, &resp, sizeof(resp));
		CU_ASSERT_EQUAL(wgl_noise_consume_response(&d.ini, &resp, sizeof(resp), NULL, 0),
				t[i].rc);
		CU_ASSERT_EQUAL(d.ini.reject, t[i].why);
		/* A rejected response leaves the initiation pending. */
		CU_ASSERT_EQUAL(d.ini.hs.state, WGL_HS_INITIATION_CREATED);
	}
}

static void test_tamper_transport(void)
{
	static const struct { size_t at; int rc; enum wgl_reject why; } t[] = {
		{ 0, -EINVAL, WGL_REJECT_MALFORMED },
		{ 4, -ENOKEY, WGL_REJECT_UNKNOWN_INDEX },
		{ 8, -EKEYREJECTED, WGL_REJECT_TRANSPORT },   /* counter is the nonce */
		{ 16, -EKEYREJECTED, WGL_REJECT_TRANSPORT },  /* ciphertext */
		{ 47, -EKEYREJECTED, WGL_REJECT_TRANSPORT },  /* tag */
	};
	uint8_t msg[64], copy[64], pt[64];
	struct duo d;

	duo_init(&d, false);
	duo_handshake(&d);
	CU_ASSERT_EQUAL_FATAL(wgl_transport_seal_next(&d.ini.kp, "0123456789abcdef", 16, msg,
						      sizeof(msg)), 48);
	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		memcpy(copy, msg, 48);
		copy[t[i].at] ^= 0x80;
		CU_ASSERT_EQUAL(wgl_noise_open(&d.resp, copy, 48, pt, sizeof(pt), NULL), t[i].rc);
		CU_ASSERT_EQUAL(d.resp.reject, t[i].why);
	}
	CU_ASSERT_EQUAL(wgl_noise_open(&d.resp, msg, 31, pt, sizeof(pt), NULL), -EINVAL);
	CU_ASSERT_EQUAL(wgl_noise_open(&d.resp, msg, 48, pt, 15, NULL), -ENOBUFS);
	/* None of the forgeries moved the window: the real one still passes once. */
	CU_ASSERT_EQUAL(wgl_noise_open(&d.resp, msg, 48, pt, sizeof(pt), NULL), 16);
	CU_ASSERT(!memcmp(pt, "0123456789abcdef", 16));
	CU_ASSERT_EQUAL(wgl_noise_open(&d.resp, msg, 48, pt, sizeof(pt), NULL), -ESTALE);
	CU_ASSERT_EQUAL(d.resp.reject, WGL_REJECT_REPLAY_COUNTER);
}

static void test_replayed_initiation(void)
{
	struct wgl_msg_initiation a, b, c;
	uint8_t ts[WGL_TAI64N_SIZE];
	struct wgl_hs_fixed fx = { .timestamp = ts };
	struct duo d;

	duo_init(&d, false);
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &a, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &a, sizeof(a), NULL, 0), 0);
	/* The exact same bytes again. */
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &a, sizeof(a), NULL, 0), -ESTALE);
	CU_ASSERT_EQUAL(d.resp.reject, WGL_REJECT_REPLAY_TIMESTAMP);
	/* A fresh ephemeral with an equal or older timestamp. */
	memcpy(ts, d.ini.sent_timestamp, sizeof(ts));
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &b, &fx), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &b, sizeof(b), NULL, 0), -ESTALE);
	wgl_tai64n_add(ts, -1000000000LL);
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &b, &fx), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &b, sizeof(b), NULL, 0), -ESTALE);
	/* The next automatic timestamp is newer even within the same whitened slot. */
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &c, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &c, sizeof(c), NULL, 0), 0);
	/* With the flood limit on, a second initiation right away is refused. */
	d.resp.flood_ns = 20 * 1000000LL;
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &c, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &c, sizeof(c), NULL, 0), -EAGAIN);
	CU_ASSERT_EQUAL(d.resp.reject, WGL_REJECT_FLOOD);
}

static void test_cookie_round_trip(void)
{
	const uint8_t src_a[] = { 198, 18, 0, 1, 0x12, 0x34 }, src_b[] = { 198, 18, 0, 9, 0x12, 0x34 };
	struct wgl_msg_initiation init;
	struct wgl_msg_cookie reply, bad;
	struct duo d;

	duo_init(&d, false);
	d.resp.under_load = true;
	CU_ASSERT_EQUAL(wgl_noise_consume_cookie(&d.ini, &reply, 0), -EINVAL);
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), src_a, 6),
			-EBUSY);
	CU_ASSERT_EQUAL(wgl_cookie_create_reply(&d.resp.checker, &init, sizeof(init), src_a, 6,
						NULL, &reply), 0);
	CU_ASSERT_EQUAL(le32toh(reply.receiver), d.ini.hs.local_index);
	bad = reply;
	bad.receiver ^= 1;
	CU_ASSERT_EQUAL(wgl_noise_consume_cookie(&d.ini, &bad, sizeof(bad)), -ENOKEY);
	bad = reply;
	bad.encrypted_cookie[3] ^= 1;
	CU_ASSERT_EQUAL(wgl_noise_consume_cookie(&d.ini, &bad, sizeof(bad)), -EKEYREJECTED);
	CU_ASSERT_EQUAL(d.ini.reject, WGL_REJECT_COOKIE);
	CU_ASSERT_EQUAL(wgl_noise_consume_cookie(&d.ini, &reply, sizeof(reply)), 0);
	/* Retry: new initiation, mac2 now set; valid from src_a only. */
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
	CU_ASSERT(!sodium_is_zero(init.macs.mac2, sizeof(init.macs.mac2)));
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), src_b, 6),
			-EBUSY);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), src_a, 6), 0);
}

/* Points of small order (and non-canonical encodings of them) on Curve25519. */
static const char *const low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static void unhex32(const char *hex, uint8_t out[32])
{
	CU_ASSERT_FATAL(sodium_hex2bin(out, 32, hex, 64, NULL, NULL, NULL) == 0);
}

static void test_low_order(void)
{
	for (size_t i = 0; i < WGL_ARRAY_SIZE(low_order); i++) {
		struct wgl_msg_initiation init;
		struct wgl_msg_response resp;
		uint8_t pt[32], ss[32];
		struct duo d;

		unhex32(low_order[i], pt);
		duo_init(&d, false);
		CU_ASSERT_EQUAL(wgl_dh(ss, d.ipriv, pt), -EPROTO);
		/* Responder: an initiation whose ephemeral is low-order (valid mac1). */
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
		memcpy(init.ephemeral, pt, 32);
		wgl_cookie_add_macs(&d.ini.gen, &init, sizeof(init));
		CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), NULL, 0),
				-EPROTO);
		CU_ASSERT_EQUAL(d.resp.reject, WGL_REJECT_EPHEMERAL_DH);
		/* Initiator: a response whose ephemeral is low-order. */
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init),
								   NULL, 0), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_response(&d.resp, &resp, NULL), 0);
		memcpy(resp.ephemeral, pt, 32);
		wgl_cookie_add_macs(&d.resp.gen, &resp, sizeof(resp));
		CU_ASSERT_EQUAL(wgl_noise_consume_response(&d.ini, &resp, sizeof(resp), NULL, 0),
				-EPROTO);
		CU_ASSERT_EQUAL(d.ini.reject, WGL_REJECT_EPHEMERAL_DH);
		/* A peer configured with a low-order static key: nothing to send. */
		wgl_noise_init(&d.ini, d.ipriv, pt, NULL);
		CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &init, NULL), -EPROTO);
		CU_ASSERT_EQUAL(d.ini.hs.state, WGL_HS_NONE);
	}
}

static void test_state_machine(void)
{
	struct wgl_msg_initiation init;
	struct wgl_msg_response resp;
	uint8_t buf[64];
	struct duo d;

	duo_init(&d, false);
	CU_ASSERT_EQUAL(wgl_noise_create_response(&d.resp, &resp, NULL), -ENOTCONN);
	CU_ASSERT_EQUAL(wgl_transport_seal(&d.ini.kp, 0, NULL, 0, buf, sizeof(buf)), -ENOTCONN);
	CU_ASSERT_EQUAL(wgl_noise_create_initiation(&d.ini, &init, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &init, sizeof(init), NULL, 0), 0);
	CU_ASSERT_EQUAL(wgl_noise_create_response(&d.resp, &resp, NULL), 0);
	CU_ASSERT_EQUAL(wgl_noise_consume_response(&d.ini, &resp, sizeof(resp), NULL, 0), 0);
	/* The same response twice: the initiation is no longer pending. */
	CU_ASSERT_EQUAL(wgl_noise_consume_response(&d.ini, &resp, sizeof(resp), NULL, 0),
			-ENOTCONN);
	CU_ASSERT_EQUAL(d.ini.reject, WGL_REJECT_STATE);
	CU_ASSERT_EQUAL(wgl_transport_seal(&d.ini.kp, 0, NULL, 0, buf, 31), -ENOBUFS);
}

/*
 * Ephemeral sequences: every key's public key and DH equal libsodium's
 * X25519 of it, across batch boundaries and odd batch sizes (the first
 * calls hand out the starting pair without stepping).
 */
static void test_ephseq(void)
{
	static const size_t sizes[] = { 1, 1, 3, 64, 7, 64, 2 };
	uint8_t priv[WGL_EPHSEQ_BATCH][32], pub[WGL_EPHSEQ_BATCH][32], dh[WGL_EPHSEQ_BATCH][32];
	uint8_t rpriv[32], rpub[32], want[32], last[32] = { 0 };
	struct wgl_ephseq s;

	randombytes_buf(rpriv, sizeof(rpriv));
	crypto_scalarmult_base(rpub, rpriv);
	CU_ASSERT_EQUAL_FATAL(wgl_ephseq_init(&s, rpub), 0);
	for (size_t b = 0; b < WGL_ARRAY_SIZE(sizes); b++) {
		CU_ASSERT_EQUAL_FATAL(wgl_ephseq_next(&s, sizes[b], priv, pub, dh), sizes[b]);
		for (size_t i = 0; i < sizes[b]; i++) {
			crypto_scalarmult_base(want, priv[i]);
			CU_ASSERT(!memcmp(want, pub[i], 32));
			CU_ASSERT_EQUAL_FATAL(crypto_scalarmult(want, priv[i], rpub), 0);
			CU_ASSERT(!memcmp(want, dh[i], 32));
			/* And the responder's side of the same DH. */
			CU_ASSERT_EQUAL_FATAL(crypto_scalarmult(want, rpriv, pub[i]), 0);
			CU_ASSERT(!memcmp(want, dh[i], 32));
			CU_ASSERT(memcmp(last, priv[i], 32) != 0);
			memcpy(last, priv[i], 32);
		}
	}
	CU_ASSERT_EQUAL(wgl_ephseq_next(&s, 0, priv, pub, dh), 0);
}

/* A precomputed initiation is byte for byte the engine's, and the responder takes it. */
static void test_init_build(void)
{
	uint8_t priv[1][32], pub[1][32], dh[1][32], ts[WGL_TAI64N_SIZE];
	struct wgl_msg_initiation fast, ref;
	struct wgl_init_precomp pc;
	struct wgl_ephseq s;
	struct duo d;

	duo_init(&d, false);
	CU_ASSERT_EQUAL_FATAL(wgl_init_precompute(&pc, d.ipriv, d.ini.remote_pub), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_ephseq_init(&s, d.ini.remote_pub), 0);
	for (int i = 0; i < 3; i++) {
		struct wgl_hs_fixed fx = { .ephemeral_priv = priv[0], .timestamp = ts,
					   .has_index = true, .index = 1000u + (uint32_t)i };

		wgl_tai64n_now(ts, NULL);
		wgl_tai64n_add(ts, i);
		CU_ASSERT_EQUAL_FATAL(wgl_ephseq_next(&s, 1, priv, pub, dh), 1);
		wgl_init_build(&pc, pub[0], dh[0], fx.index, ts, &fast);
		CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&d.ini, &ref, &fx), 0);
		CU_ASSERT(!memcmp(&fast, &ref, sizeof(ref)));
		CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &fast, sizeof(fast), NULL, 0),
				0);
	}
	/* Changing any input changes the bytes: a wrong DH fails at the static. */
	dh[0][5] ^= 1;
	wgl_tai64n_add(ts, 1);
	wgl_init_build(&pc, pub[0], dh[0], 7, ts, &fast);
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&d.resp, &fast, sizeof(fast), NULL, 0),
			-EKEYREJECTED);
	CU_ASSERT_EQUAL(d.resp.reject, WGL_REJECT_STATIC);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("proto-engine", NULL, NULL);
	CU_add_test(s, "handshake and transport", test_handshake_and_transport);
	CU_add_test(s, "psk mismatch", test_psk_mismatch);
	CU_add_test(s, "tampered initiation", test_tamper_initiation);
	CU_add_test(s, "unknown peer", test_unknown_peer);
	CU_add_test(s, "tampered response", test_tamper_response);
	CU_add_test(s, "tampered transport", test_tamper_transport);
	CU_add_test(s, "replayed initiation", test_replayed_initiation);
	CU_add_test(s, "cookie round trip", test_cookie_round_trip);
	CU_add_test(s, "low-order public keys", test_low_order);
	CU_add_test(s, "state machine", test_state_machine);
	CU_add_test(s, "ephemeral sequences", test_ephseq);
	CU_add_test(s, "precomputed initiations", test_init_build);
	return wgl_test_run();
}
