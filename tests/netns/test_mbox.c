// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: the NFQUEUE middlebox on a router really drops, duplicates
 * and reorders what it says, packet for packet.
 *
 *   [client: eth0 198.18.64.1] --- [r: eth0 | eth1: middlebox out] --- [server: eth0 198.18.65.2]
 *
 * The client sends numbered datagrams one at a time; the server's arrival
 * sequence must equal, exactly, the sequence the decision logic (same seed)
 * predicts: which numbers are missing, which come twice, where the held ones
 * land. The whole test runs on one CPU so the path itself cannot reorder.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/log.h"
#include "netns/mbox.h"
#include "netns/netns.h"
#include "netns/router.h"
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <linux/pkt_sched.h>

#include "tests/wgl_net3.h"
#include "tests/wgl_test.h"

#define MAXSEQ 4096

struct net3 {
	struct wgl_net3 ns;
	int cfd, sfd;
};

/* The line of wgl_net3.h, with a route back, and a socket at each end. */
static int build(struct net3 *n)
{
	int big = 4 << 20, err;

	n->cfd = n->sfd = -1;
	err = wgl_net3_build(&n->ns);
	err = err ?: wgl_link_wait_running(n->ns.client, "eth0", 3000);
	err = err ?: wgl_link_wait_running(n->ns.server, "eth0", 3000);
	err = err ?: wgl_route_add(n->ns.server, "198.18.64.0/24", "198.18.65.1", "eth0");
	if (err)
		return err;
	n->cfd = wgl_net3_udp(n->ns.client, "198.18.64.1", 40000, 1);
	n->sfd = wgl_net3_udp(n->ns.server, "198.18.65.2", 9999, 1);
	if (n->sfd >= 0)
		setsockopt(n->sfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	return n->cfd < 0 ? n->cfd : n->sfd < 0 ? n->sfd : 0;
}

static void teardown(struct net3 *n)
{
	if (n->cfd >= 0)
		close(n->cfd);
	if (n->sfd >= 0)
		close(n->sfd);
	wgl_net3_free(&n->ns);
}

/* What the server must see: the decision logic played over n packets. */
static int predict(const struct wgl_mbox_spec *s, int n, int *seq)
{
	struct wgl_mbox_queue *q = calloc(1, sizeof(*q));
	struct wgl_mbox_held out[64], h;
	struct wgl_mbox_state st;
	struct wgl_mbox_plan p;
	int k = 0;

	wgl_mbox_init(&st, s);
	for (int i = 0; i < n; i++) {
		wgl_mbox_decide(s, &st, &p);
		if (p.drop)
			continue;
		if (p.hold_pkts) {
			h = (struct wgl_mbox_held){ .id = (uint32_t)i, .left = p.hold_pkts,
						    .copy_len = p.dup };
			wgl_mbox_hold(q, &h);
			continue;
		}
		seq[k++] = i;
		if (p.dup)
			seq[k++] = i;
		for (int r = wgl_mbox_passed(q, out, 64), j = 0; j < r; j++) {
			seq[k++] = (int)out[j].id;
			if (out[j].copy_len)
				seq[k++] = (int)out[j].id;
		}
	}
	/* Stopping the middlebox lets the rest go in the order it was held. */
	for (int j = 0; j < q->n; j++) {
		seq[k++] = (int)q->e[j].id;
		if (q->e[j].copy_len)
			seq[k++] = (int)q->e[j].id;
	}
	free(q);
	return k;
}

static int drain(int fd, int *seq, int k, int flags)
{
	uint32_t v;

	while (k < MAXSEQ && recv(fd, &v, sizeof(v), flags) == sizeof(v))
		seq[k++] = (int)v;
	return k;
}

/* Sends n numbered datagrams through a middlebox with spec s; compares the arrivals. */
static void through(const struct wgl_mbox_spec *s, int n, int queue)
{
	static int want[MAXSEQ], got[MAXSEQ];
	struct wgl_mbox_stats st;
	struct net3 net = { 0 };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9999) };
	int live = wgl_live_objects(), nwant = predict(s, n, want), ngot = 0;
	struct wgl_mbox *m;

	inet_pton(AF_INET, "198.18.65.2", &dst.sin_addr);
	CU_ASSERT_EQUAL_FATAL(build(&net), 0);
	m = wgl_mbox_start(net.ns.r, "eth1", queue, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (uint32_t i = 0; i < (uint32_t)n; i++) {
		CU_ASSERT_EQUAL(sendto(net.cfd, &i, sizeof(i), 0, (struct sockaddr *)&dst,
				       sizeof(dst)), (ssize_t)sizeof(i));
		ngot = drain(net.sfd, got, ngot, MSG_DONTWAIT);
	}
	/* Everything the middlebox saw has been answered once the count is in. */
	for (int tries = 0; tries < 50; tries++) {
		wgl_mbox_get_stats(m, &st);
		if (st.seen == (uint64_t)n)
			break;
		usleep(100000);
	}
	wgl_mbox_stop(m);
	ngot = drain(net.sfd, got, ngot, 0);
	CU_ASSERT_EQUAL(st.seen, (uint64_t)n);
	CU_ASSERT_EQUAL(st.errors, 0);
	if (ngot != nwant)
		printf("\n  %d arrived, %d predicted (stats: seen %llu sent %llu reordered %llu)\n", ngot, nwant,
		       (unsigned long long)st.seen, (unsigned long long)st.sent,
		       (unsigned long long)st.reordered);
	CU_ASSERT_EQUAL(ngot, nwant);
	CU_ASSERT(memcmp(got, want, sizeof(int) * (size_t)(ngot < nwant ? ngot : nwant)) == 0);
	for (int i = 0; i < ngot && i < nwant; i++)
		if (got[i] != want[i]) {
			printf("\n  arrival %d: got %d, want %d\n", i, got[i], want[i]);
			break;
		}
	teardown(&net);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

static void test_loss(void)
{
	struct wgl_mbox_spec s = { .loss_pct = 30, .seed = 11 };

	through(&s, 400, 1);
}

static void test_dup(void)
{
	struct wgl_mbox_spec s = { .dup_pct = 25, .seed = 5 };

	through(&s, 400, 2);
}

static void test_reorder(void)
{
	struct wgl_mbox_spec s = { .reorder_every = 10, .reorder_after = 3 };

	through(&s, 400, 3);
}

static void test_all(void)
{
	struct wgl_mbox_spec s = { .loss_pct = 10, .dup_pct = 10, .reorder_every = 7,
				   .reorder_after = 9, .seed = 99 };

	through(&s, 600, 4);
}

/* The control: nothing asked, the sequence arrives untouched. */
static void test_clean(void)
{
	struct wgl_mbox_spec s = { 0 };
	int seq[MAXSEQ];

	CU_ASSERT_EQUAL(predict(&s, 300, seq), 300);
	for (int i = 0; i < 300; i++)
		CU_ASSERT_EQUAL(seq[i], i);
	through(&s, 300, 5);
}

/* The kind of ifname's root qdisc in ns ("noqueue" for a veth left alone). */
static void root_kind(struct wgl_ns *ns, const char *ifname, char *kind, size_t len)
{
	struct nl_cache *cache = NULL;
	struct rtnl_qdisc *q;

	snprintf(kind, len, "none");
	if (rtnl_qdisc_alloc_cache(ns->rt, &cache) < 0)
		return;
	q = rtnl_qdisc_get_by_parent(cache, wgl_link_index(ns, ifname), TC_H_ROOT);
	if (q) {
		snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
		rtnl_qdisc_put(q);
	}
	nl_cache_free(cache);
}

/* What imp:stop() relies on: a rate's tbf leaves the link, and clearing twice is fine. */
static void test_qdisc_clear(void)
{
	struct wgl_net3 n = { 0 };
	char kind[32];

	CU_ASSERT_EQUAL_FATAL(wgl_net3_build(&n), 0);
	CU_ASSERT_EQUAL(wgl_tbf_set(n.r, "eth1", 10000000, 50000), 0);
	root_kind(n.r, "eth1", kind, sizeof(kind));
	CU_ASSERT_STRING_EQUAL(kind, "tbf");
	CU_ASSERT_EQUAL(wgl_qdisc_clear(n.r, "eth1"), 0);
	root_kind(n.r, "eth1", kind, sizeof(kind));
	CU_ASSERT_STRING_NOT_EQUAL(kind, "tbf");
	CU_ASSERT_EQUAL(wgl_qdisc_clear(n.r, "eth1"), 0);
	CU_ASSERT(wgl_qdisc_clear(n.r, "nolink") < 0);
	wgl_net3_free(&n);
}

int main(void)
{
	cpu_set_t one;
	CU_pSuite s;

	wgl_test_require_root();
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("middlebox", NULL, NULL);
	CU_add_test(s, "clean", test_clean);
	CU_add_test(s, "loss", test_loss);
	CU_add_test(s, "duplicate", test_dup);
	CU_add_test(s, "reorder", test_reorder);
	CU_add_test(s, "all at once", test_all);
	CU_add_test(s, "root qdisc cleared", test_qdisc_clear);
	return wgl_test_run();
}
