// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the dissector, the analysis and the key log: the real
 * fixtures (see tests/fixtures/pcap/README), synthetic captures with known
 * counter patterns checked against a naive reference, and broken files.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "pcap/analyze.h"
#include "pcap/keylog.h"
#include "synth.h"
#include "base/log.h"
#include "tests/wgl_test.h"

static char tmpdir[256];

static const char *fixture(const char *name)
{
	static char buf[512];
	char rel[128];

	snprintf(rel, sizeof(rel), "fixtures/pcap/%s", name);
	return wgl_test_path(buf, sizeof(buf), rel);
}

static const char *tmpfile_path(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

/* ---- dissector, table-driven ---- */

static void test_dissect_wg_table(void)
{
	static const struct {
		uint8_t type, reserved;
		uint32_t len;
		int want;
	} cases[] = {
		{ 1, 0, 148, 1 }, { 1, 0, 147, 0 }, { 1, 1, 148, 0 }, { 2, 0, 92, 2 },
		{ 2, 0, 148, 0 }, { 3, 0, 64, 3 }, { 3, 0, 65, 0 }, { 4, 0, 32, 4 },
		{ 4, 0, 48, 4 }, { 4, 0, 1440, 4 }, { 4, 0, 1452, 4 }, { 4, 0, 33, 4 },
		{ 4, 0, 16, 0 }, { 4, 0, 31, 0 },
		{ 4, 2, 32, 0 }, { 5, 0, 32, 0 }, { 0, 0, 32, 0 },
	};
	uint8_t m[1500];

	for (size_t i = 0; i < WGL_ARRAY_SIZE(cases); i++) {
		struct wgl_pkt p = { 0 };

		memset(m, 0, sizeof(m));
		m[0] = cases[i].type;
		m[2] = cases[i].reserved;
		CU_ASSERT_EQUAL(wgl_dissect_wg(m, cases[i].len, cases[i].len, &p), cases[i].want);
		CU_ASSERT_EQUAL(p.kind == WGL_PKT_WG, cases[i].want != 0);
	}
}

static void test_dissect_fields(void)
{
	uint8_t m[148] = { 2 };
	struct wgl_pkt p = { 0 };

	put32le(m + 4, 0x11223344);
	put32le(m + 8, 0xaabbccdd);
	CU_ASSERT_EQUAL(wgl_dissect_wg(m, 92, 92, &p), 2);
	CU_ASSERT_EQUAL(p.sender, 0x11223344);
	CU_ASSERT_EQUAL(p.receiver, 0xaabbccdd);
	memset(&p, 0, sizeof(p));
	m[0] = 4;
	put32le(m + 8, 7);
	put32le(m + 12, 1);
	CU_ASSERT_EQUAL(wgl_dissect_wg(m, 48, 48, &p), 4);
	CU_ASSERT_EQUAL(p.receiver, 0x11223344);
	CU_ASSERT_EQUAL(p.counter, (1ULL << 32) | 7);
	/* snaplen cut inside the counter: still WireGuard by its UDP length */
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(wgl_dissect_wg(m, 12, 48, &p), 4);
	CU_ASSERT_TRUE(p.wg_fields_cut);
}

/* ---- real fixtures ---- */

static void check_real(const char *name, uint64_t leaks)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN] = "";
	struct wgl_analysis a;

	CU_ASSERT_EQUAL_FATAL(wgl_analyze_file(fixture(name), &o, &a, err), 0);
	CU_ASSERT_EQUAL(a.wg_by_type[1], 3);
	CU_ASSERT_EQUAL(a.wg_by_type[2], 3);
	CU_ASSERT_EQUAL(a.wg_by_type[3], 0);
	CU_ASSERT_EQUAL(a.wg_by_type[4], 22);
	CU_ASSERT_EQUAL(a.nhandshakes, 3);
	CU_ASSERT_EQUAL(a.handshakes_answered, 3);
	CU_ASSERT_EQUAL(a.nflows, 4);
	/* two handshakes over IPv4 between the same hosts, one over IPv6 */
	CU_ASSERT_EQUAL(a.nrekey, 1);
	CU_ASSERT_EQUAL(a.nsessions, 6);
	for (size_t i = 0; i < a.nsessions; i++) {
		CU_ASSERT_EQUAL(a.sessions[i].min_counter, 0);
		CU_ASSERT_EQUAL(a.sessions[i].duplicates + a.sessions[i].missing +
				a.sessions[i].reordered, 0);
	}
	for (size_t i = 0; i < a.nhandshakes; i++)
		CU_ASSERT(wgl_handshake_rtt_ns(&a.handshakes[i]) > 0);
	CU_ASSERT_EQUAL(a.leaks, leaks);
	CU_ASSERT_EQUAL(a.first_leak.proto, IPPROTO_ICMP);
	CU_ASSERT(a.control > 0);
	wgl_analysis_free(&a);
}

static void test_fixture_veth(void)
{
	check_real("v4-veth.pcap", 4); /* the two plaintext underlay pings and replies */
}

static void test_fixture_sll(void)
{
	/* `any` sees the tunnel's plaintext too: 22 pings through wg plus the 4 */
	check_real("v6-sll.pcap", 26);
	check_real("v6-sll2.pcap", 26);
}

static void test_fixture_wg_raw(void)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN] = "";
	struct wgl_analysis a;

	CU_ASSERT_EQUAL_FATAL(wgl_analyze_file(fixture("v4-wg.pcap"), &o, &a, err), 0);
	CU_ASSERT_EQUAL(a.dlt, DLT_RAW);
	CU_ASSERT_EQUAL(a.wg, 0);
	CU_ASSERT_EQUAL(a.ip_other, 22);
	CU_ASSERT_EQUAL(a.control, 1); /* a router solicitation */
	wgl_analysis_free(&a);
}

/* The time window and --since against a plain count over the reader. */
static void test_window_reference(void)
{
	const double from = 1.9, to = 2.6, since = 2.5;
	struct wgl_analyze_opts o = { .base_ns = 0, .from_s = from, .to_s = to, .since_s = since };
	char err[WGL_PCAP_ERRLEN];
	struct wgl_pcap_reader *r;
	struct wgl_analysis a;
	struct wgl_pkt p;
	uint64_t in = 0, after = 0, wg = 0;
	long long base = 0;

	CU_ASSERT_EQUAL_FATAL(wgl_pcap_open(&r, fixture("v4-veth.pcap"), err), 0);
	while (wgl_pcap_next(r, &p, err) > 0) {
		double t;

		if (!base)
			base = p.ts_ns;
		t = (p.ts_ns - base) / 1e9;
		if (t < from || t >= to)
			continue;
		in++;
		wg += p.kind == WGL_PKT_WG;
		after += t >= since && p.kind != WGL_PKT_CONTROL && p.kind != WGL_PKT_NON_IP;
	}
	wgl_pcap_close(r);
	CU_ASSERT_EQUAL_FATAL(wgl_analyze_file(fixture("v4-veth.pcap"), &o, &a, err), 0);
	CU_ASSERT(in > 0 && in < a.records);
	CU_ASSERT_EQUAL(a.in_window, in);
	CU_ASSERT_EQUAL(a.wg, wg);
	CU_ASSERT_EQUAL(a.after_since, after);
	CU_ASSERT(a.after_since > 0);
	wgl_analysis_free(&a);
}

/* ---- broken files ---- */

static void expect_error(const char *name, const char *needle)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN] = "";
	struct wgl_analysis a;

	CU_ASSERT(wgl_analyze_file(fixture(name), &o, &a, err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, name));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	if (!strstr(err, needle))
		printf("\n  %s: got '%s'\n", name, err);
}

static void test_broken_files(void)
{
	expect_error("truncated.pcap", "record 18:");
	expect_error("garbage.pcap", "not a readable capture");
	expect_error("badlen.pcap", "record 1:");
	expect_error("does-not-exist.pcap", "does-not-exist.pcap");
}

/* ---- synthetic sessions vs a naive reference ---- */

struct naive {
	bool seen[512];
	uint64_t dups, reordered, distinct, max, min;
	bool any;
};

static void naive_add(struct naive *n, uint64_t c)
{
	if (n->seen[c]) {
		n->dups++;
		return;
	}
	if (n->any && c < n->max)
		n->reordered++;
	n->seen[c] = true;
	n->distinct++;
	if (!n->any || c > n->max)
		n->max = c;
	if (!n->any || c < n->min)
		n->min = c;
	n->any = true;
}

static void test_counters_random(void)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN];
	unsigned int seed = 1234;

	for (int round = 0; round < 20; round++) {
		struct naive n = { 0 };
		struct wgl_analysis a;
		struct synth s;

		CU_ASSERT_EQUAL_FATAL(synth_open(&s, tmpfile_path("rand.pcap"), 65535), 0);
		for (int i = 0; i < 300; i++) {
			/* mostly in order, some repeats, some jumps back */
			uint64_t c = (uint64_t)(rand_r(&seed) % 4 ? i : rand_r(&seed) % 512) % 512;

			naive_add(&n, c);
			synth_wg(&s, 1, 2, 4, 48, 0x1234, 0, c);
			s.t_ns += 1000;
		}
		synth_close(&s);
		CU_ASSERT_EQUAL_FATAL(wgl_analyze_file(tmpfile_path("rand.pcap"), &o, &a, err), 0);
		CU_ASSERT_EQUAL_FATAL(a.nsessions, 1);
		CU_ASSERT_EQUAL(a.sessions[0].duplicates, n.dups);
		CU_ASSERT_EQUAL(a.sessions[0].reordered, n.reordered);
		CU_ASSERT_EQUAL(a.sessions[0].max_counter, n.max);
		CU_ASSERT_EQUAL(a.sessions[0].missing, n.max - n.min + 1 - n.distinct);
		wgl_analysis_free(&a);
	}
}

/* Handshakes, cookies, a lost response, a too-old counter, a cut snaplen. */
static void test_synthetic_handshakes(void)
{
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN];
	struct wgl_analysis a;
	struct synth s;
	uint8_t plain[40] = { 8 };

	CU_ASSERT_EQUAL_FATAL(synth_open(&s, tmpfile_path("hs.pcap"), 65535), 0);
	synth_wg(&s, 1, 2, 1, 148, 0xa1, 0, 0);            /* t=0 initiation */
	s.t_ns += 2000000;
	synth_wg(&s, 2, 1, 3, 64, 0xa1, 0, 0);             /* cookie reply to it */
	s.t_ns += 5000000000LL;
	synth_wg(&s, 1, 2, 1, 148, 0xa2, 0, 0);            /* t=5.002 retry */
	s.t_ns += 1500000;
	synth_wg(&s, 2, 1, 2, 92, 0xb2, 0xa2, 0);          /* answered after 1.5 ms */
	synth_wg(&s, 1, 2, 4, 32, 0xb2, 0, 20000);
	synth_wg(&s, 1, 2, 4, 32, 0xb2, 0, 3);             /* older than the window */
	s.t_ns += 120000000000LL;
	synth_wg(&s, 1, 2, 1, 148, 0xa3, 0, 0);            /* rekey 120.0015 s later */
	s.t_ns += 1000000;
	synth_wg(&s, 2, 1, 2, 92, 0xb3, 0xa3, 0);
	synth_ip(&s, 1, 1, 2, plain, sizeof(plain), 65535); /* a plaintext ICMP leak */
	synth_close(&s);

	CU_ASSERT_EQUAL_FATAL(wgl_analyze_file(tmpfile_path("hs.pcap"), &o, &a, err), 0);
	CU_ASSERT_EQUAL(a.nhandshakes, 3);
	CU_ASSERT_EQUAL(a.handshakes_answered, 2);
	CU_ASSERT_EQUAL(wgl_handshake_rtt_ns(&a.handshakes[0]), -1);
	CU_ASSERT_EQUAL(wgl_handshake_rtt_ns(&a.handshakes[1]), 1500000);
	CU_ASSERT_EQUAL(a.handshakes[1].resp_sender, 0xb2);
	CU_ASSERT_EQUAL(a.cookies, 1);
	CU_ASSERT_EQUAL_FATAL(a.nrekey, 1);
	CU_ASSERT_EQUAL(a.rekey_ns[0], 120001500000LL);
	CU_ASSERT_EQUAL(a.sessions[0].too_old, 1);
	CU_ASSERT_EQUAL(a.leaks, 1);
	CU_ASSERT_EQUAL(a.first_leak.record, 9);
	CU_ASSERT_EQUAL(a.longest_gap_ns, 120000000000LL);

	json_t *j = wgl_analysis_to_json(&a);
	json_t *hs = json_object_get(j, "handshakes");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(hs, "answered")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "leaks"),
							   "count")), 1);
	json_decref(j);
	wgl_analysis_free(&a);
}

/* ---- key log ---- */

static void test_keylog(void)
{
	wgl_key priv, pub, eph, psk;
	char b64[WGL_KEY_B64_LEN], line[256], want[256];
	const char *path = tmpfile_path("keylog.txt");
	struct wgl_keylog_keys k = { .local_static_private = priv, .remote_static_public = pub,
				     .local_ephemeral_private = eph, .preshared = psk };
	struct stat st;
	FILE *f;
	int n = 0;

	wgl_key_generate_private(priv);
	wgl_key_public(pub, priv);
	wgl_key_generate_private(eph);
	wgl_key_generate_private(psk);
	unlink(path);
	CU_ASSERT_EQUAL(wgl_keylog_append(path, &k), 4);
	k.local_ephemeral_private = NULL;
	k.preshared = NULL;
	CU_ASSERT_EQUAL(wgl_keylog_append(path, &k), 2);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f))
		n++;
	CU_ASSERT_EQUAL(n, 6);
	rewind(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	wgl_key_to_base64(b64, priv);
	snprintf(want, sizeof(want), "LOCAL_STATIC_PRIVATE_KEY = %s\n", b64);
	CU_ASSERT_STRING_EQUAL(line, want);
	fclose(f);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/wglab-test-pcap-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("pcap", NULL, NULL);
	CU_add_test(s, "wg message table", test_dissect_wg_table);
	CU_add_test(s, "wg fields", test_dissect_fields);
	CU_add_test(s, "fixture veth (Ethernet)", test_fixture_veth);
	CU_add_test(s, "fixture any (SLL, SLL2, ns magic)", test_fixture_sll);
	CU_add_test(s, "fixture wg (raw IP)", test_fixture_wg_raw);
	CU_add_test(s, "window and since vs reference", test_window_reference);
	CU_add_test(s, "broken files name file and record", test_broken_files);
	CU_add_test(s, "counters vs naive reference", test_counters_random);
	CU_add_test(s, "synthetic handshakes/cookies/rekey", test_synthetic_handshakes);
	CU_add_test(s, "key log", test_keylog);
	int rc = wgl_test_run();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
