// SPDX-License-Identifier: GPL-2.0-or-later
/* UAPI text protocol: keys in hex, one key=value per line, blank line ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/backends/uapi.h"
#include "base/log.h"

int wgl_uapi_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void write_allowedip(FILE *f, const struct wgl_allowedip *a)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->ip4 : (const void *)&a->ip6,
		  ip, sizeof(ip));
	fprintf(f, "allowed_ip=%s/%u\n", ip, a->cidr);
}

static void write_peer(FILE *f, const struct wgl_peer *p)
{
	const struct wgl_allowedip *a;
	char hex[2 * WGL_KEY_LEN + 1], ep[INET6_ADDRSTRLEN + 16];

	wgl_key_to_hex(hex, p->public_key);
	fprintf(f, "public_key=%s\n", hex);
	if (p->flags & WGL_PEER_REMOVE_ME) {
		fprintf(f, "remove=true\n");
		return;
	}
	if (p->flags & WGL_PEER_HAS_PRESHARED_KEY) {
		wgl_key_to_hex(hex, p->preshared_key);
		fprintf(f, "preshared_key=%s\n", hex);
	}
	if (p->flags & WGL_PEER_HAS_ENDPOINT) {
		wgl_endpoint_format(p, ep, sizeof(ep));
		fprintf(f, "endpoint=%s\n", ep);
	}
	if (p->flags & WGL_PEER_HAS_KEEPALIVE)
		fprintf(f, "persistent_keepalive_interval=%u\n", p->keepalive_interval);
	if (p->flags & WGL_PEER_REPLACE_ALLOWEDIPS)
		fprintf(f, "replace_allowed_ips=true\n");
	wgl_for_each_allowedip(p, a)
		write_allowedip(f, a);
}

void wgl_uapi_write_set(FILE *f, const struct wgl_device *cfg)
{
	const struct wgl_peer *p;
	char hex[2 * WGL_KEY_LEN + 1];

	fprintf(f, "set=1\n");
	if (cfg->flags & WGL_DEV_HAS_PRIVATE_KEY) {
		wgl_key_to_hex(hex, cfg->private_key);
		fprintf(f, "private_key=%s\n", hex);
	}
	if (cfg->flags & WGL_DEV_HAS_LISTEN_PORT)
		fprintf(f, "listen_port=%u\n", cfg->listen_port);
	if (cfg->flags & WGL_DEV_HAS_FWMARK)
		fprintf(f, "fwmark=%u\n", cfg->fwmark);
	if (cfg->flags & WGL_DEV_REPLACE_PEERS)
		fprintf(f, "replace_peers=true\n");
	wgl_for_each_peer(cfg, p)
		write_peer(f, p);
	fprintf(f, "\n");
}

/* Opens a stdio stream on a fresh connection to the daemon. */
static FILE *open_stream(const char *path)
{
	int fd = wgl_uapi_connect(path);
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "r+");
	if (!f)
		close(fd);
	return f;
}

static int parse_u64(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	return (errno || end == v || *end || *out > max) ? -EPROTO : 0;
}

/* Reads the reply's "errno=N" and the terminating blank line. */
static int read_errno(FILE *f)
{
	char line[256];
	int ret = -EPROTO;

	while (fgets(line, sizeof(line), f)) {
		unsigned long long e;

		if (line[0] == '\n')
			break;
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "errno=", 6))
			ret = parse_u64(line + 6, 4095, &e) < 0 ? -EPROTO : -(int)e;
	}
	return ret;
}

int wgl_uapi_set(const char *path, const struct wgl_device *cfg)
{
	FILE *f = open_stream(path);
	int ret;

	if (!f)
		return -errno;
	wgl_uapi_write_set(f, cfg);
	fflush(f);
	ret = read_errno(f);
	fclose(f);
	return ret;
}


static int parse_device_key(struct wgl_device *dev, const char *k, const char *v)
{
	unsigned long long n;

	if (!strcmp(k, "private_key")) {
		if (wgl_key_from_hex(dev->private_key, v) < 0)
			return -EPROTO;
		dev->flags |= WGL_DEV_HAS_PRIVATE_KEY;
		if (!wgl_key_is_zero(dev->private_key)) {
			wgl_key_public(dev->public_key, dev->private_key);
			dev->flags |= WGL_DEV_HAS_PUBLIC_KEY;
		}
	} else if (!strcmp(k, "listen_port")) {
		if (parse_u64(v, 65535, &n) < 0)
			return -EPROTO;
		dev->listen_port = (uint16_t)n;
		dev->flags |= WGL_DEV_HAS_LISTEN_PORT;
	} else if (!strcmp(k, "fwmark")) {
		if (parse_u64(v, 0xffffffffu, &n) < 0)
			return -EPROTO;
		dev->fwmark = (uint32_t)n;
		dev->flags |= WGL_DEV_HAS_FWMARK;
	} else {
		return 1; /* not a device key */
	}
	return 0;
}

static int parse_peer_key(struct wgl_peer *p, const char *k, const char *v)
{
	unsigned long long n;
	struct wgl_allowedip *a;

	if (!strcmp(k, "preshared_key")) {
		if (wgl_key_from_hex(p->preshared_key, v) < 0)
			return -EPROTO;
		if (!wgl_key_is_zero(p->preshared_key))
			p->flags |= WGL_PEER_HAS_PRESHARED_KEY;
	} else if (!strcmp(k, "endpoint")) {
		return wgl_endpoint_parse(p, v) < 0 ? -EPROTO : 0;
	} else if (!strcmp(k, "persistent_keepalive_interval")) {
		if (parse_u64(v, 65535, &n) < 0)
			return -EPROTO;
		p->keepalive_interval = (uint16_t)n;
		p->flags |= WGL_PEER_HAS_KEEPALIVE;
	} else if (!strcmp(k, "last_handshake_time_sec")) {
		if (parse_u64(v, ~0ULL, &n) < 0)
			return -EPROTO;
		p->last_handshake.tv_sec = (time_t)n;
	} else if (!strcmp(k, "last_handshake_time_nsec")) {
		if (parse_u64(v, 999999999, &n) < 0)
			return -EPROTO;
		p->last_handshake.tv_nsec = (long)n;
	} else if (!strcmp(k, "rx_bytes")) {
		return parse_u64(v, ~0ULL, (unsigned long long *)&p->rx_bytes);
	} else if (!strcmp(k, "tx_bytes")) {
		return parse_u64(v, ~0ULL, (unsigned long long *)&p->tx_bytes);
	} else if (!strcmp(k, "allowed_ip")) {
		a = wgl_peer_add_allowedip(p);
		if (!a)
			return -ENOMEM;
		return wgl_allowedip_parse(a, v) < 0 ? -EPROTO : 0;
	} else if (strcmp(k, "protocol_version")) {
		return -EPROTO;
	}
	return 0;
}

int wgl_uapi_parse_get(FILE *f, struct wgl_device *dev)
{
	struct wgl_peer *peer = NULL;
	char line[512], *eq = NULL;
	int ret = -EPROTO;

	while (fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (!line[0])
			break;
		eq = strchr(line, '=');
		if (!eq)
			goto bad;
		*eq = '\0';
		if (!strcmp(line, "errno")) {
			unsigned long long e;

			if (parse_u64(eq + 1, 4095, &e) < 0)
				goto bad;
			ret = -(int)e;
			continue;
		}
		if (!strcmp(line, "public_key")) {
			peer = wgl_device_add_peer(dev);
			if (!peer || wgl_key_from_hex(peer->public_key, eq + 1) < 0)
				goto bad;
			peer->flags |= WGL_PEER_HAS_PUBLIC_KEY;
			continue;
		}
		ret = peer ? parse_peer_key(peer, line, eq + 1) : parse_device_key(dev, line, eq + 1);
		if (ret)
			goto bad;
		ret = -EPROTO;
	}
	return ret;
bad:
	wgl_err("UAPI: malformed reply line '%s%s%s'", line, eq ? "=" : "", eq ? eq + 1 : "");
	return -EPROTO;
}

int wgl_uapi_get(const char *path, const char *ifname, struct wgl_device **out)
{
	struct wgl_device *dev = calloc(1, sizeof(*dev));
	FILE *f;
	int ret;

	if (!dev)
		return -ENOMEM;
	snprintf(dev->name, sizeof(dev->name), "%s", ifname);
	f = open_stream(path);
	if (!f) {
		ret = -errno;
		goto err;
	}
	fprintf(f, "get=1\n\n");
	fflush(f);
	ret = wgl_uapi_parse_get(f, dev);
	fclose(f);
	if (ret < 0)
		goto err;
	*out = dev;
	return 0;
err:
	wgl_device_free(dev);
	return ret;
}
