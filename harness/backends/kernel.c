// SPDX-License-Identifier: GPL-2.0-or-later
/* Placeholder until the kernel backend lands; replaced by its owner. */
#include <errno.h>
#include <stdio.h>
#include "harness/backends/backend.h"

static int k_available(char *why, size_t len)
{
	snprintf(why, len, "kernel backend not built yet");
	return -ENOSYS;
}

static int k_create(struct wgl_wgdev *dev) { return -ENOSYS; }
static int k_set(struct wgl_wgdev *dev, const struct wgl_device *cfg) { return -ENOSYS; }
static int k_get(struct wgl_wgdev *dev, struct wgl_device **out) { return -ENOSYS; }
static void k_destroy(struct wgl_wgdev *dev) { }

const struct wgl_backend_ops wgl_backend_kernel = {
	.name = "kernel", .available = k_available, .create = k_create,
	.set = k_set, .get = k_get, .destroy = k_destroy,
};
