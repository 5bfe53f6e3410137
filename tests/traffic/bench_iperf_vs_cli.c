// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark: does wglab's libiperf runner measure what the iperf3 CLI
 * measures? One userspace WireGuard pair; alternately (ABBA order, so a
 * drift of the machine hits both alike) a run with wgl_iperf_measure() and a
 * run of `iperf3 -c ... -J` exec'd in the same namespace against an exec'd
 * `iperf3 -s -1`, same options, same tunnel. Prints both medians and the
 * difference. Usage: bench-iperf-vs-cli [REPS [SECONDS]] (default 6, 5).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "base/child.h"
#include "base/log.h"
#include "harness/pair.h"
#include "base/result.h"
#include "harness/traffic/iperf.h"
#include "base/stats.h"
#include "netns/netns.h"

#define LIB_PORT 5201
#define CLI_PORT 5202
#define MAX_REPS 50

/* Reads fd to EOF or deadline; returns a malloc'd string or NULL. */
static char *slurp(int fd, long long deadline_ns)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	while (buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = (deadline_ns - wgl_now_ns()) / 1000000LL;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		if (len + 4096 > cap && !(buf = realloc(buf, cap *= 2)))
			return NULL;
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int cli_measure(struct wgl_pair *p, int seconds, struct wgl_iperf_result *r)
{
	char port[8], secs[8];
	char *srv_argv[] = { "iperf3", "-s", "-1", "-J", "-B", p->tunnel_addr[1], "-p", port, NULL };
	char *cli_argv[] = { "iperf3", "-c", p->tunnel_addr[1], "-p", port, "-t", secs, "-J",
			     "--get-server-output", NULL };
	struct wgl_child_opts so = WGL_CHILD_OPTS_INIT, co = WGL_CHILD_OPTS_INIT;
	pid_t srv, cli;
	int pfd[2], ret;
	char *js;

	snprintf(port, sizeof(port), "%d", CLI_PORT);
	snprintf(secs, sizeof(secs), "%d", seconds);
	so.netns_fd = p->ns[1]->fd;
	srv = wgl_child_exec(&so, "iperf3-cli-server", srv_argv);
	if (srv < 0)
		return (int)srv;
	if (wgl_wait_listening(srv, CLI_PORT, 5000) < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		wgl_child_stop(srv, 100);
		return -ECHILD;
	}
	co.netns_fd = p->ns[0]->fd;
	co.stdout_fd = pfd[1];
	cli = wgl_child_exec(&co, "iperf3-cli-client", cli_argv);
	close(pfd[1]);
	js = cli > 0 ? slurp(pfd[0], wgl_now_ns() + (seconds + 20) * 1000000000LL) : NULL;
	close(pfd[0]);
	if (cli > 0)
		wgl_child_stop(cli, 1000);
	wgl_child_stop(srv, 1000);
	ret = wgl_iperf_parse(js, r);
	free(js);
	return ret;
}

static int lib_measure(struct wgl_pair *p, int seconds, struct wgl_iperf_result *r)
{
	struct wgl_iperf_opts o = { .server_addr = p->tunnel_addr[1], .port = LIB_PORT,
				    .duration_s = seconds };

	return wgl_iperf_measure(p->ns[1], p->ns[0], &o, r);
}

/* How many pairs favour libiperf: near n/2 when the two measure the same thing. */
static int ahead(const double *pd, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += pd[i] > 0;
	return k;
}

static void report(const double *lib, const double *cli, int n)
{
	struct wgl_summary sl, sc;
	double diff, pd[MAX_REPS];

	wgl_summarize(lib, (size_t)n, &sl);
	wgl_summarize(cli, (size_t)n, &sc);
	diff = (sl.median - sc.median) / sc.median * 100.0;
	printf("\n%-22s %10s %10s %10s %8s\n", "wireguard-go TCP", "median", "min", "max",
	       "spread");
	printf("%-22s %10.1f %10.1f %10.1f %7.1f%%\n", "libiperf (wglab)", sl.median, sl.min,
	       sl.max, sl.spread_pct);
	printf("%-22s %10.1f %10.1f %10.1f %7.1f%%\n", "iperf3 CLI", sc.median, sc.min, sc.max,
	       sc.spread_pct);
	printf("difference of medians: %+.2f%% (libiperf vs CLI; target within 3%%)\n", diff);
	printf("paired differences:   ");
	for (int i = 0; i < n; i++) {
		pd[i] = (lib[i] - cli[i]) / cli[i] * 100.0;
		printf(" %+.1f%%", pd[i]);
	}
	/* Each pair ran back to back, so the paired median is less exposed to drift. */
	printf("\nmedian paired difference: %+.2f%%; libiperf ahead in %d of %d pairs\n",
	       wgl_median(pd, (size_t)n), ahead(pd, n), n);
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 6, secs = argc > 2 ? atoi(argv[2]) : 5;
	struct wgl_pair_opts po = { .backend = { "userspace", "userspace" } };
	double lib[MAX_REPS], cli[MAX_REPS], ms;
	struct wgl_pair p;
	char why[256];
	int failed = 0;

	if (geteuid() != 0 || wgl_backend_available(NULL, "userspace", why, sizeof(why)) < 0) {
		printf("SKIP: %s\n", geteuid() ? "needs root" : why);
		return 77;
	}
	if (access("/usr/bin/iperf3", X_OK) && system("command -v iperf3 >/dev/null")) {
		printf("SKIP: the iperf3 CLI is not installed\n");
		return 77;
	}
	reps = reps < 1 ? 1 : reps > MAX_REPS ? MAX_REPS : reps;
	wgl_cleanup_install_signals();
	if (wgl_pair_up(&p, &po) < 0 || wgl_pair_ping(&p, 0, 10000, &ms) < 0)
		return 1;
	printf("wireguard-go pair, %d reps x %d s, one TCP stream, ABBA order\n", reps, secs);
	for (int i = 0; i < reps && !failed; i++) {
		struct wgl_iperf_result rl, rc;
		bool lib_first = i % 4 == 0 || i % 4 == 3;

		if (lib_first)
			failed |= lib_measure(&p, secs, &rl);
		failed |= cli_measure(&p, secs, &rc);
		if (!lib_first)
			failed |= lib_measure(&p, secs, &rl);
		lib[i] = rl.received_bps / 1e6;
		cli[i] = rc.received_bps / 1e6;
		printf("rep %d: libiperf %8.1f Mbit/s   CLI %8.1f Mbit/s  (%s first)%s%s\n", i + 1,
		       lib[i], cli[i], lib_first ? "libiperf" : "CLI", failed ? "  error: " : "",
		       failed ? (rl.error[0] ? rl.error : rc.error) : "");
	}
	wgl_pair_down(&p);
	if (failed)
		return 1;
	report(lib, cli, reps);
	return 0;
}
