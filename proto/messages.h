/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wire layouts of the four WireGuard messages. Every integer is
 * little-endian on the wire (use htole32()/le32toh()); the type is a 32-bit
 * field whose upper three bytes are zero, which is how both the kernel and
 * wireguard-go read it. The TAI64N inside the encrypted timestamp is
 * big-endian, but it never appears in the clear.
 */
#ifndef WGL_PROTO_MESSAGES_H
#define WGL_PROTO_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#define WGL_KEY_SIZE 32
#define WGL_HASH_SIZE 32
#define WGL_MAC_SIZE 16
#define WGL_TAG_SIZE 16
#define WGL_TAI64N_SIZE 12
#define WGL_COOKIE_SIZE 16
#define WGL_COOKIE_NONCE_SIZE 24

enum wgl_msg_type {
	WGL_MSG_INITIATION = 1,
	WGL_MSG_RESPONSE = 2,
	WGL_MSG_COOKIE = 3,
	WGL_MSG_TRANSPORT = 4,
};

/* The two macs close every handshake message; mac1 covers everything before it. */
struct wgl_msg_macs {
	uint8_t mac1[WGL_MAC_SIZE];
	uint8_t mac2[WGL_MAC_SIZE];
} __attribute__((packed));

struct wgl_msg_initiation {
	uint32_t type;
	uint32_t sender;
	uint8_t ephemeral[WGL_KEY_SIZE];
	uint8_t encrypted_static[WGL_KEY_SIZE + WGL_TAG_SIZE];
	uint8_t encrypted_timestamp[WGL_TAI64N_SIZE + WGL_TAG_SIZE];
	struct wgl_msg_macs macs;
} __attribute__((packed));

struct wgl_msg_response {
	uint32_t type;
	uint32_t sender;
	uint32_t receiver;
	uint8_t ephemeral[WGL_KEY_SIZE];
	uint8_t encrypted_nothing[WGL_TAG_SIZE];
	struct wgl_msg_macs macs;
} __attribute__((packed));

struct wgl_msg_cookie {
	uint32_t type;
	uint32_t receiver;
	uint8_t nonce[WGL_COOKIE_NONCE_SIZE];
	uint8_t encrypted_cookie[WGL_COOKIE_SIZE + WGL_TAG_SIZE];
} __attribute__((packed));

/* Followed by the padded plaintext's ciphertext and a 16-byte tag. */
struct wgl_msg_transport {
	uint32_t type;
	uint32_t receiver;
	uint64_t counter;
	uint8_t encrypted[];
} __attribute__((packed));

#define WGL_MSG_INITIATION_SIZE 148
#define WGL_MSG_RESPONSE_SIZE 92
#define WGL_MSG_COOKIE_SIZE 64
#define WGL_MSG_TRANSPORT_HEADER_SIZE 16
#define WGL_MSG_TRANSPORT_MIN_SIZE (WGL_MSG_TRANSPORT_HEADER_SIZE + WGL_TAG_SIZE)
/* Plaintext is padded with zeros to a multiple of this. */
#define WGL_MSG_PADDING 16

_Static_assert(sizeof(struct wgl_msg_initiation) == WGL_MSG_INITIATION_SIZE, "initiation");
_Static_assert(sizeof(struct wgl_msg_response) == WGL_MSG_RESPONSE_SIZE, "response");
_Static_assert(sizeof(struct wgl_msg_cookie) == WGL_MSG_COOKIE_SIZE, "cookie reply");
_Static_assert(sizeof(struct wgl_msg_transport) == WGL_MSG_TRANSPORT_HEADER_SIZE, "transport");

/*
 * Classifies a datagram: returns its enum wgl_msg_type when the type field
 * is known and the length fits that type (exact for handshake messages, at
 * least 32 bytes for transport), else -EINVAL. Reads only the 4-byte type
 * field (nothing when len < 4), so a capture reader that knows a message's
 * full length from its UDP header may classify a copy cut short by the
 * snaplen, as long as it holds those 4 bytes.
 */
int wgl_msg_classify(const void *buf, size_t len);

/* Sender index of an initiation or response (host order); buf must be one. */
uint32_t wgl_msg_sender(const void *buf);

#endif
