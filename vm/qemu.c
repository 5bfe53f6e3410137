// SPDX-License-Identifier: GPL-2.0-or-later
/* qemu child and console follower; see qemu.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"

int wgl_vm_qemu_argv(const struct wgl_vm_opts *o, char **argv, size_t n, char *buf,
		     size_t len)
{
	bool kvm = !strcmp(o->accel, "kvm");
	size_t i = 0, used = 0;

	if (n < 40)
		return -ENOSPC;
/* Formats one argument into buf; the VM's argv is tiny, so overflow is a bug. */
#define ARG(...) do { \
		int w_ = snprintf(buf + used, len - used, __VA_ARGS__); \
		if (w_ < 0 || (size_t)w_ >= len - used) return -ENOSPC; \
		argv[i++] = buf + used; used += (size_t)w_ + 1; \
	} while (0)
	ARG("%s", o->qemu ? o->qemu : "qemu-system-x86_64");
	ARG("-accel"); ARG("%s", kvm ? "kvm" : "tcg");
	/* TCG: the widest emulated CPU, so the crypto code takes its SIMD paths. */
	ARG("-cpu"); ARG("%s", kvm ? "host" : "max");
	ARG("-m"); ARG("%u", o->mem_mb);
	ARG("-smp"); ARG("%u", o->smp);
	ARG("-nodefaults"); ARG("-no-user-config"); ARG("-display"); ARG("none");
	ARG("-no-reboot");
	/* stdin is /dev/null, so qemu leaves the terminal alone and Ctrl-C reaches us. */
	ARG("-serial"); ARG("stdio");
	ARG("-kernel"); ARG("%s", o->kernel);
	ARG("-initrd"); ARG("%s", o->initrd);
	ARG("-append"); ARG("console=ttyS0 quiet panic=-1 rdinit=/init");
	ARG("-drive"); ARG("file=%s,format=raw,if=virtio,cache=writeback", o->disk);
	ARG("-device"); ARG("virtio-rng-pci");
#undef ARG
	argv[i] = NULL;
	return (int)i;
}

static double secs_since(long long start_ns)
{
	return (double)(wgl_now_ns() - start_ns) / 1e9;
}

void wgl_vm_scan_line(const char *line, double t, struct wgl_vm_outcome *out)
{
	const char *p;

	if (out->boot_s < 0 && (p = strstr(line, WGL_VM_MARK_INIT))) {
		out->boot_s = t;
		p = strstr(p, "uptime=");
		if (p)
			out->guest_uptime_s = strtod(p + 7, NULL);
	}
	p = strstr(line, WGL_VM_MARK_EXIT);
	if (p) {
		char *end;
		long rc = strtol(p + strlen(WGL_VM_MARK_EXIT), &end, 10);

		if (end != p + strlen(WGL_VM_MARK_EXIT) && rc >= 0 && rc <= 255) {
			out->guest_exit = (int)rc;
			out->exit_s = t;
		}
	}
	if (strstr(line, WGL_VM_MARK_WRITTEN))
		out->written_s = t;
}

struct follower {
	char line[4096];
	size_t len;
	long long start_ns;
};

/* Copies a console chunk out and scans complete lines; '\r' is dropped. */
static void follow(struct follower *f, const struct wgl_vm_opts *o, const char *buf, size_t n,
		   struct wgl_vm_outcome *out)
{
	ssize_t ignored;

	/* The copies are best effort: a full disk must not stop the VM. */
	if (o->echo)
		ignored = write(2, buf, n);
	if (o->log_fd >= 0)
		ignored = write(o->log_fd, buf, n);
	(void)ignored;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\r')
			continue;
		if (buf[i] == '\n' || f->len == sizeof(f->line) - 1) {
			f->line[f->len] = '\0';
			wgl_vm_scan_line(f->line, secs_since(f->start_ns), out);
			f->len = 0;
			if (buf[i] == '\n')
				continue;
		}
		f->line[f->len++] = buf[i];
	}
}

/* Reads the console until EOF or the deadline; -ETIMEDOUT on the latter. */
static int pump(int fd, const struct wgl_vm_opts *o, struct follower *f,
		struct wgl_vm_outcome *out)
{
	long long deadline = f->start_ns + (long long)o->timeout_s * 1000000000LL;
	char buf[4096];

	for (;;) {
		long long left_ms = (deadline - wgl_now_ns()) / 1000000;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left_ms <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left_ms > 1000 ? 1000 : (int)left_ms) < 0 && errno != EINTR)
			return -errno;
		if (!p.revents)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		follow(f, o, buf, (size_t)n, out);
	}
}

int wgl_vm_boot(const struct wgl_vm_opts *o, struct wgl_vm_outcome *out)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	struct follower f = { .len = 0 };
	char *argv[48], buf[8192];
	int pfd[2], err, st = 0;
	pid_t pid;

	*out = (struct wgl_vm_outcome){ .boot_s = -1, .guest_uptime_s = -1, .guest_exit = -1,
					.exit_s = -1, .written_s = -1 };
	if (wgl_vm_qemu_argv(o, argv, WGL_ARRAY_SIZE(argv), buf, sizeof(buf)) < 0)
		return -ENOSPC;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	co.stdout_fd = pfd[1];
	co.stderr_fd = 2;
	f.start_ns = wgl_now_ns();
	pid = wgl_child_exec(&co, "qemu", argv);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return pid;
	}
	err = pump(pfd[0], o, &f, out);
	close(pfd[0]);
	if (err == -ETIMEDOUT) {
		out->timed_out = true;
		wgl_err("vm: no result after %d s; killing qemu", o->timeout_s);
		st = wgl_child_stop(pid, 2000);
	} else if (wgl_child_wait(pid, 10000, &st) == -ETIMEDOUT) {
		/* Console closed but qemu lingers: it is stuck, not finishing. */
		st = wgl_child_stop(pid, 2000);
	}
	/* The console ended mid-line ("reboot: Power down"): end it for the reader. */
	if (f.len)
		follow(&f, o, "\n", 1, out);
	out->wall_s = secs_since(f.start_ns);
	out->qemu_status = st;
	return err;
}
