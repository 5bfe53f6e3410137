// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the UAPI reply parser (a daemon's output is outside
 * input: wglab runs arbitrary UAPI implementations). Random replies built
 * from real keys with mutated values, plus raw random bytes; the parser must
 * return 0 or -errno and never crash or leak (run under ASan in CI).
 * WGLAB_FUZZ_SEED replays a run; WGLAB_FUZZ_ITERATIONS changes its length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/backends/uapi.h"
#include "base/log.h"

static const char *const keys[] = {
	"private_key", "listen_port", "fwmark", "public_key", "preshared_key", "endpoint",
	"last_handshake_time_sec", "last_handshake_time_nsec", "tx_bytes", "rx_bytes",
	"persistent_keepalive_interval", "allowed_ip", "protocol_version", "errno", "",
};
static const char *const values[] = {
	"1111111111111111111111111111111111111111111111111111111111111111", "51820", "0",
	"198.18.0.2:51820", "[2001:2::2]:1", "198.19.0.2/32", "2001:2::/48", "-1",
	"18446744073709551616", "99999999999", "", "=", "zz", "1.2.3.4/99", "[::1", "0x10",
};

static size_t random_reply(char *buf, size_t cap)
{
	size_t n = 0;
	int lines = rand() % 40;

	for (int i = 0; i < lines && n + 200 < cap; i++) {
		if (rand() % 10 == 0) {
			int len = rand() % 60;

			for (int j = 0; j < len; j++)
				buf[n++] = (char)(rand() % 256);
			buf[n++] = '\n';
			continue;
		}
		n += (size_t)snprintf(buf + n, cap - n, "%s=%s\n",
				      keys[rand() % (int)(sizeof(keys) / sizeof(*keys))],
				      values[rand() % (int)(sizeof(values) / sizeof(*values))]);
	}
	if (rand() % 2)
		buf[n++] = '\n';
	return n;
}

int main(void)
{
	const char *s = getenv("WGLAB_FUZZ_SEED"), *it = getenv("WGLAB_FUZZ_ITERATIONS");
	unsigned int seed = s ? (unsigned int)strtoul(s, NULL, 0) : (unsigned int)time(NULL);
	long n = it ? strtol(it, NULL, 0) : 100000, ok = 0;
	static char buf[16384];

	wgl_log_verbosity = -1;
	srand(seed);
	printf("seed %u, %ld iterations\n", seed, n);
	for (long i = 0; i < n; i++) {
		size_t len = random_reply(buf, sizeof(buf));
		FILE *f = fmemopen(buf, len ? len : 1, "r");
		struct wgl_device *dev = calloc(1, sizeof(*dev));
		int ret;

		if (!f || !dev)
			return 1;
		ret = wgl_uapi_parse_get(f, dev);
		if (ret > 0) {
			printf("FAIL (seed %u): parser returned %d\n", seed, ret);
			return 1;
		}
		ok += ret == 0;
		fclose(f);
		wgl_device_free(dev);
	}
	printf("%ld replies accepted, %ld rejected\n", ok, n - ok);
	return 0;
}
