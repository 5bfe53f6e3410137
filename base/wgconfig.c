// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "base/wgconfig.h"

struct wgl_peer *wgl_device_add_peer(struct wgl_device *dev)
{
	struct wgl_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (dev->last_peer)
		dev->last_peer->next = p;
	else
		dev->first_peer = p;
	dev->last_peer = p;
	return p;
}

struct wgl_allowedip *wgl_peer_add_allowedip(struct wgl_peer *peer)
{
	struct wgl_allowedip *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (peer->last_allowedip)
		peer->last_allowedip->next = a;
	else
		peer->first_allowedip = a;
	peer->last_allowedip = a;
	return a;
}

int wgl_allowedip_parse(struct wgl_allowedip *aip, const char *text)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long cidr;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &aip->ip4) == 1)
		aip->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &aip->ip6) == 1)
		aip->family = AF_INET6;
	else
		return -EINVAL;
	cidr = aip->family == AF_INET ? 32 : 128;
	if (slash) {
		long max = cidr;

		errno = 0;
		cidr = strtol(slash, &end, 10);
		if (errno || *end || end == slash || cidr < 0 || cidr > max)
			return -EINVAL;
	}
	aip->cidr = (uint8_t)cidr;
	return 0;
}

int wgl_endpoint_parse(struct wgl_peer *peer, const char *text)
{
	char host[INET6_ADDRSTRLEN + 2], *colon, *end;
	const char *h = text;
	size_t hlen;
	long port;

	colon = strrchr(text, ':');
	if (!colon)
		return -EINVAL;
	hlen = (size_t)(colon - text);
	if (hlen && text[0] == '[' && text[hlen - 1] == ']') {
		h = text + 1;
		hlen -= 2;
	} else if (memchr(text, ':', hlen)) {
		return -EINVAL; /* an IPv6 host needs brackets, as `wg` wants it */
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return -EINVAL;
	memset(&peer->endpoint, 0, sizeof(peer->endpoint));
	if (inet_pton(AF_INET, host, &peer->endpoint.addr4.sin_addr) == 1) {
		peer->endpoint.addr4.sin_family = AF_INET;
		peer->endpoint.addr4.sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &peer->endpoint.addr6.sin6_addr) == 1) {
		peer->endpoint.addr6.sin6_family = AF_INET6;
		peer->endpoint.addr6.sin6_port = htons((uint16_t)port);
	} else {
		return -EINVAL;
	}
	peer->flags |= WGL_PEER_HAS_ENDPOINT;
	return 0;
}

void wgl_endpoint_format(const struct wgl_peer *peer, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (peer->endpoint.addr.sa_family == AF_INET) {
		inet_ntop(AF_INET, &peer->endpoint.addr4.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(peer->endpoint.addr4.sin_port));
	} else if (peer->endpoint.addr.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &peer->endpoint.addr6.sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(peer->endpoint.addr6.sin6_port));
	} else {
		snprintf(buf, len, "(none)");
	}
}

struct wgl_peer *wgl_device_find_peer(struct wgl_device *dev, const wgl_key pub)
{
	struct wgl_peer *p;

	wgl_for_each_peer(dev, p)
		if (!memcmp(p->public_key, pub, WGL_KEY_LEN))
			return p;
	return NULL;
}

void wgl_device_free(struct wgl_device *dev)
{
	struct wgl_peer *p, *pn;
	struct wgl_allowedip *a, *an;

	if (!dev)
		return;
	for (p = dev->first_peer; p; p = pn) {
		pn = p->next;
		for (a = p->first_allowedip; a; a = an) {
			an = a->next;
			free(a);
		}
		free(p);
	}
	free(dev);
}

void wgl_key_generate_private(wgl_key priv)
{
	randombytes_buf(priv, WGL_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

void wgl_key_public(wgl_key pub, const wgl_key priv)
{
	crypto_scalarmult_base(pub, priv);
}

void wgl_key_to_base64(char b64[WGL_KEY_B64_LEN], const wgl_key key)
{
	sodium_bin2base64(b64, WGL_KEY_B64_LEN, key, WGL_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

int wgl_key_from_base64(wgl_key key, const char *b64)
{
	size_t len;

	if (strlen(b64) != 44 || b64[43] != '=')
		return -EINVAL;
	if (sodium_base642bin(key, WGL_KEY_LEN, b64, 44, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) || len != WGL_KEY_LEN)
		return -EINVAL;
	return 0;
}

void wgl_key_to_hex(char hex[2 * WGL_KEY_LEN + 1], const wgl_key key)
{
	sodium_bin2hex(hex, 2 * WGL_KEY_LEN + 1, key, WGL_KEY_LEN);
}

int wgl_key_from_hex(wgl_key key, const char *hex)
{
	size_t len;

	if (strlen(hex) != 2 * WGL_KEY_LEN)
		return -EINVAL;
	if (sodium_hex2bin(key, WGL_KEY_LEN, hex, 2 * WGL_KEY_LEN, NULL, &len, NULL) ||
	    len != WGL_KEY_LEN)
		return -EINVAL;
	return 0;
}

bool wgl_key_is_zero(const wgl_key key)
{
	return sodium_is_zero(key, WGL_KEY_LEN);
}
