/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the backends: what the facade needs of named implementations. */
#ifndef WGL_IMPL_H
#define WGL_IMPL_H

#include <stddef.h>

struct wgl_impl_def;

/* 0 when d runs on this kernel (any, if d names no version); else -ENOENT and why. */
int wgl_impl_kernel_matches(const struct wgl_impl_def *d, char *why, size_t len);

#endif
