// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One benchmark cell (see bench.h). The order inside a repetition is fixed:
 * idle probes first (nothing else running), then the iperf test with probes
 * running alongside it, CPU sampled around the measured part of the test.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/log.h"
#include "harness/pair.h"
#include "harness/bench.h"
#include "harness/traffic/cpu.h"
#include "harness/traffic/netinfo.h"
#include "netns/netns.h"

#define HANDSHAKE_TIMEOUT_MS 10000

static void cell_metadata(struct wgl_bench_cell *cell, struct wgl_pair *p)
{
	json_t *o;

	cell->underlay_mtu = wgl_link_mtu(p->ns[0], p->underlay_if[0]);
	cell->tunnel_mtu = p->wg[0] ? wgl_link_mtu(p->ns[0], p->wg[0]->ifname) : cell->underlay_mtu;
	cell->offloads = json_object();
	if ((o = wgl_offloads(p->ns[0], p->underlay_if[0])))
		json_object_set_new(cell->offloads, p->underlay_if[0], o);
	if (p->wg[0] && (o = wgl_offloads(p->ns[0], p->wg[0]->ifname)))
		json_object_set_new(cell->offloads, p->wg[0]->ifname, o);
	if (p->wg[0]) {
		snprintf(cell->impl, sizeof(cell->impl), "%s", p->wg[0]->impl);
		snprintf(cell->impl_version, sizeof(cell->impl_version), "%s",
			 p->wg[0]->impl_version);
	} else {
		snprintf(cell->impl, sizeof(cell->impl), "veth (no WireGuard)");
	}
}

static void cpu_figures(struct wgl_bench_rep *rep, const struct wgl_cpu_sample *a,
			const struct wgl_cpu_sample *b)
{
	uint64_t moved = wgl_iperf_bytes_moved(&rep->iperf);
	struct wgl_cpu_usage u;

	wgl_cpu_delta(a, b, &u);
	rep->cpu_wall_s = u.wall_s;
	rep->host_kernel_s_per_gb = wgl_cpu_s_per_gb(u.host_kernel_s, moved);
	rep->host_busy_s_per_gb = wgl_cpu_s_per_gb(u.host_busy_s, moved);
	for (int i = 0; i < 2; i++)
		rep->daemon_s_per_gb[i] = wgl_cpu_s_per_gb(u.proc_s[i], moved);
}

/*
 * One repetition. The CPU window starts once iperf's omitted seconds are
 * over, so it matches the bytes iperf counts (which exclude them).
 */
static int one_rep(struct wgl_pair *p, const struct wgl_bench_opts *o, struct wgl_bench_rep *rep)
{
	pid_t pids[WGL_CPU_PROCS] = { wgl_wg_pid(p->wg[0]), wgl_wg_pid(p->wg[1]) };
	int dur = o->iperf.duration_s > 0 ? o->iperf.duration_s : 10;
	int ivl = o->probe_interval_us > 0 ? o->probe_interval_us : 10000;
	struct wgl_echo_opts eo = { .addr = p->tunnel_addr[1], .interval_us = ivl,
				    .count = o->echo_count > 0 ? o->echo_count : 100 };
	struct wgl_cpu_sample a, b;
	struct wgl_iperf_run run;
	int ret;

	if (wgl_echo_probe(p->ns[0], &eo, &rep->idle) < 0)
		return -EIO;
	ret = wgl_iperf_begin(&run, p->ns[1], p->ns[0], &o->iperf);
	if (ret < 0)
		return ret;
	wgl_sleep_ms(o->iperf.omit_s * 1000L);
	wgl_cpu_sample(&a, pids);
	/*
	 * Probes over the test but not past its end (the last echoes may take
	 * wait_ms to come back): all but the last second, or half of a short test.
	 */
	eo.count = (int)((dur > 2 ? (dur - 1) * 1000000LL : dur * 500000LL) / ivl);
	eo.wait_ms = 500;
	wgl_echo_probe(p->ns[0], &eo, &rep->loaded);
	ret = wgl_iperf_end(&run, &rep->iperf, NULL);
	wgl_cpu_sample(&b, pids);
	if (ret == 0)
		cpu_figures(rep, &a, &b);
	return ret;
}

static int measure(struct wgl_bench_cell *cell, struct wgl_pair *p,
		   const struct wgl_bench_opts *o)
{
	struct wgl_bench_opts ro = *o;
	struct wgl_echo_server echo;
	int ret, failed = 0;

	ro.iperf.server_addr = p->tunnel_addr[1];
	ret = wgl_echo_server_start(&echo, p->ns[1], p->tunnel_addr[1], 0);
	if (ret < 0)
		return ret;
	for (int i = 0; i < o->reps && i < WGL_BENCH_MAX_REPS; i++) {
		struct wgl_bench_rep *rep = &cell->rep[cell->nreps++];

		rep->status = one_rep(p, &ro, rep);
		wgl_info("bench %s rep %d/%d: %s %.1f Mbit/s", cell->backend, i + 1, o->reps,
			 rep->status ? "FAILED" : "", rep->iperf.received_bps / 1e6);
		if (rep->status) {
			failed = rep->status;
			snprintf(cell->why, sizeof(cell->why), "rep %d: %s", i + 1,
				 rep->iperf.error[0] ? rep->iperf.error : strerror(-rep->status));
		}
	}
	wgl_echo_server_stop(&echo);
	return failed;
}

int wgl_bench_cell_run(struct wgl_bench_cell *cell, const char *backend,
		       const struct wgl_bench_opts *o)
{
	struct wgl_pair_opts po = { .backend = { backend, backend }, .wg = o->wg };
	struct wgl_pair p;
	double ms;
	int ret;

	memset(cell, 0, sizeof(*cell));
	snprintf(cell->backend, sizeof(cell->backend), "%s", backend);
	if (strcmp(backend, "none") &&
	    wgl_backend_available(o->wg, backend, cell->why, sizeof(cell->why)) < 0) {
		cell->skipped = true;
		return 0;
	}
	/* available() may leave a note (e.g. the binary it found) in why even on success. */
	cell->why[0] = '\0';
	ret = wgl_pair_up(&p, &po);
	if (ret < 0) {
		snprintf(cell->why, sizeof(cell->why), "pair setup failed: %s", strerror(-ret));
		return ret;
	}
	/* The handshake is not part of any measurement. */
	ret = wgl_pair_ping(&p, 0, HANDSHAKE_TIMEOUT_MS, &ms);
	if (ret < 0) {
		snprintf(cell->why, sizeof(cell->why), "no traffic through the pair: %s",
			 strerror(-ret));
		goto out;
	}
	cell_metadata(cell, &p);
	ret = measure(cell, &p, o);
out:
	wgl_pair_down(&p);
	return ret;
}

json_t *wgl_bench_params(const struct wgl_bench_opts *o)
{
	const struct wgl_iperf_opts *io = &o->iperf;

	return json_pack("{s:i, s:i, s:i, s:i, s:b, s:b, s:b, s:I, s:i, s:i}",
			 "reps", o->reps, "duration", io->duration_s, "omit", io->omit_s,
			 "streams", io->streams > 0 ? io->streams : 1, "udp", io->udp,
			 "reverse", io->reverse, "bidir", io->bidir, "bitrate", (json_int_t)io->bitrate,
			 "size", io->blksize, "echo_count", o->echo_count > 0 ? o->echo_count : 100);
}

void wgl_bench_cell_free(struct wgl_bench_cell *cell)
{
	json_decref(cell->offloads);
	cell->offloads = NULL;
}
