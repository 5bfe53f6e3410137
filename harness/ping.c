// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "harness/ping.h"
#include "proto/proto.h"
#include "netns/netns.h"

#define MAX_SEQ 4096

struct target {
	int family;
	union {
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} sa;
	socklen_t salen;
};

static int parse_target(const char *dst, struct target *t)
{
	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, dst, &t->sa.in4.sin_addr) == 1) {
		t->family = t->sa.in4.sin_family = AF_INET;
		t->salen = sizeof(t->sa.in4);
	} else if (inet_pton(AF_INET6, dst, &t->sa.in6.sin6_addr) == 1) {
		t->family = t->sa.in6.sin6_family = AF_INET6;
		t->salen = sizeof(t->sa.in6);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int send_echo(int fd, const struct target *t, uint16_t id, uint16_t seq)
{
	uint8_t pkt[64] = { 0 };

	pkt[0] = t->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	memcpy(pkt + 4, &(uint16_t){ htons(id) }, 2);
	memcpy(pkt + 6, &(uint16_t){ htons(seq) }, 2);
	memcpy(pkt + 8, "wglab-ping", 10);
	/* The kernel fills in the ICMPv6 checksum on raw sockets itself. */
	if (t->family == AF_INET) {
		uint16_t c = htons(wgl_inet_csum(pkt, sizeof(pkt), 0));

		memcpy(pkt + 2, &c, 2);
	}
	if (sendto(fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)&t->sa, t->salen) < 0)
		return -errno;
	return 0;
}

/* Returns the sequence number of a matching echo reply in buf, or -1. */
static int match_reply(const struct target *t, const uint8_t *buf, ssize_t n, uint16_t id)
{
	uint16_t rid, rseq;
	size_t off = 0;

	if (t->family == AF_INET) {
		if (n < (ssize_t)sizeof(struct iphdr))
			return -1;
		off = (size_t)(buf[0] & 0x0f) * 4;
	}
	if (n < (ssize_t)(off + 8))
		return -1;
	if (buf[off] != (t->family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY))
		return -1;
	memcpy(&rid, buf + off + 4, 2);
	memcpy(&rseq, buf + off + 6, 2);
	return ntohs(rid) == id ? ntohs(rseq) : -1;
}

/* Milliseconds (rounded up) until the earlier of two wgl_now_ns() instants, >= 0. */
static int poll_ms(long long a, long long b)
{
	long long left = (a < b ? a : b) - wgl_now_ns();

	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

int wgl_ping(struct wgl_ns *ns, const char *dst, int timeout_ms, int interval_ms,
	     double *elapsed_ms, double *rtt_ms)
{
	long long start = wgl_now_ns(), deadline, next = 0, sent_at[MAX_SEQ];
	uint16_t id = (uint16_t)(getpid() ^ (uintptr_t)ns), seq = 0;
	struct target t;
	int fd, ret;

	if (parse_target(dst, &t) < 0)
		return -EINVAL;
	fd = wgl_ns_socket(ns, t.family, SOCK_RAW,
			   t.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return fd;
	deadline = start + (long long)timeout_ms * 1000000LL;
	ret = -ETIMEDOUT;
	while (wgl_now_ns() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t buf[1500];
		long long now = wgl_now_ns();
		ssize_t n;
		int s;

		if (now >= next && seq < MAX_SEQ) {
			sent_at[seq] = now;
			send_echo(fd, &t, id, seq++); /* unreachable routes just retry */
			next = now + (long long)interval_ms * 1000000LL;
		}
		/* Sleep until a reply, the next echo or the deadline, whichever comes first. */
		if (poll(&pfd, 1, poll_ms(seq < MAX_SEQ ? next : deadline, deadline)) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		s = match_reply(&t, buf, n, id);
		if (s < 0 || s >= seq)
			continue;
		now = wgl_now_ns();
		if (elapsed_ms)
			*elapsed_ms = (double)(now - start) / 1e6;
		if (rtt_ms)
			*rtt_ms = (double)(now - sent_at[s]) / 1e6;
		ret = 0;
		break;
	}
	close(fd);
	return ret;
}
