// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "base/log.h"

int wgl_log_verbosity = WGL_LOG_INFO;
static int live_objects;

static const char *const level_tag[] = { "error", "warning", "info", "debug" };

void wgl_vlog(enum wgl_log_level level, const char *fmt, va_list ap)
{
	if ((int)level > wgl_log_verbosity)
		return;
	fprintf(stderr, "wglab[%d]: %s: ", (int)getpid(), level_tag[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void wgl_log(enum wgl_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wgl_vlog(level, fmt, ap);
	va_end(ap);
}

void wgl_created(const char *kind, const char *name)
{
	live_objects++;
	wgl_dbg("created %s %s", kind, name);
}

void wgl_destroyed(const char *kind, const char *name)
{
	live_objects--;
	wgl_dbg("destroyed %s %s", kind, name);
}

int wgl_live_objects(void)
{
	return live_objects;
}

long long wgl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Per thread: a case's waits run on the thread that runs the case. */
static _Thread_local long long deadline_ns;

void wgl_deadline_set(long long ns)
{
	deadline_ns = ns;
}

int wgl_deadline_clamp_ms(long long timeout_ms)
{
	long long left;

	if (deadline_ns) {
		left = (deadline_ns - wgl_now_ns() + 999999) / 1000000;
		if (left < timeout_ms)
			timeout_ms = left;
	}
	if (timeout_ms < 0)
		return 0;
	return timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms;
}

void wgl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
