/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent server's state, shared by its loop (agent.c) and its handlers (agent_ops.c). */
#ifndef WGL_AGENT_PRIV_H
#define WGL_AGENT_PRIV_H

#include <limits.h>

#include "harness/agent.h"
#include "harness/backends/backend.h"
#include "harness/traffic/echo.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"
#include "pcap/capture.h"

#define WGL_AGENT_MAX_DEVS 16
#define WGL_AGENT_MAX_HANDLES 32

enum wgl_agent_handle_kind { WGL_AH_FREE, WGL_AH_CAPTURE, WGL_AH_ECHO, WGL_AH_IPERF, WGL_AH_UDP };

/* Something running that the controller refers to by number. */
struct wgl_agent_handle {
	enum wgl_agent_handle_kind kind;
	struct wgl_capture *cap;        /* NULL once stopped; the file stays until teardown */
	char path[PATH_MAX];
	struct wgl_echo_server echo;
	struct wgl_iperf_proc iperf;
	long long deadline_ns;          /* a background iperf client's end (wgl_now_ns()) */
	int udp_fd;                     /* WGL_AH_UDP: the relayed socket */
};

struct wgl_agent_state {
	struct wgl_ns *ns;
	bool here;
	char capture_dev[16];           /* a host link capture_start may read; "" none */
	struct wgl_backend_config bcfg;
	struct wgl_wgdev *devs[WGL_AGENT_MAX_DEVS];
	struct wgl_agent_handle handles[WGL_AGENT_MAX_HANDLES];
	char dir[64];                   /* captures; removed at teardown */
	long long rx_ns;                /* when the current request was read (realtime) */
};

extern struct wgl_agent_state wgl_agent;

/* Runs one greeted request; 0 with *res (owned by the caller) or -errno with why. */
int wgl_agent_dispatch(const struct wgl_agent_req *req, json_t **res, char *why, size_t len);
/* Stops whatever h runs and frees the slot (the capture file is unlinked). */
void wgl_agent_handle_release(struct wgl_agent_handle *h);
/* The datagram relay's handlers (agent_udp.c), the dispatcher's like the others. */
int wgl_agent_op_udp_open(const json_t *args, json_t **res, char *why, size_t len);
int wgl_agent_op_udp_send(const json_t *args, json_t **res, char *why, size_t len);
int wgl_agent_op_udp_recv(const json_t *args, json_t **res, char *why, size_t len);
/* A free handle slot of kind k (its fields zeroed, fds -1), or -ENOSPC. */
int wgl_agent_new_handle(enum wgl_agent_handle_kind k);
/* The agent's own handle args.handle of kind k (WGL_AH_FREE: any), or NULL and why. */
struct wgl_agent_handle *wgl_agent_own_handle(const json_t *args, enum wgl_agent_handle_kind k,
					      char *why, size_t len);
long long wgl_agent_realtime_ns(void);
/*
 * wg_set's "config" object into a device config (docs/AGENT-PROTOCOL.md):
 * 0 and *out, or -EINVAL/-EPERM with the offending field in why. Endpoints
 * must lie in the benchmarking ranges.
 */
int wgl_agent_config_from_json(const json_t *j, struct wgl_device **out, char *why, size_t len);
/* A device read back (wg_get's result); NULL on allocation failure. */
json_t *wgl_agent_config_to_json(const struct wgl_device *dev);
/* Maps a wire error name back to an errno value (EIO when unknown). */
int wgl_agent_errno(const char *name);

#endif
