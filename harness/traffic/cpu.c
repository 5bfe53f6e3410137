// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "harness/traffic/cpu.h"

int wgl_cpu_parse_proc_stat(const char *text, struct wgl_cpu_sample *s)
{
	/* The aggregate line comes first: "cpu  user nice system idle iowait irq softirq steal ..." */
	if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &s->user, &s->nice,
		   &s->system, &s->idle, &s->iowait, &s->irq, &s->softirq, &s->steal) != 8)
		return -EINVAL;
	return 0;
}

int wgl_cpu_parse_pid_stat(const char *text, unsigned long long *ticks)
{
	/* comm (field 2) may hold spaces and parentheses; fields resume after the last ')'. */
	const char *p = strrchr(text, ')');
	unsigned long long ut, st;

	if (!p)
		return -EINVAL;
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -EINVAL;
	*ticks = ut + st;
	return 0;
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int wgl_cpu_sample(struct wgl_cpu_sample *s, const pid_t *pids)
{
	char buf[4096], path[64];
	int ret;

	memset(s, 0, sizeof(*s));
	s->wall_ns = wgl_now_ns();
	ret = read_text("/proc/stat", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (wgl_cpu_parse_proc_stat(buf, s) < 0)
		return -EINVAL;
	for (int i = 0; pids && i < WGL_CPU_PROCS; i++) {
		s->pid[i] = pids[i];
		if (pids[i] <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		s->proc_ok[i] = read_text(path, buf, sizeof(buf)) == 0 &&
				wgl_cpu_parse_pid_stat(buf, &s->proc_ticks[i]) == 0;
	}
	return 0;
}

double wgl_cpu_hz(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	/* POSIX allows -1 here; Linux has always had USER_HZ = 100. */
	return hz > 0 ? (double)hz : 100.0;
}

double wgl_cpu_host_kernel_s(const struct wgl_cpu_sample *s)
{
	return (double)(s->system + s->irq + s->softirq) / wgl_cpu_hz();
}

double wgl_cpu_proc_s(const struct wgl_cpu_sample *s, int i)
{
	if (i < 0 || i >= WGL_CPU_PROCS || s->pid[i] <= 0 || !s->proc_ok[i])
		return -1;
	return (double)s->proc_ticks[i] / wgl_cpu_hz();
}

void wgl_cpu_delta(const struct wgl_cpu_sample *a, const struct wgl_cpu_sample *b,
		   struct wgl_cpu_usage *u)
{
	double hz = wgl_cpu_hz();
	unsigned long long busy_a = a->user + a->nice + a->system + a->irq + a->softirq;
	unsigned long long busy_b = b->user + b->nice + b->system + b->irq + b->softirq;

	u->wall_s = (double)(b->wall_ns - a->wall_ns) / 1e9;
	u->host_kernel_s = (double)((b->system + b->irq + b->softirq) -
				    (a->system + a->irq + a->softirq)) / hz;
	u->host_busy_s = (double)(busy_b - busy_a) / hz;
	for (int i = 0; i < WGL_CPU_PROCS; i++) {
		bool ok = a->pid[i] > 0 && a->pid[i] == b->pid[i] && a->proc_ok[i] && b->proc_ok[i];

		u->proc_s[i] = ok ? (double)(b->proc_ticks[i] - a->proc_ticks[i]) / hz : -1;
	}
}

double wgl_cpu_s_per_gb(double cpu_s, uint64_t bytes)
{
	if (!bytes || cpu_s < 0 || isnan(cpu_s))
		return NAN;
	return cpu_s / ((double)bytes / 1e9);
}
