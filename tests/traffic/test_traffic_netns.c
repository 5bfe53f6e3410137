// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: the libiperf runner, the echo prober and the CPU accounting
 * through a real userspace WireGuard pair. Short (2 s) runs; the checks are
 * about sanity (bytes moved, no error, the daemon did the work), never about
 * how fast, because test machines differ.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/child.h"
#include "base/log.h"
#include "harness/pair.h"
#include "harness/traffic/cpu.h"
#include "harness/traffic/echo.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"
#include "tests/wgl_test.h"

static struct wgl_pair pair;
static int live_before;

static int pair_setup(void)
{
	struct wgl_pair_opts o = { .backend = { "userspace", "userspace" } };
	double ms;

	live_before = wgl_live_objects();
	if (wgl_pair_up(&pair, &o) < 0)
		return -1;
	/* The first packet waits for the handshake; get that out of the measurements. */
	return wgl_pair_ping(&pair, 0, 10000, &ms) < 0 ? -1 : 0;
}

static int pair_teardown(void)
{
	wgl_pair_down(&pair);
	return 0;
}

static void test_tcp(void)
{
	struct wgl_iperf_opts o = { .server_addr = pair.tunnel_addr[1], .duration_s = 2 };
	pid_t pids[WGL_CPU_PROCS] = { wgl_wg_pid(pair.wg[0]), wgl_wg_pid(pair.wg[1]) };
	struct wgl_cpu_sample a, b;
	struct wgl_cpu_usage u;
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL_FATAL(wgl_cpu_sample(&a, pids), 0);
	CU_ASSERT_EQUAL(wgl_iperf_measure(pair.ns[1], pair.ns[0], &o, &r), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_cpu_sample(&b, pids), 0);
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT_FALSE(r.udp);
	CU_ASSERT(r.bytes_received > 0 && r.bytes_sent >= r.bytes_received);
	CU_ASSERT(r.received_bps > 0);
	CU_ASSERT(r.seconds > 1.0);
	CU_ASSERT(r.retransmits >= 0);
	CU_ASSERT(r.mean_rtt_us > 0);
	/* Every byte went through both daemons: both must have used CPU. */
	wgl_cpu_delta(&a, &b, &u);
	CU_ASSERT(u.proc_s[0] > 0 && u.proc_s[1] > 0);
	CU_ASSERT(u.host_busy_s > 0);
}

static void test_tcp_reverse_streams(void)
{
	struct wgl_iperf_opts o = { .server_addr = pair.tunnel_addr[1], .duration_s = 2,
				    .streams = 2, .reverse = true, .port = 5301 };
	struct wgl_iperf_result r;

	CU_ASSERT_EQUAL(wgl_iperf_measure(pair.ns[1], pair.ns[0], &o, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT(r.bytes_received > 0);
	CU_ASSERT(r.mean_rtt_us > 0); /* from the server's JSON */
}

static void test_udp(void)
{
	struct wgl_iperf_opts o = { .server_addr = pair.tunnel_addr[1], .duration_s = 2,
				    .udp = true, .bitrate = 50000000 };
	struct wgl_iperf_result r;
	char *js = NULL;
	struct wgl_iperf_run run;

	CU_ASSERT_EQUAL_FATAL(wgl_iperf_begin(&run, pair.ns[1], pair.ns[0], &o), 0);
	CU_ASSERT_EQUAL(wgl_iperf_end(&run, &r, &js), 0);
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT_TRUE(r.udp);
	CU_ASSERT(r.packets > 0 && r.bytes_received > 0);
	CU_ASSERT(r.lost_packets >= 0 && r.lost_packets <= r.packets);
	/* Our block size reached iperf (it is not the library's TCP default). */
	CU_ASSERT_PTR_NOT_NULL(js && strstr(js, "\"blksize\":\t1392"));
	free(js);
}

static void test_echo_idle_and_loaded(void)
{
	struct wgl_echo_opts eo = { .addr = pair.tunnel_addr[1], .count = 50, .interval_us = 5000 };
	struct wgl_iperf_opts io = { .server_addr = pair.tunnel_addr[1], .duration_s = 2 };
	struct wgl_echo_server srv;
	struct wgl_echo_result idle, loaded;
	struct wgl_iperf_result r;
	struct wgl_iperf_run run;

	CU_ASSERT_EQUAL_FATAL(wgl_echo_server_start(&srv, pair.ns[1], pair.tunnel_addr[1], 0), 0);
	CU_ASSERT_EQUAL(wgl_echo_probe(pair.ns[0], &eo, &idle), 0);
	CU_ASSERT_EQUAL(idle.sent, 50);
	CU_ASSERT(idle.received > 0 && idle.received <= idle.sent);
	CU_ASSERT(idle.p50_ms > 0 && idle.p50_ms <= idle.p99_ms && idle.p99_ms <= idle.max_ms);
	CU_ASSERT_EQUAL_FATAL(wgl_iperf_begin(&run, pair.ns[1], pair.ns[0], &io), 0);
	CU_ASSERT_EQUAL(wgl_echo_probe(pair.ns[0], &eo, &loaded), 0);
	CU_ASSERT_EQUAL(wgl_iperf_end(&run, &r, NULL), 0);
	CU_ASSERT(loaded.sent == 50 && loaded.received <= loaded.sent);
	CU_ASSERT(r.bytes_received > 0);
	wgl_echo_server_stop(&srv);
	/* With the echo server gone nothing comes back: loss is measured, not an error. */
	eo.count = 5;
	eo.wait_ms = 300;
	CU_ASSERT_EQUAL(wgl_echo_probe(pair.ns[0], &eo, &idle), 0);
	CU_ASSERT_EQUAL(idle.received, 0);
	CU_ASSERT_DOUBLE_EQUAL(idle.loss_pct, 100, 0);
	CU_ASSERT(isnan(idle.p50_ms));
}

/* A server that cannot bind: begin fails with iperf's reason, and leaves nothing behind. */
static void test_server_cannot_bind(void)
{
	struct wgl_iperf_opts o = { .server_addr = "198.19.0.77", .duration_s = 1 };
	struct wgl_iperf_result r;
	int live = wgl_live_objects();

	CU_ASSERT(wgl_iperf_measure(pair.ns[1], pair.ns[0], &o, &r) < 0);
	CU_ASSERT(r.error[0] != '\0');
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

/*
 * A client refused by a busy server: iperf 3.12 returns 0 and writes an
 * "error" key; the runner must report the failure, not a zero measurement.
 */
static void test_server_busy(void)
{
	struct wgl_iperf_opts o = { .server_addr = pair.tunnel_addr[1], .duration_s = 2,
				    .port = 5401 };
	struct wgl_iperf_proc lone;
	struct wgl_iperf_result r, lr;
	struct wgl_iperf_run run;
	char *js = NULL;

	CU_ASSERT_EQUAL_FATAL(wgl_iperf_begin(&run, pair.ns[1], pair.ns[0], &o), 0);
	/* Only once the first test runs is the server busy: wait for its first bytes. */
	wgl_sleep_ms(1000);
	CU_ASSERT_EQUAL_FATAL(wgl_iperf_client_start(&lone, pair.ns[0], &o), 0);
	CU_ASSERT_EQUAL(wgl_iperf_collect(&lone, wgl_now_ns() + 10000000000LL, &js), 0);
	CU_ASSERT_EQUAL(wgl_iperf_parse(js, &lr), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(lr.error, "busy"));
	free(js);
	CU_ASSERT_EQUAL(wgl_iperf_end(&run, &r, NULL), 0);
	CU_ASSERT(r.bytes_received > 0);
}

/* A test that outlives its deadline is stopped (SIGTERM, SIGKILL), both children reaped. */
static void test_deadline(void)
{
	struct wgl_iperf_opts o = { .server_addr = pair.tunnel_addr[1], .duration_s = 30,
				    .timeout_ms = 1500, .port = 5501 };
	struct wgl_iperf_result r;
	int live = wgl_live_objects();
	long long t0 = wgl_now_ns();

	CU_ASSERT_EQUAL(wgl_iperf_measure(pair.ns[1], pair.ns[0], &o, &r), -ETIMEDOUT);
	CU_ASSERT(wgl_now_ns() - t0 < 20000000000LL);
	CU_ASSERT(r.error[0] != '\0');
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

static void test_balance(void)
{
	pair_teardown();
	memset(&pair, 0, sizeof(pair));
	CU_ASSERT_EQUAL(wgl_live_objects(), live_before);
}

int main(void)
{
	char why[256];
	CU_pSuite s;

	wgl_test_require_root();
	if (wgl_backend_available(NULL, "userspace", why, sizeof(why)) < 0)
		wgl_test_skip(why);
	wgl_cleanup_install_signals();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("traffic", pair_setup, NULL);
	CU_add_test(s, "tcp", test_tcp);
	CU_add_test(s, "tcp_reverse_streams", test_tcp_reverse_streams);
	CU_add_test(s, "udp", test_udp);
	CU_add_test(s, "echo_idle_and_loaded", test_echo_idle_and_loaded);
	CU_add_test(s, "server_cannot_bind", test_server_cannot_bind);
	CU_add_test(s, "server_busy", test_server_busy);
	CU_add_test(s, "deadline", test_deadline);
	CU_add_test(s, "balance", test_balance);
	return wgl_test_run();
}
