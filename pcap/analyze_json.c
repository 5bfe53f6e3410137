// SPDX-License-Identifier: GPL-2.0-or-later
/* The analysis as JSON: what `wglab pcap summary --json` prints and scenarios store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "base/stats.h"
#include "pcap/analyze.h"

static double rel_s(const struct wgl_analysis *a, long long ts)
{
	return (double)(ts - a->base_ns) / 1e9;
}

static json_t *addr_json(int family, const uint8_t *addr, uint16_t port)
{
	char buf[64];

	wgl_pkt_format_addr(family, addr, port, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *index_json(uint32_t idx)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08x", idx);
	return json_string(buf);
}

static json_t *flows_json(const struct wgl_analysis *a)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < a->nflows; i++) {
		const struct wgl_wg_flow *f = &a->flows[i];

		json_array_append_new(arr, json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
			"src", addr_json(f->family, f->src, f->sport),
			"dst", addr_json(f->family, f->dst, f->dport),
			"initiation", (json_int_t)f->msgs[1], "response", (json_int_t)f->msgs[2],
			"cookie", (json_int_t)f->msgs[3], "transport", (json_int_t)f->msgs[4],
			"keepalive", (json_int_t)f->keepalives, "bytes", (json_int_t)f->bytes));
	}
	return arr;
}

/* {median, min, max} of the values, or null when there are none. */
static json_t *stats_json(const double *v, size_t n)
{
	struct wgl_summary s;

	if (!n)
		return json_null();
	wgl_summarize(v, n, &s);
	return json_pack("{s:f, s:f, s:f}", "median", s.median, "min", s.min, "max", s.max);
}

static json_t *handshakes_json(const struct wgl_analysis *a)
{
	json_t *list = json_array();
	double *rtt_ms = calloc(a->nhandshakes + 1, sizeof(*rtt_ms));
	size_t n = 0;

	for (size_t i = 0; i < a->nhandshakes; i++) {
		const struct wgl_handshake *h = &a->handshakes[i];
		const struct wgl_wg_flow *f = &a->flows[h->flow];
		json_t *o = json_pack("{s:f, s:I, s:o, s:o, s:o}", "t_s", rel_s(a, h->init_ns),
				      "record", (json_int_t)h->init_record,
				      "initiator", addr_json(f->family, f->src, f->sport),
				      "responder", addr_json(f->family, f->dst, f->dport),
				      "sender", index_json(h->init_sender));

		if (h->resp_ns) {
			json_object_set_new(o, "rtt_ms", json_real(wgl_handshake_rtt_ns(h) / 1e6));
			json_object_set_new(o, "responder_index", index_json(h->resp_sender));
			if (rtt_ms)
				rtt_ms[n++] = wgl_handshake_rtt_ns(h) / 1e6;
		} else {
			json_object_set_new(o, "rtt_ms", json_null());
		}
		json_array_append_new(list, o);
	}
	json_t *o = json_pack("{s:I, s:I, s:o, s:o}", "initiations", (json_int_t)a->nhandshakes,
			      "answered", (json_int_t)a->handshakes_answered,
			      "rtt_ms", stats_json(rtt_ms, n), "list", list);
	free(rtt_ms);
	return o;
}

static json_t *rekey_json(const struct wgl_analysis *a)
{
	json_t *arr = json_array(), *o;
	double *s = calloc(a->nrekey + 1, sizeof(*s));

	for (size_t i = 0; i < a->nrekey; i++) {
		json_array_append_new(arr, json_real(a->rekey_ns[i] / 1e9));
		if (s)
			s[i] = a->rekey_ns[i] / 1e9;
	}
	o = json_pack("{s:o, s:o}", "intervals_s", arr,
		      "stats_s", s ? stats_json(s, a->nrekey) : json_null());
	free(s);
	return o;
}

static json_t *sessions_json(const struct wgl_analysis *a)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < a->nsessions; i++) {
		const struct wgl_wg_session *s = &a->sessions[i];
		const struct wgl_wg_flow *f = &a->flows[s->flow];

		json_array_append_new(arr, json_pack(
			"{s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"receiver", index_json(s->receiver),
			"src", addr_json(f->family, f->src, f->sport),
			"dst", addr_json(f->family, f->dst, f->dport),
			"packets", (json_int_t)s->packets,
			"min_counter", (json_int_t)s->min_counter,
			"max_counter", (json_int_t)s->max_counter,
			"duplicates", (json_int_t)s->duplicates,
			"reordered", (json_int_t)s->reordered,
			"missing", (json_int_t)s->missing, "too_old", (json_int_t)s->too_old));
	}
	return arr;
}

static json_t *leak_json(const struct wgl_analysis *a)
{
	const struct wgl_pkt *p = &a->first_leak;
	json_t *first = json_null();

	if (a->leaks)
		first = json_pack("{s:I, s:f, s:o, s:o, s:i}", "record", (json_int_t)p->record,
				  "t_s", rel_s(a, p->ts_ns),
				  "src", addr_json(p->family, p->src, p->sport),
				  "dst", addr_json(p->family, p->dst, p->dport), "proto", p->proto);
	return json_pack("{s:I, s:o}", "count", (json_int_t)a->leaks, "first", first);
}

static json_t *silence_json(const struct wgl_analysis *a)
{
	json_t *o = json_pack("{s:f, s:o}", "longest_gap_s", a->longest_gap_ns / 1e9,
			      "longest_gap_at_s", a->longest_gap_ns ?
			      json_real(rel_s(a, a->longest_gap_at_ns)) : json_null());

	if (a->since_set) {
		json_object_set_new(o, "since_s", json_real(a->since_s));
		json_object_set_new(o, "after_since", json_integer((json_int_t)a->after_since));
		json_object_set_new(o, "wireguard_after_since",
				    json_integer((json_int_t)a->wg_after_since));
		json_object_set_new(o, "first_after_since_s", a->after_since ?
				    json_real(rel_s(a, a->first_after_since_ns)) : json_null());
	}
	return o;
}

json_t *wgl_analysis_to_json(const struct wgl_analysis *a)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:f}", "file", a->path,
			      "linktype", a->dlt_name, "records", (json_int_t)a->records,
			      "in_window", (json_int_t)a->in_window,
			      "duration_s", a->in_window ? (a->last_ns - a->first_ns) / 1e9 : 0.0);

	json_object_set_new(o, "classes", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		"wireguard", (json_int_t)a->wg, "other_ip", (json_int_t)a->ip_other,
		"control", (json_int_t)a->control, "non_ip", (json_int_t)a->non_ip,
		"fragments", (json_int_t)a->fragments));
	json_object_set_new(o, "messages", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		"initiation", (json_int_t)a->wg_by_type[1], "response", (json_int_t)a->wg_by_type[2],
		"cookie", (json_int_t)a->wg_by_type[3], "transport", (json_int_t)a->wg_by_type[4],
		"fields_cut", (json_int_t)a->wg_fields_cut));
	json_object_set_new(o, "flows", flows_json(a));
	json_object_set_new(o, "handshakes", handshakes_json(a));
	json_object_set_new(o, "rekey", rekey_json(a));
	json_object_set_new(o, "cookie_replies", json_pack("{s:I, s:o}",
		"count", (json_int_t)a->cookies,
		"first_t_s", a->cookies ? json_real(rel_s(a, a->first_cookie_ns)) : json_null()));
	json_object_set_new(o, "sessions", sessions_json(a));
	json_object_set_new(o, "leaks", leak_json(a));
	json_object_set_new(o, "silence", silence_json(a));
	return o;
}
