// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pcap/pcap.h>

#include "pcap/dissect.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_ARP_ 0x0806
#define ETH_P_RARP_ 0x8035
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_VLAN 0x8100
#define ETH_P_QINQ 0x88a8

static uint16_t rd16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Bytes of a message up to and including field: what must be captured to read it. */
#define FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* The clear header fields of a message in proto's layout (mac and crypto fields are left). */
static void wg_fields(int type, const uint8_t *payload, struct wgl_pkt *pkt)
{
	union {
		struct wgl_msg_initiation init;
		struct wgl_msg_response resp;
		struct wgl_msg_cookie cookie;
		struct wgl_msg_transport data;
	} m;

	switch (type) {
	case WGL_MSG_INITIATION:
		memcpy(&m.init, payload, FIELD_END(struct wgl_msg_initiation, sender));
		pkt->sender = le32toh(m.init.sender);
		break;
	case WGL_MSG_RESPONSE:
		memcpy(&m.resp, payload, FIELD_END(struct wgl_msg_response, receiver));
		pkt->sender = le32toh(m.resp.sender);
		pkt->receiver = le32toh(m.resp.receiver);
		break;
	case WGL_MSG_COOKIE:
		memcpy(&m.cookie, payload, FIELD_END(struct wgl_msg_cookie, receiver));
		pkt->receiver = le32toh(m.cookie.receiver);
		break;
	case WGL_MSG_TRANSPORT:
		memcpy(&m.data, payload, FIELD_END(struct wgl_msg_transport, counter));
		pkt->receiver = le32toh(m.data.receiver);
		pkt->counter = le64toh(m.data.counter);
		break;
	}
}

int wgl_dissect_wg(const uint8_t *payload, uint32_t caplen, uint32_t udp_len,
		   struct wgl_pkt *pkt)
{
	/* The fields wg_fields() reads need this much of the message captured. */
	static const uint32_t need[] = {
		[WGL_MSG_INITIATION] = FIELD_END(struct wgl_msg_initiation, sender),
		[WGL_MSG_RESPONSE] = FIELD_END(struct wgl_msg_response, receiver),
		[WGL_MSG_COOKIE] = FIELD_END(struct wgl_msg_cookie, receiver),
		[WGL_MSG_TRANSPORT] = FIELD_END(struct wgl_msg_transport, counter),
	};
	int type;

	/*
	 * classify reads only the type field: the length is the message's
	 * from the UDP header, however much of it the snaplen kept.
	 */
	if (caplen < sizeof(uint32_t) || (type = wgl_msg_classify(payload, udp_len)) < 0)
		return 0;
	pkt->kind = WGL_PKT_WG;
	pkt->wg_type = (uint8_t)type;
	pkt->wg_len = udp_len;
	pkt->wg_fields_cut = caplen < need[type];
	if (!pkt->wg_fields_cut)
		wg_fields(type, payload, pkt);
	return type;
}

/* Transport header at p (caplen bytes captured, tlen bytes per the IP header). */
static void dissect_l4(const uint8_t *p, uint32_t caplen, uint32_t tlen, struct wgl_pkt *pkt)
{
	uint32_t ulen;

	if (pkt->proto == IPPROTO_ICMPV6 && caplen >= 1) {
		/* neighbour discovery (133..137) and MLD (130..132, 143) */
		if ((p[0] >= 130 && p[0] <= 137) || p[0] == 143)
			pkt->kind = WGL_PKT_CONTROL;
		return;
	}
	if ((pkt->proto != IPPROTO_UDP && pkt->proto != IPPROTO_TCP) || caplen < 4)
		return;
	pkt->sport = rd16be(p);
	pkt->dport = rd16be(p + 2);
	if (pkt->proto != IPPROTO_UDP || caplen < 8)
		return;
	ulen = rd16be(p + 4);
	/* UDP length 0 happens with GSO super-packets: trust the IP length then. */
	if (ulen < 8 || ulen > tlen)
		ulen = tlen;
	wgl_dissect_wg(p + 8, caplen - 8, ulen - 8, pkt);
}

static void dissect_ipv4(const uint8_t *d, uint32_t caplen, struct wgl_pkt *pkt)
{
	uint32_t ihl, tot;

	if (caplen < 20 || (ihl = (uint32_t)(d[0] & 0x0f) * 4) < 20 || caplen < ihl)
		return;
	pkt->kind = WGL_PKT_IP;
	pkt->family = AF_INET;
	pkt->proto = d[9];
	memcpy(pkt->src, d + 12, 4);
	memcpy(pkt->dst, d + 16, 4);
	if (rd16be(d + 6) & 0x1fff) {
		pkt->kind = WGL_PKT_FRAGMENT;
		return;
	}
	tot = rd16be(d + 2);
	/* 0 or nonsense: offloaded (TSO/GRO) packets; fall back to what we have */
	if (tot < ihl)
		tot = ihl + 0xffff;
	dissect_l4(d + ihl, caplen - ihl, tot - ihl, pkt);
}

static bool ipv6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 51;
}

static void dissect_ipv6(const uint8_t *d, uint32_t caplen, struct wgl_pkt *pkt)
{
	uint32_t off = 40, plen, len;
	uint8_t nh;

	if (caplen < 40)
		return;
	pkt->kind = WGL_PKT_IP;
	pkt->family = AF_INET6;
	memcpy(pkt->src, d + 8, 16);
	memcpy(pkt->dst, d + 24, 16);
	plen = rd16be(d + 4);
	if (!plen) /* jumbogram or GSO: use the rest of the capture */
		plen = 0xffff;
	nh = d[6];
	while (ipv6_is_ext(nh) || nh == 44) {
		if (off + 8 > caplen)
			return;
		if (nh == 44) {
			if (rd16be(d + off + 2) & 0xfff8) {
				pkt->proto = d[off];
				pkt->kind = WGL_PKT_FRAGMENT;
				return;
			}
			nh = d[off];
			off += 8;
			continue;
		}
		/* AH counts its length in 4-byte units, the others in 8-byte units */
		len = nh == 51 ? (d[off + 1] + 2u) * 4 : (d[off + 1] + 1u) * 8;
		nh = d[off];
		off += len;
	}
	pkt->proto = nh;
	if (off > caplen || off - 40 > plen)
		return;
	dissect_l4(d + off, caplen - off, plen - (off - 40), pkt);
}

void wgl_dissect_ip(const uint8_t *data, uint32_t caplen, struct wgl_pkt *pkt)
{
	if (!caplen)
		return;
	if (data[0] >> 4 == 4) {
		pkt->ethertype = ETH_P_IPV4;
		dissect_ipv4(data, caplen, pkt);
	} else if (data[0] >> 4 == 6) {
		pkt->ethertype = ETH_P_IPV6_;
		dissect_ipv6(data, caplen, pkt);
	}
}

static void dissect_ethertype(uint16_t et, const uint8_t *d, uint32_t caplen,
			      struct wgl_pkt *pkt)
{
	pkt->ethertype = et;
	if (et == ETH_P_IPV4)
		dissect_ipv4(d, caplen, pkt);
	else if (et == ETH_P_IPV6_)
		dissect_ipv6(d, caplen, pkt);
	else if (et == ETH_P_ARP_ || et == ETH_P_RARP_)
		pkt->kind = WGL_PKT_CONTROL;
}

static void dissect_ether(const uint8_t *d, uint32_t caplen, struct wgl_pkt *pkt)
{
	uint32_t off = 12;
	uint16_t et;

	if (caplen < 14)
		return;
	et = rd16be(d + off);
	/* at most two VLAN tags (QinQ) */
	for (int i = 0; i < 2 && (et == ETH_P_VLAN || et == ETH_P_QINQ); i++) {
		off += 4;
		if (caplen < off + 2)
			return;
		et = rd16be(d + off);
	}
	off += 2;
	dissect_ethertype(et, d + off, caplen - off, pkt);
}

void wgl_dissect_frame(int dlt, const uint8_t *data, uint32_t caplen, struct wgl_pkt *pkt)
{
	pkt->kind = WGL_PKT_NON_IP;
	switch (dlt) {
	case DLT_EN10MB:
		dissect_ether(data, caplen, pkt);
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		wgl_dissect_ip(data, caplen, pkt);
		break;
	case DLT_LINUX_SLL:
		if (caplen >= 16)
			dissect_ethertype(rd16be(data + 14), data + 16, caplen - 16, pkt);
		break;
	case DLT_LINUX_SLL2:
		if (caplen >= 20)
			dissect_ethertype(rd16be(data), data + 20, caplen - 20, pkt);
		break;
	}
}

bool wgl_dissect_dlt_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6 ||
	       dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2;
}

const char *wgl_wg_type_name(int type)
{
	static const char *const names[] = {
		[0] = "none",
		[WGL_MSG_INITIATION] = "initiation",
		[WGL_MSG_RESPONSE] = "response",
		[WGL_MSG_COOKIE] = "cookie",
		[WGL_MSG_TRANSPORT] = "transport",
	};

	return type >= 0 && type <= WGL_MSG_TRANSPORT ? names[type] : "?";
}

void wgl_pkt_format_addr(int family, const uint8_t *addr, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (family == AF_INET || family == AF_INET6)
		inet_ntop(family, addr, a, sizeof(a));
	if (!port)
		snprintf(buf, len, "%s", a);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

struct wgl_pcap_reader {
	pcap_t *p;
	int dlt;
	uint64_t record;
	char path[256];
};

int wgl_pcap_open(struct wgl_pcap_reader **out, const char *path, char err[WGL_PCAP_ERRLEN])
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct wgl_pcap_reader *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, WGL_PCAP_ERRLEN, "%s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!r->p) {
		/* libpcap's message already names the file for open(2) failures */
		snprintf(err, WGL_PCAP_ERRLEN, "%s: not a readable capture: %s", path, perr);
		free(r);
		return -EINVAL;
	}
	r->dlt = pcap_datalink(r->p);
	if (!wgl_dissect_dlt_supported(r->dlt)) {
		snprintf(err, WGL_PCAP_ERRLEN, "%s: unsupported link type %d (%s)", path, r->dlt,
			 pcap_datalink_val_to_name(r->dlt) ?: "unknown");
		wgl_pcap_close(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

int wgl_pcap_next(struct wgl_pcap_reader *r, struct wgl_pkt *pkt, char err[WGL_PCAP_ERRLEN])
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	rc = pcap_next_ex(r->p, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		snprintf(err, WGL_PCAP_ERRLEN, "%s: record %llu: %s", r->path,
			 (unsigned long long)r->record + 1, pcap_geterr(r->p));
		return -EINVAL;
	}
	r->record++;
	if (h->caplen > h->len) {
		snprintf(err, WGL_PCAP_ERRLEN,
			 "%s: record %llu: captured length %u exceeds original length %u",
			 r->path, (unsigned long long)r->record, h->caplen, h->len);
		return -EINVAL;
	}
	memset(pkt, 0, sizeof(*pkt));
	pkt->record = r->record;
	pkt->ts_ns = (long long)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec;
	pkt->caplen = h->caplen;
	pkt->len = h->len;
	wgl_dissect_frame(r->dlt, data, h->caplen, pkt);
	return 1;
}

int wgl_pcap_datalink(const struct wgl_pcap_reader *r)
{
	return r->dlt;
}

const char *wgl_pcap_datalink_name(const struct wgl_pcap_reader *r)
{
	return pcap_datalink_val_to_name(r->dlt) ?: "unknown";
}

void wgl_pcap_close(struct wgl_pcap_reader *r)
{
	if (!r)
		return;
	if (r->p)
		pcap_close(r->p);
	free(r);
}
