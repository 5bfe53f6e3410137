// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab pcap summary FILE [--json] [--since SEC] [--from SEC] [--to SEC]:
 * the on-the-wire analysis of any capture, as a table or as JSON.
 */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "cli/cli.h"
#include "pcap/analyze.h"

struct summary_ctx {
	bool json, help;
	struct wgl_analyze_opts opts;
};

static int opt_json(void *ctx, const char *arg)
{
	((struct summary_ctx *)ctx)->json = true;
	return 0;
}

static int opt_help(void *ctx, const char *arg)
{
	((struct summary_ctx *)ctx)->help = true;
	return 0;
}

static int opt_since(void *ctx, const char *arg)
{
	return wgl_parse_double(arg, 0, DBL_MAX, &((struct summary_ctx *)ctx)->opts.since_s);
}

static int opt_from(void *ctx, const char *arg)
{
	return wgl_parse_double(arg, 0, DBL_MAX, &((struct summary_ctx *)ctx)->opts.from_s);
}

static int opt_to(void *ctx, const char *arg)
{
	return wgl_parse_double(arg, 0, DBL_MAX, &((struct summary_ctx *)ctx)->opts.to_s);
}

static const struct wgl_opt summary_opts[] = {
	{ "json", 'j', false, opt_json, "print the analysis as JSON" },
	{ "since", 0, true, opt_since,
	  "count packets at/after SEC (from the first record): idle silence check" },
	{ "from", 0, true, opt_from, "analyse only records at/after SEC" },
	{ "to", 0, true, opt_to, "analyse only records before SEC" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

static double rel(const struct wgl_analysis *a, long long ts)
{
	return (double)(ts - a->base_ns) / 1e9;
}

static void print_flows(const struct wgl_analysis *a)
{
	char src[64], dst[64];

	printf("\n%-28s %-28s %6s %6s %6s %9s %9s\n", "from", "to", "init", "resp", "cookie",
	       "transport", "keepalive");
	for (size_t i = 0; i < a->nflows; i++) {
		const struct wgl_wg_flow *f = &a->flows[i];

		wgl_pkt_format_addr(f->family, f->src, f->sport, src, sizeof(src));
		wgl_pkt_format_addr(f->family, f->dst, f->dport, dst, sizeof(dst));
		printf("%-28s %-28s %6llu %6llu %6llu %9llu %9llu\n", src, dst,
		       (unsigned long long)f->msgs[1], (unsigned long long)f->msgs[2],
		       (unsigned long long)f->msgs[3], (unsigned long long)f->msgs[4],
		       (unsigned long long)f->keepalives);
	}
}

static void print_handshakes(const struct wgl_analysis *a)
{
	printf("\nhandshakes: %zu initiations, %llu answered\n", a->nhandshakes,
	       (unsigned long long)a->handshakes_answered);
	for (size_t i = 0; i < a->nhandshakes; i++) {
		const struct wgl_handshake *h = &a->handshakes[i];

		if (h->resp_ns)
			printf("  t=%.6f s  sender 0x%08x -> 0x%08x  rtt %.3f ms\n",
			       rel(a, h->init_ns), h->init_sender, h->resp_sender,
			       wgl_handshake_rtt_ns(h) / 1e6);
		else
			printf("  t=%.6f s  sender 0x%08x  unanswered\n", rel(a, h->init_ns),
			       h->init_sender);
	}
	for (size_t i = 0; i < a->nrekey; i++)
		printf("%s%.3f s%s", i ? ", " : "  intervals between handshakes: ",
		       a->rekey_ns[i] / 1e9, i + 1 == a->nrekey ? "\n" : "");
	printf("cookie replies: %llu", (unsigned long long)a->cookies);
	if (a->cookies)
		printf(" (first at t=%.6f s)", rel(a, a->first_cookie_ns));
	printf("\n");
}

static void print_sessions(const struct wgl_analysis *a)
{
	if (!a->nsessions)
		return;
	printf("\n%-10s %8s %10s %10s %8s %9s %8s\n", "receiver", "packets", "min ctr", "max ctr",
	       "dups", "reordered", "missing");
	for (size_t i = 0; i < a->nsessions; i++) {
		const struct wgl_wg_session *s = &a->sessions[i];

		printf("0x%08x %8llu %10llu %10llu %8llu %9llu %8llu\n", s->receiver,
		       (unsigned long long)s->packets, (unsigned long long)s->min_counter,
		       (unsigned long long)s->max_counter, (unsigned long long)s->duplicates,
		       (unsigned long long)s->reordered, (unsigned long long)s->missing);
	}
}

static void print_leaks_silence(const struct wgl_analysis *a)
{
	char src[64], dst[64];
	const struct wgl_pkt *p = &a->first_leak;

	printf("\nnot WireGuard (IP): %llu", (unsigned long long)a->leaks);
	if (a->leaks) {
		wgl_pkt_format_addr(p->family, p->src, p->sport, src, sizeof(src));
		wgl_pkt_format_addr(p->family, p->dst, p->dport, dst, sizeof(dst));
		printf("  first: record %llu t=%.6f s %s -> %s proto %u",
		       (unsigned long long)p->record, rel(a, p->ts_ns), src, dst, p->proto);
	}
	printf("\nlongest silence: %.6f s", a->longest_gap_ns / 1e9);
	if (a->longest_gap_ns)
		printf(" after t=%.6f s", rel(a, a->longest_gap_at_ns));
	printf("\n");
	if (a->since_set)
		printf("since t=%.3f s: %llu packets (%llu WireGuard)\n", a->since_s,
		       (unsigned long long)a->after_since, (unsigned long long)a->wg_after_since);
}

static void print_summary(const struct wgl_analysis *a)
{
	printf("%s: %s, %llu records, %llu in window, %.6f s\n", a->path, a->dlt_name,
	       (unsigned long long)a->records, (unsigned long long)a->in_window,
	       a->in_window ? (a->last_ns - a->first_ns) / 1e9 : 0.0);
	printf("WireGuard %llu (initiation %llu, response %llu, cookie %llu, transport %llu), "
	       "other IP %llu, control %llu, non-IP %llu, fragments %llu\n",
	       (unsigned long long)a->wg, (unsigned long long)a->wg_by_type[1],
	       (unsigned long long)a->wg_by_type[2], (unsigned long long)a->wg_by_type[3],
	       (unsigned long long)a->wg_by_type[4], (unsigned long long)a->ip_other,
	       (unsigned long long)a->control, (unsigned long long)a->non_ip,
	       (unsigned long long)a->fragments);
	if (a->nflows)
		print_flows(a);
	print_handshakes(a);
	print_sessions(a);
	print_leaks_silence(a);
}

static int cmd_summary(int argc, char **argv)
{
	static const char synopsis[] = "FILE [--json] [--since SEC] [--from SEC] [--to SEC]";
	struct summary_ctx ctx = { .opts = WGL_ANALYZE_OPTS_INIT };
	char err[WGL_PCAP_ERRLEN];
	struct wgl_analysis a;
	int npos;

	static char name[] = "pcap summary";

	argv[0] = name;
	if (wgl_opts_parse(summary_opts, &ctx, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (ctx.help) {
		wgl_opts_usage(argv[0], synopsis, summary_opts);
		return WGL_EXIT_OK;
	}
	if (npos != 1) {
		fprintf(stderr, "wglab pcap summary: expected one FILE (usage: %s)\n", synopsis);
		return WGL_EXIT_USAGE;
	}
	if (wgl_analyze_file(argv[1], &ctx.opts, &a, err) < 0) {
		fprintf(stderr, "wglab pcap summary: %s\n", err);
		return WGL_EXIT_USAGE;
	}
	if (ctx.json) {
		json_t *j = wgl_analysis_to_json(&a);

		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
		printf("\n");
		json_decref(j);
	} else {
		print_summary(&a);
	}
	wgl_analysis_free(&a);
	return WGL_EXIT_OK;
}

int wgl_cmd_pcap(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "summary"))
		return cmd_summary(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: wglab pcap summary FILE [--json] [--since SEC] [--from SEC] "
		       "[--to SEC]\n");
		return WGL_EXIT_OK;
	}
	fprintf(stderr, "wglab pcap: expected a subcommand: summary (try 'wglab pcap --help')\n");
	return WGL_EXIT_USAGE;
}
