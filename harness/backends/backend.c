// SPDX-License-Identifier: GPL-2.0-or-later
/* The facade: the only code that knows which backends exist. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/log.h"
#include "netns/netns.h"

static const struct wgl_backend_ops *const backends[] = {
	&wgl_backend_kernel,
	&wgl_backend_userspace,
};

const struct wgl_backend_ops *wgl_backend_find(const char *name)
{
	for (size_t i = 0; i < WGL_ARRAY_SIZE(backends); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

int wgl_backend_available(const char *name, char *why, size_t len)
{
	const struct wgl_backend_ops *ops = wgl_backend_find(name);

	if (!ops) {
		snprintf(why, len, "unknown backend '%s' (kernel, userspace)", name);
		return -EINVAL;
	}
	return ops->available(why, len);
}

struct wgl_wgdev *wgl_wg_create(const char *backend, struct wgl_ns *ns, const char *ifname)
{
	const struct wgl_backend_ops *ops = wgl_backend_find(backend);
	struct wgl_wgdev *dev;
	int err;

	if (!ops) {
		wgl_err("unknown WireGuard backend '%s'", backend);
		errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->ops = ops;
	dev->ns = ns;
	dev->pid = -1;
	dev->log_fd = -1;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	err = ops->create(dev);
	if (err < 0) {
		wgl_err("%s backend: cannot create %s in %s: %s", backend, ifname, ns->label,
			strerror(-err));
		free(dev);
		errno = -err;
		return NULL;
	}
	return dev;
}

int wgl_wg_set(struct wgl_wgdev *dev, const struct wgl_device *cfg)
{
	return dev->ops->set(dev, cfg);
}

int wgl_wg_get(struct wgl_wgdev *dev, struct wgl_device **out)
{
	return dev->ops->get(dev, out);
}

void wgl_wg_destroy(struct wgl_wgdev *dev)
{
	if (!dev)
		return;
	dev->ops->destroy(dev);
	free(dev);
}
