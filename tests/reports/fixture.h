/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sample run for the report tests: every verdict, every plot kind, and
 * strings built to break emitters (quotes, markup, controls, CJK, emoji,
 * invalid UTF-8).
 */
#ifndef WGL_TEST_REPORTS_FIXTURE_H
#define WGL_TEST_REPORTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/result.h"
#include "reports/write.h"

#define NASTY "q\"uote' <tag a='1'> & &amp; ]]> -->\x01\x02\x1f\x7f tab\there\r\nnl " \
	      "\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82 bad\xff\xfe\xc3 end"

/* Builds a run with one case per verdict; lat_n latency samples (0: no CDF). */
static inline struct wgl_run *fixture_run(size_t lat_n)
{
	static const struct wgl_case_ident kk = { "kernel", "kernel", "ipv4" };
	static const struct wgl_case_ident uu = { "userspace", "userspace", "ipv6" };
	static const struct wgl_case_ident k1 = { "kernel", NULL, "ipv4" };
	static const double tp_k[] = { 941.2e6, 930e6, 950e6 }, tp_u[] = { 2100, 2050, 2200 };
	static const double hs[] = { 0.01, 120.3, 240.5, 360.2 };
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c;
	double *lat = calloc(lat_n + 1, sizeof(double));
	size_t i;

	for (i = 0; i < lat_n; i++)
		lat[i] = 0.2 + (double)(i % 7) * 0.05 + (double)i * 0.003;
	wgl_result_set_meta(run, "seed", json_integer(1234));
	wgl_result_add_impl(run, "kernel", "ip link add wg0 type wireguard", "/sbin/ip", "6.1.0");
	wgl_result_add_impl(run, "userspace", "wireguard-go -f wg0", "/usr/bin/wireguard-go",
			    "0.0.20230223");
	c = wgl_case_new(run, "throughput", "kernel-kernel tcp", &kk);
	wgl_case_param(c, "streams", "4", false);
	wgl_case_param(c, "protocol", "tcp", true);
	wgl_case_metric(c, "throughput", "bit/s", tp_k, 3, "higher");
	if (lat_n)
		wgl_case_metric(c, "rtt_under_load", "ms", lat, lat_n, "lower");
	wgl_case_check(c, "peer reachable", true, "ping ok");
	wgl_case_artifact(c, "pcap", "/results/x/pcaps/wg0.pcap");
	wgl_case_duration(c, 12.5);
	c = wgl_case_new(run, "throughput", "userspace-userspace tcp", &uu);
	wgl_case_metric(c, "throughput", "Mbit/s", tp_u, 3, "higher");
	wgl_case_check(c, "min rate " NASTY, false, "%s", NASTY);
	wgl_case_duration(c, 3.25);
	c = wgl_case_new(run, "rekey", "kernel " NASTY, &k1);
	wgl_case_param(c, "note", NASTY, true);
	wgl_case_metric(c, "handshake_times_s", "s", hs, 4, NULL);
	wgl_case_verdict(c, WGL_SKIP, "no wireguard module " NASTY);
	c = wgl_case_new(run, "flood", "cookie", NULL);
	wgl_case_verdict(c, WGL_ERROR, "script error: flood.lua:12: boom");
	wgl_result_finish(run);
	free(lat);
	return run;
}

/*
 * A run to plot: three backend pairs (kernel:kernel, userspace:userspace and
 * the mixed kernel:userspace) in both families, each case with tunnel
 * throughputs of 80-180 Mbit/s (an axis that is not a whole number of tick
 * steps) and its own ~10 Gbit/s underlay, latency
 * samples, one handshake series, and a single-backend case whose long name
 * has to turn to fit under its bar.
 */
static inline struct wgl_run *fixture_pairs_run(void)
{
	static const char *const pairs[][2] = { { "kernel", "kernel" },
						{ "userspace", "userspace" },
						{ "kernel", "userspace" } };
	static const char *const fams[] = { "ipv4", "ipv6" };
	static const struct wgl_case_ident us = { "userspace", NULL, NULL };
	static const double hs[] = { 0.02, 120.1, 240.2 };
	struct wgl_run *run = wgl_result_new();
	double lat[20], v[3];
	struct wgl_case *c;
	char name[96];

	for (size_t p = 0; p < 3; p++) {
		for (size_t f = 0; f < 2; f++) {
			struct wgl_case_ident id = { pairs[p][0], pairs[p][1], fams[f] };
			double base = (p == 0 ? 160e6 : p == 1 ? 90e6 : 120e6) - (double)f * 10e6;

			snprintf(name, sizeof(name), "throughput[%s:%s,%s]", pairs[p][0],
				 pairs[p][1], fams[f]);
			c = wgl_case_new(run, "throughput", name, &id);
			for (int k = 0; k < 3; k++)
				v[k] = base * (0.95 + 0.05 * k);
			wgl_case_metric(c, "tcp_throughput", "bit/s", v, 3, "higher");
			for (int k = 0; k < 3; k++)
				v[k] = base * (0.9 + 0.04 * k);
			wgl_case_metric(c, "udp_throughput", "bit/s", v, 3, "higher");
			for (int k = 0; k < 3; k++)
				v[k] = 9.6e9 + 2e8 * k;
			wgl_case_metric(c, "underlay_tcp_throughput", "bit/s", v, 3, NULL);
			for (int k = 0; k < 20; k++)
				lat[k] = 0.3 + 0.1 * (double)p + 0.03 * (double)f + 0.01 * k;
			wgl_case_metric(c, "latency_loaded", "ms", lat, 20, "lower");
		}
	}
	wgl_case_metric(c, "handshake_times_s", "s", hs, 3, NULL);
	c = wgl_case_new(run, "bench", "userspace tcp with a long descriptive case name", &us);
	v[0] = 80e6, v[1] = 90e6, v[2] = 100e6;
	wgl_case_metric(c, "tcp_throughput", "bit/s", v, 3, "higher");
	wgl_result_finish(run);
	return run;
}

/* A fresh directory for one test's output. */
static inline char *fixture_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/wglab-test-reports-XXXXXX");
	return mkdtemp(buf);
}

static inline void fixture_rmdir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static inline char *fixture_slurp(const char *dir, const char *file)
{
	char path[512], *buf = NULL;
	size_t len = 0, n;
	FILE *f, *m;
	char chunk[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

static inline size_t fixture_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; hay && (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

#endif
