/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces, links, addresses and routes through libnl-route-3.
 *
 * A namespace is anonymous and held by an fd: when wglab and its children are
 * gone, the kernel frees it with every link inside. With visible=true it is
 * also bind-mounted at /run/netns/<name> for `ip netns exec` debugging; the
 * cleanup path unmounts it, and when wglab is killed before that,
 * wgl_ns_cleanup_stale() (`wglab cleanup`, the start of every run) does.
 *
 * Safety: addresses and routes are refused unless they lie in the
 * benchmarking ranges 198.18.0.0/15 and 2001:2::/48 (or are IPv6 link-local),
 * and no function here ever touches wglab's own (root) namespace.
 */
#ifndef WGL_NETNS_H
#define WGL_NETNS_H

#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>

struct nl_sock;

struct wgl_ns {
	char name[64];        /* unique per run: wglab-<pid>-<label> */
	char label[32];       /* what the scenario calls it, e.g. "client" */
	int fd;               /* /proc/.../ns/net, O_CLOEXEC */
	struct nl_sock *rt;   /* NETLINK_ROUTE socket opened inside the namespace */
	bool visible;         /* bind-mounted under /run/netns */
	int links;            /* links created from here and not deleted: die with it */
};

/* Creates a namespace (loopback up). NULL with errno on failure. */
struct wgl_ns *wgl_ns_new(const char *label, bool visible);
/* Makes every namespace created from now on visible (wglab run --visible). */
void wgl_ns_set_all_visible(bool visible);
/*
 * Removes what killed wglab processes left under /run/netns: each visible
 * namespace has an owner marker (pid and process start time, so a reused
 * pid is not mistaken for the owner) and is unmounted only when its owner is
 * dead; a live run's namespaces and anything not named wglab-* stay. With
 * verbose, prints each removal. Returns how many were removed, or -errno.
 */
int wgl_ns_cleanup_stale(bool verbose);
/*
 * A handle on the namespace the caller runs in, for `wglab agent --here` on
 * a host whose operator asked for its own NICs. Nothing in it is changed by
 * this call; the caller must delete the links it makes there before
 * wgl_ns_free(), since they do not die with the handle. NULL with errno.
 */
struct wgl_ns *wgl_ns_here(const char *label);
/* Closes, unmounts and frees; NULL-safe. Links inside die with the namespace. */
void wgl_ns_free(struct wgl_ns *ns);
/*
 * Moves the calling thread into ns (wgl_ns_enter) and back into the namespace
 * wglab started in (wgl_ns_leave). Open sockets, pcap handles etc. in between:
 * they stay bound to ns afterwards.
 */
int wgl_ns_enter(const struct wgl_ns *ns);
int wgl_ns_leave(void);
/* socket(2) created inside ns; returns the fd or -errno. */
int wgl_ns_socket(const struct wgl_ns *ns, int domain, int type, int protocol);

/* true if the address (text, optional /len) lies in the allowed ranges. */
bool wgl_addr_allowed(const char *cidr);

/* Creates a veth pair with one end in each namespace (a may equal b). */
int wgl_veth_add(struct wgl_ns *a, const char *name_a, struct wgl_ns *b, const char *name_b);
/* Creates a link of the given kind (e.g. "wireguard", "dummy") in ns. */
int wgl_link_add(struct wgl_ns *ns, const char *ifname, const char *kind);
int wgl_link_del(struct wgl_ns *ns, const char *ifname);
int wgl_link_set_up(struct wgl_ns *ns, const char *ifname, bool up);
int wgl_link_set_mtu(struct wgl_ns *ns, const char *ifname, unsigned int mtu);
/* ifindex (> 0) or -errno (-ENODEV if absent). */
int wgl_link_index(struct wgl_ns *ns, const char *ifname);
/*
 * Waits until the kernel reports ifname operationally up (IFF_RUNNING, set
 * by the link watcher, up to a second after "up"). IPv6 neighbour discovery
 * on a link that is not running yet is answered only a second later.
 */
int wgl_link_wait_running(struct wgl_ns *ns, const char *ifname, int timeout_ms);
/* Current MTU or -errno. */
int wgl_link_mtu(struct wgl_ns *ns, const char *ifname);
/* Adds "ADDR/LEN" to ifname; IPv6 addresses are added with IFA_F_NODAD. */
int wgl_addr_add(struct wgl_ns *ns, const char *ifname, const char *cidr);
int wgl_addr_del(struct wgl_ns *ns, const char *ifname, const char *cidr);
/* Route dst ("ADDR/LEN") via gateway (may be NULL) out of ifname. */
int wgl_route_add(struct wgl_ns *ns, const char *dst, const char *gateway, const char *ifname);

/* Impairment as the root qdisc of ifname (replaces what was there). */
struct wgl_netem {
	int delay_us, jitter_us;
	double loss_pct;         /* 0 .. 49 */
	double dup_pct;          /* 0 .. 49 */
};
/* -EOPNOTSUPP / -ENOENT when the kernel has no sch_netem (e.g. a host without it). */
int wgl_netem_set(struct wgl_ns *ns, const char *ifname, const struct wgl_netem *n);
/* Token bucket at rate_bps; packets queued longer than latency_us are dropped. */
int wgl_tbf_set(struct wgl_ns *ns, const char *ifname, uint64_t rate_bps, int latency_us);
/* Removes ifname's root qdisc (netem, tbf): the link is back to the default. 0 if none. */
int wgl_qdisc_clear(struct wgl_ns *ns, const char *ifname);

/* Translates a libnl NLE_* code (negative or positive) into a negative errno. */
int wgl_nl_errno(int nlerr);

#endif
