// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel backend against a real wireguard module: a configuration large
 * enough to need many SET messages and a split GET dump is read back intact;
 * REPLACE_PEERS and REMOVE_ME act as the kernel documents; a kernel pair
 * handshakes and counts bytes. Needs root and the module; on hosts without
 * it, run it in the kernel lab (tests/vm/test_vm.c does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/log.h"
#include "harness/pair.h"
#include "netns/netns.h"
#include "tests/wgl_test.h"

#define NPEERS 300
#define NAIPS 24

static struct wgl_ns *ns;
static struct wgl_wgdev *dev;

static int setup(void)
{
	ns = wgl_ns_new("kbackend", false);
	dev = ns ? wgl_wg_create("kernel", ns, "wgk0", NULL) : NULL;
	return dev ? 0 : -1;
}

static int teardown(void)
{
	wgl_wg_destroy(dev);
	wgl_ns_free(ns);
	return 0;
}

/* Peer i: 198.18.0.0/15 host routes for j < NAIPS/2, 2001:2:0:i::j/128 for the rest. */
static void fill_peer(struct wgl_peer *p, int i)
{
	char text[64];

	wgl_key_generate_private(p->public_key);
	p->flags = WGL_PEER_HAS_PUBLIC_KEY | WGL_PEER_HAS_KEEPALIVE | WGL_PEER_REPLACE_ALLOWEDIPS;
	p->keepalive_interval = (uint16_t)(i % 60);
	for (int j = 0; j < NAIPS; j++) {
		if (j < NAIPS / 2)
			snprintf(text, sizeof(text), "198.%d.%d.%d/32", 18 + i / 256, i % 256,
				 j + 1);
		else
			snprintf(text, sizeof(text), "2001:2:0:%x::%x/128", i, j + 1);
		CU_ASSERT_EQUAL_FATAL(wgl_allowedip_parse(wgl_peer_add_allowedip(p), text), 0);
	}
}

static bool same_aips(const struct wgl_peer *want, const struct wgl_peer *got)
{
	const struct wgl_allowedip *a, *b;
	int n = 0, m = 0;

	wgl_for_each_allowedip(want, a) {
		bool found = false;

		n++;
		wgl_for_each_allowedip(got, b)
			if (a->family == b->family && a->cidr == b->cidr &&
			    !memcmp(&a->ip6, &b->ip6, a->family == AF_INET ? 4 : 16))
				found = true;
		if (!found)
			return false;
	}
	wgl_for_each_allowedip(got, b)
		m++;
	return n == m;
}

static void test_identity(void)
{
	CU_ASSERT(!strncmp(dev->impl, "linux ", 6));
	CU_ASSERT(strstr(dev->impl, "wireguard.ko") != NULL);
	CU_ASSERT(dev->impl_version[0] != '\0');
	CU_ASSERT(wgl_link_index(ns, "wgk0") > 0);
	/* Created in the node's namespace, never in ours. */
	CU_ASSERT_EQUAL(if_nametoindex("wgk0"), 0);
}

static void test_large_config_round_trip(void)
{
	struct wgl_device cfg = { 0 }, *got = NULL;
	const struct wgl_peer *p;
	int npeers = 0;

	cfg.flags = WGL_DEV_HAS_PRIVATE_KEY | WGL_DEV_HAS_LISTEN_PORT | WGL_DEV_HAS_FWMARK |
		    WGL_DEV_REPLACE_PEERS;
	wgl_key_generate_private(cfg.private_key);
	cfg.listen_port = 51999;
	cfg.fwmark = 0x5a;
	for (int i = 0; i < NPEERS; i++)
		fill_peer(wgl_device_add_peer(&cfg), i);
	CU_ASSERT_EQUAL_FATAL(wgl_wg_set(dev, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_wg_get(dev, &got), 0);
	CU_ASSERT_EQUAL(got->listen_port, 51999);
	CU_ASSERT_EQUAL(got->fwmark, 0x5a);
	CU_ASSERT(!memcmp(got->private_key, cfg.private_key, WGL_KEY_LEN));
	{
		wgl_key pub;

		wgl_key_public(pub, cfg.private_key);
		CU_ASSERT(!memcmp(got->public_key, pub, WGL_KEY_LEN));
	}
	wgl_for_each_peer(got, p)
		npeers++;
	CU_ASSERT_EQUAL(npeers, NPEERS);
	wgl_for_each_peer(&cfg, p) {
		struct wgl_peer *q = wgl_device_find_peer(got, p->public_key);

		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		CU_ASSERT_EQUAL(q->keepalive_interval, p->keepalive_interval);
		CU_ASSERT(same_aips(p, q));
	}
	wgl_device_free(got);
	/* cfg's lists are heap-allocated; free them without freeing cfg itself. */
	while (cfg.first_peer) {
		struct wgl_peer *n = cfg.first_peer->next;

		cfg.first_peer->next = NULL;
		while (cfg.first_peer->first_allowedip) {
			struct wgl_allowedip *a = cfg.first_peer->first_allowedip->next;

			free(cfg.first_peer->first_allowedip);
			cfg.first_peer->first_allowedip = a;
		}
		free(cfg.first_peer);
		cfg.first_peer = n;
	}
}

static int count_peers(void)
{
	struct wgl_device *got = NULL;
	const struct wgl_peer *p;
	int n = 0;

	if (wgl_wg_get(dev, &got) < 0)
		return -1;
	wgl_for_each_peer(got, p)
		n++;
	wgl_device_free(got);
	return n;
}

static void test_replace_and_remove(void)
{
	struct wgl_device *cfg = calloc(1, sizeof(*cfg));
	struct wgl_peer *p;

	cfg->flags = WGL_DEV_REPLACE_PEERS;
	p = wgl_device_add_peer(cfg);
	fill_peer(p, 7);
	CU_ASSERT_EQUAL(wgl_wg_set(dev, cfg), 0);
	CU_ASSERT_EQUAL(count_peers(), 1);
	cfg->flags = 0;
	p->flags |= WGL_PEER_REMOVE_ME;
	CU_ASSERT_EQUAL(wgl_wg_set(dev, cfg), 0);
	CU_ASSERT_EQUAL(count_peers(), 0);
	wgl_device_free(cfg);
}

static void test_bad_config_rejected(void)
{
	struct wgl_device *cfg = calloc(1, sizeof(*cfg));
	struct wgl_peer *p = wgl_device_add_peer(cfg);

	/* An IPv4 allowed IP with a /40 mask: the kernel answers EINVAL. */
	wgl_key_generate_private(p->public_key);
	p->flags = WGL_PEER_HAS_PUBLIC_KEY;
	CU_ASSERT_EQUAL(wgl_allowedip_parse(wgl_peer_add_allowedip(p), "198.18.0.1/32"), 0);
	p->first_allowedip->cidr = 40;
	CU_ASSERT_EQUAL(wgl_wg_set(dev, cfg), -EINVAL);
	wgl_device_free(cfg);
}

static void test_pair_stats(void)
{
	struct wgl_pair_opts o = { .backend = { "kernel", "kernel" },
				   .outer_family = AF_INET, .inner_family = AF_INET };
	struct wgl_device *got = NULL;
	struct wgl_pair pair;
	int live = wgl_live_objects();

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&pair, &o), 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&pair, 0, 10000, NULL), 0);
	CU_ASSERT_EQUAL(wgl_wg_get(pair.wg[1], &got), 0);
	if (got && got->first_peer) {
		CU_ASSERT(got->first_peer->last_handshake.tv_sec > 0);
		CU_ASSERT(got->first_peer->rx_bytes > 0);
		CU_ASSERT(got->first_peer->tx_bytes > 0);
		CU_ASSERT_EQUAL(got->first_peer->endpoint.addr.sa_family, AF_INET);
	} else {
		CU_FAIL("no peer read back");
	}
	wgl_device_free(got);
	wgl_pair_down(&pair);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

int main(void)
{
	char why[256] = "";
	CU_pSuite s;

	wgl_test_require_root();
	if (wgl_backend_available(NULL, "kernel", why, sizeof(why)) < 0)
		wgl_test_skip(why);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kernel backend", setup, teardown);
	CU_add_test(s, "identity and birthplace", test_identity);
	CU_add_test(s, "300 peers x 24 allowed IPs round trip", test_large_config_round_trip);
	CU_add_test(s, "replace peers, remove a peer", test_replace_and_remove);
	CU_add_test(s, "kernel errors come back as -errno", test_bad_config_rejected);
	CU_add_test(s, "kernel pair: handshake time and byte counters", test_pair_stats);
	return wgl_test_run();
}
