// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the pcap reader, the dissector and the analysis: the
 * fixture captures, mutated (bit flips, overwritten bytes, cuts, splices) and
 * read through wgl_analyze_file(); and frames (mutated fixture frames and
 * random bytes) fed to wgl_dissect_frame() for every supported link type.
 * Bounded: ITERATIONS files and PACKETS frames (seconds, not minutes).
 * WGLAB_FUZZ_SEED=N replays a run; the seed is always printed.
 *
 * Checks: no crash (run it under the ASan build for memory errors), every
 * error message names the file, and what is classified as WireGuard obeys
 * the message size rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "base/log.h"
#include "tests/wgl_fixture.h"
#include "pcap/analyze.h"

#define ITERATIONS 15000
#define PACKETS 1000000
#define MAX_FILE (64 * 1024)

static const char *const corpus[] = { "v4-veth.pcap", "v4-wg.pcap", "v6-sll.pcap",
				      "v6-sll2.pcap", "truncated.pcap", "badlen.pcap" };
static unsigned char *files[WGL_ARRAY_SIZE(corpus)];
static size_t sizes[WGL_ARRAY_SIZE(corpus)];
static unsigned int seed, seed0;
static int failures;

static void fail(const char *what, const char *detail)
{
	failures++;
	fprintf(stderr, "FAIL (seed %u): %s: %s\n", seed0, what, detail);
}

static int load_corpus(void)
{
	for (size_t i = 0; i < WGL_ARRAY_SIZE(corpus); i++) {
		files[i] = (void *)wgl_fixture_read("pcap", corpus[i], MAX_FILE, &sizes[i]);
		if (!files[i])
			return -1;
	}
	return 0;
}

static size_t mutate(unsigned char *buf, size_t len, size_t cap)
{
	int n = 1 + rand_r(&seed) % 8;

	for (int i = 0; i < n && len; i++) {
		size_t at = (size_t)rand_r(&seed) % len;

		switch (rand_r(&seed) % 5) {
		case 0: buf[at] ^= (unsigned char)(1 << (rand_r(&seed) % 8)); break;
		case 1: buf[at] = (unsigned char)rand_r(&seed); break;
		case 2: len = at + 1; break; /* cut */
		case 3: buf[at] = (unsigned char)(rand_r(&seed) % 2 ? 0xff : 0); break;
		case 4: /* splice a chunk of another corpus file */
		{
			size_t k = (size_t)rand_r(&seed) % WGL_ARRAY_SIZE(corpus);
			size_t from = (size_t)rand_r(&seed) % sizes[k];
			size_t cnt = 1 + (size_t)rand_r(&seed) % 64;

			if (from + cnt > sizes[k])
				cnt = sizes[k] - from;
			if (at + cnt > cap)
				cnt = cap - at;
			memcpy(buf + at, files[k] + from, cnt);
			if (at + cnt > len)
				len = at + cnt;
		}
		}
	}
	return len;
}

static void check_analysis(const struct wgl_analysis *a)
{
	uint64_t sum = a->wg_by_type[1] + a->wg_by_type[2] + a->wg_by_type[3] +
		       a->wg_by_type[4];

	if (sum != a->wg)
		fail("analysis", "per-type counts do not add up");
	if (a->handshakes_answered > a->nhandshakes)
		fail("analysis", "more answered handshakes than initiations");
	if (a->wg + a->ip_other + a->control + a->non_ip + a->fragments != a->in_window)
		fail("analysis", "classes do not add up to the records");
	json_decref(wgl_analysis_to_json(a));
}

static void fuzz_files(const char *path)
{
	unsigned char *buf = malloc(MAX_FILE);
	struct wgl_analyze_opts o = WGL_ANALYZE_OPTS_INIT;

	for (int it = 0; it < ITERATIONS && buf; it++) {
		size_t k = (size_t)rand_r(&seed) % WGL_ARRAY_SIZE(corpus), len;
		char err[WGL_PCAP_ERRLEN] = "";
		struct wgl_analysis a;
		FILE *f;

		memcpy(buf, files[k], sizes[k]);
		len = mutate(buf, sizes[k], MAX_FILE);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len) {
			fail("write", path);
			break;
		}
		fclose(f);
		o.since_s = it % 3 ? -1 : 1.0;
		if (wgl_analyze_file(path, &o, &a, err) < 0) {
			if (!strstr(err, path))
				fail("error does not name the file", err);
			continue;
		}
		check_analysis(&a);
		wgl_analysis_free(&a);
	}
	free(buf);
}

static void check_pkt(const struct wgl_pkt *p)
{
	static const uint32_t fixed[] = { 0, WGL_MSG_INITIATION_SIZE, WGL_MSG_RESPONSE_SIZE,
					  WGL_MSG_COOKIE_SIZE };

	if (p->kind != WGL_PKT_WG)
		return;
	if (p->wg_type < 1 || p->wg_type > 4)
		fail("dissect", "WireGuard kind with a bad type");
	else if (p->wg_type < 4 && p->wg_len != fixed[p->wg_type])
		fail("dissect", "handshake message of the wrong size");
	else if (p->wg_type == 4 && p->wg_len < 32)
		fail("dissect", "transport message of a bad size");
}

/* Frames: mutated ones from the fixture files' records, and random bytes. */
static void fuzz_frames(void)
{
	static const int dlts[] = { DLT_EN10MB, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL,
				    DLT_LINUX_SLL2 };
	unsigned char frame[2048];

	for (int it = 0; it < PACKETS; it++) {
		size_t k = (size_t)rand_r(&seed) % 4, off, len = (size_t)rand_r(&seed) % 300;
		struct wgl_pkt p;

		/* a window of a real file lands on real headers often enough */
		off = 24 + (size_t)rand_r(&seed) % (sizes[k] - 24);
		if (off + len > sizes[k])
			len = sizes[k] - off;
		memcpy(frame, files[k] + off, len);
		if (it % 4 == 0)
			for (size_t i = 0; i < len; i++)
				frame[i] = (unsigned char)rand_r(&seed);
		else
			len = mutate(frame, len, sizeof(frame));
		memset(&p, 0, sizeof(p));
		wgl_dissect_frame(dlts[it % WGL_ARRAY_SIZE(dlts)], frame, (uint32_t)len, &p);
		check_pkt(&p);
	}
}

int main(void)
{
	char path[] = "/tmp/wglab-fuzz-pcap-XXXXXX";
	const char *s = getenv("WGLAB_FUZZ_SEED");
	int fd;

	seed = s ? (unsigned int)strtoul(s, NULL, 10) : (unsigned int)time(NULL) ^ getpid();
	seed0 = seed;
	printf("seed %u (WGLAB_FUZZ_SEED=%u replays)\n", seed, seed);
	if (load_corpus() < 0) {
		printf("SKIP: fixture pcaps not found\n");
		return 77;
	}
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	fuzz_files(path);
	fuzz_frames();
	unlink(path);
	printf("%d files, %d frames, %d failures\n", ITERATIONS, PACKETS, failures);
	return failures ? 1 : 0;
}
