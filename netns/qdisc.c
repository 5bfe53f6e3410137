// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Link impairment inside a wglab namespace: netem (delay, jitter, loss) and
 * tbf (rate) as the root qdisc of an interface, through libnl-route-3.
 */
#include <errno.h>
#include <stdint.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "netns/netns.h"

static struct rtnl_qdisc *root_qdisc(int ifindex, const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	if (rtnl_tc_set_kind(TC_CAST(q), kind) < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

static int install(struct wgl_ns *ns, struct rtnl_qdisc *q)
{
	int err = rtnl_qdisc_add(ns->rt, q, NLM_F_CREATE | NLM_F_REPLACE);

	rtnl_qdisc_put(q);
	return err < 0 ? wgl_nl_errno(err) : 0;
}

int wgl_netem_set(struct wgl_ns *ns, const char *ifname, const struct wgl_netem *n)
{
	int idx = wgl_link_index(ns, ifname);
	struct rtnl_qdisc *q;

	if (idx < 0)
		return idx;
	if (n->loss_pct < 0 || n->loss_pct > 49 || n->dup_pct < 0 || n->dup_pct > 49 || n->delay_us < 0 || n->jitter_us < 0)
		return -EINVAL;
	q = root_qdisc(idx, "netem");
	if (!q)
		return -ENOMEM;
	rtnl_netem_set_limit(q, 10000);
	rtnl_netem_set_delay(q, n->delay_us);
	rtnl_netem_set_jitter(q, n->jitter_us);
	/* The kernel reads loss as a fraction of 2^32; below 50 % it fits an int. */
	rtnl_netem_set_loss(q, (int)(n->loss_pct / 100.0 * 4294967295.0));
	rtnl_netem_set_duplicate(q, (int)(n->dup_pct / 100.0 * 4294967295.0));
	return install(ns, q);
}

int wgl_tbf_set(struct wgl_ns *ns, const char *ifname, uint64_t rate_bps, int latency_us)
{
	int idx = wgl_link_index(ns, ifname);
	uint64_t bytes = rate_bps / 8;
	struct rtnl_qdisc *q;
	int err;

	if (idx < 0)
		return idx;
	if (bytes < 1000 || bytes > INT32_MAX || latency_us <= 0)
		return -EINVAL;
	q = root_qdisc(idx, "tbf");
	if (!q)
		return -ENOMEM;
	/* A bucket of ~10 ms at the rate, at least a few full-size frames. */
	rtnl_qdisc_tbf_set_rate(q, (int)bytes, bytes / 100 > 16384 ? (int)(bytes / 100) : 16384, 0);
	err = rtnl_qdisc_tbf_set_limit_by_latency(q, latency_us);
	if (err < 0) {
		rtnl_qdisc_put(q);
		return wgl_nl_errno(err);
	}
	return install(ns, q);
}

int wgl_qdisc_clear(struct wgl_ns *ns, const char *ifname)
{
	int idx = wgl_link_index(ns, ifname), err;
	struct rtnl_qdisc *q;

	if (idx < 0)
		return idx;
	q = rtnl_qdisc_alloc();
	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), idx);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	err = rtnl_qdisc_delete(ns->rt, q);
	rtnl_qdisc_put(q);
	/* No root qdisc of ours (the default one): nothing to take away. */
	return err < 0 && wgl_nl_errno(err) != -ENOENT && wgl_nl_errno(err) != -EINVAL ?
	       wgl_nl_errno(err) : 0;
}
