// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * WireGuard device configs on the agent wire: JSON objects in the shape of
 * `wg showconf` (keys base64, endpoints "IP:PORT", allowed IPs "ADDR/LEN"),
 * to and from base/wgconfig.h's structs. Outside input: every field is
 * checked, the offending one named.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/agent_priv.h"

static int bad(char *why, size_t len, const char *field, int err)
{
	snprintf(why, len, "config: bad or unknown field '%s'", field);
	return err;
}

static int get_key(const json_t *o, const char *name, wgl_key key, bool *has, char *why,
		   size_t len)
{
	const json_t *v = json_object_get(o, name);

	*has = v != NULL;
	if (v && (!json_is_string(v) || wgl_key_from_base64(key, json_string_value(v)) < 0))
		return bad(why, len, name, -EINVAL);
	return 0;
}

/* Only the benchmarking ranges: the agent sends no traffic anywhere else. */
static int peer_endpoint(struct wgl_peer *p, const json_t *v, char *why, size_t len)
{
	char host[INET6_ADDRSTRLEN + 2];

	if (!json_is_string(v) || wgl_endpoint_parse(p, json_string_value(v)) < 0)
		return bad(why, len, "endpoint", -EINVAL);
	if (p->endpoint.addr.sa_family == AF_INET)
		inet_ntop(AF_INET, &p->endpoint.addr4.sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &p->endpoint.addr6.sin6_addr, host, sizeof(host));
	if (!wgl_addr_allowed(host))
		return bad(why, len, "endpoint (outside the benchmarking ranges)", -EPERM);
	p->flags |= WGL_PEER_HAS_ENDPOINT;
	return 0;
}

static int peer_from_json(struct wgl_device *dev, const json_t *j, char *why, size_t len)
{
	struct wgl_peer *p = wgl_device_add_peer(dev);
	const json_t *v, *aips;
	const char *key;
	bool has;
	size_t i;
	int err;

	if (!p)
		return -ENOMEM;
	if (!json_is_object(j))
		return bad(why, len, "peers[]", -EINVAL);
	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "public_key") && strcmp(key, "preshared_key") &&
		    strcmp(key, "endpoint") && strcmp(key, "allowed_ips") &&
		    strcmp(key, "keepalive") && strcmp(key, "remove") &&
		    strcmp(key, "replace_allowed_ips"))
			return bad(why, len, key, -EINVAL);
	}
	if (get_key(j, "public_key", p->public_key, &has, why, len) < 0 || !has)
		return bad(why, len, "public_key", -EINVAL);
	p->flags |= WGL_PEER_HAS_PUBLIC_KEY;
	if (get_key(j, "preshared_key", p->preshared_key, &has, why, len) < 0)
		return -EINVAL;
	p->flags |= has ? WGL_PEER_HAS_PRESHARED_KEY : 0;
	v = json_object_get(j, "endpoint");
	if (v && (err = peer_endpoint(p, v, why, len)) < 0)
		return err;
	v = json_object_get(j, "keepalive");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 65535)
			return bad(why, len, "keepalive", -EINVAL);
		p->keepalive_interval = (uint16_t)json_integer_value(v);
		p->flags |= WGL_PEER_HAS_KEEPALIVE;
	}
	p->flags |= json_is_true(json_object_get(j, "remove")) ? WGL_PEER_REMOVE_ME : 0;
	p->flags |= json_is_true(json_object_get(j, "replace_allowed_ips")) ?
		    WGL_PEER_REPLACE_ALLOWEDIPS : 0;
	aips = json_object_get(j, "allowed_ips");
	if (aips && !json_is_array(aips))
		return bad(why, len, "allowed_ips", -EINVAL);
	json_array_foreach(aips, i, v) {
		struct wgl_allowedip *a = wgl_peer_add_allowedip(p);

		if (!a)
			return -ENOMEM;
		if (!json_is_string(v) || wgl_allowedip_parse(a, json_string_value(v)) < 0)
			return bad(why, len, "allowed_ips[]", -EINVAL);
	}
	return 0;
}

static int dev_fields(struct wgl_device *dev, const json_t *j, char *why, size_t len)
{
	const json_t *v;
	const char *key;
	bool has;

	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "private_key") && strcmp(key, "listen_port") &&
		    strcmp(key, "replace_peers") && strcmp(key, "peers"))
			return bad(why, len, key, -EINVAL);
	}
	if (get_key(j, "private_key", dev->private_key, &has, why, len) < 0)
		return -EINVAL;
	dev->flags |= has ? WGL_DEV_HAS_PRIVATE_KEY : 0;
	v = json_object_get(j, "listen_port");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 65535)
			return bad(why, len, "listen_port", -EINVAL);
		dev->listen_port = (uint16_t)json_integer_value(v);
		dev->flags |= WGL_DEV_HAS_LISTEN_PORT;
	}
	dev->flags |= json_is_true(json_object_get(j, "replace_peers")) ? WGL_DEV_REPLACE_PEERS : 0;
	return 0;
}

int wgl_agent_config_from_json(const json_t *j, struct wgl_device **out, char *why, size_t len)
{
	struct wgl_device *dev = calloc(1, sizeof(*dev));
	const json_t *peers, *v;
	size_t i;
	int err;

	*out = NULL;
	if (!dev)
		return -ENOMEM;
	err = dev_fields(dev, j, why, len);
	peers = json_object_get(j, "peers");
	if (!err && peers && !json_is_array(peers))
		err = bad(why, len, "peers", -EINVAL);
	json_array_foreach(peers, i, v) {
		if (err)
			break;
		err = peer_from_json(dev, v, why, len);
	}
	if (err) {
		wgl_device_free(dev);
		return err;
	}
	*out = dev;
	return 0;
}

static json_t *peer_to_json(const struct wgl_peer *p)
{
	char key[WGL_KEY_B64_LEN], ep[INET6_ADDRSTRLEN + 16] = "", ip[INET6_ADDRSTRLEN];
	json_t *aips = json_array();
	const struct wgl_allowedip *a;

	wgl_key_to_base64(key, p->public_key);
	if (p->flags & WGL_PEER_HAS_ENDPOINT || p->endpoint.addr.sa_family)
		wgl_endpoint_format(p, ep, sizeof(ep));
	wgl_for_each_allowedip(p, a) {
		char text[INET6_ADDRSTRLEN + 8];

		inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->ip4 :
			  (const void *)&a->ip6, ip, sizeof(ip));
		snprintf(text, sizeof(text), "%s/%u", ip, a->cidr);
		json_array_append_new(aips, json_string(text));
	}
	return json_pack("{s:s s:s? s:o s:i s:I s:I s:I}", "public_key", key, "endpoint",
			 ep[0] ? ep : NULL,
			 "allowed_ips", aips, "keepalive", p->keepalive_interval,
			 "last_handshake_ns", (json_int_t)(p->last_handshake.tv_sec * 1000000000LL +
							   p->last_handshake.tv_nsec),
			 "rx_bytes", (json_int_t)p->rx_bytes, "tx_bytes", (json_int_t)p->tx_bytes);
}

json_t *wgl_agent_config_to_json(const struct wgl_device *dev)
{
	char key[WGL_KEY_B64_LEN];
	json_t *peers = json_array();
	const struct wgl_peer *p;

	wgl_key_to_base64(key, dev->public_key);
	wgl_for_each_peer(dev, p)
		json_array_append_new(peers, peer_to_json(p));
	return json_pack("{s:s s:i s:o}", "public_key", key, "listen_port", dev->listen_port,
			 "peers", peers);
}
