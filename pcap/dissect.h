/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The WireGuard dissector: reads classic pcap or pcapng files (Ethernet, raw
 * IP, Linux cooked v1/v2) and classifies each record as a WireGuard message,
 * another IP packet, link control traffic or non-IP.
 *
 * A UDP payload is a WireGuard message when proto's wgl_msg_classify()
 * accepts its 4-byte type field with its length from the UDP header (so a
 * short snaplen does not hide it): exact for the handshake messages, at
 * least 32 bytes for transport. The message layouts are proto's
 * (proto/messages.h); this file only finds them in frames. Any port counts,
 * like Wireshark's heuristic.
 *
 * Errors are reported through the reader's err buffer ("FILE: record N: ..."),
 * not logged: the caller decides whether a bad file is an error or data.
 */
#ifndef WGL_DISSECT_H
#define WGL_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/messages.h"

enum wgl_pkt_kind {
	WGL_PKT_NON_IP,   /* not IP at all (unknown link payload, LLDP, ...) */
	WGL_PKT_CONTROL,  /* ARP, IPv6 neighbour discovery, MLD: never a leak */
	WGL_PKT_FRAGMENT, /* non-first IP fragment: no transport header to judge */
	WGL_PKT_IP,       /* any other IP packet (a leak on a WireGuard underlay) */
	WGL_PKT_WG,       /* a WireGuard message */
};

struct wgl_pkt {
	uint64_t record;      /* 1-based record number in the file */
	long long ts_ns;      /* capture time, ns since the epoch */
	uint32_t caplen, len; /* captured and original length of the frame */
	enum wgl_pkt_kind kind;
	int family;           /* AF_INET / AF_INET6 for IP kinds, else 0 */
	uint8_t proto;        /* IPPROTO_* of the transport header */
	uint8_t src[16], dst[16]; /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;    /* host order; 0 unless TCP/UDP */
	uint16_t ethertype;       /* link protocol (0x0800, 0x86dd, 0x0806, ...) */
	/* Filled for WGL_PKT_WG only. */
	uint8_t wg_type;      /* enum wgl_msg_type */
	uint32_t wg_len;      /* UDP payload length (message size) */
	uint32_t sender;      /* initiation, response */
	uint32_t receiver;    /* response, cookie reply, transport */
	uint64_t counter;     /* transport */
	bool wg_fields_cut;   /* snaplen cut the indices/counter: they read as 0 */
};

/*
 * Dissects one frame of the given DLT (pcap_datalink() value). Never fails:
 * what it cannot parse is WGL_PKT_NON_IP. record/ts_ns/len are left alone.
 */
void wgl_dissect_frame(int dlt, const uint8_t *data, uint32_t caplen, struct wgl_pkt *pkt);
/* Same for an IP packet (version from the first nibble). */
void wgl_dissect_ip(const uint8_t *data, uint32_t caplen, struct wgl_pkt *pkt);
/*
 * Classifies a UDP payload: returns its enum wgl_msg_type (and fills the
 * wg_ fields) or 0 when it is not a WireGuard message. udp_len is the
 * payload length per the UDP header, caplen how much of it was captured.
 */
int wgl_dissect_wg(const uint8_t *payload, uint32_t caplen, uint32_t udp_len,
		   struct wgl_pkt *pkt);

/* true if the link type is one the reader understands. */
bool wgl_dissect_dlt_supported(int dlt);
/* "initiation", ... for an enum wgl_msg_type, "none" for 0. */
const char *wgl_wg_type_name(int type);
/* "198.18.0.1:51820" / "[2001:2::1]:51820" (port omitted when 0). */
void wgl_pkt_format_addr(int family, const uint8_t *addr, uint16_t port, char *buf, size_t len);

#define WGL_PCAP_ERRLEN 512

struct wgl_pcap_reader;

/*
 * Opens a capture file. On failure returns -errno (-EINVAL for a file that
 * is not a readable capture or has an unsupported link type) with a message
 * naming the file in err.
 */
int wgl_pcap_open(struct wgl_pcap_reader **r, const char *path, char err[WGL_PCAP_ERRLEN]);
/*
 * Reads and dissects the next record. Returns 1 with *pkt filled, 0 at the
 * end of the file, or -EINVAL for a damaged record with "FILE: record N: ..."
 * in err.
 */
int wgl_pcap_next(struct wgl_pcap_reader *r, struct wgl_pkt *pkt, char err[WGL_PCAP_ERRLEN]);
int wgl_pcap_datalink(const struct wgl_pcap_reader *r);
const char *wgl_pcap_datalink_name(const struct wgl_pcap_reader *r);
void wgl_pcap_close(struct wgl_pcap_reader *r); /* NULL-safe */

#endif
