/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * On-the-wire analysis of one capture file: WireGuard messages per flow,
 * handshakes and their RTT, rekey intervals, cookie replies, per-session
 * transport counter health, plaintext leaks on the underlay and silence.
 *
 * Times in the options are seconds relative to base_ns: the first record of
 * the file when base_ns is 0, else an absolute CLOCK_REALTIME time (what a
 * scenario knows when it stopped traffic). Capture timestamps are wall clock.
 */
#ifndef WGL_ANALYZE_H
#define WGL_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "pcap/dissect.h"

struct wgl_analyze_opts {
	long long base_ns; /* 0: first record of the file */
	double from_s;     /* window start; < 0: from the beginning */
	double to_s;       /* window end (exclusive); < 0: to the end */
	double since_s;    /* count packets at/after this; < 0: off */
};

#define WGL_ANALYZE_OPTS_INIT { .base_ns = 0, .from_s = -1, .to_s = -1, .since_s = -1 }

/* One direction between two UDP endpoints that carried WireGuard messages. */
struct wgl_wg_flow {
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint64_t msgs[WGL_MSG_TRANSPORT + 1]; /* indexed by enum wgl_msg_type; [0] unused */
	uint64_t keepalives;    /* transport messages of exactly 32 bytes */
	uint64_t bytes;         /* WireGuard message bytes */
};

struct wgl_handshake {
	long long init_ns;      /* initiation seen */
	long long resp_ns;      /* matching response seen; 0: unanswered */
	uint32_t init_sender;   /* initiator's index */
	uint32_t resp_sender;   /* responder's index (the session's receiver index) */
	size_t flow;            /* flow of the initiation */
	uint64_t init_record, resp_record;
};

/* One receiver index: the transport messages of one session, one direction. */
struct wgl_wg_session {
	uint32_t receiver;
	size_t flow;            /* flow of the first message */
	uint64_t packets;
	uint64_t max_counter;
	uint64_t distinct;      /* distinct counters seen */
	uint64_t duplicates;    /* a counter seen again (within the 8192 window) */
	uint64_t reordered;     /* arrived after a higher counter */
	uint64_t too_old;       /* older than the window: cannot tell dup or late */
	uint64_t missing;       /* counters 0..max never seen */
	uint64_t min_counter;
	long long first_ns, last_ns;
	uint64_t *window;       /* 8192-bit ring of seen counters; internal */
};

struct wgl_analysis {
	char path[256];
	int dlt;
	char dlt_name[32];
	uint64_t records;       /* every record in the file */
	uint64_t in_window;     /* records inside the time window */
	long long first_ns, last_ns; /* of records in the window; 0 if none */
	long long base_ns;      /* what relative times are measured from */
	/* classification of records in the window */
	uint64_t wg, ip_other, control, non_ip, fragments;
	uint64_t wg_by_type[WGL_MSG_TRANSPORT + 1];
	uint64_t wg_fields_cut; /* WireGuard messages whose indices were cut by snaplen */

	struct wgl_wg_flow *flows;
	size_t nflows;
	struct wgl_handshake *handshakes;
	size_t nhandshakes;
	uint64_t handshakes_answered;
	/* Between successive answered handshakes of the same host pair (ns). */
	long long *rekey_ns;
	size_t nrekey;
	uint64_t cookies;
	long long first_cookie_ns;
	struct wgl_wg_session *sessions;
	size_t nsessions;
	size_t *session_hash;   /* receiver -> index + 1, open addressing; internal */
	size_t session_hash_size;

	/* Leak check: IP packets that are not WireGuard (control excluded). */
	uint64_t leaks;
	struct wgl_pkt first_leak;
	/* Silence: the longest gap between successive records in the window. */
	long long longest_gap_ns, longest_gap_at_ns;
	/* Records (excluding control traffic) at or after since_s; WG among them. */
	bool since_set;
	double since_s;
	uint64_t after_since, wg_after_since;
	long long first_after_since_ns;

	/* Internal state of the incremental interface. */
	double window_from_s, window_to_s;
	long long last_meaningful_ns;
	size_t cap_flows, cap_handshakes, cap_sessions;
};

/*
 * Analyses the file. Returns 0, or -errno with "FILE[: record N]: ..." in err
 * for a file that cannot be read to the end (the partial result is freed).
 */
int wgl_analyze_file(const char *path, const struct wgl_analyze_opts *opts,
		     struct wgl_analysis *a, char err[WGL_PCAP_ERRLEN]);

/* Incremental use (the reader loop in wgl_analyze_file, tests, fuzzing). */
void wgl_analysis_init(struct wgl_analysis *a, const struct wgl_analyze_opts *opts);
int wgl_analysis_add(struct wgl_analysis *a, const struct wgl_pkt *pkt);
void wgl_analysis_finish(struct wgl_analysis *a);
void wgl_analysis_free(struct wgl_analysis *a); /* frees the arrays, not a */

/* Handshake RTT in ns, or -1 when unanswered. */
long long wgl_handshake_rtt_ns(const struct wgl_handshake *h);

/* The result as JSON (new reference), for the result model and --json. */
json_t *wgl_analysis_to_json(const struct wgl_analysis *a);

#endif
