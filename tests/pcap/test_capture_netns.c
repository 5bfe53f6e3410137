// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: capture a real wireguard-go connect on both ends' veth0 and
 * wg0 at once through the capture API, then check the files: link types and
 * nanosecond magic, a handshake and transport on the underlay with no
 * plaintext on it, the plaintext pings on wg0, tshark agreeing with wglab.
 * A negative control pings the underlay address in the clear and must be
 * flagged as a leak. Needs root and wireguard-go; skips (77) otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

#include "base/child.h"
#include "base/log.h"
#include "harness/pair.h"
#include "harness/ping.h"
#include "netns/netns.h"
#include "pcap/analyze.h"
#include "pcap/capture.h"
#include "tests/wgl_test.h"
#include "tshark_check.h"

static char dir[] = "/tmp/wglab-test-capture-XXXXXX";
static bool have_tshark;

static const char *cap_path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static uint32_t file_magic(const char *path)
{
	uint32_t m = 0;
	FILE *f = fopen(path, "rb");

	if (f) {
		if (fread(&m, sizeof(m), 1, f) != 1)
			m = 0;
		fclose(f);
	}
	return m;
}

static void analyze(const char *path, struct wgl_analysis *a)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN] = "";

	if (wgl_analyze_file(path, &o, a, err) < 0) {
		printf("\n  %s\n", err);
		CU_FAIL_FATAL("capture file unreadable");
	}
}

/* Pings from each side; every answered ping crossed both wg0 and both veths. */
static int ping_both(struct wgl_pair *p, int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		ok += wgl_ping(p->ns[0], p->tunnel_addr[1], 10000, 100, NULL, NULL) == 0;
		ok += wgl_ping(p->ns[1], p->tunnel_addr[0], 10000, 100, NULL, NULL) == 0;
	}
	return ok;
}

static void check_underlay(const char *path, const struct wgl_capture_stats *st)
{
	struct wgl_analysis a;

	CU_ASSERT_EQUAL(st->linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(file_magic(path), 0xa1b23c4d);
	analyze(path, &a);
	printf("\n  %s: %llu records, wg %llu (init %llu resp %llu transport %llu), leaks %llu, "
	       "drops %llu", path, (unsigned long long)a.records, (unsigned long long)a.wg,
	       (unsigned long long)a.wg_by_type[1], (unsigned long long)a.wg_by_type[2],
	       (unsigned long long)a.wg_by_type[4], (unsigned long long)a.leaks,
	       (unsigned long long)st->dropped);
	CU_ASSERT(a.wg_by_type[1] >= 1);
	CU_ASSERT(a.handshakes_answered >= 1);
	CU_ASSERT(a.wg_by_type[4] >= 2);
	CU_ASSERT_EQUAL(a.leaks, 0);
	for (size_t i = 0; i < a.nsessions; i++)
		CU_ASSERT_EQUAL(a.sessions[i].duplicates, 0);
	for (size_t i = 0; i < a.nhandshakes; i++)
		if (a.handshakes[i].resp_ns)
			printf("\n    handshake rtt %.3f ms",
			       wgl_handshake_rtt_ns(&a.handshakes[i]) / 1e6);
	wgl_analysis_free(&a);
	if (have_tshark)
		CU_ASSERT(tshark_agree(path) >= 3);
}

static void check_tunnel(const char *path, const struct wgl_capture_stats *st, int pings)
{
	struct wgl_analysis a;

	CU_ASSERT_EQUAL(st->linktype, DLT_RAW);
	CU_ASSERT_EQUAL(file_magic(path), 0xa1b23c4d);
	analyze(path, &a);
	printf("\n  %s: %llu records, ip %llu", path, (unsigned long long)a.records,
	       (unsigned long long)a.ip_other);
	CU_ASSERT_EQUAL(a.wg, 0);
	/* request and reply of every answered ping, in the clear */
	CU_ASSERT(a.ip_other >= 2 * (uint64_t)pings);
	CU_ASSERT_EQUAL(st->packets, a.records);
	wgl_analysis_free(&a);
	if (have_tshark)
		CU_ASSERT_EQUAL(tshark_agree(path), 0);
}

static void test_connect_captured(void)
{
	static const char *const names[4] = { "a-veth0.pcap", "a-wg0.pcap", "b-veth0.pcap",
					      "b-wg0.pcap" };
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" },
				   .outer_family = AF_INET, .inner_family = AF_INET };
	struct wgl_capture_opts co = WGL_CAPTURE_OPTS_INIT;
	struct wgl_capture_stats st[4];
	struct wgl_capture *c[4];
	struct wgl_pair p;
	int live = wgl_live_objects(), pings;

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&p, &o), 0);
	co.snaplen = 256;
	for (int i = 0; i < 4; i++) {
		c[i] = wgl_capture_start(p.ns[i / 2], i % 2 ? "wg0" : "veth0", cap_path(names[i]),
					 &co);
		CU_ASSERT_PTR_NOT_NULL(c[i]);
	}
	pings = ping_both(&p, 3);
	CU_ASSERT_EQUAL(pings, 6);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(c[i] ? wgl_capture_stop(c[i], &st[i]) : -1, 0);
	wgl_pair_down(&p);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
	if (!c[0] || !c[1] || !c[2] || !c[3])
		return;
	check_underlay(cap_path(names[0]), &st[0]);
	check_underlay(cap_path(names[2]), &st[2]);
	check_tunnel(cap_path(names[1]), &st[1], pings);
	check_tunnel(cap_path(names[3]), &st[3], pings);
}

/* Negative control: plaintext on the underlay is a leak, with its example. */
static void test_leak_detected(void)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" },
				   .outer_family = AF_INET, .inner_family = AF_INET };
	struct wgl_capture_stats st;
	struct wgl_capture *c;
	struct wgl_analysis a;
	struct wgl_pair p;
	char dst[64];

	CU_ASSERT_EQUAL_FATAL(wgl_pair_up(&p, &o), 0);
	c = wgl_capture_start(p.ns[0], "veth0", cap_path("leak.pcap"), NULL);
	CU_ASSERT_PTR_NOT_NULL(c);
	CU_ASSERT_EQUAL(wgl_ping(p.ns[0], p.underlay_addr[1], 5000, 100, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c ? wgl_capture_stop(c, &st) : -1, 0);
	wgl_pair_down(&p);
	if (!c)
		return;
	analyze(cap_path("leak.pcap"), &a);
	CU_ASSERT(a.leaks >= 2);
	CU_ASSERT_EQUAL(a.first_leak.proto, IPPROTO_ICMP);
	wgl_pkt_format_addr(a.first_leak.family, a.first_leak.dst, 0, dst, sizeof(dst));
	CU_ASSERT_STRING_EQUAL(dst, p.underlay_addr[1]);
	wgl_analysis_free(&a);
}

/* A capture that cannot open its interface fails at start, with no child left. */
static void test_bad_interface(void)
{
	int live = wgl_live_objects();
	struct wgl_ns *ns = wgl_ns_new("pcapbad", false);
	struct wgl_capture *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
	c = wgl_capture_start(ns, "nope0", cap_path("bad.pcap"), NULL);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT(errno != 0);
	wgl_capture_stop(c, NULL);
	wgl_ns_free(ns);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

int main(void)
{
	char cmd[300];
	int rc;

	wgl_test_require_root();
	if (system("command -v wireguard-go >/dev/null 2>&1") != 0)
		wgl_test_skip("wireguard-go is not installed");
	have_tshark = tshark_available();
	if (!have_tshark)
		printf("note: tshark absent, the tshark agreement checks are skipped\n");
	if (!mkdtemp(dir))
		return 1;
	wgl_cleanup_install_signals();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("pcap-capture", NULL, NULL);
	CU_add_test(s, "capture a wireguard-go connect on veth0 and wg0", test_connect_captured);
	CU_add_test(s, "plaintext on the underlay is a leak", test_leak_detected);
	CU_add_test(s, "bad interface fails at start", test_bad_interface);
	rc = wgl_test_run();
	wgl_cleanup_run();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (rc == 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	else if (rc)
		printf("captures kept in %s\n", dir);
	return rc;
}
