/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routers and NAT inside wglab namespaces: forwarding, per-namespace sysctls,
 * nftables masquerade (libnftables), conntrack timeouts and flushes.
 *
 * Everything here runs with the calling thread moved into the router's
 * namespace (wgl_ns_enter) and back, so the rules, sysctls and conntrack
 * table touched are the router's own: the root namespace's firewall is never
 * opened. Rules and conntrack entries die with the namespace.
 */
#ifndef WGL_ROUTER_H
#define WGL_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

struct wgl_ns;

/*
 * Writes value to /proc/sys/<key> of ns; key is relative and must start with
 * "net/" (only per-namespace settings). 0 or -errno.
 */
int wgl_ns_sysctl(struct wgl_ns *ns, const char *key, const char *value);
/* Reads it into buf (trailing newline removed). 0 or -errno. */
int wgl_ns_sysctl_get(struct wgl_ns *ns, const char *key, char *buf, size_t len);
/* IPv4 and IPv6 forwarding on (or off) in ns. */
int wgl_router_forwarding(struct wgl_ns *ns, bool on);

struct wgl_nat {
	char oifname[16];     /* masquerade what leaves through this link */
	bool random;          /* "random": randomised source port allocation */
	bool fully_random;    /* "fully-random": every mapping gets a random port */
	uint16_t port_lo, port_hi;  /* 0, 0: any port (source port kept when free) */
};

/*
 * Installs (or replaces) the router's NAT: one nftables table "wglab" of the
 * inet family whose postrouting chain masquerades IPv4 and IPv6 leaving
 * through nat->oifname, and whose forward chain drops new flows coming in
 * through it (a home router: only inside hosts open mappings). Existing
 * conntrack mappings keep their old port;
 * flush them to make the new rule apply. 0, -EINVAL for a bad name or range,
 * -EIO when nftables refused the rules (the reason is logged).
 */
int wgl_nat_set(struct wgl_ns *ns, const struct wgl_nat *nat);
/*
 * Runs an nftables script (nft syntax) inside ns through libnftables;
 * -EIO with nftables' message logged when it is refused.
 */
int wgl_nft_run(struct wgl_ns *ns, const char *script);
/* Removes the table again; 0 or -errno (-EIO if there was none). */
int wgl_nat_clear(struct wgl_ns *ns);
/* Formats the ruleset text wgl_nat_set() loads; exposed for the unit test. */
int wgl_nat_format(const struct wgl_nat *nat, char *buf, size_t len);

/*
 * UDP conntrack timeouts of ns in seconds: unreplied (nf_conntrack_udp_timeout)
 * and assured (nf_conntrack_udp_timeout_stream); 0 leaves one as it is. The
 * sysctls exist once conntrack is in use in ns: call after wgl_nat_set().
 */
int wgl_conntrack_udp_timeouts(struct wgl_ns *ns, unsigned int unreplied, unsigned int stream);
/* Deletes every conntrack entry of ns (ctnetlink flush); NAT mappings are rebuilt anew. */
int wgl_conntrack_flush(struct wgl_ns *ns);
/*
 * The UDP entries of ns's conntrack table: returns how many there are (or
 * -errno) and stores up to max of their reply-direction destination ports,
 * which for a masqueraded flow is the NAT's public port of the mapping.
 */
int wgl_conntrack_udp_ports(struct wgl_ns *ns, uint16_t *ports, int max);
/* Number of conntrack entries in ns (net/netfilter/nf_conntrack_count) or -errno. */
int wgl_conntrack_count(struct wgl_ns *ns);

/*
 * Drops in the forward path of a router (nftables, the same on every
 * kernel with nf_tables; no netem or NFQUEUE needed):
 * - the first `first_count` WireGuard messages of type `first_type` (1
 *   initiation, 2 response, 3 cookie reply), counted per family by an
 *   nftables quota on their exact size;
 * - a random `loss_pct` of the UDP packets (numgen random, 0.01 % steps).
 * iifname, when set, limits both to packets arriving through that link
 * (one direction). Replaces the router's previous drops; all zero removes them.
 */
struct wgl_drop {
	char iifname[16];
	int first_type, first_count;
	double loss_pct;
};
int wgl_drop_set(struct wgl_ns *ns, const struct wgl_drop *d);
int wgl_drop_format(const struct wgl_drop *d, char *buf, size_t len);

#endif
