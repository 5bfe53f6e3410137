// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark, not a test: how long a backend takes to apply a configuration
 * of many peers and to read it back (kernel: split generic netlink
 * messages and one coalesced dump; userspace: one UAPI set and one get).
 * The read-back is checked (peer count, each key and allowed IP present) so
 * that a fast wrong answer cannot pass for a fast right one.
 *
 *   bench-config [BACKENDS (comma list, default kernel,userspace)] [PEERS... (default 1000 10000)]
 *
 * Modes (WGLAB_BENCH_MODES, comma list, default up,up-bare,down), because
 * what a peer costs depends on what it makes the device do:
 *   up       link up, each peer with an endpoint and a persistent keepalive: a
 *            running device sends that keepalive at once, so each new peer also
 *            starts a handshake (wireguard-go does it inside the UAPI set);
 *   up-bare  link up, key and allowed IP only: no handshake;
 *   down     link down during the apply, then up; "link-up ms" is the time the
 *            device takes to start the peers (and their handshakes);
 *   chunked  as up, in transactions of 1,000 peers (WGLAB_BENCH_CHUNK);
 *   no-key   as up-bare on a device without a private key: the kernel then
 *            skips each peer's static-static X25519 (wireguard-go does not).
 * A backend not usable on this host is listed as skipped, with the reason.
 * Beside wall time, the CPU milliseconds of wglab in user mode (building
 * and parsing messages) and in system calls (for the kernel backend, the
 * kernel's netlink work on the device), and of the daemon serving the device
 * (userspace); a loaded machine inflates those far less. The kernel's
 * handshake work runs in its workqueues and is in neither column. "delete ms"
 * is the device's deletion (the kernel removes each peer in turn; userspace:
 * the daemon stops). A down row whose daemon does not go down on a link-down
 * event is skipped, with the reason.
 *
 * In the kernel lab (no wireguard module needed on the host): the benchmark
 * config-scale-lab (config-scale-lab.sh), or for example
 *   wglab vm --add BUILD/tests/bench/bench-config --sh 'bench-config kernel 1000'
 *
 * To see where a daemon spends the time, run this under `perf record -g`
 * (children are followed) with WGLAB_USERSPACE naming a wireguard-go that
 * has symbols: Debian's is stripped, but the same source
 * (golang-golang.zx2c4-wireguard-dev) builds one with
 *   GO111MODULE=off GOPATH=/usr/share/gocode go build golang.zx2c4.com/wireguard
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

#define LISTEN_PORT 51820

struct mode {
	const char *name;
	bool options;   /* endpoint + persistent keepalive */
	bool down;      /* link down during the apply */
	bool chunked;   /* several transactions */
	bool no_key;    /* the device has no private key */
};

static const struct mode modes[] = {
	{ "up", true, false, false, false },
	{ "up-bare", false, false, false, false },
	{ "down", true, true, false, false },
	{ "chunked", true, false, true, false },
	{ "no-key", false, false, false, true },
};

/* A device of n peers: key i, endpoint 198.18.x.y:51820, 198.19.x.y/32 allowed. */
static struct wgl_device *make_config(size_t n, const struct mode *m)
{
	struct wgl_device *dev = calloc(1, sizeof(*dev));
	bool options = m->options;

	if (!dev)
		return NULL;
	dev->flags = WGL_DEV_HAS_LISTEN_PORT | WGL_DEV_REPLACE_PEERS;
	dev->listen_port = LISTEN_PORT;
	if (!m->no_key) {
		dev->flags |= WGL_DEV_HAS_PRIVATE_KEY;
		wgl_key_generate_private(dev->private_key);
	}
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
							  .sin_port = htons(LISTEN_PORT) };
		p->endpoint.addr4.sin_addr.s_addr = htonl(0xc6120000u | host);   /* 198.18/16 */
		p->keepalive_interval = 25;
		a->family = AF_INET;
		a->ip4.s_addr = htonl(0xc6130000u | host);                        /* 198.19/16 */
		a->cidr = 32;
	}
	return dev;
}

/* A peer's key and its first allowed IPv4 address, to compare sorted lists. */
struct peer_id {
	wgl_key key;
	uint32_t ip4;
};

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct peer_id));
}

/* The sorted ids of dev's peers; *n gets their count. NULL on ENOMEM. */
static struct peer_id *peer_ids(struct wgl_device *dev, size_t *n)
{
	struct wgl_peer *p;
	struct peer_id *ids;
	size_t i = 0;

	*n = 0;
	wgl_for_each_peer(dev, p)
		(*n)++;
	ids = calloc(*n ? *n : 1, sizeof(*ids));
	if (!ids)
		return NULL;
	wgl_for_each_peer(dev, p) {
		memcpy(ids[i].key, p->public_key, sizeof(ids[i].key));
		ids[i++].ip4 = p->first_allowedip ? p->first_allowedip->ip4.s_addr : 0;
	}
	qsort(ids, *n, sizeof(*ids), cmp_id);
	return ids;
}

/* Every peer of want is in got, with its allowed IP, and nothing else (sorted: n log n). */
static bool same_peers(struct wgl_device *want, struct wgl_device *got)
{
	size_t nw, ng;
	struct peer_id *w = peer_ids(want, &nw), *g = peer_ids(got, &ng);
	bool same = w && g && nw == ng && !memcmp(w, g, nw * sizeof(*w));

	free(w);
	free(g);
	return same;
}

/*
 * CPU milliseconds so far of this process in user mode (wglab's own
 * writing and parsing) and in the kernel (for the kernel backend, the
 * netlink work on the device is done in wglab's system calls).
 */
static void self_cpu_ms(double *usr, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*usr = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3;
	*sys = (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

/* CPU milliseconds so far of the daemon serving the device, 0 without one. */
static double daemon_cpu_ms(pid_t daemon)
{
	char path[64];
	unsigned long ut = 0, st = 0;
	FILE *f;

	if (daemon <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)daemon);
	f = fopen(path, "r");
	/* Fields 14 and 15, after the command in parentheses. */
	if (f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			&ut, &st) != 2)
		ut = st = 0;
	if (f)
		fclose(f);
	return (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

/* Whether a UDP socket (IPv4 or IPv6) on port (0: any) is open in pid's network namespace. */
static bool udp_bound(pid_t pid, unsigned int port)
{
	static const char *const files[] = { "udp", "udp6" };
	char path[64], line[512];
	bool found = false;

	for (size_t i = 0; i < 2 && !found; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, files[i]);
		f = fopen(path, "r");
		while (f && !found && fgets(line, sizeof(line), f)) {
			unsigned int p;

			/* "  sl  local_address ...": the header has no hex port. */
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x", &p) == 1)
				found = !port || p == port;
		}
		if (f)
			fclose(f);
	}
	return found;
}

/* Polls (1 ms) until udp_bound(pid, port) is want, at most timeout_ms. */
static int wait_udp(pid_t pid, unsigned int port, bool want, int timeout_ms)
{
	long long deadline = wgl_now_ns() + timeout_ms * 1000000LL;

	while (udp_bound(pid, port) != want) {
		if (wgl_now_ns() > deadline)
			return -ETIMEDOUT;
		wgl_sleep_ms(1);
	}
	return 0;
}

/*
 * Brings the device down before the apply. wireguard-go learns the link
 * state from netlink and from a write probe; on the 6.1 and 6.18 kernels
 * tried, the probe reports a down tun as up, so the daemon starts out running. An up/down
 * toggle should make it see a down event, and its UDP socket closing shows
 * the event was handled. wireguard-go 0.0.20220316 misses it (its netlink
 * reader forgets an "up" between two reads), so the mode is skipped when the
 * socket stays open for a second. A kernel device is created down.
 */
static int link_down(struct wgl_ns *ns, struct wgl_wgdev *wg)
{
	pid_t pid = wgl_wg_pid(wg);
	int err;

	if (pid <= 0)
		return 0;
	err = wgl_link_set_up(ns, "wg0", true);
	err = err ?: wgl_link_set_up(ns, "wg0", false);
	if (!err && wait_udp(pid, 0, false, 1000) < 0)
		err = -EOPNOTSUPP;
	return err;
}

/*
 * Link up after a down apply, until the peers run. The kernel starts them
 * in the netlink call. wireguard-go binds its port, then starts every peer
 * while holding the lock that UAPI requests take: an empty set once the port
 * is bound returns after that.
 */
static int link_up_wait(struct wgl_ns *ns, struct wgl_wgdev *wg)
{
	struct wgl_device empty = { 0 };
	pid_t pid = wgl_wg_pid(wg);
	int err = wgl_link_set_up(ns, "wg0", true);

	if (err || pid <= 0)
		return err;
	err = wait_udp(pid, LISTEN_PORT, true, 5000);
	return err ?: wgl_wg_set(wg, &empty);
}

/* Applies cfg in transactions of chunk peers; the first one replaces the peers. */
static int apply_chunked(struct wgl_wgdev *wg, struct wgl_device *cfg, size_t chunk)
{
	struct wgl_device part = *cfg;
	struct wgl_peer *p = cfg->first_peer;
	int err = 0;

	while (p && !err) {
		struct wgl_peer *last = p, *next;

		for (size_t i = 1; i < chunk && last->next; i++)
			last = last->next;
		next = last->next;
		last->next = NULL;
		part.first_peer = p;
		part.last_peer = last;
		err = wgl_wg_set(wg, &part);
		last->next = next;
		part.flags &= ~(uint32_t)WGL_DEV_REPLACE_PEERS;
		p = next;
	}
	return err;
}

static size_t chunk_size(void)
{
	const char *e = getenv("WGLAB_BENCH_CHUNK");
	long v = e ? atol(e) : 0;

	return v > 0 ? (size_t)v : 1000;
}

/* Times and CPU of one row. */
struct row {
	long long t[4];              /* before apply, after apply, after link up, after read-back */
	long long delete_ns;         /* deleting the device (kernel: removing every peer) */
	double usr[4], sys[4], daemon[4];
};

static void mark(struct row *r, int i, pid_t pid)
{
	r->t[i] = wgl_now_ns();
	self_cpu_ms(&r->usr[i], &r->sys[i]);
	r->daemon[i] = daemon_cpu_ms(pid);
}

/*
 * CPU columns: wglab (user, system) and the daemon over apply + link up, all
 * three over the read-back, and all three per peer over apply + link up.
 */
static double print_row(const char *backend, const struct mode *m, size_t n, const struct row *r)
{
	double usr = r->usr[2] - r->usr[0], sys = r->sys[2] - r->sys[0];
	double self = usr + sys, daemon = r->daemon[2] - r->daemon[0];
	double read = r->usr[3] - r->usr[2] + r->sys[3] - r->sys[2] + r->daemon[3] - r->daemon[2];
	char up[32] = "-";

	if (m->down)
		snprintf(up, sizeof(up), "%.1f", (double)(r->t[2] - r->t[1]) / 1e6);
	printf("%-10s %-8s %6zu %9.1f %10s %8.1f %9.1f %9.1f %10.1f %9.1f %8.1f %9.1f\n", backend,
	       m->name, n, (double)(r->t[1] - r->t[0]) / 1e6, up, (double)(r->t[3] - r->t[2]) / 1e6,
	       usr, sys, daemon, read, 1e3 * (self + daemon) / (double)n,
	       (double)r->delete_ns / 1e6);
	return 1e3 * (self + daemon) / (double)n;
}

/* The measured part of a row: apply (link up or down), link up, read back, check. */
static int run_row(struct wgl_ns *ns, struct wgl_wgdev *wg, const struct mode *m,
		   struct wgl_device *cfg, struct row *r)
{
	struct wgl_device *got = NULL;
	pid_t pid = wgl_wg_pid(wg);
	int err = m->down ? link_down(ns, wg) : wgl_link_set_up(ns, "wg0", true);

	if (err)
		return err;
	mark(r, 0, pid);
	err = m->chunked ? apply_chunked(wg, cfg, chunk_size()) : wgl_wg_set(wg, cfg);
	mark(r, 1, pid);
	/* A daemon whose socket came back during the apply was not down for all of it. */
	if (!err && m->down && pid > 0 && udp_bound(pid, 0))
		err = -EAGAIN;
	if (!err && m->down)
		err = link_up_wait(ns, wg);
	mark(r, 2, pid);
	err = err ?: wgl_wg_get(wg, &got);
	mark(r, 3, pid);
	if (!err && !same_peers(cfg, got))
		err = -EBADMSG;
	wgl_device_free(got);
	return err;
}

/* One row: apply and read back n peers on a fresh device of backend; *us: CPU us per peer. */
static int measure(const char *backend, const struct mode *m, size_t n, double *us)
{
	struct wgl_ns *ns = wgl_ns_new("cfgscale", false);
	struct wgl_device *cfg = make_config(n, m);
	struct wgl_wgdev *wg = ns ? wgl_wg_create(backend, ns, "wg0", NULL) : NULL;
	struct row r;
	int err = -ENOMEM;

	if (wg && cfg)
		err = run_row(ns, wg, m, cfg, &r);
	if (!err) {
		r.delete_ns = wgl_now_ns();
		wgl_wg_destroy(wg);
		wg = NULL;
		r.delete_ns = wgl_now_ns() - r.delete_ns;
	}
	*us = -1;
	if (!err)
		*us = print_row(backend, m, n, &r);
	else if (err == -EOPNOTSUPP || err == -EAGAIN)
		printf("%-10s %-8s %6zu   skipped: the daemon %s\n", backend, m->name, n,
		       err == -EAGAIN ? "came back up during the apply" : "stays up on link down");
	else
		printf("%-10s %-8s %6zu   failed: %s\n", backend, m->name, n, strerror(-err));
	fflush(stdout);
	wgl_device_free(cfg);
	wgl_wg_destroy(wg);
	wgl_ns_free(ns);
	return err == -EOPNOTSUPP || err == -EAGAIN ? 0 : err;
}

static const struct mode *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return NULL;
}

#define MAX_SIZES 16

/*
 * What a handshake adds to a peer, from the rows just printed: CPU per peer
 * of up-bare against up. For the kernel the handshake runs in workqueues
 * (not in the CPU columns), so only wall time shows it there.
 */
static void print_split(const char *backend, const size_t *sizes, int nsizes,
			const double *bare, const double *up)
{
	for (int i = 0; i < nsizes; i++) {
		if (bare[i] <= 0 || up[i] <= 0)
			continue;
		printf("  %s, %zu peers: %.0f us CPU per peer without a handshake (up-bare), "
		       "%.0f us with one (up): %.0f%% of a peer's cost is its first handshake\n",
		       backend, sizes[i], bare[i], up[i], 100.0 * (up[i] - bare[i]) / up[i]);
	}
}

/* The peer counts of the command line (default 1000 10000); their number. */
static int sizes_of(int argc, char **argv, size_t *sizes)
{
	int n = 0;

	for (int i = 2; i < (argc > 2 ? argc : 4) && n < MAX_SIZES; i++)
		sizes[n++] = argc > 2 ? strtoul(argv[i], NULL, 10) : i == 2 ? 1000 : 10000;
	return n;
}

/* Every mode of WGLAB_BENCH_MODES for backend, for each size; 1 if a row failed. */
static int run_backend(const char *backend, int argc, char **argv)
{
	const char *env = getenv("WGLAB_BENCH_MODES");
	double bare[MAX_SIZES] = { 0 }, up[MAX_SIZES] = { 0 };
	size_t sizes[MAX_SIZES];
	int nsizes = sizes_of(argc, argv, sizes), rc = 0;
	char list[256];

	snprintf(list, sizeof(list), "%s", env && *env ? env : "up,up-bare,down");
	for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		const struct mode *m = find_mode(name);

		if (!m) {
			printf("unknown mode '%s' (up, up-bare, down, chunked, no-key)\n", name);
			rc = 1;
			continue;
		}
		for (int i = 0; i < nsizes; i++) {
			double us;

			if (measure(backend, m, sizes[i], &us) < 0)
				rc = 1;
			if (!strcmp(m->name, "up"))
				up[i] = us;
			else if (!strcmp(m->name, "up-bare"))
				bare[i] = us;
		}
	}
	print_split(backend, sizes, nsizes, bare, up);
	return rc;
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
	printf("%-10s %-8s %6s %9s %10s %8s %9s %9s %10s %9s %8s %9s\n", "backend", "mode", "peers",
	       "apply ms", "link-up ms", "read ms", "wglab usr", "wglab sys", "daemon cpu",
	       "read cpu", "us/peer", "delete ms");
	snprintf(list, sizeof(list), "%s", backends);
	for (char *save = NULL, *b = strtok_r(list, ",", &save); b;
	     b = strtok_r(NULL, ",", &save)) {
		if (wgl_backend_available(NULL, b, why, sizeof(why)) < 0) {
			printf("%-10s %-8s %6s   skipped: %s\n", b, "-", "-", why);
			continue;
		}
		rc |= run_backend(b, argc, argv);
	}
	return rc;
}
