/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cross-check of wglab's analysis against Wireshark's WireGuard dissector:
 * per-type message counts and the initiation/response times of every
 * handshake must agree exactly (both read the same nanosecond timestamps).
 * Shared by the unit test on fixtures and the netns capture test.
 */
#ifndef WGL_TEST_TSHARK_CHECK_H
#define WGL_TEST_TSHARK_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "pcap/analyze.h"

static inline bool tshark_available(void)
{
	return system("tshark --version >/dev/null 2>&1") == 0;
}

struct tshark_row {
	int type;
	long long ts_ns;
	unsigned long sender, receiver;
};

/* "1795611643.669513000" -> ns without going through a double */
static inline long long parse_epoch_ns(const char *s)
{
	char *dot;
	long long sec = strtoll(s, &dot, 10), ns = 0;
	int digits = 0;

	if (*dot == '.')
		for (dot++; *dot >= '0' && *dot <= '9' && digits < 9; dot++, digits++)
			ns = ns * 10 + (*dot - '0');
	for (; digits < 9; digits++)
		ns *= 10;
	return sec * 1000000000LL + ns;
}

/* Runs tshark on path; returns the number of WireGuard rows (up to max) or -1. */
static inline int tshark_rows(const char *path, struct tshark_row *rows, int max)
{
	char cmd[1024], line[512];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -Y wg -T fields -E separator=, "
		 "-e wg.type -e frame.time_epoch -e wg.sender -e wg.receiver 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p) && n < max) {
		char *f[4] = { line, NULL, NULL, NULL };

		for (int i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], ',');
			if (!f[i])
				break;
			*f[i]++ = '\0';
		}
		if (!f[3])
			continue;
		rows[n].type = atoi(f[0]);
		rows[n].ts_ns = parse_epoch_ns(f[1]);
		rows[n].sender = strtoul(f[2], NULL, 0);
		rows[n].receiver = strtoul(f[3], NULL, 0);
		n++;
	}
	return pclose(p) == 0 ? n : -1;
}

static inline long long tshark_find(const struct tshark_row *r, int n, int type,
				    unsigned long sender, unsigned long receiver)
{
	for (int i = 0; i < n; i++)
		if (r[i].type == type && (type != 1 || r[i].sender == sender) &&
		    (type != 2 || r[i].receiver == receiver))
			return r[i].ts_ns;
	return -1;
}

/* CUnit assertions that tshark and wglab agree on path; returns tshark's row count. */
static inline int tshark_agree(const char *path)
{
	static struct tshark_row rows[20000];
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;
	char err[WGL_PCAP_ERRLEN];
	struct wgl_analysis a;
	uint64_t count[5] = { 0 };
	int n = tshark_rows(path, rows, 20000);

	CU_ASSERT_FATAL(n >= 0);
	CU_ASSERT_EQUAL_FATAL(wgl_analyze_file(path, &o, &a, err), 0);
	for (int i = 0; i < n; i++)
		if (rows[i].type >= 1 && rows[i].type <= 4)
			count[rows[i].type]++;
	for (int t = 1; t <= 4; t++) {
		CU_ASSERT_EQUAL(a.wg_by_type[t], count[t]);
		if (a.wg_by_type[t] != count[t])
			printf("\n  %s: type %d: wglab %llu, tshark %llu\n", path, t,
			       (unsigned long long)a.wg_by_type[t], (unsigned long long)count[t]);
	}
	for (size_t i = 0; i < a.nhandshakes; i++) {
		const struct wgl_handshake *h = &a.handshakes[i];

		CU_ASSERT_EQUAL(tshark_find(rows, n, 1, h->init_sender, 0), h->init_ns);
		if (h->resp_ns)
			CU_ASSERT_EQUAL(tshark_find(rows, n, 2, 0, h->init_sender), h->resp_ns);
	}
	wgl_analysis_free(&a);
	return n;
}

#endif
