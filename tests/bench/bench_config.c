// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark, not a test: how long a backend takes to apply a configuration
 * of many peers and to read it back (kernel: split generic netlink
 * messages and one coalesced dump; userspace: one UAPI set and one get).
 * Each peer has a public key, an endpoint, a keepalive and one allowed IP.
 * The read-back is checked (peer count, each key present) so that a fast
 * wrong answer cannot pass for a fast right one.
 *
 *   bench-config [BACKENDS (comma list, default kernel,userspace)] [PEERS... (default 1000 10000)]
 *
 * A backend not usable on this host is listed as skipped, with the reason.
 * WGLAB_BENCH_BARE=1 leaves out the endpoint and keepalive (key and allowed
 * IP only), to tell the cost of a peer from the cost of its options.
 * Beside wall time, the CPU milliseconds of wglab and of the daemon serving
 * the device (userspace), which a loaded machine inflates far less.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>

#include "base/child.h"
#include "base/log.h"
#include "harness/backends/backend.h"
#include "netns/netns.h"

/* A device of n peers: key i, endpoint 198.18.x.y:51820, 198.19.x.y/32 allowed. */
static struct wgl_device *make_config(size_t n)
{
	struct wgl_device *dev = calloc(1, sizeof(*dev));
	const char *bare = getenv("WGLAB_BENCH_BARE");
	bool options = !bare || strcmp(bare, "1");

	if (!dev)
		return NULL;
	dev->flags = WGL_DEV_HAS_PRIVATE_KEY | WGL_DEV_HAS_LISTEN_PORT | WGL_DEV_REPLACE_PEERS;
	dev->listen_port = 51820;
	wgl_key_generate_private(dev->private_key);
	for (size_t i = 0; i < n; i++) {
		struct wgl_peer *p = wgl_device_add_peer(dev);
		struct wgl_allowedip *a = p ? wgl_peer_add_allowedip(p) : NULL;
		uint32_t host = (uint32_t)i + 1;

		if (!a) {
			wgl_device_free(dev);
			return NULL;
		}
		p->flags = WGL_PEER_HAS_PUBLIC_KEY | WGL_PEER_REPLACE_ALLOWEDIPS;
		if (options)
			p->flags |= WGL_PEER_HAS_ENDPOINT | WGL_PEER_HAS_KEEPALIVE;
		randombytes_buf(p->public_key, sizeof(p->public_key));
		p->endpoint.addr4 = (struct sockaddr_in){ .sin_family = AF_INET,
							  .sin_port = htons(51820) };
		p->endpoint.addr4.sin_addr.s_addr = htonl(0xc6120000u | host);   /* 198.18/16 */
		p->keepalive_interval = 25;
		a->family = AF_INET;
		a->ip4.s_addr = htonl(0xc6130000u | host);                        /* 198.19/16 */
		a->cidr = 32;
	}
	return dev;
}

/* Every peer of want is in got, and nothing else. */
static bool same_peers(struct wgl_device *want, struct wgl_device *got)
{
	struct wgl_peer *p;
	size_t nwant = 0, ngot = 0;

	wgl_for_each_peer(got, p)
		ngot++;
	wgl_for_each_peer(want, p) {
		struct wgl_peer *q = wgl_device_find_peer(got, p->public_key);

		nwant++;
		if (!q || !q->first_allowedip ||
		    q->first_allowedip->ip4.s_addr != p->first_allowedip->ip4.s_addr)
			return false;
	}
	return nwant == ngot;
}

/*
 * CPU milliseconds used so far by this process (the kernel's netlink work
 * runs in its system calls) and by the daemon serving the device, if any:
 * on a loaded machine wall time says more about the neighbours.
 */
static double cpu_ms(pid_t daemon)
{
	struct rusage ru;
	double ms;
	char path[64];
	unsigned long ut = 0, st = 0;
	FILE *f;

	getrusage(RUSAGE_SELF, &ru);
	ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	if (daemon <= 0)
		return ms;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)daemon);
	f = fopen(path, "r");
	/* Fields 14 and 15, after the command in parentheses. */
	if (f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			&ut, &st) == 2)
		ms += (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
	if (f)
		fclose(f);
	return ms;
}

/* One row: apply and read back n peers on a fresh device of backend. */
static int measure(const char *backend, size_t n)
{
	struct wgl_ns *ns = wgl_ns_new("cfgscale", false);
	struct wgl_device *cfg = make_config(n), *got = NULL;
	struct wgl_wgdev *wg = ns ? wgl_wg_create(backend, ns, "wg0", NULL) : NULL;
	long long t0, t1, t2;
	double c0, c1, c2;
	int err = -ENOMEM;

	if (!wg || !cfg)
		goto out;
	c0 = cpu_ms(wgl_wg_pid(wg));
	t0 = wgl_now_ns();
	err = wgl_wg_set(wg, cfg);
	t1 = wgl_now_ns();
	c1 = cpu_ms(wgl_wg_pid(wg));
	err = err ?: wgl_wg_get(wg, &got);
	t2 = wgl_now_ns();
	c2 = cpu_ms(wgl_wg_pid(wg));
	if (!err && !same_peers(cfg, got))
		err = -EBADMSG;
	if (!err)
		printf("%-10s %7zu %10.1f %14.1f %10.1f %14.1f\n", backend, n,
		       (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6, c1 - c0, c2 - c1);
out:
	if (err)
		printf("%-10s %7zu   failed: %s\n", backend, n, strerror(-err));
	fflush(stdout);
	wgl_device_free(got);
	wgl_device_free(cfg);
	wgl_wg_destroy(wg);
	wgl_ns_free(ns);
	return err;
}

int main(int argc, char **argv)
{
	char list[256], why[256];
	const char *backends = argc > 1 ? argv[1] : "kernel,userspace";
	int rc = 0;

	if (geteuid() != 0) {
		printf("SKIP: needs root (namespaces)\n");
		return 77;
	}
	wgl_cleanup_install_signals();
	if (sodium_init() < 0)
		return 1;
	printf("%-10s %7s %10s %14s %10s %14s\n", "backend", "peers", "apply ms", "read-back ms",
	       "apply cpu", "read-back cpu");
	snprintf(list, sizeof(list), "%s", backends);
	for (char *save = NULL, *b = strtok_r(list, ",", &save); b;
	     b = strtok_r(NULL, ",", &save)) {
		if (wgl_backend_available(NULL, b, why, sizeof(why)) < 0) {
			printf("%-10s %7s   skipped: %s\n", b, "-", why);
			continue;
		}
		for (int i = 2; i < (argc > 2 ? argc : 4); i++) {
			size_t n = argc > 2 ? strtoul(argv[i], NULL, 10) : i == 2 ? 1000 : 10000;

			if (measure(b, n) < 0)
				rc = 1;
		}
	}
	return rc;
}
