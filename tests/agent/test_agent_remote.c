// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A remote node for real: namespace "remote" (R) plays the far host, "local"
 * (L) the controller's, a veth between them at 198.18.0.1 / 198.18.0.2.
 *
 *   test-agent-remote pipe   the agent runs in R as our child, on pipes
 *   test-agent-remote ssh    Debian's OpenSSH server runs in R and the agent
 *                            is started through `ssh root@198.18.0.2`
 *   ... pipe|ssh kernel      both peers on the kernel backend (default:
 *                            userspace); the kernel lab runs `pipe kernel`
 *
 * Either way: greeting, host facts, the clock offset (one host, one clock:
 * the true offset 0 must lie inside the estimate's error bar), a WireGuard
 * tunnel between a local peer and the agent's peer with UDP echo
 * both ways through it and a capture fetched back, refusals of objects the
 * agent did not create, counters. Then the connection is dropped (ssh:
 * SIGKILL of the ssh client; pipe: SIGHUP to the agent, or with the kernel
 * backend EOF on its stdin, a dropped pipe) and R is checked to
 * hold nothing the agent made: no process but sshd's listener, no link but
 * lo and the veth end, no UDP socket, no TCP listener but sshd's, and no
 * agent directory. Pipe mode then starts an agent in a namespace of its own
 * (no --here) with a device in it and checks that after EOF on its stdin
 * nothing holds that namespace any more.
 *
 * Host keys: this test makes a throwaway host key and user key in a private
 * temporary directory (removed at the end) and pins the host key: ssh runs
 * with StrictHostKeyChecking=yes against a known_hosts file built from that
 * key, never with blind acceptance. A second connection with a known_hosts
 * naming another key must be refused, which shows the pin is checked.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/agent_priv.h"
#include "harness/backends/backend.h"
#include "harness/traffic/echo.h"
#include "harness/traffic/iperf.h"
#include "base/child.h"
#include "base/log.h"
#include "netns/netns.h"
#include "tests/agent/ssh_fixture.h"
#include "tests/wgl_test.h"

#define SSH_PORT 2222

static struct wgl_ns *L, *R;
static bool use_ssh;
static const char *backend = "userspace";
static pid_t sshd_pid = -1;
static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, \
	__LINE__); printf(__VA_ARGS__); printf("\n"); } else { printf("ok: "); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

/* Throwaway keys, the host key pinned for R's address, sshd in R listening there. */
static int start_ssh(void)
{
	static const char *const names[] = { "[198.18.0.2]:2222" };

	if (wgl_sshfx_make_dir("wglab-sshtest") < 0 || wgl_sshfx_make_keys(names, 1, true) < 0)
		return -1;
	sshd_pid = wgl_sshfx_start_sshd(R, "198.18.0.2", SSH_PORT, "sshd");
	return sshd_pid < 0 ? -1 : 0;
}

static char **agent_argv(const char *known_hosts)
{
	static char key[256], kh[300], cmd[512], port[16];
	static char *ssh[] = { "ssh", "-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes",
		"-o", kh, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-p",
		port, "root@198.18.0.2", cmd, NULL };
	static char *local[] = { cmd, "agent", "--here", NULL };

	snprintf(port, sizeof(port), "%d", SSH_PORT);
	snprintf(key, sizeof(key), "%s/user_key", wgl_sshfx_dir);
	snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s/%s", wgl_sshfx_dir, known_hosts);
	if (!use_ssh) {
		snprintf(cmd, sizeof(cmd), "%s", getenv("WGLAB"));
		return local;
	}
	snprintf(cmd, sizeof(cmd), "%s agent --here", getenv("WGLAB"));
	return ssh;
}

/* ssh runs in L (it reaches R over the veth); the piped agent runs in R itself. */
static struct wgl_agent_client *connect_agent(const char *known_hosts, char *why, size_t len)
{
	struct wgl_agent_client *c;

	wgl_ns_enter(use_ssh ? L : R);
	c = wgl_agent_connect(agent_argv(known_hosts), 20000, why, len);
	wgl_ns_leave();
	return c;
}

static int setup_underlay(void)
{
	if (wgl_veth_add(L, "l0", R, "r0") || wgl_addr_add(L, "l0", "198.18.0.1/24") ||
	    wgl_addr_add(R, "r0", "198.18.0.2/24") || wgl_link_set_up(L, "l0", true) ||
	    wgl_link_set_up(R, "r0", true))
		return -1;
	return wgl_link_wait_running(L, "l0", 5000);
}

static int call(struct wgl_agent_client *c, const char *op, json_t *args, json_t **res)
{
	char why[512];
	int err = wgl_agent_call(c, op, args, 30000, res, why, sizeof(why));

	if (err < 0)
		printf("  %s: %s (%s)\n", op, why, strerror(-err));
	return err;
}

static json_t *peer_cfg(const char *priv, int port, const char *pub, const char *ep,
		       const char *aip)
{
	return json_pack("{s:s s:i s:b s:[{s:s s:s s:[s]}]}", "private_key", priv, "listen_port",
			 port, "replace_peers", 1, "peers", "public_key", pub, "endpoint", ep,
			 "allowed_ips", aip);
}

static void check_facts(struct wgl_agent_client *c)
{
	const json_t *h = wgl_agent_hello(c);
	const char *b = strcmp(backend, "kernel") ? "userspace" : "kernel_module";
	json_t *f = NULL;

	CHECK(json_integer_value(json_object_get(h, "protocol")) == WGL_AGENT_PROTOCOL &&
	      !strcmp(json_string_value(json_object_get(h, "wglab")) ?: "", WGLAB_VERSION),
	      "hello: protocol %d, wglab %s", WGL_AGENT_PROTOCOL, WGLAB_VERSION);
	CHECK(call(c, "facts", NULL, &f) == 0 && json_string_value(json_object_get(f, "kernel")) &&
	      json_is_true(json_object_get(json_object_get(f, b), "available")),
	      "facts: kernel %s, cpu %s, %s available %s",
	      json_string_value(json_object_get(f, "kernel")) ?: "?",
	      json_string_value(json_object_get(f, "cpu_model")) ?: "?", b,
	      json_string_value(json_object_get(json_object_get(f, b), "note")) ?: "");
	json_decref(f);
}

/* One host, one clock: the true offset, 0, lies within offset +- rtt/2 by construction. */
static void check_clock(struct wgl_agent_client *c)
{
	struct wgl_agent_clock k;
	int err = wgl_agent_clock_offset(c, 8, &k);

	CHECK(err == 0 && k.samples == 8 && llabs(k.offset_ns) <= k.error_ns,
	      "clock offset %lld ns +- %lld ns over %d exchanges (same clock: 0 inside)",
	      k.offset_ns, k.error_ns, k.samples);
}

static struct wgl_wgdev *local_peer(const char *lpriv, const char *rpub)
{
	struct wgl_wgdev *wl = wgl_wg_create(backend, L, "wgl", NULL);
	json_t *j = peer_cfg(lpriv, 51820, rpub, "198.18.0.2:51821", "198.19.0.2/32");
	struct wgl_device *cfg = NULL;
	char why[256];
	int err = wl ? 0 : -1;

	/* The agent's own parser builds the local config too: one format both ways. */
	err = err ?: wgl_agent_config_from_json(j, &cfg, why, sizeof(why));
	err = err ?: wgl_wg_set(wl, cfg);
	err = err ?: wgl_addr_add(L, "wgl", "198.19.0.1/24");
	err = err ?: wgl_link_set_up(L, "wgl", true);
	wgl_device_free(cfg);
	json_decref(j);
	CHECK(err == 0, "local %s peer wgl up at 198.19.0.1", backend);
	return wl;
}

static void remote_peer(struct wgl_agent_client *c, const char *rpriv, const char *lpub)
{
	json_t *res = NULL;
	const char *impl;
	int err;

	err = call(c, "wg_create", json_pack("{s:s s:s}", "ifname", "wgr", "backend", backend),
		   &res);
	impl = json_string_value(json_object_get(res, "impl")) ?: "?";
	err = err ?: call(c, "wg_set", json_pack("{s:s s:o}", "ifname", "wgr", "config",
			  peer_cfg(rpriv, 51821, lpub, "198.18.0.1:51820", "198.19.0.1/32")), NULL);
	err = err ?: call(c, "addr_add", json_pack("{s:s s:s}", "ifname", "wgr", "addr",
			  "198.19.0.2/24"), NULL);
	err = err ?: call(c, "link_up", json_pack("{s:s}", "ifname", "wgr"), NULL);
	/* The kernel's device is the module's, with no daemon: not a userspace stand-in. */
	CHECK(err == 0 && (strcmp(backend, "kernel") || (!strncmp(impl, "linux ", 6) &&
	      json_integer_value(json_object_get(res, "pid")) == -1)),
	      "agent's %s peer wgr up at 198.19.0.2: %s", backend, impl);
	json_decref(res);
}

static int handle_of(json_t *r)
{
	int h = r ? (int)json_integer_value(json_object_get(r, "handle")) : -1;

	json_decref(r);
	return h;
}

static void check_echo(struct wgl_agent_client *c)
{
	struct wgl_echo_opts o = { .addr = "198.19.0.2", .count = 20 };
	struct wgl_echo_server srv = { 0 };
	struct wgl_echo_result r = { 0 };
	json_t *res = NULL;
	int h = -1;

	if (call(c, "echo_server", json_pack("{s:s}", "addr", "198.19.0.2"), &res) == 0)
		h = handle_of(res);
	CHECK(h >= 0 && wgl_echo_probe(L, &o, &r) == 0 && r.received > 0,
	      "echo local -> agent through the tunnel: %u of %u back, median %.3f ms",
	      r.received, r.sent, r.p50_ms);
	call(c, "stop", json_pack("{s:i}", "handle", h), NULL);
	res = NULL;
	CHECK(wgl_echo_server_start(&srv, L, "198.19.0.1", 7008) == 0 &&
	      call(c, "echo_probe", json_pack("{s:s s:i s:i}", "addr", "198.19.0.1", "port", 7008,
					      "count", 20), &res) == 0 &&
	      json_integer_value(json_object_get(res, "received")) > 0,
	      "echo agent -> local through the tunnel: %lld of 20 back",
	      (long long)json_integer_value(json_object_get(res, "received")));
	/* Every RTT, not only a summary: a scenario's latency metrics are the samples. */
	CHECK(json_array_size(json_object_get(res, "rtt_ms")) ==
	      (size_t)json_integer_value(json_object_get(res, "received")) &&
	      json_number_value(json_array_get(json_object_get(res, "rtt_ms"), 0)) > 0 &&
	      json_number_value(json_object_get(res, "p90_ms")) > 0,
	      "echo_probe returns each of its %zu RTTs (first %.3f ms)",
	      json_array_size(json_object_get(res, "rtt_ms")),
	      json_number_value(json_array_get(json_object_get(res, "rtt_ms"), 0)));
	json_decref(res);
	wgl_echo_server_stop(&srv);
}

static void check_capture(struct wgl_agent_client *c, int h)
{
	json_t *st = NULL, *f = NULL;
	const char *b64;
	unsigned char *bin = NULL;
	size_t n = 0;
	long long bytes;
	unsigned int magic = 0;

	CHECK(call(c, "capture_stop", json_pack("{s:i}", "handle", h), &st) == 0 &&
	      json_integer_value(json_object_get(st, "packets")) > 0,
	      "agent's capture on wgr: %lld packets",
	      (long long)json_integer_value(json_object_get(st, "packets")));
	json_decref(st);
	if (call(c, "capture_fetch", json_pack("{s:i}", "handle", h), &f) == 0) {
		b64 = json_string_value(json_object_get(f, "pcap_base64"));
		bytes = json_integer_value(json_object_get(f, "bytes"));
		bin = malloc(bytes + 1);
		if (bin && b64 && !sodium_base642bin(bin, bytes + 1, b64, strlen(b64), NULL, &n, NULL,
						      sodium_base64_VARIANT_ORIGINAL) && n >= 4)
			memcpy(&magic, bin, 4);
	}
	CHECK(n > 24 && (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d),
	      "capture fetched: %zu bytes of pcap (magic 0x%08x)", n, magic);
	free(bin);
	json_decref(f);
}

static void check_iperf(struct wgl_agent_client *c)
{
	struct wgl_iperf_opts o = { .server_addr = "198.19.0.2", .duration_s = 2 };
	struct wgl_iperf_result r = { 0 };
	struct wgl_iperf_proc p;
	json_t *res = NULL;
	char *js = NULL;
	int h = -1;

	if (call(c, "iperf_server", json_pack("{s:s}", "addr", "198.19.0.2"), &res) == 0)
		h = handle_of(res);
	CHECK(h >= 0 && wgl_iperf_client_start(&p, L, &o) == 0 &&
	      wgl_iperf_collect(&p, wgl_now_ns() + 30000000000LL, &js) == 0 &&
	      wgl_iperf_parse(js, &r) == 0 && r.bytes_received > 0,
	      "iperf local -> agent through the tunnel: %.1f Mbit/s", r.received_bps / 1e6);
	free(js);
	res = NULL;
	CHECK(call(c, "stop", json_pack("{s:i}", "handle", h), &res) == 0 && json_is_object(res),
	      "the agent's iperf server reports its side of the test");
	json_decref(res);
}

/*
 * A background client: the agent answers other requests while it runs,
 * iperf_wait returns its figures once, and the handle is gone afterwards.
 */
static void check_iperf_background(struct wgl_agent_client *c)
{
	struct wgl_iperf_opts o = { .server_addr = "198.19.0.1" };
	struct wgl_iperf_result r = { 0 };
	struct wgl_iperf_proc srv;
	json_t *res = NULL;
	char *text = NULL, why[256] = "";
	int h = -1, err, verbosity = wgl_log_verbosity;

	CHECK(wgl_iperf_server_start(&srv, L, &o) == 0, "local iperf server for the agent");
	if (call(c, "iperf_client", json_pack("{s:s s:i s:b}", "addr", "198.19.0.1", "duration_s",
		 2, "background", 1), &res) == 0)
		h = handle_of(res);
	res = NULL;
	CHECK(h >= 0 && call(c, "clock", NULL, &res) == 0,
	      "the agent answers while its background iperf client %d runs", h);
	json_decref(res);
	res = NULL;
	if (call(c, "iperf_wait", json_pack("{s:i}", "handle", h), &res) == 0)
		text = json_dumps(res, JSON_COMPACT);
	CHECK(text && wgl_iperf_parse(text, &r) == 0 && r.bytes_received > 0,
	      "iperf_wait: agent -> local through the tunnel: %.1f Mbit/s", r.received_bps / 1e6);
	free(text);
	json_decref(res);
	wgl_log_verbosity = -1; /* the agent logs the refusal; not an error here */
	err = wgl_agent_call(c, "iperf_wait", json_pack("{s:i}", "handle", h), 5000, NULL, why,
			     sizeof(why));
	wgl_log_verbosity = verbosity;
	CHECK(err == -ENOENT, "a collected client's handle is released: %s", why);
	text = NULL;
	if (wgl_iperf_collect(&srv, wgl_now_ns() + 5000000000LL, &text) < 0)
		printf("note: the local iperf server left no output\n");
	free(text);
}

/* A userspace device's daemon has CPU seconds and a peak RSS; a kernel device has none: null. */
static void check_counters(struct wgl_agent_client *c)
{
	json_t *res = NULL, *cpu, *rss;
	bool host_ok;

	if (call(c, "counters", NULL, &res) < 0)
		res = json_object();
	cpu = json_object_get(json_object_get(res, "procs_s"), "wgr");
	rss = json_object_get(json_object_get(res, "procs_max_rss"), "wgr");
	host_ok = json_real_value(json_object_get(res, "host_kernel_s")) > 0 &&
		  json_real_value(json_object_get(res, "host_busy_s")) <=
		  json_real_value(json_object_get(res, "host_total_s"));
	if (!strcmp(backend, "kernel"))
		CHECK(host_ok && json_is_null(cpu) && json_is_null(rss),
		      "counters: wgr is a kernel device, its daemon CPU and peak RSS are null; "
		      "host kernel %.2f of %.2f busy CPU s, %.2f total",
		      json_real_value(json_object_get(res, "host_kernel_s")),
		      json_real_value(json_object_get(res, "host_busy_s")),
		      json_real_value(json_object_get(res, "host_total_s")));
	else
		CHECK(host_ok && json_is_real(cpu) && json_integer_value(rss) > 0,
		      "counters: wgr's daemon %.2f CPU s, peak RSS %lld bytes, host kernel %.1f of "
		      "%.1f busy CPU s", json_real_value(cpu), (long long)json_integer_value(rss),
		      json_real_value(json_object_get(res, "host_kernel_s")),
		      json_real_value(json_object_get(res, "host_busy_s")));
	json_decref(res);
}

/* The datagram relay: a socket on R's underlay, driven through the agent, both ways. */
static void check_udp_relay(struct wgl_agent_client *c)
{
	struct sockaddr_in l = { .sin_family = AF_INET }, from;
	socklen_t flen = sizeof(from);
	int fd = wgl_ns_socket(L, AF_INET, SOCK_DGRAM, 0), h = -1, port = 0;
	json_t *res = NULL;
	char buf[64] = "";
	ssize_t n = -1;

	inet_pton(AF_INET, "198.18.0.1", &l.sin_addr);
	l.sin_port = htons(7100);
	if (call(c, "udp_open", json_pack("{s:s}", "addr", "198.18.0.2"), &res) == 0) {
		port = (int)json_integer_value(json_object_get(res, "port"));
		h = handle_of(res);
	}
	if (fd >= 0 && bind(fd, (struct sockaddr *)&l, sizeof(l)) == 0 &&
	    call(c, "udp_send", json_pack("{s:i s:s s:i s:s}", "handle", h, "addr", "198.18.0.1",
					  "port", 7100, "data", "aGVsbG8="), NULL) == 0)
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &flen);
	CHECK(n == 5 && !memcmp(buf, "hello", 5) && ntohs(from.sin_port) == port,
	      "udp_send: L got '%.5s' from the agent's socket on 198.18.0.2:%d", buf, port);
	inet_pton(AF_INET, "198.18.0.2", &l.sin_addr);
	l.sin_port = htons((uint16_t)port);
	res = NULL;
	CHECK(fd >= 0 && sendto(fd, "back", 4, 0, (struct sockaddr *)&l, sizeof(l)) == 4 &&
	      call(c, "udp_recv", json_pack("{s:i s:i}", "handle", h, "timeout_ms", 5000),
		   &res) == 0 && !strcmp(json_string_value(json_object_get(res, "data")) ?: "",
					 "YmFjaw==") &&
	      !strcmp(json_string_value(json_object_get(res, "addr")) ?: "", "198.18.0.1"),
	      "udp_recv: the agent relays L's datagram back (data %s from %s)",
	      json_string_value(json_object_get(res, "data")) ?: "?",
	      json_string_value(json_object_get(res, "addr")) ?: "?");
	json_decref(res);
	res = NULL;
	CHECK(call(c, "udp_recv", json_pack("{s:i s:i}", "handle", h, "timeout_ms", 100),
		   &res) == 0 && json_object_size(res) == 0, "udp_recv: {} when nothing came");
	json_decref(res);
	call(c, "stop", json_pack("{s:i}", "handle", h), NULL);
	if (fd >= 0)
		close(fd);
}

static void check_refusals(struct wgl_agent_client *c)
{
	json_t *bad = peer_cfg("kEGDtmGpbnEmLMImKDYTx7Y8QrXqUYJbnKjnkzTTC2k=", 1,
			       "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=", "192.0.2.1:1",
			       "198.19.0.9/32");
	char why[256];

	wgl_log_verbosity = -1; /* the refusals below are logged by the agent, not errors here */
	CHECK(wgl_agent_call(c, "wg_get", json_pack("{s:s}", "ifname", "r0"), 5000, NULL, why,
			     sizeof(why)) == -ENOENT, "wg_get of the host's r0 refused: %s", why);
	CHECK(wgl_agent_call(c, "addr_add", json_pack("{s:s s:s}", "ifname", "r0", "addr",
			     "198.18.0.9/24"), 5000, NULL, why, sizeof(why)) == -EPERM,
	      "addr_add on the host's r0 refused: %s", why);
	CHECK(wgl_agent_call(c, "link_up", json_pack("{s:s s:b}", "ifname", "lo", "up", 0), 5000,
			     NULL, why, sizeof(why)) == -EPERM, "link_up of lo refused: %s", why);
	CHECK(wgl_agent_call(c, "wg_create", json_pack("{s:s s:s}", "ifname", "r0", "backend",
			     "userspace"), 5000, NULL, why, sizeof(why)) == -EEXIST,
	      "wg_create over the host's r0 refused: %s", why);
	CHECK(wgl_agent_call(c, "addr_add", json_pack("{s:s s:s}", "ifname", "wgr", "addr",
			     "10.0.0.1/24"), 5000, NULL, why, sizeof(why)) == -EPERM,
	      "an address outside the benchmarking ranges refused: %s", why);
	CHECK(wgl_agent_call(c, "wg_set", json_pack("{s:s s:o}", "ifname", "wgr", "config", bad),
			     5000, NULL, why, sizeof(why)) == -EPERM,
	      "an endpoint outside the benchmarking ranges refused: %s", why);
	CHECK(wgl_agent_call(c, "stop", json_pack("{s:i}", "handle", 31), 5000, NULL, why,
			     sizeof(why)) == -ENOENT, "stop of a handle it never gave refused: %s",
	      why);
	CHECK(wgl_agent_call(c, "udp_open", json_pack("{s:s}", "addr", "10.0.0.1"), 5000, NULL,
			     why, sizeof(why)) == -EPERM,
	      "udp_open outside the benchmarking ranges refused: %s", why);
	CHECK(wgl_agent_call(c, "udp_send", json_pack("{s:i s:s s:i s:s}", "handle", 31, "addr",
			     "198.18.0.1", "port", 1, "data", ""), 5000, NULL, why,
			     sizeof(why)) == -ENOENT, "udp_send on a handle it never gave refused: %s",
	      why);
	wgl_log_verbosity = WGL_LOG_INFO;
}

static void run_steps(struct wgl_agent_client *c)
{
	char lpriv[WGL_KEY_B64_LEN], lpub[WGL_KEY_B64_LEN], rpriv[WGL_KEY_B64_LEN];
	char rpub[WGL_KEY_B64_LEN];
	wgl_key a, b;
	struct wgl_wgdev *wl;
	json_t *res = NULL, *g = NULL, *peer;
	int cap = -1;

	check_facts(c);
	check_clock(c);
	wgl_key_generate_private(a);
	wgl_key_to_base64(lpriv, a);
	wgl_key_public(b, a);
	wgl_key_to_base64(lpub, b);
	wgl_key_generate_private(a);
	wgl_key_to_base64(rpriv, a);
	wgl_key_public(b, a);
	wgl_key_to_base64(rpub, b);
	remote_peer(c, rpriv, lpub);
	wl = local_peer(lpriv, rpub);
	if (call(c, "capture_start", json_pack("{s:s}", "ifname", "wgr"), &res) == 0)
		cap = handle_of(res);
	check_echo(c);
	call(c, "wg_get", json_pack("{s:s}", "ifname", "wgr"), &g);
	peer = json_array_get(json_object_get(g, "peers"), 0);
	CHECK(json_integer_value(json_object_get(peer, "last_handshake_ns")) > 0 &&
	      json_integer_value(json_object_get(peer, "rx_bytes")) > 0,
	      "wg_get: the agent's peer has a handshake and %lld bytes received",
	      (long long)json_integer_value(json_object_get(peer, "rx_bytes")));
	json_decref(g);
	check_capture(c, cap);
	check_iperf(c);
	check_iperf_background(c);
	check_counters(c);
	check_udp_relay(c);
	check_refusals(c);
	wgl_wg_destroy(wl);
}

static int procs_in_r(bool print)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct stat ns;
	int n = 0;

	fstat(R->fd, &ns);
	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == sshd_pid || !wgl_sshfx_same_netns(pid, &ns))
			continue;
		n++;
		if (print)
			printf("  left in R: pid %d\n", (int)pid);
	}
	if (d)
		closedir(d);
	return n;
}

/* Sockets of R (read from inside it): UDP of any kind, TCP listeners but sshd's. */
static int sockets_in_r(void)
{
	static const char *const files[] = { "udp", "udp6", "tcp", "tcp6" };
	char line[512], path[64];
	int n = 0;

	wgl_ns_enter(R);
	for (int i = 0; i < 4; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/thread-self/net/%s", files[i]);
		f = fopen(path, "re");
		if (f && !fgets(line, sizeof(line), f))
			line[0] = '\0';
		while (f && fgets(line, sizeof(line), f)) {
			unsigned int port = 0, st = 0;

			if (sscanf(line, "%*d: %*[0-9A-Fa-f]:%x %*s %x", &port, &st) != 2)
				continue;
			if (i >= 2 && (st != 0x0A || port == SSH_PORT))
				continue;
			printf("  socket left in R: %s port %u\n", files[i], port);
			n++;
		}
		if (f)
			fclose(f);
	}
	wgl_ns_leave();
	return n;
}

/* `wglab remote` from L: the ssh command line it builds reaches the agent too. */
static void check_remote_cmd(void)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	char idf[300], khf[300], cmd[300], path[300], *out;
	char *argv[] = { getenv("WGLAB"), "remote", "-o", idf, "-o", khf, "-o",
			 "GlobalKnownHostsFile=/dev/null", "--remote-command", cmd,
			 "ssh://root@198.18.0.2:2222", NULL };
	int fd, st = -1;
	pid_t pid;

	snprintf(idf, sizeof(idf), "IdentityFile=%s/user_key", wgl_sshfx_dir);
	snprintf(khf, sizeof(khf), "UserKnownHostsFile=%s/known_hosts", wgl_sshfx_dir);
	snprintf(cmd, sizeof(cmd), "%s agent", getenv("WGLAB"));
	snprintf(path, sizeof(path), "%s/remote.json", wgl_sshfx_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	co.stdout_fd = fd;
	co.stderr_fd = STDERR_FILENO;
	co.netns_fd = L->fd;
	pid = wgl_child_exec(&co, "wglab-remote", argv);
	close(fd);
	if (pid > 0 && wgl_child_wait(pid, 60000, &st) < 0)
		st = wgl_child_stop(pid, 1000);
	out = wgl_sshfx_slurp(path);
	CHECK(st == 0 && out && strstr(out, "\"offset_ns\"") && strstr(out, "\"cpu_model\""),
	      "wglab remote ssh://root@198.18.0.2:2222 prints facts and the clock offset");
	free(out);
}

static void drop_and_check(struct wgl_agent_client *c)
{
	const char *d = json_string_value(json_object_get(wgl_agent_hello(c), "dir"));
	char adir[128];
	long long deadline = wgl_now_ns() + 30000000000LL;

	json_t *res = NULL;

	snprintf(adir, sizeof(adir), "%s", d ? d : "");
	/* Mid-run: a capture, a server and a relay socket, the device up, when it goes. */
	CHECK(call(c, "capture_start", json_pack("{s:s}", "ifname", "wgr"), &res) == 0 &&
	      call(c, "echo_server", json_pack("{s:s}", "addr", "198.19.0.2"), NULL) == 0 &&
	      call(c, "udp_open", json_pack("{s:s}", "addr", "198.18.0.2"), NULL) == 0 &&
	      wgl_link_index(R, "wgr") > 0 && procs_in_r(false) > 0 && adir[0] &&
	      access(adir, F_OK) == 0,
	      "mid-run: wgr, a capture, an echo server, a relay socket, %d processes in R and %s",
	      procs_in_r(false), adir);
	json_decref(res);
	/* ssh: the connection drops under the agent; pipe: SIGHUP, or (kernel) EOF on its stdin. */
	if (!use_ssh && !strcmp(backend, "kernel"))
		wgl_agent_hangup(c);
	else
		kill(wgl_agent_pid(c), use_ssh ? SIGKILL : SIGHUP);
	while (procs_in_r(false) && wgl_now_ns() < deadline)
		wgl_sleep_ms(50);
	CHECK(procs_in_r(true) == 0, "no process left in R (agent, daemons, captures, servers)");
	CHECK(wgl_link_index(R, "wgr") == -ENODEV, "the agent's device wgr is gone");
	CHECK(sockets_in_r() == 0, "no UDP socket and no TCP listener but sshd's left in R");
	CHECK(access(adir, F_OK) < 0 && errno == ENOENT, "the agent's directory is removed");
	wgl_agent_close(c, 5000);
}

/* "net:[INODE]" of the namespace pid holds by a file descriptor other than R: the agent's own. */
static int agent_netns(pid_t pid, char *out, size_t len)
{
	char path[300], link[64], r_ns[64];
	struct dirent *e;
	struct stat st;
	DIR *d;

	fstat(R->fd, &st);
	snprintf(r_ns, sizeof(r_ns), "net:[%lu]", (unsigned long)st.st_ino);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	out[0] = '\0';
	while (d && !out[0] && (e = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		if (!strncmp(link, "net:[", 5) && strcmp(link, r_ns))
			snprintf(out, len, "%s", link);
	}
	if (d)
		closedir(d);
	return out[0] ? 0 : -ENOENT;
}

/* Whether any process is in, or holds a descriptor of, the namespace ns ("net:[INODE]"). */
static bool ns_referenced(const char *ns)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ls -l /proc/[0-9]*/ns/net /proc/[0-9]*/fd/ 2>/dev/null | "
		 "grep -qF '%s'", ns);
	return system(cmd) == 0;
}

/*
 * The agent's default, a namespace of its own (no --here): a device and a
 * capture in it, then EOF on its stdin. The agent exits and nothing holds
 * its namespace any more, so the namespace and the device in it are gone.
 */
static void check_own_ns_agent(void)
{
	char *argv[] = { getenv("WGLAB"), "agent", NULL };
	long long deadline = wgl_now_ns() + 30000000000LL;
	struct wgl_agent_client *c;
	char why[256] = "", ns[64] = "";

	wgl_ns_enter(R);
	c = wgl_agent_connect(argv, 20000, why, sizeof(why));
	wgl_ns_leave();
	CHECK(c && json_is_false(json_object_get(wgl_agent_hello(c), "here")) &&
	      call(c, "wg_create", json_pack("{s:s s:s}", "ifname", "wgn", "backend", backend),
		   NULL) == 0 && call(c, "link_up", json_pack("{s:s}", "ifname", "wgn"), NULL) == 0 &&
	      call(c, "capture_start", json_pack("{s:s}", "ifname", "wgn"), NULL) == 0 &&
	      agent_netns(wgl_agent_pid(c), ns, sizeof(ns)) == 0 &&
	      wgl_link_index(R, "wgn") == -ENODEV && ns_referenced(ns),
	      "an agent in a namespace of its own, %s: %s device wgn up and captured there, not in R",
	      ns, backend);
	if (!c)
		return;
	wgl_agent_hangup(c);
	while (procs_in_r(false) && wgl_now_ns() < deadline)
		wgl_sleep_ms(50);
	CHECK(procs_in_r(true) == 0, "after EOF on its stdin, the agent and its children are gone");
	CHECK(ns[0] && !ns_referenced(ns), "nothing holds the agent's namespace %s any more: it "
	      "and its device wgn are gone", ns);
	wgl_agent_close(c, 5000);
}

int main(int argc, char **argv)
{
	struct wgl_agent_client *c;
	char why[512];

	if (argc < 2 || argc > 3 || (strcmp(argv[1], "pipe") && strcmp(argv[1], "ssh")) ||
	    (argc == 3 && strcmp(argv[2], "kernel") && strcmp(argv[2], "userspace"))) {
		fprintf(stderr, "usage: %s pipe|ssh [userspace|kernel]\n", argv[0]);
		return 2;
	}
	use_ssh = !strcmp(argv[1], "ssh");
	backend = argc == 3 ? argv[2] : backend;
	wgl_test_require_root();
	if (!strcmp(backend, "kernel") &&
	    wgl_backend_available(NULL, "kernel", why, sizeof(why)) < 0)
		wgl_test_skip(why);
	if (strcmp(backend, "kernel") && access("/usr/bin/wireguard-go", X_OK) &&
	    system("command -v wireguard-go >/dev/null"))
		wgl_test_skip("wireguard-go not installed");
	if (use_ssh && (access("/usr/sbin/sshd", X_OK) || access("/usr/bin/ssh", X_OK)))
		wgl_test_skip("needs Debian's openssh-server and openssh-client");
	if (!getenv("WGLAB"))
		wgl_test_skip("WGLAB (the wglab binary) not set");
	wgl_cleanup_install_signals();
	L = wgl_ns_new("local", false);
	R = wgl_ns_new("remote", false);
	if (!L || !R || setup_underlay() < 0) {
		printf("FAIL: cannot build the two namespaces\n");
		return 1;
	}
	if (use_ssh && start_ssh() < 0) {
		printf("FAIL: cannot start sshd (log: %s/sshd.log)\n", wgl_sshfx_dir);
		return 1;
	}
	if (use_ssh) {
		printf("expected next: ssh refusing a host key that is not the pinned one\n");
		c = connect_agent("wrong_known_hosts", why, sizeof(why));
		CHECK(!c, "a host key other than the pinned one is refused (%s)", why);
		wgl_agent_close(c, 2000);
	}
	c = connect_agent("known_hosts", why, sizeof(why));
	if (!c) {
		printf("FAIL: no agent: %s\n", why);
		return 1;
	}
	run_steps(c);
	if (use_ssh)
		check_remote_cmd();
	drop_and_check(c);
	if (!use_ssh)
		check_own_ns_agent();
	if (sshd_pid > 0)
		wgl_child_stop(sshd_pid, 2000);
	wgl_ns_free(L);
	wgl_ns_free(R);
	printf("%s %s: %d failure(s)\n", argv[1], backend, failures);
	return failures ? 1 : 0;
}
