/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One benchmark cell: a pair of nodes on one backend ("kernel", "userspace",
 * or "none" for the bare underlay), N repetitions of an iperf test with
 * latency probes alongside, and CPU accounting around each. The CLI
 * (cmd_bench.c) runs one cell per backend and renders the table.
 *
 * The measurement is built from the same primitives a scenario's script
 * uses (libiperf children, UDP echo probes, cpu.c, the statistics module),
 * and its parameters carry the names scenarios/throughput.lua and
 * wglab.iperf{} give them: reps, duration, omit, streams, udp, reverse,
 * bidir, bitrate, size, port, echo_count.
 */
#ifndef WGL_BENCH_H
#define WGL_BENCH_H

#include <stdbool.h>
#include <jansson.h>

#include "harness/traffic/echo.h"
#include "harness/traffic/iperf.h"

struct wgl_backend_config;

#define WGL_BENCH_MAX_REPS 100

struct wgl_bench_opts {
	int reps;
	struct wgl_iperf_opts iperf;   /* server_addr is filled per pair */
	int probe_interval_us;         /* echo probes: 0 = 10 ms */
	int echo_count;                /* idle echo probes per repetition; 0: 100 */
	const struct wgl_backend_config *wg;  /* backend settings; NULL = defaults */
};

/* The parameters of a measurement as the result records them (names above); a new object. */
json_t *wgl_bench_params(const struct wgl_bench_opts *o);

/* Per repetition. NaN where a figure does not apply (e.g. no daemon for "kernel"). */
struct wgl_bench_rep {
	int status;                    /* 0, or the -errno of the iperf run */
	struct wgl_iperf_result iperf;
	struct wgl_echo_result idle, loaded;
	double cpu_wall_s;
	double host_kernel_s_per_gb;   /* HOST-WIDE system+irq+softirq per GB */
	double host_busy_s_per_gb;     /* HOST-WIDE all non-idle CPU per GB */
	double daemon_s_per_gb[2];     /* userspace daemon of node a / b */
};

struct wgl_bench_cell {
	char backend[16];
	bool skipped;
	char why[256];                 /* skip or error reason */
	int nreps;                     /* reps attempted */
	struct wgl_bench_rep rep[WGL_BENCH_MAX_REPS];
	/* what ran, for the run metadata */
	char impl[256], impl_version[128];
	int underlay_mtu, tunnel_mtu;
	json_t *offloads;              /* { "veth0": {...}, "wg0": {...} }, owned */
};

/*
 * Builds the pair for backend, measures, tears it down. Returns 0 when every
 * repetition measured, 77-style skip via cell->skipped (returns 0 as well),
 * or -errno with cell->why when the pair or a run failed.
 */
int wgl_bench_cell_run(struct wgl_bench_cell *cell, const char *backend,
		       const struct wgl_bench_opts *o);
void wgl_bench_cell_free(struct wgl_bench_cell *cell);

#endif
