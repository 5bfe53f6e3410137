// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet drops on a router namespace with nftables (libnftables, through
 * nat.c's runner): precise "drop the first N handshake messages" for
 * retransmission tests, and random loss where sch_netem is missing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netns/netns.h"
#include "netns/router.h"

#define DROP_TABLE "inet wglab_drop"

/* UDP payload sizes of the WireGuard handshake messages (type 1, 2, 3). */
static const int wg_size[4] = { 0, 148, 92, 64 };

static int format_first(const struct wgl_drop *d, const char *iif, char *buf, size_t len)
{
	int p = wg_size[d->first_type], n;

	/*
	 * A quota counts the bytes of the packets it saw (IP length at the
	 * forward hook): "until count * size + 1" matches exactly the first
	 * `count` packets of that size.
	 */
	n = snprintf(buf, len,
		     "\t\t%smeta nfproto ipv4 udp length %d @th,64,8 %d quota until %d bytes drop\n"
		     "\t\t%smeta nfproto ipv6 udp length %d @th,64,8 %d quota until %d bytes drop\n",
		     iif, p + 8, d->first_type, d->first_count * (p + 28) + 1,
		     iif, p + 8, d->first_type, d->first_count * (p + 48) + 1);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int wgl_drop_format(const struct wgl_drop *d, char *buf, size_t len)
{
	char iif[48] = "", rules[512] = "";
	size_t o = 0;
	int n;

	if (d->first_count < 0 || d->first_count > 1000 || d->loss_pct < 0 || d->loss_pct > 100 ||
	    (d->first_count && (d->first_type < 1 || d->first_type > 3)) ||
	    strspn(d->iifname, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(d->iifname))
		return -EINVAL;
	if (d->iifname[0])
		snprintf(iif, sizeof(iif), "iifname \"%s\" ", d->iifname);
	if (d->first_count) {
		n = format_first(d, iif, rules, sizeof(rules));
		if (n < 0)
			return n;
		o = (size_t)n;
	}
	if (d->loss_pct > 0)
		snprintf(rules + o, sizeof(rules) - o,
			 "\t\t%smeta l4proto udp numgen random mod 10000 < %d drop\n", iif,
			 (int)(d->loss_pct * 100 + 0.5));
	n = snprintf(buf, len,
		     "add table " DROP_TABLE "\n"
		     "delete table " DROP_TABLE "\n"
		     "table " DROP_TABLE " {\n"
		     "\tchain forward {\n"
		     "\t\ttype filter hook forward priority -10; policy accept;\n"
		     "%s"
		     "\t}\n"
		     "}\n", rules);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int wgl_drop_set(struct wgl_ns *ns, const struct wgl_drop *d)
{
	char script[1024];
	int err = wgl_drop_format(d, script, sizeof(script));

	return err < 0 ? err : wgl_nft_run(ns, script);
}
