// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iperf 3.12 JSON -> struct wgl_iperf_result. Field paths are those of
 * iperf_api.c@3.12 (end.sum_sent, end.sum_received, end.sum for UDP, ...).
 * Kept apart from the children in iperf.c so the unit tests and the fuzz
 * target exercise it without namespaces.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "harness/traffic/iperf.h"

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : 0.0;
}

static long long integer(const json_t *o, const char *key, long long absent)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? (long long)json_number_value(v) : absent;
}

static uint64_t bytes(const json_t *o)
{
	double b = num(o, "bytes");

	return b > 0 ? (uint64_t)b : 0;
}

/*
 * Sums of sender mean_rtt over streams whose "sender" half was measured on
 * this side (TCP_INFO is only available to the sending socket).
 */
static void rtt_add(const json_t *doc, double *sum, int *n)
{
	const json_t *streams = json_object_get(json_object_get(doc, "end"), "streams");
	size_t i;
	const json_t *s;

	json_array_foreach(streams, i, s) {
		const json_t *snd = json_object_get(s, "sender");

		if (json_is_true(json_object_get(snd, "sender")) && num(snd, "mean_rtt") > 0) {
			*sum += num(snd, "mean_rtt");
			(*n)++;
		}
	}
}

static void parse_udp(const json_t *end, struct wgl_iperf_result *r)
{
	const json_t *sum = json_object_get(end, "sum");

	r->jitter_ms = num(sum, "jitter_ms");
	r->lost_packets = integer(sum, "lost_packets", 0);
	r->packets = integer(sum, "packets", 0);
	r->lost_percent = num(sum, "lost_percent");
	/* 3.12 also writes sum_sent/sum_received for UDP; older ones only "sum". */
	if (!json_object_get(end, "sum_received")) {
		r->sent_bps = r->received_bps = num(sum, "bits_per_second");
		r->bytes_sent = r->bytes_received = bytes(sum);
		r->seconds = num(sum, "seconds");
	}
}

static void parse_end(const json_t *doc, const json_t *end, struct wgl_iperf_result *r)
{
	const json_t *snt = json_object_get(end, "sum_sent");
	const json_t *rcv = json_object_get(end, "sum_received");
	const json_t *cpu = json_object_get(end, "cpu_utilization_percent");
	double rtt = 0;
	int nrtt = 0;

	r->sent_bps = num(snt, "bits_per_second");
	r->received_bps = num(rcv, "bits_per_second");
	r->bytes_sent = bytes(snt);
	r->bytes_received = bytes(rcv);
	r->seconds = num(rcv, "seconds");
	r->retransmits = integer(snt, "retransmits", -1);
	r->rev_sent_bps = num(json_object_get(end, "sum_sent_bidir_reverse"), "bits_per_second");
	rcv = json_object_get(end, "sum_received_bidir_reverse");
	r->rev_received_bps = num(rcv, "bits_per_second");
	r->rev_bytes_received = bytes(rcv);
	if (r->udp)
		parse_udp(end, r);
	r->cpu_host_pct = num(cpu, "host_total");
	r->cpu_remote_pct = num(cpu, "remote_total");
	rtt_add(doc, &rtt, &nrtt);
	rtt_add(json_object_get(doc, "server_output_json"), &rtt, &nrtt);
	r->mean_rtt_us = nrtt ? rtt / nrtt : 0;
}

int wgl_iperf_parse(const char *json, struct wgl_iperf_result *r)
{
	json_error_t jerr;
	json_t *doc, *end, *err, *ts;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->retransmits = -1;
	doc = json_loads(json ? json : "", 0, &jerr);
	if (!json_is_object(doc)) {
		snprintf(r->error, sizeof(r->error), "not iperf JSON: %s (line %d)",
			 doc ? "top level is not an object" : jerr.text, jerr.line);
		json_decref(doc);
		return -EINVAL;
	}
	err = json_object_get(doc, "error");
	end = json_object_get(doc, "end");
	ts = json_object_get(json_object_get(doc, "start"), "test_start");
	r->udp = json_is_string(json_object_get(ts, "protocol")) &&
		 !strcmp(json_string_value(json_object_get(ts, "protocol")), "UDP");
	if (err) {
		snprintf(r->error, sizeof(r->error), "%s",
			 json_is_string(err) ? json_string_value(err) : "error of unknown form");
		ret = -EIO;
	} else if (!json_is_object(end) || !json_object_size(end)) {
		snprintf(r->error, sizeof(r->error), "iperf JSON without \"end\" results");
		ret = -EINVAL;
	} else {
		parse_end(doc, end, r);
	}
	json_decref(doc);
	return ret;
}

uint64_t wgl_iperf_bytes_moved(const struct wgl_iperf_result *r)
{
	return r->bytes_received + r->rev_bytes_received;
}
