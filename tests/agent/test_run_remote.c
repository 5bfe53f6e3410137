// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab run --node a=ssh://... --node b=ssh://...` for real: two "hosts"
 * (namespaces H1, H2) joined by a veth (u1 198.18.0.1 -- u2 198.18.0.2, the
 * underlay the scenario's tunnel runs over), each running Debian's OpenSSH
 * server on its own management link to the controller's namespace C
 * (198.18.1.0/24 and 198.18.2.0/24). wglab runs in C, so it touches no
 * namespace of its own for the nodes; each host's agent runs --here.
 *
 *   1. connect (one rep, userspace and kernel pairs where available) with
 *      both nodes remote passes, and the result records each host's facts
 *      and clock offset;
 *   2. throughput and replay with both nodes remote: replay's probe socket
 *      is a's, relayed by its agent; iperf is not an agent operation yet, so
 *      a case must pass or be skipped naming the operation, never run
 *      locally;
 *   3. a long connect run whose ssh connection to b is killed mid-run:
 *      afterwards H2 holds no process but its sshd listener, no link but
 *      lo and its two veth ends, and b's agent directory is gone; the run
 *      fails (it lost a node) rather than pretending.
 *
 * Throwaway host and user keys in a private directory (removed at exit),
 * the host key pinned in known_hosts: never blind acceptance.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/child.h"
#include "base/log.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"
#include "tests/agent/ssh_fixture.h"
#include "tests/wgl_test.h"

#define SSH_PORT 2222

static struct wgl_ns *C, *H[2];
static pid_t sshd[2] = { -1, -1 };
static const char *const dir = wgl_sshfx_dir;
static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, \
	__LINE__); printf(__VA_ARGS__); printf("\n"); } else { printf("ok: "); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

static int make_keys(void)
{
	/* Both hosts share the throwaway host key; each is pinned by its address. */
	static const char *const names[] = { "[198.18.1.2]:2222", "[198.18.2.2]:2222" };

	return wgl_sshfx_make_dir("wglab-runremote") ?: wgl_sshfx_make_keys(names, 2, false);
}

static int start_sshd(int i)
{
	char addr[32], name[16];

	snprintf(addr, sizeof(addr), "198.18.%d.2", i + 1);
	snprintf(name, sizeof(name), "sshd%d", i + 1);
	sshd[i] = wgl_sshfx_start_sshd(H[i], addr, SSH_PORT, name);
	return sshd[i] < 0 ? -1 : 0;
}

static int build(void)
{
	C = wgl_ns_new("ctl", false);
	H[0] = wgl_ns_new("host1", false);
	H[1] = wgl_ns_new("host2", false);
	if (!C || !H[0] || !H[1])
		return -1;
	return wgl_sshfx_join(C, "m1", "198.18.1.1/24", H[0], "m1", "198.18.1.2/24") ?:
	       wgl_sshfx_join(C, "m2", "198.18.2.1/24", H[1], "m2", "198.18.2.2/24") ?:
	       wgl_sshfx_join(H[0], "u1", "198.18.0.1/24", H[1], "u2", "198.18.0.2/24");
}

/* wglab run SCENARIO in C with both nodes remote; the child's pid (output to DIR/NAME.out). */
static pid_t start_run(const char *scenario, const char *backend, const char *defines,
		       const char *name)
{
	static char na[256], nb[256];
	const struct wgl_sshfx_wglab_run r = { .scenario = scenario, .backend = backend,
		.defines = defines, .node_a = na, .node_b = nb, .name = name };

	snprintf(na, sizeof(na), "a=ssh://root@198.18.1.2:%d?addr=198.18.0.1&dev=u1", SSH_PORT);
	snprintf(nb, sizeof(nb), "b=ssh://root@198.18.2.2:%d?addr=198.18.0.2&dev=u2", SSH_PORT);
	return wgl_sshfx_start_run(C, &r);
}

static int finish_run(pid_t pid, const char *name, int timeout_ms)
{
	char title[128];

	snprintf(title, sizeof(title), "(%s)", name);
	return wgl_sshfx_finish_run(pid, name, title, timeout_ms);
}

static void print_failed_checks(json_t *c)
{
	json_t *k;
	size_t i;

	json_array_foreach(json_object_get(c, "checks"), i, k)
		if (!json_is_true(json_object_get(k, "ok")))
			printf("  failed check: %s: %s\n",
			       json_string_value(json_object_get(k, "name")) ?: "?",
			       json_string_value(json_object_get(k, "detail")) ?: "");
}

/* Verdict of the case of backend pair a:b, NULL when the run has none. */
static const char *verdict_of(json_t *r, const char *a, const char *b, const char **msg)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, c) {
		const char *cb = json_string_value(json_object_get(c, "backend_b"));

		/* A one-backend scenario's case has no backend_b. */
		if (strcmp(json_string_value(json_object_get(c, "backend_a")) ?: "", a) ||
		    (cb && strcmp(cb, b)))
			continue;
		*msg = json_string_value(json_object_get(c, "message")) ?: "";
		print_failed_checks(c);
		return json_string_value(json_object_get(c, "verdict"));
	}
	return NULL;
}

static void check_meta(json_t *r)
{
	for (int i = 0; i < 2; i++) {
		json_t *n = json_object_get(json_object_get(r, "remote_nodes"), i ? "b" : "a");
		json_t *clk = json_object_get(n, "clock"), *f = json_object_get(n, "facts");
		long long off = json_integer_value(json_object_get(clk, "offset_ns"));
		long long err = json_integer_value(json_object_get(clk, "error_ns"));

		/* One machine, one clock: the true offset 0 lies inside the error bar. */
		CHECK(json_string_value(json_object_get(f, "kernel")) &&
		      json_string_value(json_object_get(f, "cpu_model")) && clk &&
		      llabs(off) <= err, "result records node %c: kernel %s, cpu %s, clock %lld "
		      "+- %lld ns", 'a' + i, json_string_value(json_object_get(f, "kernel")) ?: "?",
		      json_string_value(json_object_get(f, "cpu_model")) ?: "?", off, err);
	}
}

/* The report's header shows each host and its clock offset. */
static void check_report(void)
{
	char path[256], *md;

	snprintf(path, sizeof(path), "%s/results/latest/summary.md", dir);
	md = wgl_sshfx_slurp(path);
	CHECK(md && strstr(md, "| node a | ssh://root@198.18.1.2") && strstr(md, "| node b | ") &&
	      strstr(md, "clock offset") && strstr(md, "cores"),
	      "summary.md shows both nodes' hosts, CPUs and clock offsets");
	free(md);
}

static void check_connect(void)
{
	bool kernel = access("/sys/module/wireguard", F_OK) == 0;
	int rc = finish_run(start_run("connect", kernel ? "userspace:userspace,kernel:kernel"
				      : "userspace:userspace", "reps=2", "connect"), "connect",
			    300000);
	json_t *r = wgl_sshfx_latest_result();
	const char *msg = "", *v = verdict_of(r, "userspace", "userspace", &msg);

	CHECK(rc == 0, "wglab run connect with both nodes remote exits 0 (got %d)", rc);
	CHECK(v && !strcmp(v, "pass"), "connect userspace:userspace on the remote pair: %s %s",
	      v ? v : "no case", msg);
	if (kernel) {
		v = verdict_of(r, "kernel", "kernel", &msg);
		CHECK(v && !strcmp(v, "pass"), "connect kernel:kernel on the remote pair: %s %s",
		      v ? v : "no case", msg);
	}
	check_meta(r);
	check_report();
	json_decref(r);
}

/* A scenario needing what the agents cannot do yet is skipped naming it, never run here. */
static void check_passes_or_skips(const char *scenario, const char *define)
{
	int rc = finish_run(start_run(scenario, "userspace:userspace", define, scenario),
			    scenario, 300000);
	json_t *r = wgl_sshfx_latest_result();
	const char *msg = "", *v = verdict_of(r, "userspace", "userspace", &msg);

	CHECK(v && (!strcmp(v, "pass") || (!strcmp(v, "skip") && strstr(msg, "remote nodes:"))),
	      "%s on the remote pair passes or is skipped naming the operation (exit %d): %s %s",
	      scenario, rc, v ? v : "no case", msg);
	json_decref(r);
}

static const char *agent_dir(json_t *r, const char *node)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(
		r, "remote_nodes"), node), "agent"), "dir"));
}

/* Kills the ssh connection to b while a long connect run has its devices up. */
static void check_drop(void)
{
	pid_t run = start_run("connect", "userspace:userspace", "reps=1000", "drop");
	long long deadline = wgl_now_ns() + 60000000000LL;
	pid_t ssh = -1;
	char adir[2][128] = { "", "" };
	json_t *r;
	int rc;

	while (wgl_link_index(H[1], "wglab0") <= 0 && wgl_now_ns() < deadline)
		wgl_sleep_ms(20);
	ssh = wgl_sshfx_find_ssh(C, "198.18.2.2");
	r = wgl_sshfx_latest_result();
	for (int i = 0; i < 2; i++)
		snprintf(adir[i], sizeof(adir[i]), "%s", agent_dir(r, i ? "b" : "a") ?: "");
	json_decref(r);
	CHECK(ssh > 0 && wgl_link_index(H[1], "wglab0") > 0 && adir[1][0] &&
	      access(adir[1], F_OK) == 0, "mid-run: b's wglab0 up, agent directory %s, ssh pid %d",
	      adir[1], (int)ssh);
	if (ssh > 0)
		kill(ssh, SIGKILL);
	rc = finish_run(run, "drop", 120000);
	CHECK(rc == 1, "the run that lost node b fails (exit %d)", rc);
	for (int i = 0; i < 2; i++) {
		deadline = wgl_now_ns() + 30000000000LL;
		while (wgl_sshfx_procs_in(H[i], sshd[i], false) && wgl_now_ns() < deadline)
			wgl_sleep_ms(50);
		CHECK(wgl_sshfx_procs_in(H[i], sshd[i], true) == 0,
		      "host %d: no process left but sshd's listener", i + 1);
		CHECK(wgl_link_index(H[i], "wglab0") == -ENODEV, "host %d: the agent's wglab0 is gone",
		      i + 1);
		CHECK(adir[i][0] && access(adir[i], F_OK) < 0 && errno == ENOENT,
		      "host %d: the agent's directory %s is removed", i + 1, adir[i]);
	}
}

/* The metric name of case c: its median and count, or -1 and 0. */
static double metric_of(json_t *c, const char *name, size_t *n)
{
	json_t *m;
	size_t i;

	*n = 0;
	json_array_foreach(json_object_get(c, "metrics"), i, m)
		if (!strcmp(json_string_value(json_object_get(m, "name")) ?: "", name)) {
			*n = json_array_size(json_object_get(m, "values"));
			return json_number_value(json_object_get(m, "median"));
		}
	return -1;
}

static json_t *host_of(json_t *c, const char *node)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(c, "hosts"), i, h)
		if (!strcmp(json_string_value(json_object_get(h, "node")) ?: "", node))
			return h;
	return NULL;
}

static void check_throughput_figures(json_t *c)
{
	static const char *const rates[] = { "tcp_throughput", "tcp_reverse_throughput",
					     "udp_throughput", "underlay_tcp_throughput" };
	double v;
	size_t n;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		v = metric_of(c, rates[i], &n);
		CHECK(n == 1 && v > 0, "remote %s: %.1f Mbit/s", rates[i], v / 1e6);
	}
	v = metric_of(c, "latency_idle", &n);
	CHECK(n > 1 && v > 0, "remote latency_idle: every echo sample (%zu), median %.3f ms", n, v);
	v = metric_of(c, "latency_loaded", &n);
	CHECK(n > 1 && v > 0, "remote latency_loaded: %zu samples, median %.3f ms", n, v);
}

static void check_host_figures(json_t *c)
{
	json_t *b = host_of(c, "b");
	double busy = json_number_value(json_object_get(b, "cpu_busy_pct"));
	double kern = json_number_value(json_object_get(b, "cpu_kernel_pct"));
	double dcpu = json_number_value(json_object_get(b, "daemon_cpu_s"));
	double rss = json_number_value(json_object_get(b, "daemon_max_rss"));
	char path[256], *md;

	/* wireguard-go on b encrypted every byte of the case: it spent CPU and memory. */
	CHECK(b && busy > 0 && busy <= 100 && kern >= 0 && kern <= busy && dcpu > 0 && rss > 0,
	      "node b during the case: CPU %.1f%% busy (kernel %.1f%%), wireguard-go %.2f CPU-s, "
	      "peak RSS %.1f MiB", busy, kern, dcpu, rss / (1024 * 1024));
	snprintf(path, sizeof(path), "%s/results/latest/summary.md", dir);
	md = wgl_sshfx_slurp(path);
	CHECK(md && strstr(md, "Remote hosts during each case") && strstr(md, ": node b: CPU ") &&
	      strstr(md, "WireGuard daemon"), "summary.md shows b's CPU during the case");
	free(md);
}

static void check_throughput(void)
{
	int rc = finish_run(start_run("throughput", "userspace:userspace",
				      "reps=1 duration=1 echo_count=20", "throughput-remote"),
			    "throughput-remote", 300000);
	json_t *r = wgl_sshfx_latest_result(), *c;
	const char *msg = "", *v = verdict_of(r, "userspace", "userspace", &msg);
	size_t i, ncases = 0;

	CHECK(rc == 0, "wglab run throughput with both nodes remote exits 0 (got %d)", rc);
	CHECK(v && !strcmp(v, "pass"), "throughput userspace:userspace ipv4 on the remote pair "
	      "passes (no skip): %s %s", v ? v : "no case", msg);
	json_array_foreach(json_object_get(r, "cases"), i, c) {
		ncases++;
		check_throughput_figures(c);
		check_host_figures(c);
	}
	CHECK(ncases == 1, "one throughput case ran (%zu)", ncases);
	json_decref(r);
}

int main(void)
{
	wgl_test_require_root();
	if (access("/usr/sbin/sshd", X_OK) || access("/usr/bin/ssh", X_OK))
		wgl_test_skip("needs Debian's openssh-server and openssh-client");
	if (access("/usr/bin/wireguard-go", X_OK) && system("command -v wireguard-go >/dev/null"))
		wgl_test_skip("wireguard-go not installed");
	if (!getenv("WGLAB"))
		wgl_test_skip("WGLAB (the wglab binary) not set");
	wgl_cleanup_install_signals();
	if (build() < 0 || make_keys() < 0 || start_sshd(0) < 0 || start_sshd(1) < 0) {
		printf("FAIL: cannot build the two hosts and their sshd (logs in %s)\n", dir);
		return 1;
	}
	check_connect();
	check_throughput();
	check_passes_or_skips("replay", "silence_min=0.25");
	check_drop();
	for (int i = 0; i < 2; i++)
		wgl_child_stop(sshd[i], 2000);
	wgl_ns_free(H[1]);
	wgl_ns_free(H[0]);
	wgl_ns_free(C);
	printf("run-remote: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
