// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the iperf JSON parser: the fixture outputs, mutated (bit
 * flips, overwritten bytes, cuts, splices of two files, numbers replaced by
 * strings, huge or negative values) and fed to wgl_iperf_parse().
 * Bounded to ITERATIONS inputs. WGLAB_FUZZ_SEED=N replays a run; the seed
 * is always printed.
 *
 * Checks: no crash (run it under the ASan build for memory errors); the
 * return is 0, -EIO or -EINVAL; a failure always carries a reason and a
 * success never does; the reason is a terminated string.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "tests/wgl_fixture.h"
#include "harness/traffic/iperf.h"

#define ITERATIONS 20000
#define MAX_FILE (64 * 1024)

static const char *const corpus[] = {
	"tcp.json", "tcp-parallel-omit.json", "tcp-reverse.json", "tcp-reverse-server-output.json",
	"tcp-bidir.json", "tcp-server-output.json", "udp.json", "udp-reverse.json",
	"udp-unlimited.json", "error-refused.json", "server-tcp.json",
};
static char *files[WGL_ARRAY_SIZE(corpus)];
static size_t sizes[WGL_ARRAY_SIZE(corpus)];
static const char *const tokens[] = { "\"x\"", "-1", "1e308", "-1e308", "null", "[]", "{}",
				      "true", "18446744073709551616", "0", "\"error\":1," };

static int load_corpus(void)
{
	for (size_t i = 0; i < WGL_ARRAY_SIZE(corpus); i++) {
		files[i] = (void *)wgl_fixture_read("iperf", corpus[i], MAX_FILE, &sizes[i]);
		if (!files[i])
			return -1;
	}
	return 0;
}

/* Replaces the number at or after pos with a token: types and ranges iperf never writes. */
static size_t swap_number(char *buf, size_t len, size_t pos)
{
	const char *tok = tokens[rand() % WGL_ARRAY_SIZE(tokens)];
	size_t tl = strlen(tok), end;

	while (pos < len && !(buf[pos] >= '0' && buf[pos] <= '9'))
		pos++;
	for (end = pos; end < len && strchr("0123456789.e-+", buf[end]); end++)
		;
	if (pos >= len || len - (end - pos) + tl > 2 * MAX_FILE)
		return len;
	memmove(buf + pos + tl, buf + end, len - end);
	memcpy(buf + pos, tok, tl);
	return len - (end - pos) + tl;
}

static size_t mutate(char *buf)
{
	size_t a = (size_t)rand() % WGL_ARRAY_SIZE(corpus), b = (size_t)rand() % WGL_ARRAY_SIZE(corpus);
	size_t len = sizes[a], cut;

	memcpy(buf, files[a], len);
	for (int k = 1 + rand() % 4; k > 0; k--) {
		size_t pos = (size_t)rand() % len;

		switch (rand() % 8) {
		case 0: buf[pos] ^= (char)(1 << (rand() % 8)); break;
		case 1: buf[pos] = (char)(rand() % 256); break;
		case 2: len = pos ? pos : 1; break;
		case 3: /* splice: our head, another file's tail */
			cut = (size_t)rand() % sizes[b];
			if (pos + sizes[b] - cut <= 2 * MAX_FILE) {
				memcpy(buf + pos, files[b] + cut, sizes[b] - cut);
				len = pos + sizes[b] - cut;
			}
			break;
		default: len = swap_number(buf, len, pos); break;
		}
	}
	buf[len] = '\0';
	return len;
}

int main(void)
{
	static char buf[2 * MAX_FILE + 1];
	const char *env = getenv("WGLAB_FUZZ_SEED");
	unsigned int seed = env ? (unsigned int)strtoul(env, NULL, 10) : (unsigned int)time(NULL);
	int failures = 0, outcome[3] = { 0 };

	printf("seed %u (WGLAB_FUZZ_SEED=%u replays)\n", seed, seed);
	srand(seed);
	if (load_corpus() < 0) {
		printf("SKIP: iperf fixtures not found\n");
		return 77;
	}
	for (int i = 0; i < ITERATIONS; i++) {
		struct wgl_iperf_result r;
		int ret;

		mutate(buf);
		ret = wgl_iperf_parse(buf, &r);
		if ((ret != 0 && ret != -EIO && ret != -EINVAL) || (ret == 0) != (r.error[0] == 0) ||
		    !memchr(r.error, '\0', sizeof(r.error))) {
			fprintf(stderr, "FAIL (seed %u, iteration %d): ret %d, error '%.60s'\n", seed, i,
				ret, r.error);
			failures++;
		}
		outcome[ret == 0 ? 0 : ret == -EIO ? 1 : 2]++;
	}
	printf("%d inputs: %d parsed, %d iperf errors, %d rejected; %d failures\n", ITERATIONS,
	       outcome[0], outcome[1], outcome[2], failures);
	return failures ? 1 : 0;
}
