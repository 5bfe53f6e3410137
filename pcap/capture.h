/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Captures on an interface of any wglab namespace, each written to its own
 * classic pcap file with nanosecond timestamps (magic 0xa1b23c4d). The link
 * type is the interface's: Ethernet for a veth, raw IP for a WireGuard
 * interface.
 *
 * Each capture is a child process (base/child.h) that enters the namespace,
 * opens the libpcap handle there and dumps until it is told to stop; wglab
 * stays single-threaded and any number of captures run at once. The child
 * reports over a pipe: readiness once the handle is active (so nothing sent
 * after wgl_capture_start() returns is missed), and its drop statistics
 * when stopped.
 */
#ifndef WGL_CAPTURE_H
#define WGL_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

struct wgl_ns;

struct wgl_capture_opts {
	int snaplen;            /* bytes kept per packet; 0: 262144 (everything) */
	int buffer_size;        /* kernel ring size in bytes; 0: 4 MiB */
	const char *filter;     /* BPF filter expression, NULL: everything */
	bool promisc;           /* veth does not need it; off avoids the sysfs caveat */
};

#define WGL_CAPTURE_OPTS_INIT { 0 }

struct wgl_capture_stats {
	uint64_t packets;       /* written to the file */
	uint64_t received;      /* pcap_stats ps_recv: seen by the filter */
	uint64_t dropped;       /* ps_drop: lost because the buffer was full */
	uint64_t if_dropped;    /* ps_ifdrop: dropped by the interface */
	int linktype;           /* DLT of the file */
};

struct wgl_capture;

/*
 * Starts capturing on ifname in ns (NULL: wglab's own namespace) into path.
 * Returns only once the handle is capturing. NULL with errno on failure,
 * after logging why (with the libpcap message).
 */
struct wgl_capture *wgl_capture_start(struct wgl_ns *ns, const char *ifname, const char *path,
				      const struct wgl_capture_opts *opts);
/*
 * The same in two steps, so that the child opens its handle while the caller
 * does something else (a pair's daemons start): wgl_capture_spawn() returns
 * once the child runs, wgl_capture_ready() once it captures. A failed
 * wgl_capture_ready() has logged why, stopped the child and freed c.
 */
struct wgl_capture *wgl_capture_spawn(struct wgl_ns *ns, const char *ifname, const char *path,
				      const struct wgl_capture_opts *opts);
int wgl_capture_ready(struct wgl_capture *c);
/*
 * Stops the capture, waits until the file is complete and frees the handle.
 * Packets already queued in the kernel buffer are written first. stats may
 * be NULL. Returns 0, or -errno if the child failed (stats then unknown).
 */
int wgl_capture_stop(struct wgl_capture *c, struct wgl_capture_stats *stats);

#endif
