/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPU accounting around a measurement, so runs can be compared in CPU
 * seconds per GB moved.
 *
 * Two sources, sampled before and after:
 *  - per process: utime + stime of a process (all its threads) from
 *    /proc/PID/stat. For a userspace backend that is the wireguard-go daemon
 *    of each node, i.e. all of its WireGuard work.
 *  - host-wide: the "cpu" line of /proc/stat. Kernel WireGuard has no process
 *    of its own (it encrypts in softirq and in per-CPU kworkers), so its cost
 *    can only be seen as system + irq + softirq time of the whole host. This
 *    is HOST-WIDE: it also contains the iperf endpoints' syscalls and
 *    anything else the machine was doing, for both nodes together. Compare
 *    it between backends on the same idle host, never read it as "WireGuard
 *    alone".
 */
#ifndef WGL_CPU_H
#define WGL_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WGL_CPU_PROCS 2

struct wgl_cpu_sample {
	long long wall_ns;
	/* /proc/stat "cpu" line, clock ticks */
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
	pid_t pid[WGL_CPU_PROCS];                  /* 0: slot unused */
	unsigned long long proc_ticks[WGL_CPU_PROCS]; /* utime + stime */
	bool proc_ok[WGL_CPU_PROCS];
};

struct wgl_cpu_usage {
	double wall_s;
	double host_kernel_s;          /* system + irq + softirq, host-wide */
	double host_busy_s;            /* user + nice + system + irq + softirq, host-wide */
	double proc_s[WGL_CPU_PROCS];  /* per process; -1 when not sampled */
};

/*
 * Samples the host and up to WGL_CPU_PROCS processes (pids may be NULL, an
 * entry 0 means none). 0, or -errno when /proc/stat cannot be read; a
 * process that cannot be read is marked !proc_ok and does not fail the call.
 */
int wgl_cpu_sample(struct wgl_cpu_sample *s, const pid_t *pids);
/* CPU seconds spent between two samples taken with the same pids. */
void wgl_cpu_delta(const struct wgl_cpu_sample *a, const struct wgl_cpu_sample *b,
		   struct wgl_cpu_usage *u);
/*
 * Clock ticks per second of /proc's CPU times (USER_HZ, from sysconf): the
 * one conversion every CPU figure of wglab, C or Lua, goes through.
 */
double wgl_cpu_hz(void);
/*
 * Totals of one sample in CPU seconds: host-wide system + irq + softirq (the
 * kernel backend's cost, see above), and utime + stime of process slot i
 * (-1 when that slot was not sampled or could not be read).
 */
double wgl_cpu_host_kernel_s(const struct wgl_cpu_sample *s);
double wgl_cpu_proc_s(const struct wgl_cpu_sample *s, int i);
/* CPU seconds per 10^9 bytes; NaN when nothing moved or cpu_s < 0. */
double wgl_cpu_s_per_gb(double cpu_s, uint64_t bytes);

/* Parsers, exported for the unit tests. 0 or -EINVAL. */
int wgl_cpu_parse_proc_stat(const char *text, struct wgl_cpu_sample *s);
int wgl_cpu_parse_pid_stat(const char *text, unsigned long long *ticks);

#endif
