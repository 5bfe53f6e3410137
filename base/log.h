/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging and object accounting shared by every module.
 *
 * Low layers return -errno and stay quiet; the layer that has the context
 * reports once through wgl_err(). Every object wglab creates outside its own
 * memory (namespace, link, child process, socket file) is announced with
 * wgl_created() and wgl_destroyed(); tests compare the two counts.
 */
#ifndef WGL_LOG_H
#define WGL_LOG_H

#include <stdarg.h>

enum wgl_log_level { WGL_LOG_ERR, WGL_LOG_WARN, WGL_LOG_INFO, WGL_LOG_DEBUG };

extern int wgl_log_verbosity; /* messages above this level are dropped */

void wgl_log(enum wgl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wgl_vlog(enum wgl_log_level level, const char *fmt, va_list ap);

#define wgl_err(...) wgl_log(WGL_LOG_ERR, __VA_ARGS__)
#define wgl_warn(...) wgl_log(WGL_LOG_WARN, __VA_ARGS__)
#define wgl_info(...) wgl_log(WGL_LOG_INFO, __VA_ARGS__)
#define wgl_dbg(...) wgl_log(WGL_LOG_DEBUG, __VA_ARGS__)

/* Accounting of external objects: kind is e.g. "netns", "link", "child". */
void wgl_created(const char *kind, const char *name);
void wgl_destroyed(const char *kind, const char *name);
/* Number of objects created and not yet destroyed (all kinds). */
int wgl_live_objects(void);

/* Monotonic clock in nanoseconds. */
long long wgl_now_ns(void);
/* Sleep for ms milliseconds, restarting after signals. */
void wgl_sleep_ms(long ms);
/*
 * The wgl_now_ns() time the work under way on this thread (a scenario case)
 * must end by; 0: none. Setup waits deep in the engine (a daemon's socket, a link coming up,
 * a capture or iperf server getting ready) cut their own timeouts to it with
 * wgl_deadline_clamp_ms(), so no single call outlives the case. Teardown
 * waits do not: the owner clears the deadline before tearing down.
 */
void wgl_deadline_set(long long ns);
/* timeout_ms, or the time left before the deadline if that is shorter (0 once past). */
int wgl_deadline_clamp_ms(long long timeout_ms);

#define WGL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
