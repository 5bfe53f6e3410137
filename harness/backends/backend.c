// SPDX-License-Identifier: GPL-2.0-or-later
/* The facade: the only code that knows which backends exist. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "harness/backends/impl.h"
#include "base/log.h"
#include "netns/netns.h"

#define DEFAULT_USERSPACE "wireguard-go -f {ifname}"
/* Backends x command templates one process asks about; more is merely uncached. */
#define AVAIL_CACHE 8

static const struct wgl_backend_ops *const backends[] = {
	&wgl_backend_kernel,
	&wgl_backend_userspace,
};

struct avail_entry {
	const struct wgl_backend_ops *ops;
	char tmpl[1024];
	int err;
	char why[512];
};

static struct avail_entry avail_cache[AVAIL_CACHE];

const struct wgl_backend_ops *wgl_backend_at(size_t i)
{
	return i < WGL_ARRAY_SIZE(backends) ? backends[i] : NULL;
}

const struct wgl_backend_ops *wgl_backend_find(const char *name)
{
	for (size_t i = 0; name && i < WGL_ARRAY_SIZE(backends); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

const char *wgl_userspace_template(const struct wgl_backend_config *cfg)
{
	const char *env = getenv("WGLAB_USERSPACE");

	if (cfg && cfg->userspace && *cfg->userspace)
		return cfg->userspace;
	if (env && *env)
		return env;
	return DEFAULT_USERSPACE;
}

/* "kernel, userspace" for messages. */
static void list_names(char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < WGL_ARRAY_SIZE(backends) && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", backends[i]->name);
}

static struct avail_entry *cache_slot(const struct wgl_backend_ops *ops, const char *tmpl,
				      bool *hit)
{
	for (size_t i = 0; i < AVAIL_CACHE; i++) {
		struct avail_entry *e = &avail_cache[i];

		if (!e->ops) {
			*hit = false;
			return e;
		}
		if (e->ops == ops && !strcmp(e->tmpl, tmpl)) {
			*hit = true;
			return e;
		}
	}
	*hit = false;
	return NULL;
}

/*
 * The backend behind name, and in *sub the settings to call it with: a named
 * implementation is its backend with its own template. *def is the named
 * implementation, NULL for a plain backend name.
 */
static const struct wgl_backend_ops *resolve(const struct wgl_backend_config *cfg,
					     const char *name, struct wgl_backend_config *sub,
					     const struct wgl_impl_def **def)
{
	static const struct wgl_backend_config defaults;

	*sub = cfg ? *cfg : defaults;
	*def = NULL;
	for (size_t i = 0; cfg && name && i < cfg->nimpls; i++) {
		if (strcmp(cfg->impls[i].name, name))
			continue;
		*def = &cfg->impls[i];
		if (cfg->impls[i].tmpl[0])
			sub->userspace = cfg->impls[i].tmpl;
		return wgl_backend_find(cfg->impls[i].backend);
	}
	return wgl_backend_find(name);
}

/* The cached answer of ops->available() for the template of cfg. */
static int available_cached(const struct wgl_backend_ops *ops,
			    const struct wgl_backend_config *cfg, char *why, size_t len)
{
	const char *tmpl = wgl_userspace_template(cfg);
	struct avail_entry *e;
	bool hit;

	e = strlen(tmpl) < sizeof(e->tmpl) ? cache_slot(ops, tmpl, &hit) : NULL;
	if (!e)
		return ops->available(cfg, why, len);
	if (!hit) {
		e->err = ops->available(cfg, e->why, sizeof(e->why));
		snprintf(e->tmpl, sizeof(e->tmpl), "%s", tmpl);
		e->ops = ops;
	}
	snprintf(why, len, "%s", e->why);
	return e->err;
}

int wgl_backend_available(const struct wgl_backend_config *cfg, const char *name, char *why,
			  size_t len)
{
	const struct wgl_impl_def *def;
	struct wgl_backend_config sub;
	const struct wgl_backend_ops *ops = resolve(cfg, name, &sub, &def);
	char names[128];
	int err;

	if (!ops) {
		list_names(names, sizeof(names));
		snprintf(why, len, "unknown backend '%s' (%s)", name ? name : "", names);
		return -EINVAL;
	}
	err = available_cached(ops, &sub, why, len);
	if (!err && def)
		err = wgl_impl_kernel_matches(def, why, len);
	return err;
}

struct wgl_wgdev *wgl_wg_create(const char *backend, struct wgl_ns *ns, const char *ifname,
				const struct wgl_backend_config *cfg)
{
	struct wgl_wgdev *dev = wgl_wg_create_start(backend, ns, ifname, cfg);
	int err;

	if (!dev)
		return NULL;
	err = wgl_wg_ready(dev);
	if (err < 0) {
		errno = -err;
		return NULL;
	}
	return dev;
}

int wgl_wg_ready(struct wgl_wgdev *dev)
{
	int err = dev->ops->ready ? dev->ops->ready(dev) : 0;

	if (err < 0) {
		wgl_err("%s backend: %s in %s did not come up: %s", dev->ops->name, dev->ifname,
			dev->ns->label, strerror(-err));
		free(dev);
	}
	return err;
}

struct wgl_wgdev *wgl_wg_create_start(const char *backend, struct wgl_ns *ns, const char *ifname,
				      const struct wgl_backend_config *cfg)
{
	const struct wgl_impl_def *def;
	struct wgl_backend_config sub;
	const struct wgl_backend_ops *ops = resolve(cfg, backend, &sub, &def);
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
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	snprintf(dev->name, sizeof(dev->name), "%s", backend);
	err = ops->create(dev, &sub);
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

pid_t wgl_wg_pid(const struct wgl_wgdev *dev)
{
	return dev && dev->ops->pid ? dev->ops->pid(dev) : -1;
}

void wgl_wg_destroy(struct wgl_wgdev *dev)
{
	if (!dev)
		return;
	dev->ops->destroy(dev);
	free(dev);
}
