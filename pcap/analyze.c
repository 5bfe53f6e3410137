// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap/analyze.h"

#define WINDOW_BITS 8192 /* like the replay window: enough to see reordering */
#define WINDOW_WORDS (WINDOW_BITS / 64)

/* Grows *arr (element size sz) so that index n fits; doubles. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap <= n)
		ncap *= 2;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

void wgl_analysis_init(struct wgl_analysis *a, const struct wgl_analyze_opts *opts)
{
	static const struct wgl_analyze_opts defaults = WGL_ANALYZE_OPTS_INIT;

	if (!opts)
		opts = &defaults;
	memset(a, 0, sizeof(*a));
	a->base_ns = opts->base_ns;
	a->since_set = opts->since_s >= 0;
	a->since_s = opts->since_s;
	a->window_from_s = opts->from_s;
	a->window_to_s = opts->to_s;
}

static size_t find_flow(struct wgl_analysis *a, const struct wgl_pkt *p)
{
	struct wgl_wg_flow *f;
	size_t i;

	for (i = a->nflows; i-- > 0;) {
		f = &a->flows[i];
		if (f->family == p->family && f->sport == p->sport && f->dport == p->dport &&
		    !memcmp(f->src, p->src, 16) && !memcmp(f->dst, p->dst, 16))
			return i;
	}
	if (grow((void **)&a->flows, &a->cap_flows, a->nflows, sizeof(*f)) < 0)
		return (size_t)-1;
	f = &a->flows[a->nflows];
	memset(f, 0, sizeof(*f));
	f->family = p->family;
	memcpy(f->src, p->src, 16);
	memcpy(f->dst, p->dst, 16);
	f->sport = p->sport;
	f->dport = p->dport;
	return a->nflows++;
}

static size_t hash_slot(const struct wgl_analysis *a, uint32_t receiver)
{
	return (receiver * 2654435761u) & (a->session_hash_size - 1);
}

static int rehash(struct wgl_analysis *a)
{
	size_t n = a->session_hash_size ? a->session_hash_size * 2 : 64, i, s;
	size_t *h = calloc(n, sizeof(*h));

	if (!h)
		return -ENOMEM;
	free(a->session_hash);
	a->session_hash = h;
	a->session_hash_size = n;
	for (i = 0; i < a->nsessions; i++) {
		for (s = hash_slot(a, a->sessions[i].receiver); h[s]; s = (s + 1) & (n - 1))
			;
		h[s] = i + 1;
	}
	return 0;
}

static struct wgl_wg_session *find_session(struct wgl_analysis *a, uint32_t receiver, size_t flow)
{
	struct wgl_wg_session *s;
	size_t slot;

	if ((a->nsessions + 1) * 2 > a->session_hash_size && rehash(a) < 0)
		return NULL;
	for (slot = hash_slot(a, receiver); a->session_hash[slot];
	     slot = (slot + 1) & (a->session_hash_size - 1)) {
		s = &a->sessions[a->session_hash[slot] - 1];
		if (s->receiver == receiver)
			return s;
	}
	if (grow((void **)&a->sessions, &a->cap_sessions, a->nsessions, sizeof(*s)) < 0)
		return NULL;
	s = &a->sessions[a->nsessions];
	memset(s, 0, sizeof(*s));
	s->window = calloc(WINDOW_WORDS, sizeof(uint64_t));
	if (!s->window)
		return NULL;
	s->receiver = receiver;
	s->flow = flow;
	a->session_hash[slot] = ++a->nsessions;
	return s;
}

static bool bit_test_set(uint64_t *w, uint64_t c)
{
	uint64_t bit = 1ULL << (c % 64), *word = &w[(c / 64) % WINDOW_WORDS];
	bool was = *word & bit;

	*word |= bit;
	return was;
}

static void window_advance(uint64_t *w, uint64_t from, uint64_t to)
{
	uint64_t c;

	if (to - from >= WINDOW_BITS) {
		memset(w, 0, WINDOW_WORDS * sizeof(*w));
		return;
	}
	for (c = from + 1; c <= to; c++)
		w[(c / 64) % WINDOW_WORDS] &= ~(1ULL << (c % 64));
}

static void session_counter(struct wgl_wg_session *s, uint64_t c, long long ts)
{
	if (!s->packets++) {
		s->max_counter = s->min_counter = c;
		s->first_ns = ts;
		s->distinct = 1;
		bit_test_set(s->window, c);
	} else if (c > s->max_counter) {
		window_advance(s->window, s->max_counter, c);
		bit_test_set(s->window, c);
		s->max_counter = c;
		s->distinct++;
	} else if (s->max_counter - c >= WINDOW_BITS) {
		s->too_old++;
	} else if (bit_test_set(s->window, c)) {
		s->duplicates++;
	} else {
		s->distinct++;
		s->reordered++;
	}
	if (c < s->min_counter)
		s->min_counter = c;
	s->last_ns = ts;
}

static int add_handshake(struct wgl_analysis *a, const struct wgl_pkt *p, size_t flow)
{
	struct wgl_handshake *h;

	if (grow((void **)&a->handshakes, &a->cap_handshakes, a->nhandshakes,
		 sizeof(*h)) < 0)
		return -ENOMEM;
	h = &a->handshakes[a->nhandshakes++];
	memset(h, 0, sizeof(*h));
	h->init_ns = p->ts_ns;
	h->init_sender = p->sender;
	h->init_record = p->record;
	h->flow = flow;
	return 0;
}

/* A response answers the latest unanswered initiation whose sender it names. */
static void match_response(struct wgl_analysis *a, const struct wgl_pkt *p)
{
	size_t i;

	for (i = a->nhandshakes; i-- > 0;) {
		struct wgl_handshake *h = &a->handshakes[i];

		if (h->resp_ns || h->init_sender != p->receiver)
			continue;
		h->resp_ns = p->ts_ns;
		h->resp_sender = p->sender;
		h->resp_record = p->record;
		a->handshakes_answered++;
		return;
	}
}

static int add_wg(struct wgl_analysis *a, const struct wgl_pkt *p)
{
	size_t flow = find_flow(a, p);
	struct wgl_wg_session *s;

	if (flow == (size_t)-1)
		return -ENOMEM;
	a->wg++;
	a->wg_by_type[p->wg_type]++;
	a->flows[flow].msgs[p->wg_type]++;
	a->flows[flow].bytes += p->wg_len;
	if (p->wg_type == WGL_MSG_TRANSPORT && p->wg_len == WGL_MSG_TRANSPORT_MIN_SIZE)
		a->flows[flow].keepalives++;
	if (p->wg_fields_cut) {
		a->wg_fields_cut++;
		return 0;
	}
	switch (p->wg_type) {
	case WGL_MSG_INITIATION:
		return add_handshake(a, p, flow);
	case WGL_MSG_RESPONSE:
		match_response(a, p);
		break;
	case WGL_MSG_COOKIE:
		if (!a->cookies++)
			a->first_cookie_ns = p->ts_ns;
		break;
	case WGL_MSG_TRANSPORT:
		s = find_session(a, p->receiver, flow);
		if (!s)
			return -ENOMEM;
		session_counter(s, p->counter, p->ts_ns);
		break;
	}
	return 0;
}

static double rel_s(const struct wgl_analysis *a, long long ts)
{
	return (double)(ts - a->base_ns) / 1e9;
}

static void add_timing(struct wgl_analysis *a, const struct wgl_pkt *p)
{
	if (a->last_meaningful_ns && p->ts_ns - a->last_meaningful_ns > a->longest_gap_ns) {
		a->longest_gap_ns = p->ts_ns - a->last_meaningful_ns;
		a->longest_gap_at_ns = a->last_meaningful_ns;
	}
	a->last_meaningful_ns = p->ts_ns;
	if (!a->since_set || rel_s(a, p->ts_ns) < a->since_s)
		return;
	if (!a->after_since++)
		a->first_after_since_ns = p->ts_ns;
	if (p->kind == WGL_PKT_WG)
		a->wg_after_since++;
}

int wgl_analysis_add(struct wgl_analysis *a, const struct wgl_pkt *p)
{
	double t;

	if (!a->records++ && !a->base_ns)
		a->base_ns = p->ts_ns;
	t = rel_s(a, p->ts_ns);
	if ((a->window_from_s >= 0 && t < a->window_from_s) ||
	    (a->window_to_s >= 0 && t >= a->window_to_s))
		return 0;
	if (!a->in_window++)
		a->first_ns = p->ts_ns;
	a->last_ns = p->ts_ns;
	switch (p->kind) {
	case WGL_PKT_NON_IP: a->non_ip++; return 0;
	case WGL_PKT_CONTROL: a->control++; return 0;
	case WGL_PKT_FRAGMENT: a->fragments++; break;
	case WGL_PKT_IP:
		a->ip_other++;
		if (!a->leaks++)
			a->first_leak = *p;
		break;
	case WGL_PKT_WG:
		if (add_wg(a, p) < 0)
			return -ENOMEM;
		break;
	}
	add_timing(a, p);
	return 0;
}

static bool same_host_pair(const struct wgl_wg_flow *x, const struct wgl_wg_flow *y)
{
	if (x->family != y->family)
		return false;
	return (!memcmp(x->src, y->src, 16) && !memcmp(x->dst, y->dst, 16)) ||
	       (!memcmp(x->src, y->dst, 16) && !memcmp(x->dst, y->src, 16));
}

/* Intervals between successive answered handshakes of the same host pair. */
static int compute_rekey(struct wgl_analysis *a)
{
	size_t i, j;

	a->rekey_ns = calloc(a->nhandshakes ? a->nhandshakes : 1, sizeof(*a->rekey_ns));
	if (!a->rekey_ns)
		return -ENOMEM;
	for (i = 0; i < a->nhandshakes; i++) {
		const struct wgl_handshake *h = &a->handshakes[i];

		if (!h->resp_ns)
			continue;
		for (j = i; j-- > 0;) {
			const struct wgl_handshake *g = &a->handshakes[j];

			if (g->resp_ns && same_host_pair(&a->flows[g->flow], &a->flows[h->flow])) {
				a->rekey_ns[a->nrekey++] = h->init_ns - g->init_ns;
				break;
			}
		}
	}
	return 0;
}

void wgl_analysis_finish(struct wgl_analysis *a)
{
	size_t i;

	for (i = 0; i < a->nsessions; i++) {
		struct wgl_wg_session *s = &a->sessions[i];
		uint64_t range = s->max_counter - s->min_counter + 1;

		s->missing = range > s->distinct + s->too_old ? range - s->distinct - s->too_old : 0;
	}
	if (compute_rekey(a) < 0)
		a->nrekey = 0;
}

void wgl_analysis_free(struct wgl_analysis *a)
{
	size_t i;

	for (i = 0; i < a->nsessions; i++)
		free(a->sessions[i].window);
	free(a->sessions);
	free(a->session_hash);
	free(a->flows);
	free(a->handshakes);
	free(a->rekey_ns);
	memset(a, 0, sizeof(*a));
}

long long wgl_handshake_rtt_ns(const struct wgl_handshake *h)
{
	return h->resp_ns ? h->resp_ns - h->init_ns : -1;
}

int wgl_analyze_file(const char *path, const struct wgl_analyze_opts *opts,
		     struct wgl_analysis *a, char err[WGL_PCAP_ERRLEN])
{
	struct wgl_pcap_reader *r;
	struct wgl_pkt pkt;
	int rc;

	wgl_analysis_init(a, opts);
	snprintf(a->path, sizeof(a->path), "%s", path);
	rc = wgl_pcap_open(&r, path, err);
	if (rc < 0)
		goto open_failed;
	a->dlt = wgl_pcap_datalink(r);
	snprintf(a->dlt_name, sizeof(a->dlt_name), "%s", wgl_pcap_datalink_name(r));
	while ((rc = wgl_pcap_next(r, &pkt, err)) > 0) {
		if (wgl_analysis_add(a, &pkt) < 0) {
			snprintf(err, WGL_PCAP_ERRLEN, "%s: record %llu: out of memory", path,
				 (unsigned long long)pkt.record);
			rc = -ENOMEM;
			break;
		}
	}
	wgl_pcap_close(r);
	if (rc < 0)
		goto read_failed;
	wgl_analysis_finish(a);
	return 0;

read_failed:
open_failed:
	wgl_analysis_free(a);
	return rc;
}
