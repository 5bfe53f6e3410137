// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The protocol's primitives: BLAKE2s from libb2, X25519 and the two AEADs
 * from libsodium. Everything above this file speaks in these terms only.
 */
#include <errno.h>
#include <string.h>

#include <blake2.h>
#include <sodium.h>

#include "proto/proto.h"

/*
 * sodium_init() picks the fastest implementations and seeds the RNG; it is
 * idempotent and cheap after the first call. Running it from a constructor
 * means no caller can forget it.
 */
__attribute__((constructor)) static void wgl_crypto_init(void)
{
	if (sodium_init() < 0)
		abort();
}

void wgl_hash(uint8_t out[WGL_HASH_SIZE], const void *a, size_t alen, const void *b, size_t blen)
{
	blake2s_state s;

	blake2s_init(&s, WGL_HASH_SIZE);
	blake2s_update(&s, a, alen);
	if (blen)
		blake2s_update(&s, b, blen);
	blake2s_final(&s, out, WGL_HASH_SIZE);
}

void wgl_mac(uint8_t out[WGL_MAC_SIZE], const uint8_t *key, size_t keylen, const void *msg,
	     size_t len)
{
	blake2s(out, msg, key, WGL_MAC_SIZE, len, keylen);
}

/* HMAC as in RFC 2104 over BLAKE2s (block 64); keys are always 32 bytes here. */
void wgl_hmac(uint8_t out[WGL_HASH_SIZE], const uint8_t key[WGL_HASH_SIZE], const void *msg,
	      size_t len)
{
	uint8_t pad[BLAKE2S_BLOCKBYTES], inner[WGL_HASH_SIZE];
	blake2s_state s;
	size_t i;

	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < WGL_HASH_SIZE; i++)
		pad[i] ^= key[i];
	blake2s_init(&s, WGL_HASH_SIZE);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, msg, len);
	blake2s_final(&s, inner, sizeof(inner));

	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < WGL_HASH_SIZE; i++)
		pad[i] ^= key[i];
	blake2s_init(&s, WGL_HASH_SIZE);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out, WGL_HASH_SIZE);
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

void wgl_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[WGL_HASH_SIZE],
	     const void *x, size_t xlen)
{
	uint8_t prk[WGL_HASH_SIZE], buf[WGL_HASH_SIZE + 1], out[WGL_HASH_SIZE];

	wgl_hmac(prk, key, x, xlen);
	buf[0] = 1;
	wgl_hmac(out, prk, buf, 1);
	memcpy(t1, out, WGL_HASH_SIZE);
	if (t2) {
		memcpy(buf, out, WGL_HASH_SIZE);
		buf[WGL_HASH_SIZE] = 2;
		wgl_hmac(out, prk, buf, sizeof(buf));
		memcpy(t2, out, WGL_HASH_SIZE);
	}
	if (t2 && t3) {
		memcpy(buf, out, WGL_HASH_SIZE);
		buf[WGL_HASH_SIZE] = 3;
		wgl_hmac(out, prk, buf, sizeof(buf));
		memcpy(t3, out, WGL_HASH_SIZE);
	}
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(out, sizeof(out));
}

/* libsodium refuses an all-zero shared secret: that is the low-order check. */
int wgl_dh(uint8_t out[WGL_KEY_SIZE], const uint8_t priv[WGL_KEY_SIZE],
	   const uint8_t pub[WGL_KEY_SIZE])
{
	if (crypto_scalarmult(out, priv, pub) != 0) {
		memset(out, 0, WGL_KEY_SIZE);
		return -EPROTO;
	}
	return 0;
}

static void wgl_nonce(uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES],
		      uint64_t counter)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

void wgl_aead_seal(uint8_t *out, const uint8_t key[WGL_KEY_SIZE], uint64_t counter,
		   const void *pt, size_t len, const void *ad, size_t adlen)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

	wgl_nonce(nonce, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad, adlen, NULL, nonce, key);
}

int wgl_aead_open(uint8_t *out, const uint8_t key[WGL_KEY_SIZE], uint64_t counter,
		  const void *ct, size_t len, const void *ad, size_t adlen)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

	if (len < WGL_TAG_SIZE)
		return -EKEYREJECTED;
	wgl_nonce(nonce, counter);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, len, ad, adlen, nonce,
						      key) != 0)
		return -EKEYREJECTED;
	return 0;
}

void wgl_xaead_seal(uint8_t *out, const uint8_t key[WGL_KEY_SIZE],
		    const uint8_t nonce[WGL_COOKIE_NONCE_SIZE], const void *pt, size_t len,
		    const void *ad, size_t adlen)
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad, adlen, NULL, nonce,
						   key);
}

int wgl_xaead_open(uint8_t *out, const uint8_t key[WGL_KEY_SIZE],
		   const uint8_t nonce[WGL_COOKIE_NONCE_SIZE], const void *ct, size_t len,
		   const void *ad, size_t adlen)
{
	if (len < WGL_TAG_SIZE)
		return -EKEYREJECTED;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, len, ad, adlen, nonce,
						       key) != 0)
		return -EKEYREJECTED;
	return 0;
}

bool wgl_crypto_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}
