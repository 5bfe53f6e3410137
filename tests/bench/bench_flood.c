// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark, not a test: how fast the probe's flood primitive (harness/flood.h)
 * puts initiations on a veth, against the ceiling measured in the same run.
 *
 *   [x: veth0 198.18.0.10..17, one UDP socket each]----[b: veth0 198.18.0.2, sink :51820]
 *
 * The ceiling is a bare sendmmsg loop of the same 148-byte datagram, over the
 * same sockets, batches and receiver. Each kind alternates with the ceiling
 * (ABBA) and the medians are printed: kind, rate, ceiling, ratio. The last
 * line is the flood of fully valid initiations (64 client keys, one thread
 * per core) against the machine's X25519 rate (crypto_scalarmult per second
 * x cores), measured alternately in the same way.
 *
 *   bench-flood [DATAGRAMS_PER_MEASUREMENT] [ROUNDS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/child.h"
#include "base/log.h"
#include "base/stats.h"
#include "harness/flood.h"
#include "harness/probe.h"
#include "netns/netns.h"

#define SOURCES 8
#define BATCH 64
#define MAX_ROUNDS 16

static struct wgl_ns *ns_x, *ns_b;
static int fds[SOURCES], sink = -1;
static struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = 0 };

static int udp_socket(struct wgl_ns *ns, const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = wgl_ns_socket(ns, AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return fd;
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int build(void)
{
	char cidr[32];
	int err;

	ns_x = wgl_ns_new("flood-x", false);
	ns_b = wgl_ns_new("flood-b", false);
	if (!ns_x || !ns_b)
		return -errno;
	err = wgl_veth_add(ns_x, "veth0", ns_b, "veth0");
	err = err ?: wgl_addr_add(ns_b, "veth0", "198.18.0.2/24");
	for (int i = 0; i < SOURCES && !err; i++) {
		snprintf(cidr, sizeof(cidr), "198.18.0.%d/24", 10 + i);
		err = wgl_addr_add(ns_x, "veth0", cidr);
	}
	err = err ?: wgl_link_set_up(ns_x, "veth0", true);
	err = err ?: wgl_link_set_up(ns_b, "veth0", true);
	err = err ?: wgl_link_wait_running(ns_x, "veth0", 3000);
	if (err)
		return err;
	/* A socket nobody reads: the receiver drops at its buffer, no ICMP back. */
	sink = udp_socket(ns_b, "198.18.0.2", 51820);
	for (int i = 0; i < SOURCES && sink >= 0; i++) {
		snprintf(cidr, sizeof(cidr), "198.18.0.%d", 10 + i);
		fds[i] = udp_socket(ns_x, cidr, 0);
		if (fds[i] < 0)
			return fds[i];
	}
	dst.sin_port = htons(51820);
	inet_pton(AF_INET, "198.18.0.2", &dst.sin_addr);
	return sink < 0 ? sink : 0;
}

/* The ceiling: sendmmsg of one datagram, batches of BATCH, sockets in turn. */
static double bare_rate(const uint8_t *msg, size_t len, unsigned long count)
{
	struct mmsghdr m[BATCH];
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	unsigned long sent = 0, next = 0;
	long long t0;

	for (int i = 0; i < BATCH; i++)
		m[i].msg_hdr = (struct msghdr){ .msg_name = &dst, .msg_namelen = sizeof(dst),
						.msg_iov = &iov, .msg_iovlen = 1 };
	t0 = wgl_now_ns();
	while (sent < count) {
		unsigned int n = count - sent < BATCH ? (unsigned int)(count - sent) : BATCH;
		int k = sendmmsg(fds[next++ % SOURCES], m, n, 0);

		sent += k > 0 ? (unsigned long)k : n;
	}
	return (double)count / ((double)(wgl_now_ns() - t0) / 1e9);
}

#define CLIENTS 64
static uint8_t clients[CLIENTS][32];

static double flood_rate(struct wgl_probe *p, enum wgl_flood_kind kind, unsigned long count)
{
	struct wgl_flood_opts o = { .kind = kind, .count = count, .fds = fds, .nfds = SOURCES,
				    .clients = (const uint8_t (*)[32])clients,
				    .nclients = CLIENTS };
	struct wgl_flood_result r;
	int err = wgl_probe_flood(p, &o, &r);

	if (err < 0) {
		fprintf(stderr, "flood: %s\n", strerror(-err));
		return 0;
	}
	return r.rate;
}

/* crypto_scalarmult per second on one core, times the cores. */
static double x25519_rate(long cores)
{
	uint8_t sk[32], pk[32], out[32];
	long long t0, n = 0;

	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(pk, sk);
	t0 = wgl_now_ns();
	while (wgl_now_ns() - t0 < 500000000LL) {
		for (int i = 0; i < 100; i++)
			if (crypto_scalarmult(out, sk, pk) == 0)
				n++;
	}
	return (double)n / ((double)(wgl_now_ns() - t0) / 1e9) * (double)cores;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "copy", "init", "mac2", "valid" };
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
	int rounds = argc > 2 ? atoi(argv[2]) : 4;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct wgl_probe *p;
	struct wgl_noise *n;
	wgl_key peer_priv, peer_pub;
	const uint8_t *msg;
	size_t len;

	if (geteuid() != 0) {
		printf("SKIP: needs root (namespaces)\n");
		return 77;
	}
	rounds = rounds < 1 ? 1 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	wgl_cleanup_install_signals();
	if (sodium_init() < 0 || build() < 0) {
		fprintf(stderr, "bench-flood: cannot build the topology\n");
		return 1;
	}
	wgl_key_generate_private(peer_priv);
	for (int i = 0; i < CLIENTS; i++)
		wgl_key_generate_private(clients[i]);
	wgl_key_public(peer_pub, peer_priv);
	p = wgl_probe_new(NULL);
	if (!p || wgl_probe_set_peer(p, peer_pub, NULL, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
	    wgl_probe_send_initiation(p, fds[0], 0) < 0)
		return 1;
	msg = wgl_probe_last_sent(p, &len);
	/* A held cookie, as if the responder had answered with a cookie reply. */
	n = wgl_probe_engine(p);
	randombytes_buf(n->gen.cookie, sizeof(n->gen.cookie));
	n->gen.has_cookie = true;
	n->gen.cookie_ns = wgl_now_ns();

	printf("flood of %lu datagrams (%zu bytes) per measurement, %d rounds ABBA, %d sources\n",
	       count, len, rounds, SOURCES);
	printf("%-6s %14s %14s %7s\n", "kind", "rate (dgram/s)", "ceiling", "ratio");
	for (int k = 0; k < 4; k++) {
		double fr[MAX_ROUNDS], br[MAX_ROUNDS], f, b;
		/* A valid initiation costs more: fewer of them, against X25519/s. */
		unsigned long c = k == 3 ? count / 10 : count;

		for (int r = 0; r < rounds; r++) {
			bool flood_first = r % 4 == 0 || r % 4 == 3;

			if (flood_first)
				fr[r] = flood_rate(p, (enum wgl_flood_kind)k, c);
			br[r] = k == 3 ? x25519_rate(cores) : bare_rate(msg, len, c);
			if (!flood_first)
				fr[r] = flood_rate(p, (enum wgl_flood_kind)k, c);
		}
		f = wgl_median(fr, (size_t)rounds);
		b = wgl_median(br, (size_t)rounds);
		if (k == 3)
			printf("%-6s %14s %14s %7s   (ceiling: X25519/s x %ld cores)\n", "", "", "",
			       "", cores);
		printf("%-6s %14.0f %14.0f %6.1f%%\n", names[k], f, b, b > 0 ? 100 * f / b : 0);
	}
	wgl_probe_free(p);
	for (int i = 0; i < SOURCES; i++)
		close(fds[i]);
	close(sink);
	wgl_ns_free(ns_x);
	wgl_ns_free(ns_b);
	return 0;
}
