/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Throughput measurement through libiperf (iperf 3.12), never the iperf3 CLI.
 *
 * libiperf keeps global state (timers, i_errno, cpu_util) and may call exit(),
 * so every server and every client runs in its own forked child inside the
 * node's namespace (base/child.h). The child sends iperf's JSON back over a
 * pipe as one framed message; the parent enforces a deadline and parses the
 * JSON into struct wgl_iperf_result. In JSON mode iperf 3.12 returns 0 even
 * when the test failed, so the parser treats a top-level "error" key as the
 * failure it is.
 */
#ifndef WGL_IPERF_H
#define WGL_IPERF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct wgl_ns;

#define WGL_IPERF_PORT 5201
/* UDP payload that fits a WireGuard tunnel of MTU 1420 over IPv4 (1420 - 20 - 8). */
#define WGL_IPERF_UDP_BLKSIZE 1392

struct wgl_iperf_opts {
	const char *server_addr;  /* address the server binds and the client connects to */
	uint16_t port;            /* 0: WGL_IPERF_PORT */
	bool udp;
	int streams;              /* parallel streams; 0: 1 */
	bool reverse;             /* server sends */
	bool bidir;               /* both send at once */
	int duration_s;           /* 0: 10 */
	int omit_s;               /* seconds discarded at the start (TCP slow start) */
	/*
	 * Target bits/s per stream. 0 means unlimited; for UDP that is a flood,
	 * which is what a throughput ceiling wants, but loss will be high.
	 */
	uint64_t bitrate;
	int blksize;              /* bytes per write; 0: iperf's TCP default, UDP WGL_IPERF_UDP_BLKSIZE */
	int timeout_ms;           /* whole-test deadline; 0: duration + omit + 20 s */
};

struct wgl_iperf_result {
	bool udp;
	double seconds;            /* measured interval of the sum */
	uint64_t bytes_sent, bytes_received;
	double sent_bps, received_bps;
	/* --bidir only: the direction server -> client. */
	uint64_t rev_bytes_received;
	double rev_sent_bps, rev_received_bps;
	long long retransmits;     /* TCP sender retransmits; -1 when unknown */
	/* UDP only, as seen by the receiver. */
	double jitter_ms;
	long long lost_packets, packets;
	double lost_percent;
	/* iperf's getrusage-based CPU use of each iperf process, in percent. */
	double cpu_host_pct, cpu_remote_pct;
	double mean_rtt_us;        /* mean TCP sender RTT over streams; 0 when unknown */
	char error[256];           /* iperf's "error" text, empty on success */
};

/*
 * Parses iperf 3.12 client JSON. Returns 0 on success, -EIO when the JSON
 * carries an "error" key (copied to r->error), -EINVAL when the text is not
 * iperf JSON (the reason is in r->error). r is always cleared first.
 */
int wgl_iperf_parse(const char *json, struct wgl_iperf_result *r);

/* Total bytes moved through the tunnel, both directions for --bidir. */
uint64_t wgl_iperf_bytes_moved(const struct wgl_iperf_result *r);

/* A running iperf child: pid, and the read end of the pipe its JSON comes back on. */
struct wgl_iperf_proc {
	pid_t pid;
	int fd;
	char name[32];
};

/* One measurement in flight: the server child and the client child. */
struct wgl_iperf_run {
	struct wgl_iperf_opts opts;
	struct wgl_iperf_proc server, client;
	long long deadline_ns;
};

/*
 * Starts the server in server_ns, waits until it listens, then starts the
 * client in client_ns. Returns 0 with the test running, or -errno (everything
 * started so far is stopped, the reason logged).
 */
int wgl_iperf_begin(struct wgl_iperf_run *run, struct wgl_ns *server_ns,
		    struct wgl_ns *client_ns, const struct wgl_iperf_opts *opts);
/*
 * Waits for the client (until the deadline; then SIGTERM, SIGKILL), reaps the
 * server, parses the client's JSON into r. *json_out (may be NULL) receives
 * the raw JSON, freed by the caller. Same returns as wgl_iperf_parse plus
 * -ETIMEDOUT and -ECHILD (child died without output).
 */
int wgl_iperf_end(struct wgl_iperf_run *run, struct wgl_iperf_result *r, char **json_out);
/*
 * The pieces begin/end are made of, for callers that need a lone client
 * (e.g. against a server that is already busy): starts a client child, and
 * collects a child's JSON (killing it at deadline_ns, wgl_now_ns() clock).
 * Returns as wgl_iperf_end(), without parsing.
 */
int wgl_iperf_client_start(struct wgl_iperf_proc *p, struct wgl_ns *ns,
			   const struct wgl_iperf_opts *opts);
/*
 * A lone server for one test (the agent's, whose client runs on another
 * host), started once it listens. 0 or -errno; collect its JSON afterwards.
 * opts must stay valid only for the call.
 */
int wgl_iperf_server_start(struct wgl_iperf_proc *p, struct wgl_ns *ns,
			   const struct wgl_iperf_opts *opts);
int wgl_iperf_collect(struct wgl_iperf_proc *p, long long deadline_ns, char **json);

/* Kills both children of a begun run; for error paths. */
void wgl_iperf_abort(struct wgl_iperf_run *run);
/* begin + end. */
int wgl_iperf_measure(struct wgl_ns *server_ns, struct wgl_ns *client_ns,
		      const struct wgl_iperf_opts *opts, struct wgl_iperf_result *r);

/*
 * Waits until process pid has a TCP socket listening on port in its network
 * namespace (read from /proc/PID/net/tcp{,6}, so nothing connects to the
 * server and spends its one test). 0, -ETIMEDOUT, or -ECHILD if pid died.
 */
int wgl_wait_listening(pid_t pid, uint16_t port, int timeout_ms);

/*
 * Reads one framed message (8-byte length, then bytes) from fd until
 * deadline_ns (wgl_now_ns() clock). Returns 0 and a NUL-terminated malloc'd
 * buffer, -ETIMEDOUT, -EPIPE on EOF before a full message, or -errno.
 */
int wgl_frame_read(int fd, long long deadline_ns, char **out);
/* Writes one framed message; 0 or -errno. For children. */
int wgl_frame_write(int fd, const char *buf, size_t len);

#endif
