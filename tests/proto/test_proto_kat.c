// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Known answers: every byte of tests/vectors/wireguard-handshake.json,
 * reproduced by the engine in both roles, every trace step compared, plus
 * the cookie reply and the initiation re-sent with mac2. A mismatch prints
 * the name of the first step that differs.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "proto/proto.h"
#include "tests/proto/vectors.h"
#include "tests/wgl_test.h"

static json_t *root;

struct kat {
	const char *name;
	uint8_t ipriv[32], rpriv[32], ieph[32], reph[32], psk[32], ts[12];
	uint8_t ipub[32], rpub[32], iephpub[32], rephpub[32];
	uint8_t mac1_r[32], mac1_i[32], cookie_r[32];
	uint32_t iidx, ridx;
	uint8_t init[148], resp[92], data[256], pt[256], keepalive[32];
	int data_len, pt_len;
	json_t *trace;
};

static size_t ncases(void)
{
	return json_array_size(json_object_get(root, "cases"));
}

static int kat_load(size_t i, struct kat *k)
{
	json_t *c = json_array_get(json_object_get(root, "cases"), i);
	json_t *in = json_object_get(c, "inputs"), *d = json_object_get(c, "derived");
	json_t *m = json_object_get(c, "messages");
	int bad = 0;

	k->name = json_string_value(json_object_get(c, "name"));
	bad |= vec_exact(in, "initiator_static_private", k->ipriv, 32);
	bad |= vec_exact(in, "responder_static_private", k->rpriv, 32);
	bad |= vec_exact(in, "initiator_ephemeral_private", k->ieph, 32);
	bad |= vec_exact(in, "responder_ephemeral_private", k->reph, 32);
	bad |= vec_exact(in, "preshared_key", k->psk, 32);
	bad |= vec_exact(in, "timestamp_tai64n", k->ts, 12);
	k->iidx = (uint32_t)json_integer_value(json_object_get(in, "initiator_sender_index"));
	k->ridx = (uint32_t)json_integer_value(json_object_get(in, "responder_sender_index"));
	bad |= vec_exact(d, "initiator_static_public", k->ipub, 32);
	bad |= vec_exact(d, "responder_static_public", k->rpub, 32);
	bad |= vec_exact(d, "initiator_ephemeral_public", k->iephpub, 32);
	bad |= vec_exact(d, "responder_ephemeral_public", k->rephpub, 32);
	bad |= vec_exact(d, "mac1_key_for_responder", k->mac1_r, 32);
	bad |= vec_exact(d, "mac1_key_for_initiator", k->mac1_i, 32);
	bad |= vec_exact(d, "cookie_key_for_responder", k->cookie_r, 32);
	bad |= vec_exact(m, "initiation", k->init, sizeof(k->init));
	bad |= vec_exact(m, "response", k->resp, sizeof(k->resp));
	bad |= vec_exact(m, "transport_counter1_keepalive", k->keepalive, sizeof(k->keepalive));
	k->data_len = vec_bytes(m, "transport_counter0_icmp_echo", k->data, sizeof(k->data));
	k->pt_len = vec_bytes(m, "transport_counter0_plaintext", k->pt, sizeof(k->pt));
	k->trace = json_object_get(c, "trace");
	return bad || k->data_len < 32 || k->pt_len < 0 || !json_is_array(k->trace) ? -1 : 0;
}

static bool same(const char *what, const char *name, const void *a, const void *b, size_t len)
{
	if (!memcmp(a, b, len))
		return true;
	printf("\n  %s: %s differs\n", name, what);
	return false;
}

/* Compares every vector trace step (named by its first word) with the record. */
static void check_trace(const struct kat *k, const struct wgl_trace *t, const char *role)
{
	size_t i;
	json_t *e;

	CU_ASSERT_EQUAL(t->n, json_array_size(k->trace));
	json_array_foreach(k->trace, i, e) {
		char step[16];
		uint8_t want[32];
		const uint8_t *got;

		sscanf(json_string_value(json_object_get(e, "step")), "%15s", step);
		CU_ASSERT_EQUAL_FATAL(vec_exact(e, "value", want, 32), 0);
		got = wgl_trace_find(t, step);
		if (!got)
			printf("\n  %s: step %s not recorded\n", role, step);
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT(same(step, role, got, want, 32));
		/* Steps come out in the vectors' order. */
		CU_ASSERT_STRING_EQUAL(t->e[i].step, step);
	}
}

static void test_derived(void)
{
	for (size_t i = 0; i < ncases(); i++) {
		struct kat k;
		struct wgl_noise n;
		uint8_t pub[32];

		CU_ASSERT_EQUAL_FATAL(kat_load(i, &k), 0);
		wgl_noise_init(&n, k.ipriv, k.rpub, k.psk);
		CU_ASSERT(same("initiator public", k.name, n.local_pub, k.ipub, 32));
		CU_ASSERT(same("mac1 key for responder", k.name, n.gen.mac1_key, k.mac1_r, 32));
		CU_ASSERT(same("mac1 key for initiator", k.name, n.checker.mac1_key, k.mac1_i, 32));
		CU_ASSERT(same("cookie key for responder", k.name, n.gen.cookie_key, k.cookie_r,
			       32));
		wgl_noise_init(&n, k.rpriv, k.ipub, k.psk);
		CU_ASSERT(same("responder public", k.name, n.local_pub, k.rpub, 32));
		crypto_scalarmult_base(pub, k.ieph);
		CU_ASSERT(same("initiator ephemeral", k.name, pub, k.iephpub, 32));
		crypto_scalarmult_base(pub, k.reph);
		CU_ASSERT(same("responder ephemeral", k.name, pub, k.rephpub, 32));
	}
}

static void check_initiator(const struct kat *k)
{
	struct wgl_hs_fixed fx = { .ephemeral_priv = k->ieph, .timestamp = k->ts,
				   .has_index = true, .index = k->iidx };
	struct wgl_msg_initiation init;
	struct wgl_trace tr = { 0 };
	struct wgl_noise n;
	uint8_t out[256];

	wgl_noise_init(&n, k->ipriv, k->rpub, k->psk);
	n.trace = &tr;
	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&n, &init, &fx), 0);
	CU_ASSERT(same("initiation", k->name, &init, k->init, sizeof(init)));
	CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_response(&n, k->resp, sizeof(k->resp), NULL, 0),
			      0);
	check_trace(k, &tr, "initiator");
	CU_ASSERT(same("T_send", k->name, n.kp.send_key, wgl_trace_find(&tr, "T_send"), 32));
	CU_ASSERT(same("T_recv", k->name, n.kp.recv_key, wgl_trace_find(&tr, "T_recv"), 32));
	CU_ASSERT_EQUAL(n.kp.remote_index, k->ridx);
	CU_ASSERT_EQUAL(wgl_transport_seal_next(&n.kp, k->pt, (size_t)k->pt_len, out, sizeof(out)),
			k->data_len);
	CU_ASSERT(same("transport counter 0", k->name, out, k->data, (size_t)k->data_len));
	CU_ASSERT_EQUAL(wgl_transport_seal_next(&n.kp, NULL, 0, out, sizeof(out)), 32);
	CU_ASSERT(same("keepalive counter 1", k->name, out, k->keepalive, 32));
	/* The explicit-counter path yields the same bytes. */
	CU_ASSERT_EQUAL(wgl_transport_seal(&n.kp, 1, NULL, 0, out, sizeof(out)), 32);
	CU_ASSERT(same("keepalive explicit", k->name, out, k->keepalive, 32));
}

static void check_responder(const struct kat *k)
{
	struct wgl_hs_fixed fx = { .ephemeral_priv = k->reph, .has_index = true, .index = k->ridx };
	struct wgl_msg_response resp;
	struct wgl_trace tr = { 0 };
	struct wgl_noise n;
	uint8_t pt[256], zero[16] = { 0 };
	uint64_t ctr = 99;
	int len;

	wgl_noise_init(&n, k->rpriv, k->ipub, k->psk);
	n.trace = &tr;
	CU_ASSERT_EQUAL_FATAL(wgl_noise_consume_initiation(&n, k->init, sizeof(k->init), NULL, 0),
			      0);
	CU_ASSERT(same("timestamp", k->name, n.last_timestamp, k->ts, 12));
	CU_ASSERT_EQUAL(n.hs.remote_index, k->iidx);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_response(&n, &resp, &fx), 0);
	CU_ASSERT(same("response", k->name, &resp, k->resp, sizeof(resp)));
	check_trace(k, &tr, "responder");
	/* Not confirmed yet: a responder may not speak first. */
	CU_ASSERT_EQUAL(wgl_transport_seal(&n.kp, 0, NULL, 0, pt, sizeof(pt)), -ENOTCONN);
	len = wgl_noise_open(&n, k->data, (size_t)k->data_len, pt, sizeof(pt), &ctr);
	CU_ASSERT_EQUAL_FATAL(len, (k->pt_len + 15) / 16 * 16);
	CU_ASSERT_EQUAL(ctr, 0);
	CU_ASSERT(same("plaintext", k->name, pt, k->pt, (size_t)k->pt_len));
	CU_ASSERT(same("padding", k->name, pt + k->pt_len, zero, (size_t)(len - k->pt_len)));
	CU_ASSERT_EQUAL(wgl_noise_open(&n, k->keepalive, 32, pt, sizeof(pt), &ctr), 0);
	CU_ASSERT_EQUAL(ctr, 1);
	CU_ASSERT(n.kp.confirmed);
	/* Both again: now replays. */
	CU_ASSERT_EQUAL(wgl_noise_open(&n, k->data, (size_t)k->data_len, pt, sizeof(pt), NULL),
			-ESTALE);
	CU_ASSERT_EQUAL(n.reject, WGL_REJECT_REPLAY_COUNTER);
}

static void test_initiator(void)
{
	struct kat k;

	for (size_t i = 0; i < ncases(); i++) {
		CU_ASSERT_EQUAL_FATAL(kat_load(i, &k), 0);
		check_initiator(&k);
	}
}

static void test_responder(void)
{
	struct kat k;

	for (size_t i = 0; i < ncases(); i++) {
		CU_ASSERT_EQUAL_FATAL(kat_load(i, &k), 0);
		check_responder(&k);
	}
}

/* The inner packet of the transport vector is what wgl_echo_build() makes. */
static void test_inner_packet(void)
{
	struct kat k;
	struct wgl_echo e;
	uint8_t buf[256];

	CU_ASSERT_EQUAL_FATAL(kat_load(0, &k), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_echo_parse(k.pt, (size_t)k.pt_len, &e), 0);
	CU_ASSERT_EQUAL(e.family, AF_INET);
	CU_ASSERT_FALSE(e.reply);
	CU_ASSERT_EQUAL(wgl_echo_build(&e, buf, sizeof(buf)), k.pt_len);
	CU_ASSERT(same("rebuilt echo", k.name, buf, k.pt, (size_t)k.pt_len));
}

static void test_cookie(void)
{
	json_t *c = json_object_get(root, "cookie");
	json_t *in = json_object_get(c, "inputs"), *d = json_object_get(c, "derived");
	uint8_t rpriv[32], secret[32], src[64], nonce[24], answered[148], cookie[16];
	uint8_t reply_want[64], retry_want[148], got[16], msg[148];
	struct wgl_hs_fixed fx;
	struct wgl_msg_cookie reply;
	struct wgl_noise resp, ini;
	struct kat k;
	int srclen;

	CU_ASSERT_EQUAL_FATAL(kat_load(0, &k), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(in, "responder_static_private", rpriv, 32), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(in, "responder_cookie_secret", secret, 32), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(in, "nonce", nonce, 24), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(in, "initiation_being_answered", answered, 148), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(d, "cookie", cookie, 16), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(d, "cookie_reply", reply_want, 64), 0);
	CU_ASSERT_EQUAL_FATAL(vec_exact(d, "initiation_retry_with_mac2", retry_want, 148), 0);
	srclen = vec_bytes(in, "source_bytes", src, sizeof(src));
	CU_ASSERT_FATAL(srclen > 0);
	CU_ASSERT_FATAL(!memcmp(rpriv, k.rpriv, 32));

	/* Responder side: the cookie and the reply. */
	wgl_noise_init(&resp, rpriv, k.ipub, k.psk);
	wgl_cookie_checker_set_secret(&resp.checker, secret);
	wgl_cookie_make(&resp.checker, got, src, (size_t)srclen);
	CU_ASSERT(same("cookie", "cookie", got, cookie, 16));
	CU_ASSERT_EQUAL(wgl_cookie_create_reply(&resp.checker, answered, 148, src, (size_t)srclen,
						nonce, &reply), 0);
	CU_ASSERT(same("cookie reply", "cookie", &reply, reply_want, 64));

	/* Initiator side: the same initiation, consume the reply, add mac2. */
	fx = (struct wgl_hs_fixed){ .ephemeral_priv = k.ieph, .timestamp = k.ts,
				    .has_index = true, .index = k.iidx };
	wgl_noise_init(&ini, k.ipriv, k.rpub, k.psk);
	CU_ASSERT_EQUAL_FATAL(wgl_noise_create_initiation(&ini, (void *)msg, &fx), 0);
	CU_ASSERT(same("initiation being answered", "cookie", msg, answered, 148));
	CU_ASSERT_EQUAL(wgl_noise_consume_cookie(&ini, reply_want, 64), 0);
	CU_ASSERT(same("consumed cookie", "cookie", ini.gen.cookie, cookie, 16));
	/* A second copy of the reply answers nothing any more. */
	CU_ASSERT_EQUAL(wgl_cookie_consume_reply(&ini.gen, reply_want, 64), -ENOTCONN);
	wgl_cookie_add_macs(&ini.gen, msg, sizeof(msg));
	CU_ASSERT(same("initiation with mac2", "cookie", msg, retry_want, 148));

	/* Under load the responder wants exactly that mac2 from exactly that source. */
	resp.under_load = true;
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&resp, answered, 148, src, (size_t)srclen),
			-EBUSY);
	CU_ASSERT_EQUAL(resp.reject, WGL_REJECT_MAC2);
	src[0] ^= 1;
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&resp, retry_want, 148, src, (size_t)srclen),
			-EBUSY);
	src[0] ^= 1;
	CU_ASSERT_EQUAL(wgl_noise_consume_initiation(&resp, retry_want, 148, src, (size_t)srclen),
			0);
}

int main(void)
{
	CU_pSuite s;

	root = vec_load();
	if (!root)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("proto-kat", NULL, NULL);
	CU_add_test(s, "derived keys", test_derived);
	CU_add_test(s, "initiator role", test_initiator);
	CU_add_test(s, "responder role", test_responder);
	CU_add_test(s, "inner echo packet", test_inner_packet);
	CU_add_test(s, "cookie reply and mac2", test_cookie);
	int rc = wgl_test_run();

	json_decref(root);
	return rc;
}
