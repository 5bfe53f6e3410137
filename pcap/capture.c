// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "base/child.h"
#include "base/log.h"
#include "netns/netns.h"
#include "pcap/capture.h"

#define DEFAULT_SNAPLEN 262144
#define DEFAULT_BUFFER (4 << 20)
#define READY_TIMEOUT_MS 10000
#define STOP_GRACE_MS 5000

struct wgl_capture {
	pid_t pid;
	int rfd;               /* read end of the report pipe */
	int linktype;
	char what[96];         /* "label:ifname" for messages */
	char path[PATH_MAX];   /* the file, for messages */
};

/* What the child needs; lives in the parent's memory, copied by fork. */
struct capture_args {
	const char *ifname, *path;
	struct wgl_capture_opts opts;
	int wfd;
};

/* ---- the child ---- */

static volatile sig_atomic_t stop_requested;
static pcap_t *active_handle;

static void on_term(int sig)
{
	stop_requested = 1;
	/* documented as safe from a signal handler; wakes the poll via an eventfd */
	if (active_handle)
		pcap_breakloop(active_handle);
}

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
	char buf[PCAP_ERRBUF_SIZE + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, n) < 0)
		return; /* the parent is gone; PDEATHSIG follows */
}

/*
 * libpcap reads /sys/class/net/<if>/ during activation; /sys shows the
 * namespace it was mounted in, so give the child a sysfs of its own
 * namespace the way `ip netns exec` does. Failure only weakens those reads.
 */
static void remount_sysfs(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return;
	if (umount2("/sys", MNT_DETACH) == 0)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
}

static pcap_t *open_handle(const struct capture_args *a, char *err)
{
	const struct wgl_capture_opts *o = &a->opts;
	struct bpf_program prog;
	pcap_t *p;

	p = pcap_create(a->ifname, err);
	if (!p)
		return NULL;
	if (pcap_set_snaplen(p, o->snaplen ? o->snaplen : DEFAULT_SNAPLEN) ||
	    pcap_set_promisc(p, o->promisc) ||
	    pcap_set_buffer_size(p, o->buffer_size ? o->buffer_size : DEFAULT_BUFFER) ||
	    pcap_set_immediate_mode(p, 1) || pcap_set_timeout(p, 100) ||
	    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO))
		goto set_failed;
	if (pcap_activate(p) < 0)
		goto set_failed;
	if (o->filter) {
		if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
			goto set_failed;
		if (pcap_setfilter(p, &prog) < 0) {
			pcap_freecode(&prog);
			goto set_failed;
		}
		pcap_freecode(&prog);
	}
	return p;

set_failed:
	snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
	pcap_close(p);
	return NULL;
}

struct dump_ctx {
	pcap_dumper_t *d;
	unsigned long long packets;
};

static void dump_one(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct dump_ctx *ctx = (struct dump_ctx *)user;

	pcap_dump((u_char *)ctx->d, h, bytes);
	ctx->packets++;
}

/* Dumps until SIGTERM, then drains what the kernel already queued. */
static int dump_loop(pcap_t *p, struct dump_ctx *ctx, int wfd)
{
	int rc = 0, breaks = 0;

	while (!stop_requested) {
		rc = pcap_dispatch(p, -1, dump_one, (u_char *)ctx);
		if (rc == PCAP_ERROR) {
			report(wfd, "E %s", pcap_geterr(p));
			return -1;
		}
	}
	active_handle = NULL;
	if (pcap_setnonblock(p, 1, pcap_geterr(p)) < 0)
		return 0;
	/*
	 * When SIGTERM came between two dispatches, the break flag is still set
	 * and the first drain call only clears it: go on past one break.
	 */
	do
		rc = pcap_dispatch(p, -1, dump_one, (u_char *)ctx);
	while (rc > 0 || (rc == PCAP_ERROR_BREAK && !breaks++));
	return 0;
}

static int capture_main(void *arg)
{
	struct capture_args *a = arg;
	char err[PCAP_ERRBUF_SIZE] = "";
	struct dump_ctx ctx = { 0 };
	struct sigaction sa = { .sa_handler = on_term };
	struct pcap_stat st = { 0 };
	pcap_t *p;
	int rc;

	remount_sysfs();
	p = open_handle(a, err);
	if (!p) {
		report(a->wfd, "E %s", err);
		return 1;
	}
	ctx.d = pcap_dump_open(p, a->path);
	if (!ctx.d) {
		report(a->wfd, "E %s", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	active_handle = p;
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: a blocked poll returns */
	report(a->wfd, "R %d", pcap_datalink(p));
	rc = dump_loop(p, &ctx, a->wfd);
	if (pcap_stats(p, &st) < 0)
		memset(&st, 0, sizeof(st));
	pcap_dump_close(ctx.d); /* flushes */
	pcap_close(p);
	if (rc == 0)
		report(a->wfd, "S %llu %u %u %u", ctx.packets, st.ps_recv, st.ps_drop,
		       st.ps_ifdrop);
	return rc ? 1 : 0;
}

/* ---- the parent ---- */

/* Reads one report line (up to '\n') within timeout_ms. 0, -ETIMEDOUT or -EPIPE. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	long long deadline = wgl_now_ns() + timeout_ms * 1000000LL;
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - wgl_now_ns()) / 1000000LL);
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EPIPE;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

static int spawn_capture(struct wgl_capture *c, struct wgl_ns *ns, struct capture_args *args)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	co.netns_fd = ns ? ns->fd : -1;
	co.stderr_fd = STDERR_FILENO;
	co.keep_fd = pfd[1];
	args->wfd = pfd[1];
	pid = wgl_child_run(&co, "capture", capture_main, args);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return pid;
	}
	c->pid = pid;
	c->rfd = pfd[0];
	return 0;
}

static void capture_free(struct wgl_capture *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	free(c);
}

struct wgl_capture *wgl_capture_spawn(struct wgl_ns *ns, const char *ifname, const char *path,
				      const struct wgl_capture_opts *opts)
{
	struct capture_args args = { .ifname = ifname, .path = path };
	struct wgl_capture *c;
	int rc;

	if (opts)
		args.opts = *opts;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rfd = -1;
	snprintf(c->what, sizeof(c->what), "%s:%s", ns ? ns->label : "host", ifname);
	snprintf(c->path, sizeof(c->path), "%s", path);
	rc = spawn_capture(c, ns, &args);
	if (rc < 0) {
		wgl_err("capture on %s: cannot start child: %s", c->what, strerror(-rc));
		capture_free(c);
		errno = -rc;
		return NULL;
	}
	return c;
}

int wgl_capture_ready(struct wgl_capture *c)
{
	char line[PCAP_ERRBUF_SIZE + 64];
	int rc = read_line(c->rfd, line, sizeof(line), wgl_deadline_clamp_ms(READY_TIMEOUT_MS));

	if (rc < 0 || line[0] != 'R') {
		wgl_err("capture on %s into %s: %s", c->what, c->path,
			rc < 0 ? "capture child exited before it was ready" :
			line + (line[0] == 'E' ? 2 : 0));
		wgl_child_stop(c->pid, STOP_GRACE_MS);
		capture_free(c);
		return rc < 0 ? rc : -EIO;
	}
	c->linktype = atoi(line + 2);
	wgl_dbg("capturing on %s into %s (linktype %d)", c->what, c->path, c->linktype);
	return 0;
}

struct wgl_capture *wgl_capture_start(struct wgl_ns *ns, const char *ifname, const char *path,
				      const struct wgl_capture_opts *opts)
{
	struct wgl_capture *c = wgl_capture_spawn(ns, ifname, path, opts);
	int rc = c ? wgl_capture_ready(c) : -errno;

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return c;
}

int wgl_capture_stop(struct wgl_capture *c, struct wgl_capture_stats *stats)
{
	unsigned long long pk = 0;
	unsigned int recv = 0, drop = 0, ifdrop = 0;
	char line[PCAP_ERRBUF_SIZE + 64] = "";
	int status, rc = 0;

	if (!c)
		return 0;
	status = wgl_child_stop(c->pid, STOP_GRACE_MS);
	/* The report stays in the pipe after the child exited. */
	if (read_line(c->rfd, line, sizeof(line), 100) < 0 ||
	    sscanf(line, "S %llu %u %u %u", &pk, &recv, &drop, &ifdrop) != 4) {
		wgl_err("capture on %s: child ended without statistics (status 0x%x)%s%s",
			c->what, status, line[0] == 'E' ? ": " : "",
			line[0] == 'E' ? line + 2 : "");
		rc = -EIO;
	} else if (drop || ifdrop) {
		wgl_warn("capture on %s: %u packets dropped by the buffer, %u by the interface",
			 c->what, drop, ifdrop);
	}
	if (stats) {
		*stats = (struct wgl_capture_stats){ .packets = pk, .received = recv,
			.dropped = drop, .if_dropped = ifdrop, .linktype = c->linktype };
	}
	capture_free(c);
	return rc;
}
