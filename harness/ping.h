/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP / ICMPv6 echo from inside a namespace (raw sockets; wglab runs as root). */
#ifndef WGL_PING_H
#define WGL_PING_H

struct wgl_ns;

/*
 * Sends echo requests to dst (IPv4 or IPv6 literal) from ns every
 * interval_ms until the first matching reply or timeout_ms. Returns 0 with
 * *elapsed_ms = time from the call to the first reply and *rtt_ms = RTT of
 * the answered request (either may be NULL), -ETIMEDOUT, or -errno.
 */
int wgl_ping(struct wgl_ns *ns, const char *dst, int timeout_ms, int interval_ms,
	     double *elapsed_ms, double *rtt_ms);

#endif
