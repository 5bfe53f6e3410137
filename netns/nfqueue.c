// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The middlebox runtime: an NFQUEUE consumer, a child of wglab inside a wglab
 * namespace, fed by an nf_tables rule on the postrouting hook. A child, not a
 * thread: wglab's children live in the reaper's PID namespace, where the
 * kernel refuses new threads (CLONE_THREAD across PID namespaces). Its
 * counters are in a shared mapping.
 *
 * The rule. Kernels built without nftables' own `queue` statement (NFT_QUEUE)
 * still have the xtables NFQUEUE target, which nf_tables runs through its
 * compatibility expression (NFT_COMPAT), as iptables-nft does. nft's language
 * cannot write such an expression, so the rule is built with libnftnl and
 * sent in one netlink batch: no iptables child, and the table stays an
 * ordinary nf_tables table that dies with the namespace.
 *
 * Verdicts. A packet's verdict may be given late and out of order: holding
 * one is just not answering yet. Copies are sent through a raw socket of the
 * namespace carrying a mark the rule skips, so they are not queued again.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/common.h>

#include "base/child.h"
#include "base/log.h"
#include "netns/mbox.h"
#include "netns/netns.h"
#include "netns/router.h"

/* Copies carry this mark; the queue rule lets marked packets pass. */
#define MBOX_MARK 0x77676c01u
#define MBOX_BATCH 64

struct wgl_mbox {
	struct wgl_ns *ns;
	char ifname[16];
	int queue;
	struct wgl_mbox_spec spec;
	struct wgl_mbox_state st;
	struct wgl_mbox_queue held;
	struct wgl_mbox_stats *stats; /* shared with the child; __atomic updates */
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	int raw4, raw6;
	int ctl[2];                   /* wglab's end, the child's end: 'd'rain, 'q'uit */
	bool draining;                /* the child's: held packets gone, no more impairment */
	pid_t child;
	bool tables, created;
	char buf[65536 + 4096];       /* one netlink read: a whole packet and its attributes */
};

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the rule ---------------------------------------------------------- */

static void add_meta_cmp(struct nftnl_rule *r, uint32_t key, uint32_t op, const void *v, size_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, v, (uint32_t)len);
	nftnl_rule_add_expr(r, e);
}

/* oifname IF, mark != MBOX_MARK, udp -> NFQUEUE num queue (xtables target, revision 3) */
static struct nftnl_rule *queue_rule(int family, const char *table, const char *ifname, int queue)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct xt_NFQ_info_v3 *info = calloc(1, sizeof(*info));
	char name[IFNAMSIZ] = { 0 };
	uint32_t mark = MBOX_MARK;
	uint8_t udp = IPPROTO_UDP;
	struct nftnl_expr *tg;

	if (!r || !info) {
		nftnl_rule_free(r);
		free(info);
		return NULL;
	}
	snprintf(name, sizeof(name), "%s", ifname);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "post");
	add_meta_cmp(r, NFT_META_OIFNAME, NFT_CMP_EQ, name, sizeof(name));
	add_meta_cmp(r, NFT_META_MARK, NFT_CMP_NEQ, &mark, sizeof(mark));
	add_meta_cmp(r, NFT_META_L4PROTO, NFT_CMP_EQ, &udp, sizeof(udp));
	info->queuenum = (uint16_t)queue;
	info->queues_total = 1;
	tg = nftnl_expr_alloc("target");
	nftnl_expr_set_str(tg, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(tg, NFTNL_EXPR_TG_REV, 3);
	/* libnftnl keeps (and later frees) the info buffer itself. */
	nftnl_expr_set(tg, NFTNL_EXPR_TG_INFO, info, sizeof(*info));
	nftnl_rule_add_expr(r, tg);
	return r;
}

/* Sends both families' rules in one batch and waits for the kernel's answer. */
static int send_rules(struct mnl_socket *nl, struct nftnl_rule **rules, int n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	int ret;

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	for (int i = 0; i < n; i++) {
		struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(
			mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE,
			(uint16_t)nftnl_rule_get_u32(rules[i], NFTNL_RULE_FAMILY),
			NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, seq++);

		nftnl_rule_nlmsg_build_payload(nlh, rules[i]);
		mnl_nlmsg_batch_next(b);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
		ret = -errno;
		goto out;
	}
	/* One ack per rule; an error reply names the first rule refused. */
	for (int acks = 0; acks < n;) {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0) {
			ret = ret < 0 ? -errno : -EIO;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)ret, 0, portid, NULL, NULL);
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		acks++;
	}
	ret = 0;
out:
	mnl_nlmsg_batch_stop(b);
	return ret;
}

static int install_rules(struct wgl_mbox *m)
{
	char script[512], t4[32], t6[32];
	struct nftnl_rule *r[2] = { NULL, NULL };
	struct mnl_socket *nl = NULL;
	int err;

	snprintf(t4, sizeof(t4), "wglab_mbox%d", m->queue);
	snprintf(t6, sizeof(t6), "wglab_mbox%d", m->queue);
	/* Priority 0: after conntrack, before source NAT (a copy is NATed like its original). */
	snprintf(script, sizeof(script),
		 "add table ip %s\ndelete table ip %s\nadd table ip6 %s\ndelete table ip6 %s\n"
		 "add table ip %s\nadd chain ip %s post { type filter hook postrouting priority 0; }\n"
		 "add table ip6 %s\nadd chain ip6 %s post { type filter hook postrouting priority 0; }\n",
		 t4, t4, t6, t6, t4, t4, t6, t6);
	err = wgl_nft_run(m->ns, script);
	if (err < 0)
		return err;
	m->tables = true;
	r[0] = queue_rule(NFPROTO_IPV4, t4, m->ifname, m->queue);
	r[1] = queue_rule(NFPROTO_IPV6, t6, m->ifname, m->queue);
	err = wgl_ns_enter(m->ns);
	if (err < 0)
		goto free_rules;
	nl = mnl_socket_open(NETLINK_NETFILTER);
	err = nl ? 0 : -errno;
	wgl_ns_leave();
	if (err < 0 || !r[0] || !r[1])
		goto free_rules;
	err = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : send_rules(nl, r, 2);
	if (err < 0)
		wgl_err("%s: the NFQUEUE rule was refused (xtables NFQUEUE target through "
			"nf_tables compat): %s", m->ns->label, strerror(-err));
	mnl_socket_close(nl);
free_rules:
	nftnl_rule_free(r[0]);
	nftnl_rule_free(r[1]);
	return r[0] && r[1] ? err : -ENOMEM;
}

static void remove_rules(struct wgl_mbox *m)
{
	char script[160];

	if (!m->tables)
		return;
	snprintf(script, sizeof(script), "delete table ip wglab_mbox%d\ndelete table ip6 wglab_mbox%d\n",
		 m->queue, m->queue);
	wgl_nft_run(m->ns, script);
}

/* ---- verdicts and copies ----------------------------------------------- */

static void send_copy(struct wgl_mbox *m, const void *pkt, size_t len)
{
	const unsigned char *p = pkt;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd;

	if (len >= 20 && p[0] >> 4 == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, p + 16, 4);
		sl = sizeof(*s4);
		fd = m->raw4;
	} else if (len >= 40 && p[0] >> 4 == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, p + 24, 16);
		sl = sizeof(*s6);
		fd = m->raw6;
	} else {
		count(&m->stats->errors);
		return;
	}
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0)
		count(&m->stats->errors);
	else
		count(&m->stats->sent);
}

/* Lets one packet go (and its copy after it). */
static void let_go(struct wgl_mbox *m, uint32_t id, void *copy, size_t copy_len)
{
	nfq_set_verdict(m->qh, id, NF_ACCEPT, 0, NULL);
	count(&m->stats->sent);
	if (copy) {
		send_copy(m, copy, copy_len);
		free(copy);
	}
}

/* A packet not held by count went out: count-held ones move one step. */
static void passed(struct wgl_mbox *m)
{
	struct wgl_mbox_held out[MBOX_BATCH];
	int n = wgl_mbox_passed(&m->held, out, MBOX_BATCH);

	for (int i = 0; i < n; i++)
		let_go(m, out[i].id, out[i].copy, out[i].copy_len);
}

static void release_due(struct wgl_mbox *m)
{
	struct wgl_mbox_held out[MBOX_BATCH];
	int n;

	do {
		n = wgl_mbox_due(&m->held, now_us(), out, MBOX_BATCH);
		for (int i = 0; i < n; i++) {
			let_go(m, out[i].id, out[i].copy, out[i].copy_len);
			passed(m);
		}
	} while (n == MBOX_BATCH);
}

static void hold(struct wgl_mbox *m, uint32_t id, const struct wgl_mbox_plan *p,
		 const unsigned char *pkt, int len)
{
	struct wgl_mbox_held h = { .id = id };

	if (p->dup && len > 0 && len <= UINT16_MAX) {
		h.copy = malloc((size_t)len);
		if (h.copy) {
			memcpy(h.copy, pkt, (size_t)len);
			h.copy_len = (uint16_t)len;
		}
	}
	if (p->hold_pkts)
		h.left = p->hold_pkts;
	else
		h.due_us = now_us() + p->hold_us;
	if (wgl_mbox_hold(&m->held, &h) < 0) {
		count(&m->stats->errors);
		let_go(m, id, h.copy, h.copy_len);
	}
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	struct wgl_mbox *m = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	unsigned char *pkt = NULL;
	int len = nfq_get_payload(nfa, &pkt);
	struct wgl_mbox_plan p;
	uint32_t id;

	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	count(&m->stats->seen);
	if (m->draining)
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL) < 0 ? -1 : 0;
	wgl_mbox_decide(&m->spec, &m->st, &p);
	if (p.drop) {
		count(&m->stats->dropped);
		return nfq_set_verdict(qh, id, NF_DROP, 0, NULL) < 0 ? -1 : 0;
	}
	if (p.dup)
		count(&m->stats->duplicated);
	if (p.reorder)
		count(&m->stats->reordered);
	if (p.hold_us > (p.reorder ? m->spec.reorder_hold_us : 0))
		count(&m->stats->delayed);
	if (p.hold_pkts || p.hold_us > 0) {
		hold(m, id, &p, pkt, len);
		return 0;
	}
	nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	count(&m->stats->sent);
	if (p.dup && len > 0)
		send_copy(m, pkt, (size_t)len);
	passed(m);
	return 0;
}

/* ---- the thread -------------------------------------------------------- */

static void wait_events(struct wgl_mbox *m, struct pollfd *pfd)
{
	int64_t left = wgl_mbox_wait_us(&m->held, now_us());
	struct timespec ts = { 0 };

	if (left >= 0) {
		ts.tv_sec = left / 1000000;
		ts.tv_nsec = (left % 1000000) * 1000;
	}
	if (ppoll(pfd, 2, left < 0 ? NULL : &ts, NULL) < 0)
		pfd[0].revents = pfd[1].revents = 0;
}

/* Whatever is still held leaves now, in the order it was held. */
static void let_all_go(struct wgl_mbox *m)
{
	struct wgl_mbox_held out[MBOX_BATCH];
	int n;

	for (int i = 0; i < m->held.n; i++)
		m->held.e[i].due_us = 1;
	while ((n = wgl_mbox_due(&m->held, INT64_MAX, out, MBOX_BATCH)) > 0)
		for (int i = 0; i < n; i++)
			let_go(m, out[i].id, out[i].copy, out[i].copy_len);
}

/*
 * A command from wglab; false to quit. 'd' (drain) lets every held packet go
 * and passes the rest untouched from then on, answered when done: the
 * kernel drops what is still queued when the rule goes, so the rule may only
 * go once nothing is held.
 */
static bool command(struct wgl_mbox *m)
{
	char c = 'q';

	if (recv(m->ctl[1], &c, 1, MSG_DONTWAIT) <= 0 || c != 'd')
		return false;
	let_all_go(m);
	m->draining = true;
	return send(m->ctl[1], &c, 1, MSG_NOSIGNAL) == 1;
}

static int loop(void *arg)
{
	struct wgl_mbox *m = arg;
	struct pollfd pfd[2] = { { .fd = nfq_fd(m->h), .events = POLLIN },
				 { .fd = m->ctl[1], .events = POLLIN } };
	char *buf = m->buf;
	cpu_set_t one;
	int n;

	/*
	 * One CPU: packets let go from two CPUs could land in two backlogs of
	 * the next hop and swap places, a reordering nobody asked for.
	 */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	sched_setaffinity(0, sizeof(one), &one);

	for (;;) {
		wait_events(m, pfd);
		if (pfd[1].revents && !command(m))
			break;
		while ((n = (int)recv(pfd[0].fd, buf, sizeof(m->buf), MSG_DONTWAIT)) > 0)
			nfq_handle_packet(m->h, buf, n);
		if (n < 0 && errno == ENOBUFS)
			count(&m->stats->errors);
		release_due(m);
	}
	let_all_go(m);
	return 0;
}

/* ---- start and stop ---------------------------------------------------- */

static int open_raw(struct wgl_ns *ns, int family)
{
	int fd = wgl_ns_socket(ns, family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	unsigned int mark = MBOX_MARK;

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int open_queue(struct wgl_mbox *m)
{
	int err = wgl_ns_enter(m->ns), one = 1;

	if (err < 0)
		return err;
	m->h = nfq_open();
	err = m->h ? 0 : -errno ?: -EIO;
	wgl_ns_leave();
	if (err < 0)
		return err;
	m->qh = nfq_create_queue(m->h, (uint16_t)m->queue, on_packet, m);
	if (!m->qh || nfq_set_mode(m->qh, NFQNL_COPY_PACKET, 0xffff) < 0)
		return -errno ?: -EIO;
	/* Held packets stay in the kernel's queue: room for all of them, and fail closed. */
	nfq_set_queue_maxlen(m->qh, WGL_MBOX_HELD_MAX * 2);
	nfnl_rcvbufsiz(nfq_nfnlh(m->h), 8u << 20);
	setsockopt(nfq_fd(m->h), SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	fcntl(nfq_fd(m->h), F_SETFD, FD_CLOEXEC);
	return 0;
}

static void close_all(struct wgl_mbox *m)
{
	if (m->qh)
		nfq_destroy_queue(m->qh);
	if (m->h)
		nfq_close(m->h);
	if (m->raw4 >= 0)
		close(m->raw4);
	if (m->raw6 >= 0)
		close(m->raw6);
	for (int i = 0; i < 2; i++)
		if (m->ctl[i] >= 0)
			close(m->ctl[i]);
	if (m->stats)
		munmap(m->stats, sizeof(*m->stats));
	free(m);
}

static int setup(struct wgl_mbox *m)
{
	struct wgl_child_opts opts = WGL_CHILD_OPTS_INIT;
	int err = open_queue(m);

	if (err < 0) {
		wgl_err("%s: NFQUEUE %d: %s", m->ns->label, m->queue, strerror(-err));
		return err;
	}
	m->raw4 = open_raw(m->ns, AF_INET);
	m->raw6 = open_raw(m->ns, AF_INET6);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, m->ctl) < 0)
		m->ctl[0] = m->ctl[1] = -1;
	if (m->raw4 < 0 || m->raw6 < 0 || m->ctl[0] < 0)
		return m->raw4 < 0 ? m->raw4 : m->raw6 < 0 ? m->raw6 : -errno;
	m->stats = mmap(NULL, sizeof(*m->stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (m->stats == MAP_FAILED) {
		m->stats = NULL;
		return -errno;
	}
	/* The consumer runs before the rule exists: no packet waits for a reader. */
	opts.netns_fd = m->ns->fd;
	opts.stderr_fd = 2;
	m->child = wgl_child_run(&opts, "middlebox", loop, m);
	if (m->child < 0)
		return m->child;
	return install_rules(m);
}

struct wgl_mbox *wgl_mbox_start(struct wgl_ns *ns, const char *ifname, int queue,
				const struct wgl_mbox_spec *spec)
{
	struct wgl_mbox *m;
	int err;

	if (wgl_mbox_spec_check(spec) < 0 || queue < 0 || queue > 65535 || !ifname[0] ||
	    strlen(ifname) >= sizeof(m->ifname)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->ns = ns;
	m->queue = queue;
	m->spec = *spec;
	m->raw4 = m->raw6 = m->ctl[0] = m->ctl[1] = -1;
	m->child = -1;
	snprintf(m->ifname, sizeof(m->ifname), "%s", ifname);
	wgl_mbox_init(&m->st, spec);
	err = setup(m);
	if (err < 0) {
		wgl_mbox_stop(m);
		errno = -err;
		return NULL;
	}
	wgl_created("middlebox", m->ifname);
	m->created = true;
	return m;
}

void wgl_mbox_get_stats(struct wgl_mbox *m, struct wgl_mbox_stats *st)
{
	uint64_t *d = (uint64_t *)st, *s = (uint64_t *)m->stats;

	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

/* Asks the child to let every held packet go and waits for its answer. */
static int drain(struct wgl_mbox *m)
{
	struct pollfd pfd = { .fd = m->ctl[0], .events = POLLIN };
	char c;

	if (send(m->ctl[0], "d", 1, MSG_NOSIGNAL) != 1)
		return -errno;
	if (poll(&pfd, 1, 5000) <= 0 || recv(m->ctl[0], &c, 1, 0) != 1)
		return -ETIMEDOUT;
	return 0;
}

void wgl_mbox_stop(struct wgl_mbox *m)
{
	int status;

	if (!m)
		return;
	if (m->child > 0 && drain(m) < 0)
		wgl_warn("middlebox %s: held packets may be lost: the child did not drain",
			 m->ifname);
	remove_rules(m);
	if (m->child > 0 && (send(m->ctl[0], "q", 1, MSG_NOSIGNAL) != 1 ||
			     wgl_child_wait(m->child, 5000, &status) < 0))
		wgl_child_stop(m->child, 0);
	if (m->created)
		wgl_destroyed("middlebox", m->ifname);
	close_all(m);
}
