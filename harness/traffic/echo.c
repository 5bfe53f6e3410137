// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP echo latency probes. The prober runs in the calling process and keeps
 * one socket; the timestamps never leave it (the echo server returns the
 * bytes unchanged), so the RTT needs only the monotonic clock of one process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "harness/traffic/echo.h"
#include "base/stats.h"
#include "netns/netns.h"

#define PROBE_MAGIC 0x77676c65u /* "wgle" */
#define PAYLOAD_MAX 1400

struct probe {
	uint32_t magic;
	uint32_t seq;
	uint64_t cookie;   /* tells this run's probes from a previous run's stragglers */
	int64_t sent_ns;
};

union sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

static int make_addr(const char *addr, uint16_t port, union sa *out, socklen_t *len)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, &out->in.sin_addr) == 1) {
		out->in.sin_family = AF_INET;
		out->in.sin_port = htons(port);
		*len = sizeof(out->in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &out->in6.sin6_addr) == 1) {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons(port);
		*len = sizeof(out->in6);
		return 0;
	}
	return -EINVAL;
}

static int echo_loop(void *arg)
{
	int fd = *(int *)arg;
	char buf[2048];

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		union sa from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, &from.sa, &flen);

		if (n < 0 && errno != EINTR)
			return 1;
		if (n > 0)
			sendto(fd, buf, (size_t)n, 0, &from.sa, flen);
	}
}

int wgl_echo_server_start(struct wgl_echo_server *s, struct wgl_ns *ns, const char *addr,
			  uint16_t port)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	union sa sa;
	socklen_t len;
	int fd, ret;
	pid_t pid;

	s->pid = 0;
	ret = make_addr(addr, port ? port : WGL_ECHO_PORT, &sa, &len);
	if (ret < 0) {
		wgl_err("echo server: bad address '%s'", addr);
		return ret;
	}
	fd = wgl_ns_socket(ns, sa.sa.sa_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		wgl_err("echo server: socket in %s: %s", ns->name, strerror(-fd));
		return fd;
	}
	/* Bound here, before the child exists: a probe sent after we return finds it. */
	if (bind(fd, &sa.sa, len) < 0) {
		ret = -errno;
		wgl_err("echo server: bind %s port %u in %s: %s", addr, port, ns->name,
			strerror(errno));
		goto out;
	}
	co.netns_fd = ns->fd;
	co.keep_fd = fd;
	pid = wgl_child_run(&co, "echo-server", echo_loop, &fd);
	ret = pid < 0 ? (int)pid : 0;
	if (pid < 0)
		wgl_err("echo server: cannot start: %s", strerror(-ret));
	else
		s->pid = pid;
out:
	close(fd);
	return ret;
}

void wgl_echo_server_stop(struct wgl_echo_server *s)
{
	if (s->pid > 0)
		wgl_child_stop(s->pid, 1000);
	s->pid = 0;
}

void wgl_echo_stats(const double *rtt_ms, unsigned int n, unsigned int sent,
		    struct wgl_echo_result *r)
{
	static const double ps[] = { 0, 50, 90, 99, 100 };
	double out[5];
	double sum = 0;

	r->sent = sent;
	r->received = n;
	r->loss_pct = sent ? 100.0 * (double)(sent - n) / (double)sent : 0;
	wgl_percentiles(rtt_ms, n, ps, out, 5);
	r->min_ms = out[0];
	r->p50_ms = out[1];
	r->p90_ms = out[2];
	r->p99_ms = out[3];
	r->max_ms = out[4];
	for (unsigned int i = 0; i < n; i++)
		sum += rtt_ms[i];
	r->mean_ms = n ? sum / n : NAN;
}

struct prober {
	int fd;
	uint64_t cookie;
	int count;
	double *rtt;       /* per seq, -1 = not back yet */
	unsigned int got;
};

/* Receives whatever echoes arrive until deadline_ns. */
static void receive_until(struct prober *p, long long deadline_ns)
{
	for (;;) {
		long long left = deadline_ns - wgl_now_ns();
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		struct probe pr;
		ssize_t n;

		if (left <= 0 || p->got == (unsigned int)p->count)
			return;
		if (poll(&pfd, 1, (int)((left + 999999) / 1000000)) <= 0)
			continue;
		n = recv(p->fd, &pr, sizeof(pr), MSG_DONTWAIT);
		if (n < (ssize_t)sizeof(pr) || pr.magic != PROBE_MAGIC || pr.cookie != p->cookie ||
		    pr.seq >= (uint32_t)p->count || p->rtt[pr.seq] >= 0)
			continue;
		p->rtt[pr.seq] = (double)(wgl_now_ns() - pr.sent_ns) / 1e6;
		p->got++;
	}
}

static int send_probes(struct prober *p, const struct wgl_echo_opts *o, unsigned int *sent)
{
	int interval_us = o->interval_us > 0 ? o->interval_us : 10000;
	int size = o->payload >= (int)sizeof(struct probe) ? o->payload : 64;
	char buf[PAYLOAD_MAX] = { 0 };
	long long start = wgl_now_ns();

	if (size > PAYLOAD_MAX)
		size = PAYLOAD_MAX;
	for (int i = 0; i < p->count; i++) {
		struct probe pr = { PROBE_MAGIC, (uint32_t)i, p->cookie, 0 };

		/* A fixed schedule: a late send does not shift the later ones. */
		receive_until(p, start + (long long)i * interval_us * 1000LL);
		pr.sent_ns = wgl_now_ns();
		memcpy(buf, &pr, sizeof(pr));
		if (send(p->fd, buf, (size_t)size, 0) < 0 && errno != ENOBUFS && errno != EAGAIN &&
		    errno != ECONNREFUSED)
			return -errno;
		(*sent)++;
	}
	return 0;
}

int wgl_echo_probe(struct wgl_ns *ns, const struct wgl_echo_opts *o, struct wgl_echo_result *r)
{
	struct prober p = { .fd = -1, .count = o->count > 0 ? o->count : 100 };
	unsigned int sent = 0, n = 0;
	union sa sa;
	socklen_t len;
	double *back = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = make_addr(o->addr, o->port ? o->port : WGL_ECHO_PORT, &sa, &len);
	if (ret < 0) {
		wgl_err("echo probe: bad address '%s'", o->addr);
		return ret;
	}
	p.cookie = ((uint64_t)getpid() << 32) ^ (uint64_t)wgl_now_ns();
	p.rtt = malloc(sizeof(double) * (size_t)p.count);
	back = malloc(sizeof(double) * (size_t)p.count);
	if (!p.rtt || !back) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < p.count; i++)
		p.rtt[i] = -1;
	p.fd = wgl_ns_socket(ns, sa.sa.sa_family, SOCK_DGRAM, 0);
	if (p.fd < 0 || connect(p.fd, &sa.sa, len) < 0) {
		ret = p.fd < 0 ? p.fd : -errno;
		wgl_err("echo probe: socket to %s in %s: %s", o->addr, ns->name, strerror(-ret));
		goto out;
	}
	ret = send_probes(&p, o, &sent);
	if (ret < 0) {
		wgl_err("echo probe: send to %s: %s", o->addr, strerror(-ret));
		goto out;
	}
	receive_until(&p, wgl_now_ns() + (long long)(o->wait_ms > 0 ? o->wait_ms : 1000) * 1000000LL);
	for (int i = 0; i < p.count; i++)
		if (p.rtt[i] >= 0)
			back[n++] = p.rtt[i];
	if (o->samples_ms && o->nsamples) {
		memcpy(o->samples_ms, back, sizeof(double) * n);
		*o->nsamples = n;
	}
	wgl_echo_stats(back, n, sent, r);
out:
	if (p.fd >= 0)
		close(p.fd);
	free(p.rtt);
	free(back);
	return ret;
}
