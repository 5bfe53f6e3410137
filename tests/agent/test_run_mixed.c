// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A mixed run for real: `wglab run --node a=local?... --node b=ssh://...`.
 * Two "servers" (namespaces A and B) joined by an underlay veth (u1
 * 198.18.0.1 -- u2 198.18.0.2) and a management veth (198.18.3.1 --
 * 198.18.3.2) on which B runs Debian's OpenSSH server. The controller runs
 * inside A, as it would on server A: node a is that host itself (its agent
 * the controller's child, on pipes), node b is B over ssh.
 *
 *   test-run-mixed stock    connect, replay and throughput (ipv4, userspace) pass; the
 *                           result says node a is local and b ssh; replay's
 *                           probe socket is the controller's own in A, b's
 *                           captures come through its agent. Afterwards
 *                           neither server holds a wglab0, an agent
 *                           directory or a process (but B's sshd); nor
 *                           after a SIGKILL of the controller mid-run. A
 *                           second pair replaces the first on the hosts;
 *                           the first is then refused (skip), not used.
 *   test-run-mixed broken   replay with b's userspace the deliberately broken
 *                           replay build (tests/broken/) must FAIL on a
 *                           failed check, and pass on the unpatched build of
 *                           the same source: the mixed path really tests b.
 *                           Then the same with node a over ssh as well (A
 *                           runs its own sshd), the probe's socket relayed
 *                           by A's agent. Skipped (77) when those builds
 *                           are absent.
 *
 * Throwaway host and user keys in a private directory, the host key pinned
 * in known_hosts: never blind acceptance.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/child.h"
#include "base/log.h"
#include "netns/netns.h"
#include "tests/agent/ssh_fixture.h"
#include "tests/wgl_test.h"

#define SSH_PORT 2222

static struct wgl_ns *A, *B;
static pid_t sshd = -1, sshd_a = -1;   /* B's; A's (broken mode: node a over ssh too) */
static bool a_ssh;                      /* node a is ssh://A rather than local */
static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, \
	__LINE__); printf(__VA_ARGS__); printf("\n"); } else { printf("ok: "); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

static int build(void)
{
	static const char *const names[] = { "[198.18.3.2]:2222", "[198.18.3.1]:2222" };

	A = wgl_ns_new("serverA", false);
	B = wgl_ns_new("serverB", false);
	if (!A || !B || wgl_sshfx_join(A, "u1", "198.18.0.1/24", B, "u2", "198.18.0.2/24") ||
	    wgl_sshfx_join(A, "m1", "198.18.3.1/24", B, "m2", "198.18.3.2/24"))
		return -1;
	if (wgl_sshfx_make_dir("wglab-runmixed") || wgl_sshfx_make_keys(names, 2, false))
		return -1;
	sshd = wgl_sshfx_start_sshd(B, "198.18.3.2", SSH_PORT, "sshd");
	return sshd < 0 ? -1 : 0;
}

/* A's own sshd, for runs whose node a is reached over ssh as well (the relayed probe socket). */
static int start_sshd_a(void)
{
	sshd_a = wgl_sshfx_start_sshd(A, "198.18.3.1", SSH_PORT, "sshd_a");
	return sshd_a < 0 ? -1 : 0;
}

/* wglab run SCENARIO in A, node a local (or ssh to A), b ssh to B; output to DIR/run.out. */
static pid_t start_run(const char *scenario, const char *defines, const char *userspace)
{
	static char na[128], nb[128];
	const struct wgl_sshfx_wglab_run r = { .scenario = scenario, .backend = "userspace",
		.defines = defines, .node_a = na, .node_b = nb, .userspace = userspace,
		.name = "run" };

	snprintf(na, sizeof(na), a_ssh ? "a=ssh://root@198.18.3.1:2222?addr=198.18.0.1&dev=u1"
		 : "a=local?addr=198.18.0.1&dev=u1");
	snprintf(nb, sizeof(nb), "b=ssh://root@198.18.3.2:%d?addr=198.18.0.2&dev=u2", SSH_PORT);
	return wgl_sshfx_start_run(A, &r);
}

/* Waits for the run (killed after timeout_ms), prints its output; its exit status or -1. */
static int finish_run(pid_t pid, const char *scenario, int timeout_ms)
{
	char title[160];

	snprintf(title, sizeof(title), "%s (node a %s in A, node b ssh to B)", scenario,
		 a_ssh ? "ssh" : "local");
	return wgl_sshfx_finish_run(pid, "run", title, timeout_ms);
}

/* The one case's verdict (userspace, ipv4); its failed checks printed. */
static const char *verdict(json_t *r, const char **msg, const char **impl_b)
{
	json_t *c = json_array_get(json_object_get(r, "cases"), 0), *k;
	size_t i;

	*msg = json_string_value(json_object_get(c, "message")) ?: "";
	json_array_foreach(json_object_get(c, "checks"), i, k)
		if (!json_is_true(json_object_get(k, "ok")))
			printf("  failed check: %s: %s\n",
			       json_string_value(json_object_get(k, "name")) ?: "?",
			       json_string_value(json_object_get(k, "detail")) ?: "");
	*impl_b = json_string_value(json_object_get(json_object_get(json_object_get(r,
			"implementations"), "userspace"), "version")) ?: "?";
	return json_string_value(json_object_get(c, "verdict"));
}

static const char *node_str(json_t *r, const char *node, const char *k1, const char *k2)
{
	json_t *n = json_object_get(json_object_get(r, "remote_nodes"), node);

	if (k2)
		n = json_object_get(n, k1);
	return json_string_value(json_object_get(n, k2 ? k2 : k1));
}

/* Neither server holds anything of the run: no wglab0, no agent directory, no process. */
static void check_nothing_left(json_t *r)
{
	for (int i = 0; i < 2; i++) {
		struct wgl_ns *ns = i ? B : A;
		const char *adir = node_str(r, i ? "b" : "a", "agent", "dir");
		long long deadline = wgl_now_ns() + 30000000000LL;

		pid_t listener = i ? sshd : sshd_a;

		while (wgl_sshfx_procs_in(ns, listener, false) && wgl_now_ns() < deadline)
			wgl_sleep_ms(50);
		CHECK(wgl_sshfx_procs_in(ns, listener, true) == 0, "server %c: no process left%s",
		      'A' + i, listener > 0 ? " but sshd's listener" : "");
		CHECK(wgl_link_index(ns, "wglab0") == -ENODEV, "server %c: no wglab0", 'A' + i);
		CHECK(adir && access(adir, F_OK) < 0 && errno == ENOENT,
		      "server %c: the agent's directory %s is removed", 'A' + i, adir ? adir : "?");
	}
}

/* One mixed run of scenario: its verdict against want, node kinds, nothing left. */
static void check_run(const char *scenario, const char *define, const char *userspace,
		      const char *want, const char *what)
{
	int rc = finish_run(start_run(scenario, define, userspace), scenario, 400000);
	json_t *r = wgl_sshfx_latest_result();
	const char *msg = "", *impl = "?", *v = r ? verdict(r, &msg, &impl) : NULL;
	const char *ka = node_str(r, "a", "kind", NULL), *kb = node_str(r, "b", "kind", NULL);

	CHECK(v && !strcmp(v, want) && rc == (strcmp(want, "pass") ? 1 : 0),
	      "%s (a %s, b ssh), %s (%s): %s, exit %d (want %s) %s", scenario,
	      a_ssh ? "ssh" : "local", what, impl, v ? v : "no case", rc, want, msg);
	CHECK(ka && kb && !strcmp(ka, a_ssh ? "ssh" : "local") && !strcmp(kb, "ssh"),
	      "result's remote_nodes: a is %s, b is %s", ka ? ka : "?", kb ? kb : "?");
	check_nothing_left(r);
	json_decref(r);
}

/*
 * A second pair replaces the first on the hosts (one wglab0 each): using the
 * first afterwards would act on the second's device, so it skips the case,
 * after the second pair's own check passed.
 */
static void check_stale_pair(void)
{
	static const char lua[] =
		"scenario { name = \"stale-pair\", description = \"a replaced pair is not used\",\n"
		"  params = { x = { default = 1, min = 1, max = 1 } } }\n"
		"function run(case)\n"
		"  local first = wglab.pair { backends = { \"userspace\", \"userspace\" } }\n"
		"  local second = wglab.pair { backends = { \"userspace\", \"userspace\" } }\n"
		"  check(\"the second pair answers\", (second.a:ping(second.tunnel[2])))\n"
		"  first.wg[1]:get()\n"
		"  check(\"never reached\", false)\n"
		"end\n";
	char path[256];
	json_t *r, *c, *k;
	const char *v, *msg;
	int rc;

	snprintf(path, sizeof(path), "%s/stale-pair.lua", wgl_sshfx_dir);
	if (wgl_sshfx_write_file("stale-pair.lua", lua, 0600) < 0) {
		CHECK(false, "cannot write %s", path);
		return;
	}
	rc = finish_run(start_run(path, "x=1", NULL), "stale-pair", 120000);
	r = wgl_sshfx_latest_result();
	c = json_array_get(json_object_get(r, "cases"), 0);
	v = json_string_value(json_object_get(c, "verdict")) ?: "no case";
	msg = json_string_value(json_object_get(c, "message")) ?: "";
	k = json_array_get(json_object_get(c, "checks"), 0);
	CHECK(json_is_true(json_object_get(k, "ok")) &&
	      !strcmp(json_string_value(json_object_get(k, "name")) ?: "", "the second pair answers"),
	      "the second pair, built while the first was referenced, answers a ping");
	CHECK(!strcmp(v, "skip") && strstr(msg, "a pair used after a later pair"),
	      "then the replaced pair's device is not used: %s (%s), exit %d", v, msg, rc);
	check_nothing_left(r);
	json_decref(r);
}

/*
 * SIGKILL of the controller while both nodes hold their devices: a's agent
 * (our run's child) hangs up on its parent's death, b's loses its ssh
 * connection; both tear down, so nothing is left on either server.
 */
static void check_kill(void)
{
	pid_t pid = start_run("connect", "reps=1000", NULL);
	long long deadline = wgl_now_ns() + 60000000000LL;
	json_t *r;
	int rc;

	while ((wgl_link_index(A, "wglab0") <= 0 || wgl_link_index(B, "wglab0") <= 0) &&
	       wgl_now_ns() < deadline)
		wgl_sleep_ms(20);
	r = wgl_sshfx_latest_result();
	CHECK(wgl_link_index(A, "wglab0") > 0 && wgl_link_index(B, "wglab0") > 0 &&
	      node_str(r, "a", "agent", "dir") && node_str(r, "b", "agent", "dir"),
	      "mid-run: wglab0 up on both servers, agent directories %s and %s",
	      node_str(r, "a", "agent", "dir") ?: "?", node_str(r, "b", "agent", "dir") ?: "?");
	if (pid > 0)
		kill(pid, SIGKILL);
	rc = finish_run(pid, "connect, killed", 30000);
	CHECK(rc == -1, "the controller was killed (exit status %d)", rc);
	check_nothing_left(r);
	json_decref(r);
}

int main(int argc, char **argv)
{
	const char *bdir = getenv("WGLAB_BROKEN_DIR") ?: "/var/cache/wglab/broken";
	bool broken = argc == 2 && !strcmp(argv[1], "broken");
	char bad[512], stock[512], bad_bin[400], stock_bin[400];

	if (argc != 2 || (!broken && strcmp(argv[1], "stock"))) {
		fprintf(stderr, "usage: %s stock|broken\n", argv[0]);
		return 2;
	}
	wgl_test_require_root();
	if (access("/usr/sbin/sshd", X_OK) || access("/usr/bin/ssh", X_OK))
		wgl_test_skip("needs Debian's openssh-server and openssh-client");
	if (!getenv("WGLAB"))
		wgl_test_skip("WGLAB (the wglab binary) not set");
	snprintf(bad_bin, sizeof(bad_bin), "%s/wireguard-go-replay", bdir);
	snprintf(stock_bin, sizeof(stock_bin), "%s/wireguard-go-stock", bdir);
	snprintf(bad, sizeof(bad), "%s -f {ifname}", bad_bin);
	snprintf(stock, sizeof(stock), "%s -f {ifname}", stock_bin);
	if (broken && (access(bad_bin, X_OK) || access(stock_bin, X_OK)))
		wgl_test_skip("the broken wireguard-go builds are absent (bash "
			      "tests/broken/build.sh, then the broken suite)");
	if (!broken && access("/usr/bin/wireguard-go", X_OK) &&
	    system("command -v wireguard-go >/dev/null"))
		wgl_test_skip("wireguard-go not installed");
	wgl_cleanup_install_signals();
	if (build() < 0) {
		printf("FAIL: cannot build the two servers and B's sshd\n");
		return 1;
	}
	if (broken) {
		check_run("replay", "silence_min=0.25", bad, "fail", "b on wireguard-go-replay");
		check_run("replay", "silence_min=0.25", stock, "pass", "b on wireguard-go-stock");
		/* Both over ssh: the probe's socket is A's, relayed by its agent. */
		a_ssh = true;
		if (start_sshd_a() < 0) {
			printf("FAIL: cannot start A's sshd\n");
			return 1;
		}
		check_run("replay", "silence_min=0.25", bad, "fail", "b on wireguard-go-replay");
		check_run("replay", "silence_min=0.25", stock, "pass", "b on wireguard-go-stock");
	} else {
		check_run("connect", "reps=2", NULL, "pass", "userspace");
		check_run("replay", "silence_min=0.25", NULL, "pass", "userspace");
		check_run("throughput", "reps=1 duration=1 echo_count=20", NULL, "pass", "userspace");
		check_stale_pair();
		check_kill();
	}
	wgl_child_stop(sshd, 2000);
	if (sshd_a > 0)
		wgl_child_stop(sshd_a, 2000);
	wgl_ns_free(B);
	wgl_ns_free(A);
	printf("run-mixed %s: %d failure(s)\n", argv[1], failures);
	return failures ? 1 : 0;
}
