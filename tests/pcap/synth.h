/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic captures for the pcap tests: raw-IP (LINKTYPE_RAW) IPv4/UDP
 * packets carrying WireGuard-shaped payloads, written with libpcap itself.
 */
#ifndef WGL_TEST_PCAP_SYNTH_H
#define WGL_TEST_PCAP_SYNTH_H

#include <stdint.h>
#include <string.h>
#include <pcap/pcap.h>

struct synth {
	pcap_t *dead;
	pcap_dumper_t *d;
	long long t_ns;
};

static inline int synth_open(struct synth *s, const char *path, int snaplen)
{
	s->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	s->d = s->dead ? pcap_dump_open(s->dead, path) : NULL;
	s->t_ns = 1700000000LL * 1000000000LL;
	return s->d ? 0 : -1;
}

static inline void synth_close(struct synth *s)
{
	pcap_dump_close(s->d);
	pcap_close(s->dead);
}

/* Writes an IPv4 packet (proto, payload) from 198.18.0.<src> to .<dst>. */
static inline void synth_ip(struct synth *s, uint8_t proto, int src, int dst,
			    const uint8_t *payload, uint32_t plen, uint32_t caplen_max)
{
	uint8_t pkt[2048] = { 0x45 };
	uint32_t tot = 20 + plen;
	struct pcap_pkthdr h;

	pkt[2] = (uint8_t)(tot >> 8);
	pkt[3] = (uint8_t)tot;
	pkt[8] = 64;
	pkt[9] = proto;
	pkt[12] = 198, pkt[13] = 18, pkt[14] = 0, pkt[15] = (uint8_t)src;
	pkt[16] = 198, pkt[17] = 18, pkt[18] = 0, pkt[19] = (uint8_t)dst;
	memcpy(pkt + 20, payload, plen);
	h.ts.tv_sec = s->t_ns / 1000000000LL;
	h.ts.tv_usec = s->t_ns % 1000000000LL; /* nanoseconds in a NANO dumper */
	h.len = tot;
	h.caplen = tot < caplen_max ? tot : caplen_max;
	pcap_dump((u_char *)s->d, &h, pkt);
}

/* UDP 198.18.0.<src>:<sport> -> .<dst>:<dport> with the given payload. */
static inline void synth_udp(struct synth *s, int src, int dst, const uint8_t *payload,
			     uint32_t plen, uint32_t caplen_max)
{
	uint8_t udp[1600] = { 0 };
	uint16_t sport = (uint16_t)(51820 + src), dport = (uint16_t)(51820 + dst);

	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((plen + 8) >> 8), udp[5] = (uint8_t)(plen + 8);
	memcpy(udp + 8, payload, plen);
	synth_ip(s, 17, src, dst, udp, plen + 8, caplen_max);
}

static inline void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A WireGuard message of type/len with the index fields filled. */
static inline void synth_wg(struct synth *s, int src, int dst, uint8_t type, uint32_t len,
			    uint32_t a, uint32_t b, uint64_t counter)
{
	uint8_t m[1500] = { type };

	put32le(m + 4, a);
	if (type == 2)
		put32le(m + 8, b);
	if (type == 4) {
		put32le(m + 8, (uint32_t)counter);
		put32le(m + 12, (uint32_t)(counter >> 32));
	}
	synth_udp(s, src, dst, m, len, 65535);
}

#endif
