// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The iperf JSON parser against real iperf3 3.12 output captured on a veth
 * pair between two namespaces (tests/fixtures/iperf/, see README there).
 * Expected values are the numbers in those files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "harness/traffic/iperf.h"
#include "tests/wgl_test.h"

static char *load(const char *name)
{
	char rel[128], path[512];
	FILE *f;
	long len;
	char *buf;

	snprintf(rel, sizeof(rel), "fixtures/iperf/%s", name);
	f = fopen(wgl_test_path(path, sizeof(path), rel), "re");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	CU_ASSERT_EQUAL_FATAL(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static int parse_file(const char *name, struct wgl_iperf_result *r)
{
	char *js = load(name);
	int ret = wgl_iperf_parse(js, r);

	free(js);
	return ret;
}

static void test_tcp(void)
{
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(parse_file("tcp.json", &r), 0);
	CU_ASSERT_FALSE(r.udp);
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT_DOUBLE_EQUAL(r.sent_bps, 24192939984.22295, 1);
	CU_ASSERT_DOUBLE_EQUAL(r.received_bps, 24188006553.437607, 1);
	CU_ASSERT_EQUAL(r.bytes_sent, 6049366016ULL);
	CU_ASSERT_EQUAL(r.bytes_received, 6049366016ULL);
	CU_ASSERT_EQUAL(r.retransmits, 17483);
	CU_ASSERT_DOUBLE_EQUAL(r.seconds, 2.000782, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.cpu_host_pct, 88.0998778808429, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.cpu_remote_pct, 39.4498462104393, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.mean_rtt_us, 45, 1e-9);
	CU_ASSERT_EQUAL(r.rev_received_bps, 0);
	CU_ASSERT_EQUAL(wgl_iperf_bytes_moved(&r), 6049366016ULL);
}

static void test_parallel_omit(void)
{
	struct wgl_iperf_result r;
	char *js = load("tcp-parallel-omit.json");

	CU_ASSERT_EQUAL_FATAL(wgl_iperf_parse(js, &r), 0);
	/* Two streams: the sums are used, and the RTT is the mean of both streams'. */
	CU_ASSERT_PTR_NOT_NULL(strstr(js, "\"num_streams\":\t2"));
	CU_ASSERT(r.received_bps > 0 && r.bytes_received > 0);
	CU_ASSERT(r.mean_rtt_us > 0);
	CU_ASSERT(r.retransmits >= 0);
	free(js);
}

static void test_reverse(void)
{
	struct wgl_iperf_result r, rs;

	/* Without the server's output the client cannot know the sender's RTT. */
	CU_ASSERT_EQUAL_FATAL(parse_file("tcp-reverse.json", &r), 0);
	CU_ASSERT_DOUBLE_EQUAL(r.received_bps, 22563238130.284874, 1);
	CU_ASSERT_EQUAL(r.retransmits, 24200);
	CU_ASSERT_EQUAL(r.mean_rtt_us, 0);
	/* With --get-server-output it comes from server_output_json. */
	CU_ASSERT_EQUAL_FATAL(parse_file("tcp-reverse-server-output.json", &rs), 0);
	CU_ASSERT_DOUBLE_EQUAL(rs.mean_rtt_us, 35, 1e-9);
}

static void test_bidir(void)
{
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(parse_file("tcp-bidir.json", &r), 0);
	CU_ASSERT_DOUBLE_EQUAL(r.received_bps, 14688218719.375204, 1);
	CU_ASSERT_DOUBLE_EQUAL(r.rev_sent_bps, 15769804926.761986, 1);
	CU_ASSERT_DOUBLE_EQUAL(r.rev_received_bps, 15752829012.604057, 1);
	CU_ASSERT_EQUAL(r.rev_bytes_received, 3942251792ULL);
	CU_ASSERT_EQUAL(wgl_iperf_bytes_moved(&r), 3675825880ULL + 3942251792ULL);
}

static void test_udp(void)
{
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(parse_file("udp.json", &r), 0);
	CU_ASSERT_TRUE(r.udp);
	CU_ASSERT_EQUAL(r.retransmits, -1);
	CU_ASSERT_DOUBLE_EQUAL(r.received_bps, 199900709.5815254, 1);
	CU_ASSERT_DOUBLE_EQUAL(r.jitter_ms, 0.00847436251455584, 1e-12);
	CU_ASSERT_EQUAL(r.packets, 35700);
	CU_ASSERT_EQUAL(r.lost_packets, 0);
	CU_ASSERT_EQUAL(r.mean_rtt_us, 0);
}

static void test_udp_loss(void)
{
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(parse_file("udp-unlimited.json", &r), 0);
	CU_ASSERT_TRUE(r.udp);
	CU_ASSERT_EQUAL(r.lost_packets, 88586);
	CU_ASSERT_EQUAL(r.packets, 489320);
	CU_ASSERT_DOUBLE_EQUAL(r.lost_percent, 18.10389928880896, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.jitter_ms, 0.0051373833059105, 1e-12);
}

static void test_udp_reverse(void)
{
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(parse_file("udp-reverse.json", &r), 0);
	CU_ASSERT_TRUE(r.udp);
	CU_ASSERT_EQUAL(r.packets, 17851);
	CU_ASSERT_DOUBLE_EQUAL(r.received_bps, 99962051.34717716, 1);
}

static void test_error(void)
{
	struct wgl_iperf_result r;

	/* iperf 3.12 exits 0 here; only the "error" key says it failed. */
	CU_ASSERT_EQUAL(parse_file("error-refused.json", &r), -EIO);
	CU_ASSERT_STRING_EQUAL(r.error, "unable to connect to server: Connection refused");
	CU_ASSERT_EQUAL(r.received_bps, 0);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"", "{", "[]", "42", "{\"start\":{}}", "{\"end\":{}}", "{\"end\":[]}", "null",
		"{\"error\":5}",
	};
	struct wgl_iperf_result r;

	for (size_t i = 0; i < WGL_ARRAY_SIZE(bad); i++) {
		int ret = wgl_iperf_parse(bad[i], &r);

		CU_ASSERT(ret == -EINVAL || ret == -EIO);
		CU_ASSERT(r.error[0] != '\0');
	}
	CU_ASSERT_EQUAL(wgl_iperf_parse(NULL, &r), -EINVAL);
	/* Wrong types inside a valid document degrade to zero, never crash. */
	CU_ASSERT_EQUAL(wgl_iperf_parse("{\"end\":{\"sum_sent\":\"x\",\"streams\":7,"
					"\"sum_received\":{\"bytes\":-5}}}", &r), 0);
	CU_ASSERT_EQUAL(r.bytes_received, 0);
}

/* The server's own JSON has the same shape; its receiving side is the one with bytes. */
static void test_server_json(void)
{
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(parse_file("server-tcp.json", &r), 0);
	CU_ASSERT(r.bytes_received > 0);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("iperf_json", NULL, NULL);
	CU_add_test(s, "tcp", test_tcp);
	CU_add_test(s, "parallel_omit", test_parallel_omit);
	CU_add_test(s, "reverse", test_reverse);
	CU_add_test(s, "bidir", test_bidir);
	CU_add_test(s, "udp", test_udp);
	CU_add_test(s, "udp_loss", test_udp_loss);
	CU_add_test(s, "udp_reverse", test_udp_reverse);
	CU_add_test(s, "error", test_error);
	CU_add_test(s, "malformed", test_malformed);
	CU_add_test(s, "server_json", test_server_json);
	return wgl_test_run();
}
