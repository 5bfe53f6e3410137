/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cross-platform UAPI text protocol over a UNIX socket, and the helpers
 * of the userspace backend that tests exercise directly.
 */
#ifndef WGL_UAPI_H
#define WGL_UAPI_H

#include <stddef.h>
#include <stdio.h>

#include "base/wgconfig.h"

/* Connected stream socket to path, or -errno. */
int wgl_uapi_connect(const char *path);
/* Applies cfg ("set=1"); returns 0 or the daemon's errno negated. */
int wgl_uapi_set(const char *path, const struct wgl_device *cfg);
/* Reads config and stats ("get=1"); *out is freed with wgl_device_free(). */
int wgl_uapi_get(const char *path, const char *ifname, struct wgl_device **out);
/* Writes the "set=1" request body for cfg (exposed for tests). */
void wgl_uapi_write_set(FILE *f, const struct wgl_device *cfg);
/*
 * Parses a "get=1" reply read from f into a device. Returns 0, the reply's
 * errno negated, or -EPROTO on a malformed line (logged with the line).
 */
int wgl_uapi_parse_get(FILE *f, struct wgl_device *dev);

/* Splits a command template into argv with {ifname} substituted; argc or -EINVAL. */
int wgl_userspace_argv(const char *tmpl, const char *ifname, char *buf, size_t len,
		       char *argv[], int max);
/* Resolves cmd through $PATH into out; 0 or -ENOENT. */
int wgl_which(const char *cmd, char *out, size_t len);

#endif
