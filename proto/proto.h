/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wglab's own WireGuard protocol engine: Noise_IKpsk2 handshake in both
 * roles, mac1/mac2 and cookie replies, transport encryption with explicit
 * counters, the replay window and TAI64N. It exists to craft traffic that
 * real peers must accept or reject and to check what they send back; it is
 * not a VPN and keeps no timers of its own.
 *
 * Conventions: functions return 0 (or a length) on success and -errno on
 * failure. Nothing allocates; every struct is caller-owned and may live on
 * the stack. Nothing logs: the caller has the context. Keys are raw 32-byte
 * arrays (wgl_proto_key). proto includes no other wglab folder, so it has
 * its own key type and its own clock (struct wgl_clock below), which tests
 * replace to move time by hand. Not thread-safe: one struct wgl_noise
 * belongs to one thread at a time.
 *
 * Rejections carry two pieces of information: the -errno return value (what
 * class of failure) and the field `reject` of struct wgl_noise (at which
 * check it failed), so tests can assert that a tampered message fails at
 * the check the tampering targets:
 *   -EINVAL        malformed: wrong size or type          (WGL_REJECT_MALFORMED)
 *   -EBADMSG       mac1 wrong                             (WGL_REJECT_MAC1)
 *   -EBUSY         under load and mac2 missing or wrong:  (WGL_REJECT_MAC2)
 *                  the caller should send a cookie reply
 *   -EPROTO        a DH result was all zeros: low-order   (WGL_REJECT_*_DH)
 *                  public key
 *   -EKEYREJECTED  an AEAD tag did not verify             (WGL_REJECT_STATIC, ...)
 *   -ENOKEY        unknown peer or receiver index         (WGL_REJECT_UNKNOWN_*)
 *   -ESTALE        replayed timestamp or counter          (WGL_REJECT_REPLAY_*)
 *   -EAGAIN        initiation flood rate exceeded         (WGL_REJECT_FLOOD)
 *   -ENOTCONN      wrong handshake state / no session     (WGL_REJECT_STATE)
 */
#ifndef WGL_PROTO_H
#define WGL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

/* A Curve25519 private or public key, or a preshared key. */
typedef uint8_t wgl_proto_key[WGL_KEY_SIZE];

/* ---- the clock (tai64n.c) ---- */

/*
 * Monotonic nanoseconds for everything that ages: a held cookie (mac2 only
 * within 120 s of its arrival), the responder's cookie secret (redrawn
 * after 120 s), the initiation flood limit and session birth times. Each
 * engine object holds a pointer to a clock; NULL means CLOCK_MONOTONIC, the
 * same time base as the rest of wglab. A test sets its own now_ns to step
 * time exactly. TAI64N timestamps are wall-clock time and do not use it.
 */
struct wgl_clock {
	long long (*now_ns)(void *ctx);
	void *ctx;
};

/* c->now_ns(c->ctx), or CLOCK_MONOTONIC in nanoseconds when c is NULL. */
long long wgl_clock_now(const struct wgl_clock *c);

/* ---- primitives (crypto.c) ---- */

/* HASH(a ‖ b) with BLAKE2s-256; b may be NULL with blen 0. */
void wgl_hash(uint8_t out[WGL_HASH_SIZE], const void *a, size_t alen, const void *b, size_t blen);
/* MAC(key, msg): keyed BLAKE2s with a 16-byte digest; keylen 1..32. */
void wgl_mac(uint8_t out[WGL_MAC_SIZE], const uint8_t *key, size_t keylen, const void *msg,
	     size_t len);
/* HMAC-BLAKE2s-256 with a 32-byte key. */
void wgl_hmac(uint8_t out[WGL_HASH_SIZE], const uint8_t key[WGL_HASH_SIZE], const void *msg,
	      size_t len);
/* KDF1..3(key, x): writes t1, t2, t3 where non-NULL (t2/t3 NULL for KDF1/KDF2). */
void wgl_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[WGL_HASH_SIZE],
	     const void *x, size_t xlen);
/* X25519; -EPROTO when the result is all zeros (low-order point). */
int wgl_dh(uint8_t out[WGL_KEY_SIZE], const uint8_t priv[WGL_KEY_SIZE],
	   const uint8_t pub[WGL_KEY_SIZE]);
/* ChaCha20-Poly1305 with nonce 0^32 ‖ le64(counter); out holds len + 16. */
void wgl_aead_seal(uint8_t *out, const uint8_t key[WGL_KEY_SIZE], uint64_t counter,
		   const void *pt, size_t len, const void *ad, size_t adlen);
/* Opens len bytes of ciphertext+tag into out (len - 16 bytes); -EKEYREJECTED. */
int wgl_aead_open(uint8_t *out, const uint8_t key[WGL_KEY_SIZE], uint64_t counter,
		  const void *ct, size_t len, const void *ad, size_t adlen);
/* XChaCha20-Poly1305 with a 24-byte nonce, same conventions. */
void wgl_xaead_seal(uint8_t *out, const uint8_t key[WGL_KEY_SIZE],
		    const uint8_t nonce[WGL_COOKIE_NONCE_SIZE], const void *pt, size_t len,
		    const void *ad, size_t adlen);
int wgl_xaead_open(uint8_t *out, const uint8_t key[WGL_KEY_SIZE],
		   const uint8_t nonce[WGL_COOKIE_NONCE_SIZE], const void *ct, size_t len,
		   const void *ad, size_t adlen);
/* Constant-time equality. */
bool wgl_crypto_equal(const void *a, const void *b, size_t len);

/* ---- TAI64N (tai64n.c) ---- */

/* Encodes a wall-clock time (seconds since the epoch, nanoseconds). */
void wgl_tai64n_encode(uint8_t out[WGL_TAI64N_SIZE], int64_t sec, uint32_t nsec);
/*
 * The current time, nanoseconds whitened like wireguard-go (low 24 bits
 * cleared). If the result would not be strictly after `last` (may be NULL),
 * returns last plus one whitening step instead, so consecutive initiations
 * never carry equal timestamps.
 */
void wgl_tai64n_now(uint8_t out[WGL_TAI64N_SIZE], const uint8_t *last);
/* memcmp-like: the encoding is big-endian, so byte order is time order. */
int wgl_tai64n_cmp(const uint8_t a[WGL_TAI64N_SIZE], const uint8_t b[WGL_TAI64N_SIZE]);
/* Adds delta nanoseconds (may be negative), carrying into the seconds. */
void wgl_tai64n_add(uint8_t ts[WGL_TAI64N_SIZE], int64_t delta_ns);

/* ---- replay window (replay.c) ---- */

#define WGL_REPLAY_BITS 8192
#define WGL_REPLAY_WINDOW (WGL_REPLAY_BITS - 64) /* 8128 counters, one word of slack */
/* REJECT_AFTER_MESSAGES = 2^64 - 2^13 - 1: counters from here on are refused. */
#define WGL_REJECT_AFTER_MESSAGES (UINT64_MAX - (1ULL << 13))

struct wgl_replay {
	uint64_t next;     /* greatest accepted counter + 1; 0 = none yet */
	uint64_t bits[WGL_REPLAY_BITS / 64];
};

void wgl_replay_init(struct wgl_replay *r);
/*
 * Accepts counter once: true if it is new and inside the window (and then
 * marks it seen), false for a repeat, a counter older than the window, or
 * one at or past WGL_REJECT_AFTER_MESSAGES. Call only after the packet has
 * authenticated, or forged counters would move the window.
 */
bool wgl_replay_check(struct wgl_replay *r, uint64_t counter);

/* ---- engine state ---- */

enum wgl_reject {
	WGL_REJECT_NONE,
	WGL_REJECT_MALFORMED,
	WGL_REJECT_MAC1,
	WGL_REJECT_MAC2,
	WGL_REJECT_STATE,          /* e.g. a response without a pending initiation */
	WGL_REJECT_UNKNOWN_INDEX,  /* receiver index is not ours */
	WGL_REJECT_EPHEMERAL_DH,   /* DH with the message's ephemeral was all zeros */
	WGL_REJECT_STATIC,         /* initiation: AEAD over the static key failed */
	WGL_REJECT_UNKNOWN_PEER,   /* static decrypted but is not the configured peer */
	WGL_REJECT_STATIC_DH,      /* static-static DH was all zeros */
	WGL_REJECT_TIMESTAMP,      /* initiation: AEAD over the timestamp failed */
	WGL_REJECT_REPLAY_TIMESTAMP,
	WGL_REJECT_FLOOD,
	WGL_REJECT_EMPTY,          /* response: AEAD over the empty payload failed */
	WGL_REJECT_COOKIE,         /* cookie reply: AEAD failed or nothing to answer */
	WGL_REJECT_TRANSPORT,      /* transport: AEAD failed */
	WGL_REJECT_REPLAY_COUNTER,
};

/* Human-readable name of a rejection ("mac1", "static", ...). */
const char *wgl_reject_name(enum wgl_reject r);

/*
 * Records the handshake's intermediate values. Step names are the first
 * word of the vectors' names: C0 H0 H1 C1 H2 C2 k_static H3 C3 k_timestamp
 * H4 C4 H5 C5 C6 C7 k_empty H6 H7 T_send T_recv. T_send/T_recv are always
 * the initiator's sending and receiving keys, whichever role records them.
 */
#define WGL_TRACE_MAX 32
struct wgl_trace {
	unsigned int n;
	struct {
		char step[16];
		uint8_t value[WGL_HASH_SIZE];
	} e[WGL_TRACE_MAX];
};

/* Returns the recorded value of step (last occurrence) or NULL. */
const uint8_t *wgl_trace_find(const struct wgl_trace *t, const char *step);

/* One set of transport keys with its counters. */
struct wgl_keypair {
	bool valid;
	bool initiator;       /* we sent the initiation of this session */
	bool confirmed;       /* we may send: initiator, or a transport was received */
	uint8_t send_key[WGL_KEY_SIZE];
	uint8_t recv_key[WGL_KEY_SIZE];
	uint32_t local_index;  /* what the peer puts in `receiver` when sending to us */
	uint32_t remote_index; /* what we put in `receiver` */
	uint64_t send_counter; /* next counter wgl_transport_seal() uses by default */
	struct wgl_replay replay;
	long long birth_ns;    /* engine clock (wgl_clock_now) when derived */
};

enum wgl_hs_state {
	WGL_HS_NONE,
	WGL_HS_INITIATION_CREATED,
	WGL_HS_INITIATION_CONSUMED,
	WGL_HS_RESPONSE_CREATED,
	WGL_HS_RESPONSE_CONSUMED,
};

struct wgl_handshake {
	enum wgl_hs_state state;
	uint8_t chaining_key[WGL_HASH_SIZE];
	uint8_t hash[WGL_HASH_SIZE];
	uint8_t ephemeral_priv[WGL_KEY_SIZE];
	uint8_t ephemeral_pub[WGL_KEY_SIZE];
	uint8_t remote_ephemeral[WGL_KEY_SIZE];
	uint32_t local_index;
	uint32_t remote_index;
};

/* The sending side's mac state: mac1 key of the receiver and its cookie. */
struct wgl_cookie_gen {
	uint8_t mac1_key[WGL_HASH_SIZE];
	uint8_t cookie_key[WGL_HASH_SIZE];
	uint8_t cookie[WGL_COOKIE_SIZE];
	bool has_cookie;
	long long cookie_ns;    /* when the cookie arrived */
	uint8_t last_mac1[WGL_MAC_SIZE];
	bool has_last_mac1;     /* a cookie reply can only answer a mac1 we sent */
	const struct wgl_clock *clock; /* NULL = monotonic; not owned */
};

/* The receiving side's mac state: own mac1 key, cookie key and secret. */
struct wgl_cookie_checker {
	uint8_t mac1_key[WGL_HASH_SIZE];
	uint8_t cookie_key[WGL_HASH_SIZE];
	uint8_t secret[WGL_HASH_SIZE];
	bool has_secret;
	long long secret_ns;    /* when the secret was drawn */
	bool secret_fixed;      /* set by wgl_cookie_checker_set_secret(): never rotate */
	const struct wgl_clock *clock; /* NULL = monotonic; not owned */
};

/*
 * One local identity paired with one remote peer: enough for either role of
 * a handshake and the resulting session.
 */
struct wgl_noise {
	wgl_proto_key local_priv, local_pub, remote_pub, psk;
	struct wgl_cookie_checker checker; /* for messages the peer sends us */
	struct wgl_cookie_gen gen;         /* for messages we send the peer */
	bool under_load;      /* responder: demand a valid mac2 (else -EBUSY) */
	long long flood_ns;   /* responder: min gap between initiations, 0 = off */

	struct wgl_handshake hs;
	struct wgl_keypair kp;             /* current session */
	uint8_t last_timestamp[WGL_TAI64N_SIZE]; /* greatest accepted from the peer */
	uint8_t sent_timestamp[WGL_TAI64N_SIZE]; /* greatest one we sent */
	bool has_last_initiation;
	long long last_initiation_ns;      /* when we last accepted an initiation */
	const struct wgl_clock *clock;     /* NULL = monotonic; not owned */

	enum wgl_reject reject;  /* why the last consume/open failed */
	struct wgl_trace *trace; /* NULL = off; not owned */
};

/*
 * Deterministic inputs for handshake messages. NULL pointers mean: a fresh
 * random ephemeral, the current (monotonic) timestamp; has_index false means
 * a random sender index.
 */
struct wgl_hs_fixed {
	const uint8_t *ephemeral_priv; /* 32 bytes, clamped by X25519 anyway */
	const uint8_t *timestamp;      /* 12 bytes TAI64N (initiation only) */
	bool has_index;
	uint32_t index;
};

/*
 * Sets up n for local_priv talking to remote_pub, with psk (NULL = zeros).
 * Derives mac1/cookie keys for both directions. Resets all state, the
 * clock included (back to monotonic).
 */
void wgl_noise_init(struct wgl_noise *n, const wgl_proto_key local_priv,
		    const wgl_proto_key remote_pub, const wgl_proto_key psk);
/* Makes n, its cookie checker and its cookie generator read clock c (NULL = monotonic). */
void wgl_noise_set_clock(struct wgl_noise *n, const struct wgl_clock *c);

/* ---- handshake (noise.c) ---- */

/*
 * Initiator: writes a complete initiation (mac1, and mac2 if a cookie less
 * than 120 s old is held) and moves to WGL_HS_INITIATION_CREATED. -EPROTO if
 * a DH is all zeros (low-order remote static key).
 */
int wgl_noise_create_initiation(struct wgl_noise *n, struct wgl_msg_initiation *msg,
				const struct wgl_hs_fixed *fx);
/*
 * Responder: checks mac1 (and mac2 when under_load, with src/srclen the
 * sender's source bytes), decrypts and authenticates the initiation, refuses
 * a timestamp not after the last accepted one. On success the handshake is
 * in WGL_HS_INITIATION_CONSUMED and the timestamp is remembered.
 */
int wgl_noise_consume_initiation(struct wgl_noise *n, const void *buf, size_t len,
				 const uint8_t *src, size_t srclen);
/*
 * Responder: writes the response and derives the session (n->kp, not yet
 * confirmed: it may send only after the first transport arrives).
 */
int wgl_noise_create_response(struct wgl_noise *n, struct wgl_msg_response *msg,
			      const struct wgl_hs_fixed *fx);
/* Initiator: consumes the response; on success n->kp is a confirmed session. */
int wgl_noise_consume_response(struct wgl_noise *n, const void *buf, size_t len,
			       const uint8_t *src, size_t srclen);

/* ---- floods: ephemeral sequences (ephseq.c), precomputed initiations (noise.c) ---- */

/*
 * A sequence of ephemeral keys e, e+8, e+16, ... with their public keys and
 * their DH with one fixed peer public key, at a few dozen field
 * multiplications each instead of two X25519s. The keys are related to
 * each other, so they are for floods only: the peer's work is unchanged.
 */
#define WGL_EPHSEQ_BATCH 64
struct wgl_ephseq_track {
	uint64_t prev_x[5], prev_z[5], cur_x[5], cur_z[5], step[5];
};
struct wgl_ephseq {
	uint8_t priv[WGL_KEY_SIZE];   /* the next private key */
	struct wgl_ephseq_track pub, dh;
	size_t pending;
};

/* Starts a sequence at a random key; -EPROTO for a low-order peer_pub. */
int wgl_ephseq_init(struct wgl_ephseq *s, const uint8_t peer_pub[WGL_KEY_SIZE]);
/*
 * The next n (at most WGL_EPHSEQ_BATCH) keys: priv[i], pub[i] (= X25519
 * base point) and dh[i] (= X25519 with peer_pub). Returns the number made.
 */
size_t wgl_ephseq_next(struct wgl_ephseq *s, size_t n, uint8_t (*priv)[WGL_KEY_SIZE],
		       uint8_t (*pub)[WGL_KEY_SIZE], uint8_t (*dh)[WGL_KEY_SIZE]);

/* What every initiation from one initiator key to one responder shares. */
struct wgl_init_precomp {
	uint8_t c0[WGL_HASH_SIZE], h1[WGL_HASH_SIZE];
	wgl_proto_key local_pub;
	uint8_t static_dh[WGL_KEY_SIZE];  /* DH(initiator static, responder static) */
	uint8_t mac1_key[WGL_HASH_SIZE];
};

/* Fills pc for local_priv -> remote_pub; -EPROTO for a low-order remote_pub. */
int wgl_init_precompute(struct wgl_init_precomp *pc, const wgl_proto_key local_priv,
			const wgl_proto_key remote_pub);
/*
 * A complete initiation (mac1, no mac2) from an ephemeral public key and its
 * DH with the responder's static (wgl_ephseq_next()), byte for byte what
 * wgl_noise_create_initiation() makes from the same inputs.
 */
void wgl_init_build(const struct wgl_init_precomp *pc, const uint8_t eph_pub[WGL_KEY_SIZE],
		    const uint8_t eph_dh[WGL_KEY_SIZE], uint32_t index,
		    const uint8_t ts[WGL_TAI64N_SIZE], struct wgl_msg_initiation *msg);

/* ---- cookies and macs (cookie.c) ---- */

/* Derives the mac1 and cookie keys of whoever owns public key pub. */
/* Both start on the monotonic clock; set ->clock afterwards to replace it. */
void wgl_cookie_gen_init(struct wgl_cookie_gen *g, const wgl_proto_key peer_pub);
void wgl_cookie_checker_init(struct wgl_cookie_checker *c, const wgl_proto_key own_pub);
/* Pins the cookie secret (tests, known answers); it then never rotates. */
void wgl_cookie_checker_set_secret(struct wgl_cookie_checker *c,
				   const uint8_t secret[WGL_HASH_SIZE]);
/*
 * Writes mac1 (and mac2 with a fresh cookie, else zeros) into the last 32
 * bytes of an initiation or response of len bytes and remembers mac1 for
 * a cookie reply.
 */
void wgl_cookie_add_macs(struct wgl_cookie_gen *g, void *msg, size_t len);
/*
 * Checks the macs of a handshake message of len >= 32 bytes (the macs are
 * its last 32): -EBADMSG if mac1 is wrong; with need_mac2, -EBUSY if mac2
 * does not match the cookie for src.
 */
int wgl_cookie_check(struct wgl_cookie_checker *c, const void *msg, size_t len,
		     const uint8_t *src, size_t srclen, bool need_mac2);
/* The cookie for src under the current secret (rotating it after 120 s). */
void wgl_cookie_make(struct wgl_cookie_checker *c, uint8_t out[WGL_COOKIE_SIZE],
		     const uint8_t *src, size_t srclen);
/*
 * Responder: builds the cookie reply to the handshake message msg (its
 * sender index becomes the receiver) for source bytes src. nonce NULL =
 * random. -EINVAL if msg is not an initiation or response.
 */
int wgl_cookie_create_reply(struct wgl_cookie_checker *c, const void *msg, size_t len,
			    const uint8_t *src, size_t srclen, const uint8_t *nonce,
			    struct wgl_msg_cookie *out);
/*
 * Initiator: decrypts a cookie reply against the last mac1 sent and stores
 * the cookie. -EINVAL malformed, -ENOTCONN nothing sent yet,
 * -EKEYREJECTED authentication failed.
 */
int wgl_cookie_consume_reply(struct wgl_cookie_gen *g, const void *buf, size_t len);
/* As above for the engine: also checks the receiver index against our handshake. */
int wgl_noise_consume_cookie(struct wgl_noise *n, const void *buf, size_t len);

/* ---- transport (transport.c) ---- */

/* Length of the transport message carrying len plaintext bytes (padded). */
size_t wgl_transport_size(size_t len);
/*
 * Encrypts pt (len bytes, padded with zeros to 16) with an explicit counter
 * into out (cap bytes). len 0 makes a keepalive. Returns the message length,
 * -ENOBUFS if cap is too small, -ENOTCONN if kp is not valid or, as
 * responder, not yet confirmed. Does not touch kp->send_counter.
 */
int wgl_transport_seal(const struct wgl_keypair *kp, uint64_t counter, const void *pt,
		       size_t len, void *out, size_t cap);
/* Same with kp->send_counter, which is then incremented. */
int wgl_transport_seal_next(struct wgl_keypair *kp, const void *pt, size_t len, void *out,
			    size_t cap);
/*
 * Decrypts a transport message into pt (cap bytes; the padded length is
 * returned, 0 for a keepalive) after checking the receiver index, the tag
 * and the replay window, in that order; *counter (may be NULL) gets the
 * message counter. Confirms a responder's session. -ENOKEY wrong index,
 * -EKEYREJECTED bad tag, -ESTALE replayed/old counter, -ENOBUFS cap too small.
 */
int wgl_transport_open(struct wgl_keypair *kp, const void *buf, size_t len, void *pt,
		       size_t cap, uint64_t *counter);
/* The engine wrapper: sets n->reject on failure. */
int wgl_noise_open(struct wgl_noise *n, const void *buf, size_t len, void *pt, size_t cap,
		   uint64_t *counter);

/* ---- inner packets (inner.c) ---- */

/* Internet checksum (RFC 1071) over buf, seeded with a partial sum. */
uint16_t wgl_inet_csum(const void *buf, size_t len, uint32_t seed);

struct wgl_echo {
	int family;              /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];/* 4 bytes used for IPv4 */
	uint16_t id, seq;
	bool reply;              /* echo reply (else request) */
	uint8_t ttl;             /* hop limit; 0 = 64 */
	const uint8_t *payload;  /* build: NULL = a counting pattern; parse: into buf */
	size_t payload_len;
};

/*
 * Builds an IPv4 + ICMP (or IPv6 + ICMPv6) echo request (or reply) as e
 * describes, with valid checksums, DF set and IP id 0 for IPv4, into buf.
 * Returns the length or -ENOBUFS / -EAFNOSUPPORT.
 */
int wgl_echo_build(const struct wgl_echo *e, void *buf, size_t cap);
/*
 * Parses a decrypted inner packet (possibly with padding after the IP
 * length) as an echo request or reply and fills e. -EINVAL if it is not one,
 * -EBADMSG if a checksum is wrong.
 */
int wgl_echo_parse(const void *buf, size_t len, struct wgl_echo *e);

#endif
