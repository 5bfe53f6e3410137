/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Round-trip latency with UDP echo probes: an echo server child in one
 * namespace, and a prober in the calling process (its socket is created in
 * the other namespace) that sends timestamped probes at a fixed rate and
 * reports RTT percentiles and loss. Run it alone for idle latency, or while
 * an iperf test is in flight (wgl_iperf_begin/end) for latency under load.
 */
#ifndef WGL_ECHO_H
#define WGL_ECHO_H

#include <stdint.h>
#include <sys/types.h>

struct wgl_ns;

#define WGL_ECHO_PORT 7007

struct wgl_echo_server {
	pid_t pid;
};

/*
 * Binds addr:port (UDP) in ns before returning, so probes sent afterwards
 * find it, and starts the echo child. 0 or -errno (logged).
 */
int wgl_echo_server_start(struct wgl_echo_server *s, struct wgl_ns *ns, const char *addr,
			  uint16_t port);
void wgl_echo_server_stop(struct wgl_echo_server *s);

struct wgl_echo_opts {
	const char *addr;      /* the echo server's address */
	uint16_t port;         /* 0: WGL_ECHO_PORT */
	int count;             /* probes to send; 0: 100 */
	int interval_us;       /* between probes; 0: 10000 (100/s) */
	int payload;           /* UDP payload bytes, at least 32; 0: 64 */
	int wait_ms;           /* wait for stragglers after the last probe; 0: 1000 */
	/* Optional: every RTT (ms) that came back, in send order; room for count. */
	double *samples_ms;
	unsigned int *nsamples;
};

struct wgl_echo_result {
	unsigned int sent, received;
	double loss_pct;
	/* milliseconds, over the probes that came back; NaN when none did */
	double min_ms, p50_ms, p90_ms, p99_ms, max_ms, mean_ms;
};

/*
 * Sends the probes from namespace ns and waits for the echoes. Returns 0 when
 * the probes could be sent (lost probes are data, not errors), -errno else.
 */
int wgl_echo_probe(struct wgl_ns *ns, const struct wgl_echo_opts *o, struct wgl_echo_result *r);

/* Fills r's statistics from n RTTs (ms) of `sent` probes. For the prober and the tests. */
void wgl_echo_stats(const double *rtt_ms, unsigned int n, unsigned int sent,
		    struct wgl_echo_result *r);

#endif
