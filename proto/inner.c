// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packets the probe sends through the tunnel: IPv4/ICMP and
 * IPv6/ICMPv6 echo, built and checked by hand so the probe needs no raw
 * socket and a real peer's reply can be verified bit by bit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/proto.h"

#define IP4_HDR 20
#define IP6_HDR 40
#define ICMP_HDR 8
#define PROTO_ICMP 1
#define PROTO_ICMP6 58

uint16_t wgl_inet_csum(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;
	uint64_t sum = seed;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Partial sum of the IPv6 pseudo-header for an ICMPv6 message of len bytes. */
static uint32_t pseudo6(const uint8_t *src, const uint8_t *dst, size_t len)
{
	uint32_t sum = 0;

	for (int i = 0; i < 16; i += 2)
		sum += get16(src + i) + get16(dst + i);
	return sum + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + PROTO_ICMP6;
}

static void build_icmp(const struct wgl_echo *e, uint8_t *icmp, uint32_t seed)
{
	size_t len = ICMP_HDR + e->payload_len;
	bool v4 = e->family == AF_INET;

	icmp[0] = v4 ? (e->reply ? 0 : 8) : (e->reply ? 129 : 128);
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, e->id);
	put16(icmp + 6, e->seq);
	for (size_t i = 0; i < e->payload_len; i++)
		icmp[ICMP_HDR + i] = e->payload ? e->payload[i] : (uint8_t)i;
	put16(icmp + 2, wgl_inet_csum(icmp, len, seed));
}

int wgl_echo_build(const struct wgl_echo *e, void *buf, size_t cap)
{
	uint8_t *p = buf;
	size_t icmp_len = ICMP_HDR + e->payload_len;
	uint8_t ttl = e->ttl ? e->ttl : 64;

	if (e->family == AF_INET) {
		if (cap < IP4_HDR + icmp_len || IP4_HDR + icmp_len > 0xffff)
			return -ENOBUFS;
		memset(p, 0, IP4_HDR);
		p[0] = 0x45;
		put16(p + 2, (uint16_t)(IP4_HDR + icmp_len));
		put16(p + 6, 0x4000); /* DF, like ping */
		p[8] = ttl;
		p[9] = PROTO_ICMP;
		memcpy(p + 12, e->src, 4);
		memcpy(p + 16, e->dst, 4);
		put16(p + 10, wgl_inet_csum(p, IP4_HDR, 0));
		build_icmp(e, p + IP4_HDR, 0);
		return (int)(IP4_HDR + icmp_len);
	}
	if (e->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (cap < IP6_HDR + icmp_len || icmp_len > 0xffff)
		return -ENOBUFS;
	memset(p, 0, IP6_HDR);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)icmp_len);
	p[6] = PROTO_ICMP6;
	p[7] = ttl;
	memcpy(p + 8, e->src, 16);
	memcpy(p + 24, e->dst, 16);
	build_icmp(e, p + IP6_HDR, pseudo6(e->src, e->dst, icmp_len));
	return (int)(IP6_HDR + icmp_len);
}

/* Fills e from an ICMP(v6) echo at icmp; the caller has set family/addresses. */
static int parse_icmp(const uint8_t *icmp, size_t len, uint32_t seed, struct wgl_echo *e)
{
	bool v4 = e->family == AF_INET;

	if (len < ICMP_HDR)
		return -EINVAL;
	if (icmp[0] == (v4 ? 0 : 129))
		e->reply = true;
	else if (icmp[0] == (v4 ? 8 : 128))
		e->reply = false;
	else
		return -EINVAL;
	if (icmp[1] != 0)
		return -EINVAL;
	if (wgl_inet_csum(icmp, len, seed) != 0)
		return -EBADMSG;
	e->id = get16(icmp + 4);
	e->seq = get16(icmp + 6);
	e->payload = icmp + ICMP_HDR;
	e->payload_len = len - ICMP_HDR;
	return 0;
}

static int parse4(const uint8_t *p, size_t len, struct wgl_echo *e)
{
	size_t hl = (size_t)(p[0] & 0x0f) * 4, tot;

	if (len < IP4_HDR || hl < IP4_HDR || hl > len)
		return -EINVAL;
	tot = get16(p + 2);
	if (tot < hl || tot > len || p[9] != PROTO_ICMP)
		return -EINVAL;
	/* A fragment cannot be checked on its own; the probe never sends any. */
	if ((get16(p + 6) & 0x3fff) != 0)
		return -EINVAL;
	if (wgl_inet_csum(p, hl, 0) != 0)
		return -EBADMSG;
	e->family = AF_INET;
	e->ttl = p[8];
	memcpy(e->src, p + 12, 4);
	memcpy(e->dst, p + 16, 4);
	return parse_icmp(p + hl, tot - hl, 0, e);
}

static int parse6(const uint8_t *p, size_t len, struct wgl_echo *e)
{
	size_t plen;

	if (len < IP6_HDR)
		return -EINVAL;
	plen = get16(p + 4);
	/* Extension headers are not followed: echo replies carry none. */
	if (IP6_HDR + plen > len || p[6] != PROTO_ICMP6)
		return -EINVAL;
	e->family = AF_INET6;
	e->ttl = p[7];
	memcpy(e->src, p + 8, 16);
	memcpy(e->dst, p + 24, 16);
	return parse_icmp(p + IP6_HDR, plen, pseudo6(p + 8, p + 24, plen), e);
}

int wgl_echo_parse(const void *buf, size_t len, struct wgl_echo *e)
{
	const uint8_t *p = buf;

	memset(e, 0, sizeof(*e));
	if (len < 1)
		return -EINVAL;
	switch (p[0] >> 4) {
	case 4:
		return parse4(p, len, e);
	case 6:
		return parse6(p, len, e);
	default:
		return -EINVAL;
	}
}
