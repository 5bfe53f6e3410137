// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: two namespaces, a veth, a real userspace WireGuard in each.
 *
 *   [a: veth0 198.18.0.1, wg0 198.19.0.1] --- [b: veth0 198.18.0.2, wg0 198.19.0.2]
 *
 * Checks that the tunnel carries traffic in both outer/inner families, that
 * config read back matches what was set, that the namespaces are really
 * isolated from the root namespace, and that every object made is destroyed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "base/child.h"
#include "base/log.h"
#include "harness/pair.h"
#include "harness/ping.h"
#include "netns/netns.h"
#include "tests/wgl_test.h"

static void run_pair(int outer, int inner)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" },
				   .outer_family = outer, .inner_family = inner };
	struct wgl_device *cfg = NULL;
	struct wgl_pair p;
	double ms = -1;
	int live = wgl_live_objects();

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&p, &o), 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p, 0, 10000, &ms), 0);
	CU_ASSERT(ms > 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p, 1, 5000, &ms), 0);
	CU_ASSERT_EQUAL(wgl_wg_get(p.wg[0], &cfg), 0);
	if (cfg) {
		CU_ASSERT_EQUAL(cfg->listen_port, 51820);
		CU_ASSERT(memcmp(cfg->public_key, p.pub[0], WGL_KEY_LEN) == 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->first_peer);
		CU_ASSERT(memcmp(cfg->first_peer->public_key, p.pub[1], WGL_KEY_LEN) == 0);
		CU_ASSERT(cfg->first_peer->last_handshake.tv_sec > 0);
		CU_ASSERT(cfg->first_peer->rx_bytes > 0 && cfg->first_peer->tx_bytes > 0);
		CU_ASSERT(cfg->first_peer->endpoint.addr.sa_family == outer);
	}
	wgl_device_free(cfg);
	wgl_pair_down(&p);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

static void test_v4_over_v4(void) { run_pair(AF_INET, AF_INET); }
static void test_v6_over_v6(void) { run_pair(AF_INET6, AF_INET6); }
static void test_v4_over_v6(void) { run_pair(AF_INET6, AF_INET); }

/* Negative control: a peer configured with the wrong public key never answers. */
static void test_wrong_key_no_traffic(void)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" } };
	struct wgl_device dev = { 0 };
	struct wgl_peer *peer;
	struct wgl_pair p;

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&p, &o), 0);
	/* Replace b's only peer with a stranger's key but the same allowed IPs. */
	dev.flags = WGL_DEV_REPLACE_PEERS;
	peer = wgl_device_add_peer(&dev);
	wgl_key_generate_private(peer->public_key);
	peer->flags = WGL_PEER_HAS_PUBLIC_KEY;
	wgl_allowedip_parse(wgl_peer_add_allowedip(peer), "198.19.0.1/32");
	CU_ASSERT_EQUAL(wgl_wg_set(p.wg[1], &dev), 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p, 0, 1500, NULL), -ETIMEDOUT);
	for (peer = dev.first_peer; peer;) {
		struct wgl_peer *n = peer->next;

		free(peer->first_allowedip);
		free(peer);
		peer = n;
	}
	wgl_pair_down(&p);
}

/* The root namespace must never see wglab's links or addresses. */
static void test_root_untouched(void)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" } };
	struct wgl_pair p;

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&p, &o), 0);
	CU_ASSERT_EQUAL(if_nametoindex("wg0"), 0);
	CU_ASSERT(access("/var/run/wireguard/wg0.sock", F_OK) < 0);
	CU_ASSERT(wgl_link_index(p.ns[0], "wg0") > 0);
	wgl_pair_down(&p);
}

/* Two userspace daemons with the same name in two namespaces do not collide. */
static void test_two_pairs_same_names(void)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" } };
	struct wgl_pair p1, p2;

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&p1, &o), 0);
	CU_ASSERT_EQUAL(wgl_pair_up(&p2, &o), 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p1, 0, 10000, NULL), 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p2, 0, 10000, NULL), 0);
	wgl_pair_down(&p2);
	wgl_pair_down(&p1);
}

/* Two pairs built at once (daemons started together): each is whole and its own. */
static void test_pairs_at_once(void)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" } };
	struct wgl_pair p1, p2, *pp[2] = { &p1, &p2 };
	int live = wgl_live_objects();

	CU_ASSERT_EQUAL_FATAL(wgl_pairs_up(pp, 2, &o), 0);
	CU_ASSERT_NOT_EQUAL(wgl_wg_pid(p1.wg[0]), wgl_wg_pid(p2.wg[0]));
	CU_ASSERT(memcmp(p1.pub[1], p2.pub[1], WGL_KEY_LEN) != 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p1, 0, 10000, NULL), 0);
	CU_ASSERT_EQUAL(wgl_pair_ping(&p2, 1, 10000, NULL), 0);
	wgl_pair_down(&p2);
	wgl_pair_down(&p1);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

static void test_address_policy(void)
{
	struct wgl_ns *ns = wgl_ns_new("policy", false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
	CU_ASSERT_EQUAL(wgl_addr_add(ns, "lo", "10.0.0.1/8"), -EPERM);
	CU_ASSERT_EQUAL(wgl_addr_add(ns, "lo", "192.168.1.1/24"), -EPERM);
	CU_ASSERT_EQUAL(wgl_addr_add(ns, "lo", "2001:db8::1/64"), -EPERM);
	CU_ASSERT_EQUAL(wgl_addr_add(ns, "lo", "198.19.255.1/32"), 0);
	CU_ASSERT_EQUAL(wgl_addr_add(ns, "lo", "2001:2::5/128"), 0);
	CU_ASSERT_EQUAL(wgl_route_add(ns, "8.8.8.0/24", NULL, "lo"), -EPERM);
	wgl_ns_free(ns);
}

int main(void)
{
	char why[256];
	CU_pSuite s;

	wgl_test_require_root();
	if (wgl_backend_available(NULL, "userspace", why, sizeof(why)) < 0)
		wgl_test_skip(why);
	wgl_cleanup_install_signals();
	CU_initialize_registry();
	s = CU_add_suite("pair", NULL, NULL);
	CU_add_test(s, "ipv4 over ipv4", test_v4_over_v4);
	CU_add_test(s, "ipv6 over ipv6", test_v6_over_v6);
	CU_add_test(s, "ipv4 over ipv6", test_v4_over_v6);
	CU_add_test(s, "wrong key: no traffic", test_wrong_key_no_traffic);
	CU_add_test(s, "root namespace untouched", test_root_untouched);
	CU_add_test(s, "same names in two pairs", test_two_pairs_same_names);
	CU_add_test(s, "two pairs built at once", test_pairs_at_once);
	CU_add_test(s, "address policy", test_address_policy);
	return wgl_test_run();
}
