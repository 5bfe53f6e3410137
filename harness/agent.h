/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node agent (`wglab agent`) and the controller's client for it: one
 * JSON object per line over the agent's stdin/stdout, usually through
 * `ssh HOST wglab agent`. docs/AGENT-PROTOCOL.md is the contract; this header
 * is its C side. Three parts:
 *  - the request parser, a pure function (no I/O, no state) so a fuzz target
 *    can drive it with anything;
 *  - the server: owns every object it creates and removes them all when its
 *    input ends or it gets SIGHUP/SIGTERM/SIGINT;
 *  - the client: spawns the agent command, greets it, sends requests with
 *    deadlines, and estimates the clock offset between the two hosts.
 */
#ifndef WGL_AGENT_H
#define WGL_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Bumped on any change a peer of the previous version would misread. */
#define WGL_AGENT_PROTOCOL 1
/* Longest request line the agent reads; a longer one is refused and skipped. */
#define WGL_AGENT_MAX_LINE (1024 * 1024)

enum wgl_agent_op {
	WGL_AGENT_HELLO,
	WGL_AGENT_BYE,
	WGL_AGENT_FACTS,
	WGL_AGENT_CLOCK,
	WGL_AGENT_WG_CREATE,
	WGL_AGENT_WG_DELETE,
	WGL_AGENT_WG_SET,
	WGL_AGENT_WG_GET,
	WGL_AGENT_LINK_UP,
	WGL_AGENT_ADDR_ADD,
	WGL_AGENT_ROUTE_ADD,
	WGL_AGENT_CAPTURE_START,
	WGL_AGENT_CAPTURE_STOP,
	WGL_AGENT_CAPTURE_FETCH,
	WGL_AGENT_ECHO_SERVER,
	WGL_AGENT_ECHO_PROBE,
	WGL_AGENT_IPERF_SERVER,
	WGL_AGENT_IPERF_CLIENT,
	WGL_AGENT_STOP,
	WGL_AGENT_COUNTERS,
	WGL_AGENT_PING,
	WGL_AGENT_IPERF_WAIT,
	WGL_AGENT_UDP_OPEN,
	WGL_AGENT_UDP_SEND,
	WGL_AGENT_UDP_RECV,
	WGL_AGENT_NOPS
};

/* One parsed request. args is always an object (empty when absent), owned. */
struct wgl_agent_req {
	long long id;
	enum wgl_agent_op op;
	json_t *args;
};

/*
 * Parses one request line (len bytes, no NUL needed) and checks it against
 * the protocol: the envelope, a known op, and every argument's presence and
 * type. Pure. 0 and *req filled (release with wgl_agent_req_clear), or
 * -EINVAL with the reason in why; req->id is the request's id when the line
 * had a usable one, else -1, so the refusal can still name it.
 */
int wgl_agent_parse(const char *line, size_t len, struct wgl_agent_req *req, char *why,
		    size_t whylen);
void wgl_agent_req_clear(struct wgl_agent_req *req);
/* The op's wire name ("wg_create"), NULL past the end. */
const char *wgl_agent_op_name(enum wgl_agent_op op);
/*
 * A reply line (with its newline, malloc'd): {"id":..,"ok":true,"result":..}
 * when err is 0 (result stolen, NULL: {}), else {"id":..,"ok":false,
 * "error":"ENAME","message":msg}. id < 0 is written as null.
 */
char *wgl_agent_reply(long long id, int err, json_t *result, const char *msg);

struct wgl_agent_opts {
	/*
	 * false (the default): the agent works in a network namespace it
	 * creates. true: in the namespace it was started in, which it never
	 * changes beyond the links, addresses and routes it creates itself.
	 * Only for a host (or a test namespace) whose operator asked for it.
	 */
	bool here;
	const char *userspace;  /* userspace backend command template, NULL: the default */
	/*
	 * An existing link of the host (its underlay NIC) that capture_start
	 * may read besides the agent's own devices; NULL: none. Capturing
	 * changes nothing on the link.
	 */
	const char *capture_dev;
};

/*
 * Serves requests from in_fd, replies on out_fd, until bye, EOF or a
 * signal; everything created is removed before it returns. 0, or -errno
 * when the greeting failed (version mismatch: -EPROTO).
 */
int wgl_agent_serve(int in_fd, int out_fd, const struct wgl_agent_opts *o);

/* The controller side. */
struct wgl_agent_client;

/*
 * Starts argv (e.g. ssh -o ... HOST wglab agent) with pipes on its stdin and
 * stdout (stderr is inherited, so the agent's log reaches the operator) and
 * greets it. NULL with errno and the reason in why: -EPROTO when the agent
 * speaks another version, -ETIMEDOUT when it did not answer in timeout_ms.
 */
struct wgl_agent_client *wgl_agent_connect(char *const argv[], int timeout_ms, char *why,
					   size_t whylen);
/*
 * The same for argv being `wglab agent ...` itself on this host (a local
 * node): it is started in wglab's own PID namespace, not the reaper's, since
 * it finds its own children under /proc (base/child.h).
 */
struct wgl_agent_client *wgl_agent_connect_local(char *const argv[], int timeout_ms, char *why,
						 size_t whylen);
/* The agent's hello result (protocol, wglab, pid): owned by c. */
const json_t *wgl_agent_hello(const struct wgl_agent_client *c);
/* The child running the agent command (ssh, or the agent itself). */
pid_t wgl_agent_pid(const struct wgl_agent_client *c);
/*
 * Sends op with args (stolen; NULL: none) and waits up to timeout_ms for its
 * reply. 0 with *result (owned by the caller, may be NULL when not wanted);
 * the agent's refusal as -errno with its message in why; -ETIMEDOUT; -EPIPE
 * when the agent went away (the client is then unusable).
 */
int wgl_agent_call(struct wgl_agent_client *c, const char *op, json_t *args, int timeout_ms,
		   json_t **result, char *why, size_t whylen);

/*
 * The agent's clock minus ours (CLOCK_REALTIME), NTP-style: n exchanges,
 * the one with the smallest round trip wins, offset = agent time - midpoint
 * of the exchange. error_ns = that round trip / 2 bounds the offset's error.
 */
struct wgl_agent_clock {
	long long offset_ns;
	long long error_ns;
	long long min_rtt_ns;
	int samples;
};
int wgl_agent_clock_offset(struct wgl_agent_client *c, int n, struct wgl_agent_clock *out);
/* Offset of one exchange: t0/t3 ours, t1/t2 the agent's receive/send times. */
void wgl_agent_clock_sample(long long t0, long long t1, long long t2, long long t3,
			    long long *offset_ns, long long *rtt_ns);

/* A node URL, ssh://[user@]host[:port] (host may be [IPv6]). */
struct wgl_agent_ssh {
	char user[64];
	char host[256];
	int port;               /* 0: ssh's default */
};
/* 0, or -EINVAL with the reason in why (anything ssh could read as an option is refused). */
int wgl_agent_ssh_parse(const char *url, struct wgl_agent_ssh *out, char *why, size_t len);
/*
 * The argv that starts the agent on s: ssh with host key checking forced on
 * (StrictHostKeyChecking=yes, first, so nothing overrides it), BatchMode,
 * each of opts as "-o OPT", then -- dest remote_cmd (NULL: "wglab agent").
 * NULL-terminated, freed with wgl_agent_argv_free(); NULL on ENOMEM.
 */
char **wgl_agent_ssh_argv(const struct wgl_agent_ssh *s, char *const *opts, size_t nopts,
			  const char *remote_cmd);
void wgl_agent_argv_free(char **argv);
/*
 * What the result records of a remote node: {"agent": hello, "facts": ...,
 * "clock": {offset_ns, error_ns, min_rtt_ns, samples}} (clock left out when
 * the exchange failed). NULL on ENOMEM.
 */
json_t *wgl_agent_node_meta(struct wgl_agent_client *c, int clock_samples);

/*
 * Says bye, closes the agent's stdin and waits up to timeout_ms for it to
 * clean up and exit (then kills it). Returns the wait status, or -errno.
 */
int wgl_agent_close(struct wgl_agent_client *c, int timeout_ms);
/*
 * Closes the agent's stdin without bye, as a dropped connection would: the
 * agent sees EOF and tears down. c then only takes wgl_agent_close().
 */
void wgl_agent_hangup(struct wgl_agent_client *c);

#endif
