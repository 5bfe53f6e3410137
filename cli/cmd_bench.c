// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab bench: the same measurement on the bare underlay, kernel WireGuard
 * and userspace WireGuard, side by side, recorded in the result model.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "cli/cli.h"
#include "base/log.h"
#include "base/result.h"
#include "base/util.h"
#include "base/stats.h"
#include "reports/write.h"
#include "harness/bench.h"
#include "harness/traffic/netinfo.h"

struct bench_cli {
	struct wgl_bench_opts o;
	struct wgl_backend_config wg;
	const char *backend_spec;
	const char *out;
	bool help;
};

#define INT_HANDLER(fn, field, lo, hi)                                        \
	static int fn(void *ctx, const char *a)                              \
	{                                                                    \
		struct bench_cli *c = ctx;                                   \
		long long v;                                                 \
		if (wgl_parse_int_si(a, lo, hi, &v) < 0)                     \
			return -EINVAL;                                      \
		c->field = v;                                                \
		return 0;                                                    \
	}

INT_HANDLER(opt_reps, o.reps, 1, WGL_BENCH_MAX_REPS)
INT_HANDLER(opt_duration, o.iperf.duration_s, 1, 3600)
INT_HANDLER(opt_omit, o.iperf.omit_s, 0, 600)
INT_HANDLER(opt_streams, o.iperf.streams, 1, 128)
INT_HANDLER(opt_bitrate, o.iperf.bitrate, 0, 400000000000LL)
INT_HANDLER(opt_size, o.iperf.blksize, 16, 1048576)
INT_HANDLER(opt_port, o.iperf.port, 1, 65535)
INT_HANDLER(opt_echo_count, o.echo_count, 1, 100000)

static int opt_backend(void *ctx, const char *a)
{
	((struct bench_cli *)ctx)->backend_spec = a;
	return 0;
}

#define FLAG_HANDLER(fn, field)                                               \
	static int fn(void *ctx, const char *a)                              \
	{                                                                    \
		((struct bench_cli *)ctx)->field = true;                     \
		return 0;                                                    \
	}

FLAG_HANDLER(opt_udp, o.iperf.udp)
FLAG_HANDLER(opt_reverse, o.iperf.reverse)
FLAG_HANDLER(opt_bidir, o.iperf.bidir)
FLAG_HANDLER(opt_help, help)

static int opt_out(void *ctx, const char *a)
{
	((struct bench_cli *)ctx)->out = a;
	return 0;
}

static int opt_userspace(void *ctx, const char *a)
{
	((struct bench_cli *)ctx)->wg.userspace = a;
	return 0;
}

static int opt_define(void *ctx, const char *a);

static const struct wgl_opt bench_opts[] = {
	{ "backend", 'b', true, opt_backend, "none|kernel|userspace|all[,...] (default all)" },
	{ "reps", 'n', true, opt_reps, "repetitions per backend (default 3)" },
	{ "duration", 't', true, opt_duration, "seconds per repetition (default 10)" },
	{ "omit", 'O', true, opt_omit, "seconds left out at the start (default 1)" },
	{ "streams", 'P', true, opt_streams, "parallel streams (default 1)" },
	{ "udp", 'u', false, opt_udp, "UDP instead of TCP" },
	{ "bitrate", 0, true, opt_bitrate, "bits/s per stream, k/M/G suffix; 0 = unlimited" },
	{ "size", 'l', true, opt_size, "bytes per write (UDP default 1392)" },
	{ "port", 'p', true, opt_port, "iperf server port (default 5201)" },
	{ "reverse", 'R', false, opt_reverse, "server sends" },
	{ "bidir", 0, false, opt_bidir, "both directions at once" },
	{ "echo-count", 0, true, opt_echo_count, "idle echo probes per repetition (default 100)" },
	{ "define", 'D', true, opt_define, "KEY=VALUE by throughput.lua's parameter names" },
	{ "out", 'o', true, opt_out, "write result.json and the reports into DIR" },
	{ "userspace", 0, true, opt_userspace, "userspace command template ({ifname})" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

/*
 * -D KEY=VALUE with the parameter names of `wglab run throughput -D ...`, so
 * one set of names describes a measurement: KEY is a measurement option with
 * _ for - (reps, duration, omit, streams, size, echo_count, udp=true, ...),
 * and udp_bitrate=R, the rate of the scenario's UDP test, is --udp --bitrate R.
 */
static int opt_define(void *ctx, const char *a)
{
	static const char *const not_params[] = { "backend", "out", "userspace", "help", "define" };
	const char *eq = strchr(a, '='), *val = eq ? eq + 1 : NULL;
	char key[32];

	if (!eq || eq == a || (size_t)(eq - a) >= sizeof(key))
		return -EINVAL;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
	for (char *k = key; *k; k++)
		*k = *k == '_' ? '-' : *k;
	if (!strcmp(key, "udp-bitrate")) {
		((struct bench_cli *)ctx)->o.iperf.udp = true;
		return opt_bitrate(ctx, val);
	}
	for (size_t i = 0; i < WGL_ARRAY_SIZE(not_params); i++)
		if (!strcmp(key, not_params[i]))
			return -EINVAL;
	for (const struct wgl_opt *o = bench_opts; o->name; o++) {
		if (strcmp(o->name, key))
			continue;
		if (o->has_arg)
			return o->handle(ctx, val);
		/* A switch: true sets it; false is its default. */
		return !strcmp(val, "true") || !strcmp(val, "1") ? o->handle(ctx, val) :
		       !strcmp(val, "false") || !strcmp(val, "0") ? 0 : -EINVAL;
	}
	return -EINVAL;
}

typedef double (*rep_getter)(const struct wgl_bench_rep *r);

/* One figure of a repetition; NaN when it does not apply to this run. */
#define GETTER(fn, expr) \
	static double fn(const struct wgl_bench_rep *r) { return (expr); }

GETTER(g_mbps, r->iperf.received_bps / 1e6)
GETTER(g_rev_mbps, r->iperf.rev_received_bps > 0 ? r->iperf.rev_received_bps / 1e6 : NAN)
GETTER(g_total, (r->iperf.received_bps + r->iperf.rev_received_bps) / 1e6)
GETTER(g_bidir_total, r->iperf.rev_received_bps > 0 ? g_total(r) : NAN)
GETTER(g_retr, r->iperf.retransmits < 0 ? NAN : (double)r->iperf.retransmits)
GETTER(g_rtt, r->iperf.mean_rtt_us > 0 ? r->iperf.mean_rtt_us / 1e3 : NAN)
GETTER(g_loss, r->iperf.udp ? r->iperf.lost_percent : NAN)
GETTER(g_jitter, r->iperf.udp ? r->iperf.jitter_ms : NAN)
GETTER(g_idle50, r->idle.p50_ms)
GETTER(g_idle99, r->idle.p99_ms)
GETTER(g_idle_loss, r->idle.loss_pct)
GETTER(g_load50, r->loaded.p50_ms)
GETTER(g_load99, r->loaded.p99_ms)
GETTER(g_load_loss, r->loaded.loss_pct)
GETTER(g_kern, r->host_kernel_s_per_gb)
GETTER(g_busy, r->host_busy_s_per_gb)
GETTER(g_wga, r->daemon_s_per_gb[0])
GETTER(g_wgb, r->daemon_s_per_gb[1])
GETTER(g_cpu_c, r->iperf.cpu_host_pct)
GETTER(g_cpu_s, r->iperf.cpu_remote_pct)

static const struct {
	const char *name, *unit, *better;
	rep_getter get;
} metrics[] = {
	{ "throughput", "Mbit/s", "higher", g_mbps },
	{ "throughput_reverse", "Mbit/s", "higher", g_rev_mbps },
	{ "throughput_total", "Mbit/s", "higher", g_bidir_total },
	{ "tcp_retransmits", "count", "lower", g_retr },
	{ "tcp_mean_rtt", "ms", "lower", g_rtt },
	{ "udp_loss", "%", "lower", g_loss },
	{ "udp_jitter", "ms", "lower", g_jitter },
	{ "latency_idle_p50", "ms", "lower", g_idle50 },
	{ "latency_idle_p99", "ms", "lower", g_idle99 },
	{ "probe_loss_idle", "%", "lower", g_idle_loss },
	{ "latency_loaded_p50", "ms", "lower", g_load50 },
	{ "latency_loaded_p99", "ms", "lower", g_load99 },
	{ "probe_loss_loaded", "%", "lower", g_load_loss },
	/* Host-wide: every process and softirq on the machine, both nodes together. */
	{ "cpu_host_kernel_per_gb", "CPU-s/GB", "lower", g_kern },
	{ "cpu_host_all_per_gb", "CPU-s/GB", "lower", g_busy },
	{ "cpu_daemon_a_per_gb", "CPU-s/GB", "lower", g_wga },
	{ "cpu_daemon_b_per_gb", "CPU-s/GB", "lower", g_wgb },
	{ "iperf_cpu_client", "%", NULL, g_cpu_c },
	{ "iperf_cpu_server", "%", NULL, g_cpu_s },
};

/* Values of one metric over the reps that measured; returns how many are finite. */
static size_t collect(const struct wgl_bench_cell *c, rep_getter get, double *v)
{
	size_t n = 0, finite = 0;

	for (int i = 0; i < c->nreps; i++) {
		if (c->rep[i].status)
			continue;
		v[n] = get(&c->rep[i]);
		finite += isfinite(v[n]);
		n++;
	}
	return finite ? n : 0;
}

/* Median/min/max of a metric over the reps where it has a value (n = 0: none). */
static void cell_summary(const struct wgl_bench_cell *c, rep_getter get, struct wgl_summary *s)
{
	double v[WGL_BENCH_MAX_REPS];
	size_t n = collect(c, get, v), k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	wgl_summarize(v, k, s);
}

static double cell_median(const struct wgl_bench_cell *c, rep_getter get)
{
	struct wgl_summary s;

	cell_summary(c, get, &s);
	return s.median;
}

/* The measurement's parameters under the names throughput.lua uses, and what ran. */
static json_t *case_params(const struct bench_cli *cli, const struct wgl_bench_cell *c)
{
	json_t *p = wgl_bench_params(&cli->o);

	json_object_update_new(p, json_pack("{s:s, s:i, s:i, s:O*}", "backend", c->backend,
					    "underlay_mtu", c->underlay_mtu,
					    "tunnel_mtu", c->tunnel_mtu, "offloads", c->offloads));
	return p;
}

static void record_cell(struct wgl_run *run, const struct bench_cli *cli,
			const struct wgl_bench_cell *c, double underlay_mbps)
{
	struct wgl_case_ident id = { .backend_a = c->backend };
	json_t *params;
	char name[96];
	double v[WGL_BENCH_MAX_REPS];
	struct wgl_case *cs;
	size_t n;

	snprintf(name, sizeof(name), "%s %s", c->backend, cli->o.iperf.udp ? "udp" : "tcp");
	cs = wgl_case_new(run, "bench", name, &id);
	if (!cs)
		return;
	params = case_params(cli, c);
	wgl_case_params_json(cs, params);
	json_decref(params);
	if (c->skipped) {
		wgl_case_verdict(cs, WGL_SKIP, c->why);
		return;
	}
	if (strcmp(c->backend, "none") && c->impl[0])
		wgl_result_add_impl(run, c->backend,
				    strcmp(c->backend, "userspace") ? NULL : wgl_userspace_template(&cli->wg),
				    c->impl, c->impl_version);
	for (size_t m = 0; m < WGL_ARRAY_SIZE(metrics); m++)
		if ((n = collect(c, metrics[m].get, v)))
			wgl_case_metric(cs, metrics[m].name, metrics[m].unit, v, n, metrics[m].better);
	v[0] = cell_median(c, g_total) / underlay_mbps;
	if (isfinite(v[0]) && strcmp(c->backend, "none"))
		wgl_case_metric(cs, "throughput_vs_underlay", "ratio", v, 1, NULL);
	for (int i = 0; i < c->nreps; i++)
		wgl_case_check(cs, "iperf", c->rep[i].status == 0, "rep %d: %s", i + 1,
			       c->rep[i].status ? c->rep[i].iperf.error : "measured");
	if (c->why[0] && !c->nreps)
		wgl_case_verdict(cs, WGL_ERROR, c->why);
}

/* "median (min-max)" of a metric, or "-" when it does not apply. */
static void fmt_range(char *buf, size_t len, const struct wgl_bench_cell *c, rep_getter get,
		      const char *f)
{
	struct wgl_summary s;
	char a[32], b[32], m[32];

	cell_summary(c, get, &s);
	if (!s.n) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(m, sizeof(m), f, s.median);
	snprintf(a, sizeof(a), f, s.min);
	snprintf(b, sizeof(b), f, s.max);
	snprintf(buf, len, s.n > 1 ? "%s (%s-%s)" : "%s", m, a, b);
}

static void fmt_pair(char *buf, size_t len, const struct wgl_bench_cell *c, rep_getter g1,
		     rep_getter g2, const char *f)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), f, cell_median(c, g1));
	snprintf(b, sizeof(b), f, cell_median(c, g2));
	snprintf(buf, len, "%s/%s", a, b);
}

static void print_table(const struct bench_cli *cli, struct wgl_bench_cell **cells, int n,
			double underlay)
{
	bool udp = cli->o.iperf.udp;

	if (getenv("WGLAB_VM_INFO"))
		printf("\nEMULATED (kernel lab VM): compare only figures of this one run\n");
	printf("\n%-10s %-30s %6s %15s %15s %8s %8s %17s\n", "backend",
	       cli->o.iperf.bidir ? "throughput Mbit/s, both ways" : "throughput Mbit/s",
	       "vs-ul", "idle p50/p99", "load p50/p99", "host-k", "host-all",
	       udp ? "loss%" : "wg a/b");
	printf("%-10s %-30s %6s %15s %15s %8s %8s %17s\n", "", "median (min-max)", "", "ms", "ms",
	       "CPU-s/GB", "CPU-s/GB", udp ? "" : "CPU-s/GB");
	for (int i = 0; i < n; i++) {
		const struct wgl_bench_cell *c = cells[i];
		char tp[112], idle[72], load[72], last[72], ratio[32];

		if (c->skipped || !c->nreps) {
			printf("%-10s %s: %s\n", c->backend, c->skipped ? "skipped" : "error", c->why);
			continue;
		}
		fmt_range(tp, sizeof(tp), c, g_total, "%.0f");
		fmt_pair(idle, sizeof(idle), c, g_idle50, g_idle99, "%.3f");
		fmt_pair(load, sizeof(load), c, g_load50, g_load99, "%.2f");
		if (udp)
			fmt_range(last, sizeof(last), c, g_loss, "%.2f");
		else if (!strcmp(c->backend, "userspace"))
			fmt_pair(last, sizeof(last), c, g_wga, g_wgb, "%.2f");
		else
			snprintf(last, sizeof(last), "-");
		snprintf(ratio, sizeof(ratio), "%.3f", cell_median(c, g_total) / underlay);
		printf("%-10s %-30s %6s %15s %15s %8.2f %8.2f %17s\n", c->backend, tp,
		       isfinite(underlay) ? ratio : "-", idle, load, cell_median(c, g_kern),
		       cell_median(c, g_busy), last);
		if (c->why[0])
			printf("%-10s   (some repetitions failed: %s)\n", "", c->why);
	}
	printf("\nhost-k = system+irq+softirq, host-all = all busy CPU, both HOST-WIDE (both nodes,\n"
	       "iperf endpoints and anything else running); wg a/b = the userspace daemons alone.\n");
}

static void usage(void)
{
	wgl_opts_usage("bench", "[options]", bench_opts);
	printf("\nRuns a pair of nodes per backend (none = bare veth underlay), N repetitions of an\n"
	       "iperf test (libiperf) with UDP echo probes alongside, and prints a table.\n");
}

static void record_run(struct wgl_run *run, const struct bench_cli *cli, struct wgl_bench_cell **cells,
		       int n)
{
	double underlay = NAN;

	for (int i = 0; i < n; i++)
		if (!strcmp(cells[i]->backend, "none"))
			underlay = cell_median(cells[i], g_total);
	for (int i = 0; i < n; i++) {
		record_cell(run, cli, cells[i], underlay);
		if (cells[i]->underlay_mtu > 0 && !wgl_result_has_meta(run, "mtu"))
			wgl_result_set_meta(run, "mtu", json_integer(cells[i]->underlay_mtu));
		if (cells[i]->offloads && !wgl_result_has_meta(run, "offloads"))
			wgl_result_set_meta(run, "offloads", json_incref(cells[i]->offloads));
	}
	print_table(cli, cells, n, underlay);
}

/* One cell per backend named in the matrix (a bench cell runs one backend on both nodes). */
static int run_cells(struct bench_cli *cli, const struct wgl_backend_matrix *m,
		     struct wgl_bench_cell **cells, struct wgl_run *run)
{
	int measured = 0, errors = 0;

	cli->o.wg = &cli->wg;
	for (size_t i = 0; i < m->nsingles; i++) {
		cells[i] = calloc(1, sizeof(**cells));
		if (!cells[i])
			return WGL_EXIT_FAIL;
		if (wgl_bench_cell_run(cells[i], m->singles[i], &cli->o) < 0) {
			wgl_err("bench %s: %s", m->singles[i], cells[i]->why);
			errors++;
		}
		measured += !cells[i]->skipped && cells[i]->nreps > 0;
	}
	record_run(run, cli, cells, (int)m->nsingles);
	return errors ? WGL_EXIT_FAIL : measured ? WGL_EXIT_OK : WGL_EXIT_SKIP;
}

static int bench_matrix(const struct bench_cli *cli, struct wgl_backend_matrix *m)
{
	char why[512];

	if (wgl_backend_matrix(m, cli->backend_spec, WGL_MATRIX_UNDERLAY, why, sizeof(why)) < 0) {
		fprintf(stderr, "wglab bench: invalid value for --backend: '%s': %s\n",
			cli->backend_spec, why);
		return -EINVAL;
	}
	return 0;
}

int wgl_cmd_bench(int argc, char **argv)
{
	struct bench_cli cli = { .o = { .reps = 3, .iperf = { .duration_s = 10, .omit_s = 1 } },
				 .backend_spec = "all" };
	struct wgl_backend_matrix m;
	struct wgl_bench_cell **cells;
	struct wgl_run *run;
	int npos, ret;

	if (wgl_opts_parse(bench_opts, &cli, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (cli.help) {
		usage();
		return WGL_EXIT_OK;
	}
	if (npos) {
		fprintf(stderr, "wglab bench: unexpected argument '%s'\n", argv[1]);
		return WGL_EXIT_USAGE;
	}
	if (bench_matrix(&cli, &m) < 0)
		return WGL_EXIT_USAGE;
	cells = calloc(m.nsingles, sizeof(*cells));
	run = cells ? wgl_result_new() : NULL;
	if (!run) {
		free(cells);
		wgl_backend_matrix_free(&m);
		return WGL_EXIT_FAIL;
	}
	wgl_result_set_meta(run, "command", json_string("bench"));
	ret = run_cells(&cli, &m, cells, run);
	wgl_result_finish(run);
	if (cli.out && wgl_reports_write(run, cli.out) < 0) {
		wgl_err("bench: cannot write the reports to %s", cli.out);
		ret = WGL_EXIT_FAIL;
	} else if (cli.out) {
		printf("results: %s/result.json\n", cli.out);
	}
	for (size_t i = 0; i < m.nsingles; i++) {
		if (cells[i])
			wgl_bench_cell_free(cells[i]);
		free(cells[i]);
	}
	free(cells);
	wgl_backend_matrix_free(&m);
	wgl_result_free(run);
	return ret;
}
