/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plain structs every module exchanges about a WireGuard device: the CLI
 * and scenarios fill them, backends apply and read them back, reports print
 * them. Modelled on wireguard-tools' containers.h: device -> peers ->
 * allowed IPs, HAS_ flags for "field present", NULL-safe free.
 */
#ifndef WGL_WGCONFIG_H
#define WGL_WGCONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#define WGL_KEY_LEN 32
#define WGL_KEY_B64_LEN 45 /* 44 characters and the terminator */

typedef uint8_t wgl_key[WGL_KEY_LEN];

struct wgl_allowedip {
	uint16_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
	uint8_t cidr;
	struct wgl_allowedip *next;
};

enum {
	WGL_PEER_REMOVE_ME = 1U << 0,
	WGL_PEER_REPLACE_ALLOWEDIPS = 1U << 1,
	WGL_PEER_HAS_PUBLIC_KEY = 1U << 2,
	WGL_PEER_HAS_PRESHARED_KEY = 1U << 3,
	WGL_PEER_HAS_KEEPALIVE = 1U << 4,
	WGL_PEER_HAS_ENDPOINT = 1U << 5,
};

struct wgl_peer {
	uint32_t flags;
	wgl_key public_key;
	wgl_key preshared_key;
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	} endpoint;
	uint16_t keepalive_interval; /* seconds, 0 = off */
	/* Read back from the device only. */
	struct timespec last_handshake; /* wall clock; zero = never */
	uint64_t rx_bytes, tx_bytes;
	struct wgl_allowedip *first_allowedip, *last_allowedip;
	struct wgl_peer *next;
};

enum {
	WGL_DEV_REPLACE_PEERS = 1U << 0,
	WGL_DEV_HAS_PRIVATE_KEY = 1U << 1,
	WGL_DEV_HAS_PUBLIC_KEY = 1U << 2,
	WGL_DEV_HAS_LISTEN_PORT = 1U << 3,
	WGL_DEV_HAS_FWMARK = 1U << 4,
};

struct wgl_device {
	char name[IFNAMSIZ];
	uint32_t flags;
	wgl_key private_key;
	wgl_key public_key;
	uint16_t listen_port;
	uint32_t fwmark;
	struct wgl_peer *first_peer, *last_peer;
};

#define wgl_for_each_peer(dev, p) for ((p) = (dev)->first_peer; (p); (p) = (p)->next)
#define wgl_for_each_allowedip(peer, a) \
	for ((a) = (peer)->first_allowedip; (a); (a) = (a)->next)

/* Allocation helpers: the returned objects are zeroed and linked at the tail. */
struct wgl_peer *wgl_device_add_peer(struct wgl_device *dev);
struct wgl_allowedip *wgl_peer_add_allowedip(struct wgl_peer *peer);
/* Parses "A.B.C.D/N" or "X::Y/N"; 0 or -EINVAL. */
int wgl_allowedip_parse(struct wgl_allowedip *aip, const char *text);
/* Parses "IP:PORT" or "[IP6]:PORT" into a peer endpoint; 0 or -EINVAL. */
int wgl_endpoint_parse(struct wgl_peer *peer, const char *text);
/* Formats the peer endpoint as "IP:PORT" / "[IP6]:PORT" into buf. */
void wgl_endpoint_format(const struct wgl_peer *peer, char *buf, size_t len);
struct wgl_peer *wgl_device_find_peer(struct wgl_device *dev, const wgl_key pub);
void wgl_device_free(struct wgl_device *dev); /* NULL-safe, frees dev too */

/* X25519 keys through libsodium; base64 as printed by `wg`. */
void wgl_key_generate_private(wgl_key priv);
void wgl_key_public(wgl_key pub, const wgl_key priv);
void wgl_key_to_base64(char b64[WGL_KEY_B64_LEN], const wgl_key key);
int wgl_key_from_base64(wgl_key key, const char *b64);
void wgl_key_to_hex(char hex[2 * WGL_KEY_LEN + 1], const wgl_key key);
int wgl_key_from_hex(wgl_key key, const char *hex);
bool wgl_key_is_zero(const wgl_key key);

#endif
