// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: wglab's probe against a real wireguard-go.
 *
 *   [probe ns: veth0 198.18.0.1]----[peer ns: veth0 198.18.0.2, wg0 198.19.0.2 (wireguard-go)]
 *    probe tunnel address 198.19.0.1 / 2001:2:0:2::1 (the probe's allowed IPs)
 *
 * Checks the handshake and ICMP/ICMPv6 round trips, then that the real peer
 * ignores what it must ignore: a byte-exact replayed transport packet, a
 * counter older than the window, an initiation with a bad mac1, initiations
 * with a replayed or stale timestamp or replayed byte for byte. Every
 * negative check is followed by a positive control showing the peer was
 * alive and listening. Then a second source address (198.18.0.3) and an
 * IPv6 underlay (2001:2:0:1::1 -> ::2), the Wireshark key log, and a
 * flood of fully valid initiations from client keys the peer knows.
 * The tests run in order and share one wireguard-go.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "base/log.h"
#include "harness/flood.h"
#include "harness/probe.h"
#include "netns/netns.h"
#include "tests/wgl_test.h"

#define PEER_PORT 51820
/* How long "no answer" is awaited; a real answer on veth takes well under 10 ms. */
#define SILENCE_MS 1500
#define ANSWER_MS 5000

static struct wgl_ns *ns_probe, *ns_peer;
static struct wgl_wgdev *wg;
static struct wgl_probe *probe;
static int sock = -1;
static int live_at_start;
static uint16_t seq = 1;

static int peer_config(const wgl_key peer_priv, const wgl_key probe_pub)
{
	struct wgl_device dev = { .flags = WGL_DEV_HAS_PRIVATE_KEY | WGL_DEV_HAS_LISTEN_PORT |
					   WGL_DEV_REPLACE_PEERS,
				  .listen_port = PEER_PORT };
	struct wgl_allowedip a4 = { 0 }, a6 = { 0 };
	struct wgl_peer peer = { .flags = WGL_PEER_HAS_PUBLIC_KEY | WGL_PEER_REPLACE_ALLOWEDIPS };

	memcpy(dev.private_key, peer_priv, WGL_KEY_LEN);
	memcpy(peer.public_key, probe_pub, WGL_KEY_LEN);
	if (wgl_allowedip_parse(&a4, "198.19.0.1/32") || wgl_allowedip_parse(&a6, "2001:2:0:2::1/128"))
		return -EINVAL;
	a4.next = &a6;
	peer.first_allowedip = &a4;
	peer.last_allowedip = &a6;
	dev.first_peer = dev.last_peer = &peer;
	return wgl_wg_set(wg, &dev);
}

static int build_topology(wgl_key peer_priv)
{
	int err;

	ns_probe = wgl_ns_new("probe", false);
	ns_peer = wgl_ns_new("peer", false);
	if (!ns_probe || !ns_peer)
		return -errno;
	err = wgl_veth_add(ns_probe, "veth0", ns_peer, "veth0");
	err = err ?: wgl_addr_add(ns_probe, "veth0", "198.18.0.1/24");
	err = err ?: wgl_addr_add(ns_peer, "veth0", "198.18.0.2/24");
	err = err ?: wgl_link_set_up(ns_probe, "veth0", true);
	err = err ?: wgl_link_set_up(ns_peer, "veth0", true);
	if (err)
		return err;
	wg = wgl_wg_create("userspace", ns_peer, "wg0", NULL);
	if (!wg)
		return -errno;
	err = wgl_addr_add(ns_peer, "wg0", "198.19.0.2/24");
	err = err ?: wgl_addr_add(ns_peer, "wg0", "2001:2:0:2::2/64");
	err = err ?: wgl_link_set_up(ns_peer, "wg0", true);
	wgl_key_generate_private(peer_priv);
	return err;
}

static int open_socket(const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = wgl_ns_socket(ns_probe, AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return fd;
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int suite_init(void)
{
	struct sockaddr_in ep = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	wgl_key peer_priv, peer_pub, probe_pub;
	int err;

	live_at_start = wgl_live_objects();
	err = build_topology(peer_priv);
	probe = wgl_probe_new(NULL);
	if (err || !probe) {
		fprintf(stderr, "topology: %s\n", strerror(err ? -err : errno));
		return 1;
	}
	wgl_key_public(peer_pub, peer_priv);
	wgl_probe_public_key(probe, probe_pub);
	err = peer_config(peer_priv, probe_pub);
	sock = err ? err : open_socket("198.18.0.1");
	if (sock < 0) {
		fprintf(stderr, "peer config / socket: %s\n", strerror(-sock));
		return 1;
	}
	inet_pton(AF_INET, "198.18.0.2", &ep.sin_addr);
	err = wgl_probe_set_peer(probe, peer_pub, NULL, (struct sockaddr *)&ep, sizeof(ep));
	err = err ?: wgl_probe_set_inner(probe, AF_INET, "198.19.0.1", "198.19.0.2");
	err = err ?: wgl_probe_set_inner(probe, AF_INET6, "2001:2:0:2::1", "2001:2:0:2::2");
	wgl_probe_set_fd(probe, sock);
	return err ? 1 : 0;
}

static int suite_clean(void)
{
	if (sock >= 0)
		close(sock);
	wgl_probe_free(probe);
	wgl_wg_destroy(wg);
	/* The veth pair is accounted for by the namespace that created it. */
	wgl_ns_free(ns_peer);
	wgl_ns_free(ns_probe);
	return 0;
}

/* Receives for SILENCE_MS; returns how many handshake answers (response/cookie) came. */
static int handshake_answers(void)
{
	long long end = wgl_now_ns() + SILENCE_MS * 1000000LL;
	struct wgl_probe_rx rx;
	int n = 0;

	while (wgl_now_ns() < end) {
		CU_ASSERT_EQUAL_FATAL(wgl_probe_recv(probe, -1, 100, &rx), 0);
		if (rx.kind == WGL_RX_RESPONSE || rx.kind == WGL_RX_COOKIE ||
		    rx.kind == WGL_RX_INVALID)
			n++;
	}
	return n;
}

/* A valid initiation is answered with a response that completes a session. */
static void expect_handshake(void)
{
	double rtt = -1;

	/* wireguard-go drops initiations < 20 ms after the last one it consumed. */
	wgl_sleep_ms(30);
	CU_ASSERT_EQUAL_FATAL(wgl_probe_handshake(probe, ANSWER_MS, &rtt), 0);
	CU_ASSERT(rtt >= 0);
}

static void test_handshake_and_ping(void)
{
	double rtt = -1, ping = -1;

	CU_ASSERT_EQUAL_FATAL(wgl_probe_handshake(probe, 10000, &rtt), 0);
	printf("(handshake %.3f ms", rtt);
	CU_ASSERT_EQUAL(wgl_probe_engine(probe)->kp.valid, true);
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET, seq++, ANSWER_MS, &ping), 0);
	printf(", ping %.3f ms", ping);
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET6, seq++, ANSWER_MS, &ping), 0);
	printf(", ping6 %.3f ms) ", ping);
	CU_ASSERT(wgl_probe_stats(probe)->rx[WGL_RX_TRANSPORT] >= 2);
}

static void test_replayed_transport(void)
{
	uint16_t s = seq++;

	CU_ASSERT_EQUAL_FATAL(wgl_probe_ping(probe, -1, AF_INET, s, ANSWER_MS, NULL), 0);
	/* The byte-exact copy of the echo request must not be answered again. */
	CU_ASSERT_EQUAL(wgl_probe_resend_last(probe, -1), 0);
	CU_ASSERT_EQUAL(wgl_probe_wait_echo(probe, -1, AF_INET, s, SILENCE_MS, NULL), -ETIMEDOUT);
	/* Control: a fresh counter still gets through. */
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET, seq++, ANSWER_MS, NULL), 0);
}

static void test_counter_window(void)
{
	struct wgl_keypair *kp = &wgl_probe_engine(probe)->kp;
	uint64_t old = kp->send_counter, far = old + 20000;
	uint16_t s = seq++;

	/* A jump ahead is fine ... */
	CU_ASSERT_EQUAL(wgl_probe_send_echo(probe, -1, AF_INET, s, far), 0);
	CU_ASSERT_EQUAL(wgl_probe_wait_echo(probe, -1, AF_INET, s, ANSWER_MS, NULL), 0);
	/* ... a never-used counter inside the window too ... */
	s = seq++;
	CU_ASSERT_EQUAL(wgl_probe_send_echo(probe, -1, AF_INET, s, far - 100), 0);
	CU_ASSERT_EQUAL(wgl_probe_wait_echo(probe, -1, AF_INET, s, ANSWER_MS, NULL), 0);
	/* ... but a never-used counter older than the window is dropped. */
	s = seq++;
	CU_ASSERT_EQUAL(wgl_probe_send_echo(probe, -1, AF_INET, s, old + 10), 0);
	CU_ASSERT_EQUAL(wgl_probe_wait_echo(probe, -1, AF_INET, s, SILENCE_MS, NULL), -ETIMEDOUT);
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET, seq++, ANSWER_MS, NULL), 0);
}

static void test_bad_mac1_ignored(void)
{
	wgl_sleep_ms(30);
	CU_ASSERT_EQUAL(wgl_probe_send_initiation(probe, -1, WGL_PROBE_BAD_MAC1), 0);
	CU_ASSERT_EQUAL(handshake_answers(), 0);
	/* Control: the same thing with a valid mac1 is answered. */
	expect_handshake();
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET, seq++, ANSWER_MS, NULL), 0);
}

static void test_old_timestamps_ignored(void)
{
	wgl_sleep_ms(30);
	CU_ASSERT_EQUAL(wgl_probe_send_initiation(probe, -1, WGL_PROBE_REPLAY_TIMESTAMP), 0);
	CU_ASSERT_EQUAL(handshake_answers(), 0);
	CU_ASSERT_EQUAL(wgl_probe_send_initiation(probe, -1, WGL_PROBE_STALE_TIMESTAMP), 0);
	CU_ASSERT_EQUAL(handshake_answers(), 0);
	/* An exact replay of an initiation that was accepted once. */
	expect_handshake();
	CU_ASSERT_EQUAL(wgl_probe_send_initiation(probe, -1, 0), 0);
	wgl_sleep_ms(30);
	CU_ASSERT_EQUAL(wgl_probe_resend_last(probe, -1), 0);
	CU_ASSERT_EQUAL(handshake_answers(), 1); /* the first copy only */
	expect_handshake();
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET, seq++, ANSWER_MS, NULL), 0);
}

/* A second source address: the peer answers there and roams to it. */
static void test_other_source(void)
{
	int fd;

	CU_ASSERT_EQUAL_FATAL(wgl_addr_add(ns_probe, "veth0", "198.18.0.3/24"), 0);
	fd = open_socket("198.18.0.3");
	CU_ASSERT_FATAL(fd >= 0);
	wgl_probe_set_fd(probe, fd);
	expect_handshake();
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, fd, AF_INET, seq++, ANSWER_MS, NULL), 0);
	wgl_probe_set_fd(probe, sock);
	close(fd);
}

/* The same peer over an IPv6 underlay: a new endpoint and a new session. */
/* send_echo_from() with the probe's own address builds the same valid echo. */
static void test_echo_from(void)
{
	uint8_t own4[4], own6[16];
	uint16_t s = seq++, s6 = seq++;

	inet_pton(AF_INET, "198.19.0.1", own4);
	inet_pton(AF_INET6, "2001:2:0:2::1", own6);
	CU_ASSERT_EQUAL(wgl_probe_send_echo_from(probe, -1, AF_INET, own4, s), 0);
	CU_ASSERT_EQUAL(wgl_probe_wait_echo(probe, -1, AF_INET, s, ANSWER_MS, NULL), 0);
	CU_ASSERT_EQUAL(wgl_probe_send_echo_from(probe, -1, AF_INET6, own6, s6), 0);
	CU_ASSERT_EQUAL(wgl_probe_wait_echo(probe, -1, AF_INET6, s6, ANSWER_MS, NULL), 0);
}

static void test_ipv6_underlay(void)
{
	struct sockaddr_in6 ep = { .sin6_family = AF_INET6, .sin6_port = htons(PEER_PORT) };
	struct sockaddr_in6 local = { .sin6_family = AF_INET6 };
	struct wgl_noise *n = wgl_probe_engine(probe);
	wgl_key peer_pub;
	int fd;

	memcpy(peer_pub, n->remote_pub, WGL_KEY_LEN);
	CU_ASSERT_EQUAL_FATAL(wgl_addr_add(ns_probe, "veth0", "2001:2:0:1::1/64"), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_addr_add(ns_peer, "veth0", "2001:2:0:1::2/64"), 0);
	fd = wgl_ns_socket(ns_probe, AF_INET6, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	inet_pton(AF_INET6, "2001:2:0:1::1", &local.sin6_addr);
	inet_pton(AF_INET6, "2001:2:0:1::2", &ep.sin6_addr);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&local, sizeof(local)), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_probe_set_peer(probe, peer_pub, NULL, (struct sockaddr *)&ep,
						 sizeof(ep)), 0);
	wgl_probe_set_fd(probe, fd);
	expect_handshake();
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET, seq++, ANSWER_MS, NULL), 0);
	CU_ASSERT_EQUAL(wgl_probe_ping(probe, -1, AF_INET6, seq++, ANSWER_MS, NULL), 0);
	wgl_probe_set_fd(probe, sock);
	close(fd);
}

static void test_keylog(void)
{
	char *text = NULL, b64[WGL_KEY_B64_LEN], want[128];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(wgl_probe_write_keylog(probe, f), 0);
	fclose(f);
	wgl_key_to_base64(b64, wgl_probe_engine(probe)->local_priv);
	snprintf(want, sizeof(want), "LOCAL_STATIC_PRIVATE_KEY = %s\n", b64);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	wgl_key_to_base64(b64, wgl_probe_engine(probe)->remote_pub);
	snprintf(want, sizeof(want), "REMOTE_STATIC_PUBLIC_KEY = %s\n", b64);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "PRESHARED_KEY = "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "LOCAL_EPHEMERAL_PRIVATE_KEY = "));
	free(text);
}

#define CLIENTS 16

/* Adds the public keys of privs as peers of the real wireguard-go (no allowed IPs). */
static int add_clients(const uint8_t (*privs)[32], size_t n)
{
	struct wgl_device dev = { 0 };
	struct wgl_peer peers[CLIENTS] = { 0 };

	for (size_t i = 0; i < n; i++) {
		peers[i].flags = WGL_PEER_HAS_PUBLIC_KEY;
		wgl_key_public(peers[i].public_key, privs[i]);
		peers[i].next = i + 1 < n ? &peers[i + 1] : NULL;
	}
	dev.first_peer = &peers[0];
	dev.last_peer = &peers[n - 1];
	return wgl_wg_set(wg, &dev);
}

/*
 * Reads the probe socket until want responses came or wait_ms passed; the
 * receiver index of each lands in recv_idx. Returns how many came.
 */
static int flood_responses(int want, int wait_ms, uint32_t *recv_idx)
{
	long long end = wgl_now_ns() + wait_ms * 1000000LL;
	struct wgl_msg_response m;
	int n = 0;

	while (n < want && wgl_now_ns() < end) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t len;

		if (poll(&pfd, 1, (int)((end - wgl_now_ns()) / 1000000) + 1) <= 0)
			continue;
		len = recv(sock, &m, sizeof(m), MSG_DONTWAIT);
		if (len == (ssize_t)sizeof(m) && le32toh(m.type) == WGL_MSG_RESPONSE)
			recv_idx[n++] = le32toh(m.receiver);
	}
	return n;
}

static struct wgl_flood_opts valid_opts(const uint8_t (*clients)[32])
{
	return (struct wgl_flood_opts){ .kind = WGL_FLOOD_VALID, .count = CLIENTS, .fds = &sock,
					.nfds = 1, .clients = clients, .nclients = CLIENTS,
					.threads = 2 };
}

/*
 * kind "valid": initiations from client keys the real peer knows are
 * answered, one response each (distinct sender indices), and the peer
 * learned each client's endpoint; the same flood from keys it does not
 * know is answered by nothing.
 */
static void test_valid_flood(void)
{
	uint8_t known[CLIENTS][32], unknown[CLIENTS][32];
	uint32_t idx[CLIENTS + 1];
	struct wgl_flood_opts o;
	struct wgl_flood_result r;
	struct wgl_device *dev = NULL;
	int eps = 0;
	struct sockaddr_in ep = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	wgl_key peer_pub;

	/* Back to the IPv4 underlay of the probe's socket (the test before moved it). */
	inet_pton(AF_INET, "198.18.0.2", &ep.sin_addr);
	memcpy(peer_pub, wgl_probe_engine(probe)->remote_pub, WGL_KEY_LEN);
	CU_ASSERT_EQUAL_FATAL(wgl_probe_set_peer(probe, peer_pub, NULL, (struct sockaddr *)&ep,
						 sizeof(ep)), 0);
	for (int i = 0; i < CLIENTS; i++) {
		wgl_key_generate_private(known[i]);
		wgl_key_generate_private(unknown[i]);
	}
	CU_ASSERT_EQUAL_FATAL(add_clients((const uint8_t (*)[32])known, CLIENTS), 0);
	o = valid_opts((const uint8_t (*)[32])unknown);
	CU_ASSERT_EQUAL_FATAL(wgl_probe_flood(probe, &o, &r), 0);
	CU_ASSERT_EQUAL(r.sent, CLIENTS);
	CU_ASSERT_EQUAL(flood_responses(1, SILENCE_MS, idx), 0);

	o = valid_opts((const uint8_t (*)[32])known);
	CU_ASSERT_EQUAL_FATAL(wgl_probe_flood(probe, &o, &r), 0);
	CU_ASSERT_EQUAL(r.sent, CLIENTS);
	CU_ASSERT_EQUAL_FATAL(flood_responses(CLIENTS, ANSWER_MS, idx), CLIENTS);
	for (int i = 0; i < CLIENTS; i++)
		for (int j = 0; j < i; j++)
			CU_ASSERT_NOT_EQUAL(idx[i], idx[j]);
	CU_ASSERT_EQUAL_FATAL(wgl_wg_get(wg, &dev), 0);
	for (struct wgl_peer *pe = dev->first_peer; pe; pe = pe->next)
		eps += pe->endpoint.addr.sa_family != AF_UNSPEC;
	/* The probe's own peer has one too (earlier tests), the unknown keys none. */
	CU_ASSERT_EQUAL(eps, CLIENTS + 1);
	wgl_device_free(dev);
}

int main(void)
{
	char why[256];
	CU_pSuite s;
	int rc;

	wgl_test_require_root();
	if (wgl_backend_available(NULL, "userspace", why, sizeof(why)) < 0)
		wgl_test_skip(why);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("probe vs wireguard-go", suite_init, suite_clean);
	CU_add_test(s, "handshake and ping", test_handshake_and_ping);
	CU_add_test(s, "replayed transport", test_replayed_transport);
	CU_add_test(s, "counter window", test_counter_window);
	CU_add_test(s, "bad mac1 ignored", test_bad_mac1_ignored);
	CU_add_test(s, "old timestamps ignored", test_old_timestamps_ignored);
	CU_add_test(s, "other source address", test_other_source);
	CU_add_test(s, "echo from a chosen source", test_echo_from);
	CU_add_test(s, "ipv6 underlay", test_ipv6_underlay);
	CU_add_test(s, "key log", test_keylog);
	CU_add_test(s, "valid initiation flood", test_valid_flood);
	rc = wgl_test_run();
	if (wgl_live_objects() != live_at_start) {
		printf("unbalanced objects: %d live\n", wgl_live_objects() - live_at_start);
		rc = 1;
	}
	return rc;
}
