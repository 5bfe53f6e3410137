// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: the probe's flood primitive (harness/flood.h) on a veth.
 *
 *   [x: veth0 198.18.0.10, .11]----[b: veth0 198.18.0.2, receiver :51820]
 *
 * What arrives is checked with wglab's own responder-side mac code
 * (wgl_cookie_check): every "init" datagram has a valid mac1 and no mac2,
 * every "mac2" datagram also a valid mac2 for the cookie the probe holds,
 * bodies are fresh (no two alike), "copy" is byte for byte the last message,
 * sources alternate, and a paced flood cannot finish before its rate allows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "harness/flood.h"
#include "harness/probe.h"
#include "netns/netns.h"
#include "tests/wgl_test.h"

#define N 100
#define LEN sizeof(struct wgl_msg_initiation)

static struct wgl_ns *ns_x, *ns_b;
static int src[2] = { -1, -1 }, rx = -1;
static struct wgl_probe *probe;
static struct wgl_cookie_checker checker;
static struct sockaddr_in dst = { .sin_family = AF_INET };
static uint8_t got[N][LEN];
static struct sockaddr_in from[N];
static int live_at_start;

static int udp_socket(struct wgl_ns *ns, const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = wgl_ns_socket(ns, AF_INET, SOCK_DGRAM, 0), big = 4 << 20;

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	inet_pton(AF_INET, ip, &a.sin_addr);
	return bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ? -errno : fd;
}

static int suite_init(void)
{
	wgl_key rpriv, rpub;
	int err;

	live_at_start = wgl_live_objects();
	ns_x = wgl_ns_new("flood-x", false);
	ns_b = wgl_ns_new("flood-b", false);
	if (!ns_x || !ns_b)
		return -1;
	err = wgl_veth_add(ns_x, "veth0", ns_b, "veth0");
	err = err ?: wgl_addr_add(ns_b, "veth0", "198.18.0.2/24");
	err = err ?: wgl_addr_add(ns_x, "veth0", "198.18.0.10/24");
	err = err ?: wgl_addr_add(ns_x, "veth0", "198.18.0.11/24");
	err = err ?: wgl_link_set_up(ns_x, "veth0", true);
	err = err ?: wgl_link_set_up(ns_b, "veth0", true);
	err = err ?: wgl_link_wait_running(ns_x, "veth0", 3000);
	if (err)
		return -1;
	rx = udp_socket(ns_b, "198.18.0.2", 51820);
	src[0] = udp_socket(ns_x, "198.18.0.10", 0);
	src[1] = udp_socket(ns_x, "198.18.0.11", 0);
	dst.sin_port = htons(51820);
	inet_pton(AF_INET, "198.18.0.2", &dst.sin_addr);
	wgl_key_generate_private(rpriv);
	wgl_key_public(rpub, rpriv);
	wgl_cookie_checker_init(&checker, rpub);
	probe = wgl_probe_new(NULL);
	if (rx < 0 || src[0] < 0 || src[1] < 0 || !probe)
		return -1;
	return wgl_probe_set_peer(probe, rpub, NULL, (struct sockaddr *)&dst, sizeof(dst)) ? -1 : 0;
}

static int suite_clean(void)
{
	wgl_probe_free(probe);
	for (int i = 0; i < 2; i++)
		if (src[i] >= 0)
			close(src[i]);
	if (rx >= 0)
		close(rx);
	wgl_ns_free(ns_x);
	wgl_ns_free(ns_b);
	return wgl_live_objects() == live_at_start ? 0 : -1;
}

/* Floods N of kind over both sources and reads them back; the count received. */
static int flood_and_receive(enum wgl_flood_kind kind, struct wgl_flood_result *r)
{
	struct wgl_flood_opts o = { .kind = kind, .count = N, .fds = src, .nfds = 2 };
	int n = 0;

	CU_ASSERT_EQUAL_FATAL(wgl_probe_flood(probe, &o, r), 0);
	CU_ASSERT_EQUAL(r->sent, N);
	CU_ASSERT_EQUAL(r->errors, 0);
	for (; n < N; n++) {
		socklen_t fl = sizeof(from[n]);
		ssize_t len = recvfrom(rx, got[n], LEN, MSG_DONTWAIT, (struct sockaddr *)&from[n], &fl);

		if (len != (ssize_t)LEN)
			break;
	}
	return n;
}

/* The cookie binds the source address and port, as the responder would. */
static void src_bytes(const struct sockaddr_in *a, uint8_t out[6])
{
	memcpy(out, &a->sin_addr, 4);
	memcpy(out + 4, &a->sin_port, 2);
}

static void check_fresh(void)
{
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			CU_ASSERT(memcmp(got[i], got[j], LEN - 32) != 0);
}

static void test_init(void)
{
	static const uint8_t zero[WGL_MAC_SIZE];
	struct wgl_flood_result r;
	uint8_t sb[6];

	CU_ASSERT_EQUAL_FATAL(flood_and_receive(WGL_FLOOD_INIT, &r), N);
	for (int i = 0; i < N; i++) {
		src_bytes(&from[i], sb);
		CU_ASSERT_EQUAL(got[i][0], WGL_MSG_INITIATION);
		CU_ASSERT_EQUAL(wgl_cookie_check(&checker, got[i], LEN, sb, 6, false), 0);
		CU_ASSERT(!memcmp(got[i] + LEN - WGL_MAC_SIZE, zero, WGL_MAC_SIZE));
		/* Under load the same message must be refused for want of mac2. */
		CU_ASSERT_EQUAL(wgl_cookie_check(&checker, got[i], LEN, sb, 6, true), -EBUSY);
	}
	CU_ASSERT_NOT_EQUAL(from[0].sin_addr.s_addr, from[N - 1].sin_addr.s_addr);
	check_fresh();
}

static void test_mac2(void)
{
	struct wgl_noise *n = wgl_probe_engine(probe);
	struct wgl_flood_opts o = { .kind = WGL_FLOOD_MAC2, .count = 1, .fds = src, .nfds = 1 };
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct wgl_flood_result r;
	uint8_t sb[6];
	int got_n;

	CU_ASSERT_EQUAL(wgl_probe_flood(probe, &o, &r), -ENOKEY);
	/* The cookie the responder would give source 0, held by the probe. */
	getsockname(src[0], (struct sockaddr *)&a, &al);
	src_bytes(&a, sb);
	wgl_cookie_make(&checker, n->gen.cookie, sb, 6);
	n->gen.has_cookie = true;
	n->gen.cookie_ns = wgl_now_ns();
	o = (struct wgl_flood_opts){ .kind = WGL_FLOOD_MAC2, .count = N, .fds = src, .nfds = 1 };
	CU_ASSERT_EQUAL_FATAL(wgl_probe_flood(probe, &o, &r), 0);
	for (got_n = 0; got_n < N; got_n++)
		if (recv(rx, got[got_n], LEN, MSG_DONTWAIT) != (ssize_t)LEN)
			break;
	CU_ASSERT_EQUAL_FATAL(got_n, N);
	for (int i = 0; i < N; i++)
		CU_ASSERT_EQUAL(wgl_cookie_check(&checker, got[i], LEN, sb, 6, true), 0);
	check_fresh();
	n->gen.has_cookie = false;
}

static void test_copy(void)
{
	struct wgl_flood_opts o = { .kind = WGL_FLOOD_COPY, .count = 1, .fds = src, .nfds = 1 };
	struct wgl_flood_result r;
	const uint8_t *last;
	size_t len;

	if (!wgl_probe_last_sent(probe, NULL))
		CU_ASSERT_EQUAL(wgl_probe_flood(probe, &o, &r), -ENODATA);
	CU_ASSERT_EQUAL_FATAL(wgl_probe_send_initiation(probe, src[0], 0), 0);
	CU_ASSERT_EQUAL_FATAL(recv(rx, got[0], LEN, 0), (ssize_t)LEN);
	last = wgl_probe_last_sent(probe, &len);
	CU_ASSERT_EQUAL_FATAL(flood_and_receive(WGL_FLOOD_COPY, &r), N);
	for (int i = 0; i < N; i++)
		CU_ASSERT(!memcmp(got[i], last, len));
}

/* Pacing: 100 datagrams at 1000/s take at least 99 ms (a floor, not a speed target). */
static void test_rate(void)
{
	struct wgl_flood_opts o = { .kind = WGL_FLOOD_INIT, .count = N, .rate = 1000,
				    .fds = src, .nfds = 2 };
	struct wgl_flood_result r;

	CU_ASSERT_EQUAL_FATAL(wgl_probe_flood(probe, &o, &r), 0);
	CU_ASSERT_EQUAL(r.sent, N);
	CU_ASSERT(r.seconds >= 0.099 * (N - 64) / N); /* the first batch goes at once */
	for (int i = 0; i < N; i++)
		recv(rx, got[0], LEN, MSG_DONTWAIT);
}

int main(void)
{
	CU_pSuite s;

	wgl_test_require_root();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("probe flood on a veth", suite_init, suite_clean);
	CU_add_test(s, "init: fresh bodies, valid mac1, no mac2", test_init);
	CU_add_test(s, "mac2: valid mac2 from the held cookie", test_mac2);
	CU_add_test(s, "copy: byte-exact copies", test_copy);
	CU_add_test(s, "rate: paced", test_rate);
	return wgl_test_run();
}
