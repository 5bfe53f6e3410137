/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The most common topology: two nodes joined by one veth, a WireGuard
 * interface "wg0" in each, configured as each other's peer.
 *
 *   [ns a: veth0 198.18.0.1 / 2001:2:0:1::1]----[ns b: veth0 198.18.0.2 / 2001:2:0:1::2]
 *   [     wg0   198.19.0.1 / 2001:2:0:2::1]    [     wg0   198.19.0.2 / 2001:2:0:2::2]
 *
 * Backend "none" builds no WireGuard at all: the tunnel addresses are then the
 * underlay ones, which is the bare-underlay baseline for benchmarks.
 */
#ifndef WGL_PAIR_H
#define WGL_PAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/wgconfig.h"

struct wgl_ns;
struct wgl_wgdev;
struct wgl_backend_config;

struct wgl_pair_opts {
	const char *backend[2];   /* "kernel", "userspace" or "none" */
	int outer_family;         /* AF_INET or AF_INET6: the underlay WG runs over */
	int inner_family;         /* AF_INET or AF_INET6: addresses used in the tunnel */
	unsigned int mtu;         /* underlay MTU; 0 = default 1500 */
	bool visible;             /* namespaces visible to `ip netns` */
	uint16_t keepalive;       /* persistent keepalive on both, 0 = off */
	const struct wgl_backend_config *wg;  /* backend settings; NULL = defaults */
	/*
	 * Files to capture node i's underlay into (NULL: none), from before the
	 * first packet: the capture opens while the daemons start. Taken over by
	 * the caller from wgl_pair.capture[], or stopped by wgl_pair_down().
	 */
	const char *capture[2];
};

struct wgl_pair {
	struct wgl_ns *ns[2];
	struct wgl_wgdev *wg[2];          /* NULL for backend "none" */
	char backend[2][16];
	char underlay_if[2][16];          /* "veth0" */
	char underlay_addr[2][64];        /* address without prefix, outer family */
	char tunnel_addr[2][64];          /* address without prefix, inner family */
	int outer_family, inner_family;
	wgl_key priv[2], pub[2];
	uint16_t port[2];                 /* WireGuard listen ports */
	long long configured_ns;          /* wgl_now_ns() when both configs were applied */
	struct wgl_capture *capture[2];   /* wgl_pair_opts.capture, running */
	struct wgl_pair *next_up;         /* the list of pairs that are up (wgl_pairs_wind_down) */
};

/*
 * Builds and configures the pair. On failure everything built so far is
 * removed, the reason is logged, and -errno is returned.
 */
int wgl_pair_up(struct wgl_pair *p, const struct wgl_pair_opts *o);
/*
 * Builds n pairs with the same options at once: every daemon of every pair
 * starts before any is waited for. All up, or none (each removed, -errno).
 */
int wgl_pairs_up(struct wgl_pair *const p[], int n, const struct wgl_pair_opts *o);
/* Removes everything wgl_pair_up() made; safe on a zeroed or half-built pair. */
void wgl_pair_down(struct wgl_pair *p);
/*
 * Sends SIGTERM to the daemons of every pair that is up, so that the
 * wgl_pair_down() calls that follow (e.g. a case's end) wait for all of them
 * at once instead of one pair after the other. Not thread-safe: pairs are
 * made and removed by one thread.
 */
void wgl_pairs_wind_down(void);
/*
 * Sends ICMP echo from node `from` to the other node's tunnel address every
 * interval until the first reply or timeout_ms. On success returns 0 and the
 * time from the call to the first reply in *elapsed_ms. -ETIMEDOUT otherwise.
 */
int wgl_pair_ping(struct wgl_pair *p, int from, int timeout_ms, double *elapsed_ms);

#endif
