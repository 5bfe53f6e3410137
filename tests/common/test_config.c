// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the plain config structs, key encodings, the UAPI text
 * protocol (writer and reply parser), the userspace command template and
 * the address policy. Table-driven; keys are cross-checked against `wg`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/backends/uapi.h"
#include "base/log.h"
#include "base/wgconfig.h"
#include "netns/netns.h"
#include "tests/wgl_test.h"

static void test_allowedip_parse(void)
{
	static const struct { const char *in; int ret; int family; int cidr; } t[] = {
		{ "198.19.0.1/32", 0, AF_INET, 32 }, { "198.19.0.0/24", 0, AF_INET, 24 },
		{ "198.19.0.1", 0, AF_INET, 32 }, { "0.0.0.0/0", 0, AF_INET, 0 },
		{ "2001:2::1/128", 0, AF_INET6, 128 }, { "::/0", 0, AF_INET6, 0 },
		{ "2001:2::", 0, AF_INET6, 128 }, { "1.2.3.4/33", -EINVAL, 0, 0 },
		{ "::1/129", -EINVAL, 0, 0 }, { "1.2.3.4/", -EINVAL, 0, 0 },
		{ "1.2.3.4/x", -EINVAL, 0, 0 }, { "nonsense", -EINVAL, 0, 0 },
		{ "1.2.3.4/-1", -EINVAL, 0, 0 }, { "", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		struct wgl_allowedip a = { 0 };

		CU_ASSERT_EQUAL(wgl_allowedip_parse(&a, t[i].in), t[i].ret);
		if (!t[i].ret) {
			CU_ASSERT_EQUAL(a.family, t[i].family);
			CU_ASSERT_EQUAL(a.cidr, t[i].cidr);
		}
	}
}

static void test_endpoint_round_trip(void)
{
	static const struct { const char *in; int ret; const char *out; } t[] = {
		{ "198.18.0.1:51820", 0, "198.18.0.1:51820" },
		{ "[2001:2::1]:1", 0, "[2001:2::1]:1" },
		{ "[2001:2:0:1::2]:65535", 0, "[2001:2:0:1::2]:65535" },
		{ "198.18.0.1:0", -EINVAL, NULL }, { "198.18.0.1:65536", -EINVAL, NULL },
		{ "198.18.0.1", -EINVAL, NULL }, { "2001:2::1:51820", -EINVAL, NULL },
		{ "[198.18.0.1:5", -EINVAL, NULL }, { ":5", -EINVAL, NULL },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		struct wgl_peer p = { 0 };
		char buf[80];

		CU_ASSERT_EQUAL(wgl_endpoint_parse(&p, t[i].in), t[i].ret);
		if (t[i].ret)
			continue;
		CU_ASSERT(p.flags & WGL_PEER_HAS_ENDPOINT);
		wgl_endpoint_format(&p, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, t[i].out);
	}
}

/* Our X25519 public key and base64 must match `wg pubkey` byte for byte. */
static void test_keys_against_wg(void)
{
	char b64[WGL_KEY_B64_LEN], hex[2 * WGL_KEY_LEN + 1], cmd[128], out[64] = "";
	wgl_key priv, pub, back;
	FILE *f;

	for (int i = 0; i < 8; i++) {
		wgl_key_generate_private(priv);
		CU_ASSERT((priv[0] & 7) == 0 && (priv[31] & 0xc0) == 0x40);
		wgl_key_public(pub, priv);
		wgl_key_to_base64(b64, priv);
		CU_ASSERT_EQUAL(wgl_key_from_base64(back, b64), 0);
		CU_ASSERT(memcmp(back, priv, WGL_KEY_LEN) == 0);
		wgl_key_to_hex(hex, pub);
		CU_ASSERT_EQUAL(wgl_key_from_hex(back, hex), 0);
		CU_ASSERT(memcmp(back, pub, WGL_KEY_LEN) == 0);
		snprintf(cmd, sizeof(cmd), "echo %s | wg pubkey 2>/dev/null", b64);
		f = popen(cmd, "r");
		if (f && fgets(out, sizeof(out), f)) {
			out[strcspn(out, "\n")] = '\0';
			wgl_key_to_base64(b64, pub);
			CU_ASSERT_STRING_EQUAL(out, b64);
		}
		if (f)
			pclose(f);
	}
	CU_ASSERT_EQUAL(wgl_key_from_base64(back, "short"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_key_from_base64(back, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!="), -EINVAL);
	CU_ASSERT_EQUAL(wgl_key_from_hex(back, "zz"), -EINVAL);
}

static void test_uapi_set_text(void)
{
	struct wgl_device dev = { .flags = WGL_DEV_HAS_PRIVATE_KEY | WGL_DEV_HAS_LISTEN_PORT |
					   WGL_DEV_REPLACE_PEERS, .listen_port = 51820 };
	struct wgl_peer *p = wgl_device_add_peer(&dev), *gone = wgl_device_add_peer(&dev);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	memset(dev.private_key, 0x11, WGL_KEY_LEN);
	memset(p->public_key, 0x22, WGL_KEY_LEN);
	p->flags = WGL_PEER_HAS_PUBLIC_KEY | WGL_PEER_REPLACE_ALLOWEDIPS | WGL_PEER_HAS_KEEPALIVE;
	p->keepalive_interval = 25;
	wgl_endpoint_parse(p, "[2001:2::2]:51820");
	wgl_allowedip_parse(wgl_peer_add_allowedip(p), "198.19.0.2/32");
	memset(gone->public_key, 0x33, WGL_KEY_LEN);
	gone->flags = WGL_PEER_HAS_PUBLIC_KEY | WGL_PEER_REMOVE_ME;
	wgl_uapi_write_set(f, &dev);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(text,
		"set=1\n"
		"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"listen_port=51820\nreplace_peers=true\n"
		"public_key=2222222222222222222222222222222222222222222222222222222222222222\n"
		"endpoint=[2001:2::2]:51820\npersistent_keepalive_interval=25\n"
		"replace_allowed_ips=true\nallowed_ip=198.19.0.2/32\n"
		"public_key=3333333333333333333333333333333333333333333333333333333333333333\n"
		"remove=true\n\n");
	free(text);
	free(p->first_allowedip);
	free(p);
	free(gone);
}

static int parse_text(const char *text, struct wgl_device **out)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct wgl_device *dev = calloc(1, sizeof(*dev));
	int ret = wgl_uapi_parse_get(f, dev);

	fclose(f);
	*out = dev;
	return ret;
}

static void test_uapi_get_parse(void)
{
	const char *reply =
		"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"listen_port=51820\n"
		"public_key=2222222222222222222222222222222222222222222222222222222222222222\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"protocol_version=1\nendpoint=198.18.0.2:51820\n"
		"last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\n"
		"tx_bytes=92\nrx_bytes=1234\npersistent_keepalive_interval=0\n"
		"allowed_ip=198.19.0.2/32\nallowed_ip=2001:2:0:2::2/128\n"
		"errno=0\n\n";
	struct wgl_device *dev;
	struct wgl_peer *p;

	CU_ASSERT_EQUAL(parse_text(reply, &dev), 0);
	CU_ASSERT_EQUAL(dev->listen_port, 51820);
	CU_ASSERT(dev->flags & WGL_DEV_HAS_PUBLIC_KEY);
	p = dev->first_peer;
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FALSE(p->flags & WGL_PEER_HAS_PRESHARED_KEY);
	CU_ASSERT_EQUAL(p->last_handshake.tv_sec, 1700000000);
	CU_ASSERT_EQUAL(p->rx_bytes, 1234);
	CU_ASSERT_EQUAL(p->tx_bytes, 92);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->first_allowedip);
	CU_ASSERT_EQUAL(p->first_allowedip->next->family, AF_INET6);
	CU_ASSERT_EQUAL(p->endpoint.addr.sa_family, AF_INET);
	wgl_device_free(dev);

	CU_ASSERT_EQUAL(parse_text("errno=22\n\n", &dev), -EINVAL);
	wgl_device_free(dev);
	/* found by the fuzzer: a negative errno must not read as success (or > 0) */
	CU_ASSERT_EQUAL(parse_text("errno=-1\n\n", &dev), -EPROTO);
	wgl_device_free(dev);
	CU_ASSERT_EQUAL(parse_text("listen_port=70000\nerrno=0\n\n", &dev), -EPROTO);
	wgl_device_free(dev);
	CU_ASSERT_EQUAL(parse_text("bogus_key=1\nerrno=0\n\n", &dev), -EPROTO);
	wgl_device_free(dev);
	CU_ASSERT_EQUAL(parse_text("public_key=zz\n\n", &dev), -EPROTO);
	wgl_device_free(dev);
	CU_ASSERT_EQUAL(parse_text("no equals sign\n\n", &dev), -EPROTO);
	wgl_device_free(dev);
	/* A reply cut off before errno= is a protocol error, not success. */
	CU_ASSERT_EQUAL(parse_text("listen_port=1\n", &dev), -EPROTO);
	wgl_device_free(dev);
}

static void test_userspace_template(void)
{
	static const struct { const char *tmpl; int argc; const char *argv1, *last; } t[] = {
		{ "wireguard-go -f {ifname}", 3, "-f", "wg0" },
		{ "  boringtun   --foreground {ifname} ", 3, "--foreground", "wg0" },
		{ "sh -c 'exec wireguard-go -f {ifname}'", 3, "-c", "exec wireguard-go -f wg0" },
		{ "/opt/x\"y z\" {ifname}-tun", 2, "wg0-tun", "wg0-tun" },
		{ "", -EINVAL, NULL, NULL }, { "'unterminated {ifname}", -EINVAL, NULL, NULL },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		char buf[256], *argv[16];
		int argc = wgl_userspace_argv(t[i].tmpl, "wg0", buf, sizeof(buf), argv, 16);

		CU_ASSERT_EQUAL(argc, t[i].argc);
		if (argc <= 0)
			continue;
		CU_ASSERT_STRING_EQUAL(argv[1], t[i].argv1);
		CU_ASSERT_STRING_EQUAL(argv[argc - 1], t[i].last);
		CU_ASSERT_PTR_NULL(argv[argc]);
	}
}

static void test_address_policy(void)
{
	static const struct { const char *a; bool ok; } t[] = {
		{ "198.18.0.1", true }, { "198.19.255.255/32", true }, { "198.18.0.0/15", true },
		{ "198.17.255.255", false }, { "198.20.0.0", false }, { "10.0.0.1", false },
		{ "192.168.1.1/24", false }, { "8.8.8.8", false }, { "127.0.0.1", false },
		{ "2001:2::1/64", true }, { "2001:2:0:ffff::1", true }, { "2001:2:1::1", false },
		{ "2001:db8::1", false }, { "fe80::1/64", true }, { "::1", false }, { "junk", false },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++)
		CU_ASSERT_EQUAL(wgl_addr_allowed(t[i].a), t[i].ok);
}

int main(void)
{
	CU_pSuite s;

	wgl_log_verbosity = WGL_LOG_ERR - 1; /* the malformed replies are expected */
	CU_initialize_registry();
	s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "allowed IP parsing", test_allowedip_parse);
	CU_add_test(s, "endpoint parse/format", test_endpoint_round_trip);
	CU_add_test(s, "keys against wg pubkey", test_keys_against_wg);
	CU_add_test(s, "UAPI set text", test_uapi_set_text);
	CU_add_test(s, "UAPI get parsing", test_uapi_get_parse);
	CU_add_test(s, "userspace command template", test_userspace_template);
	CU_add_test(s, "address policy", test_address_policy);
	return wgl_test_run();
}
