/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place a WireGuard implementation is chosen. A backend is a table
 * of functions; wgl_wg_create() picks it by name ("kernel", "userspace") and
 * everything above only ever calls the wgl_wg_* facade.
 */
#ifndef WGL_BACKEND_H
#define WGL_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "base/wgconfig.h"

struct wgl_ns;
struct wgl_wgdev;

struct wgl_backend_ops {
	const char *name;
	/* 0 if usable on this host; else -errno and a reason in why. */
	int (*available)(char *why, size_t len);
	int (*create)(struct wgl_wgdev *dev);
	int (*set)(struct wgl_wgdev *dev, const struct wgl_device *cfg);
	int (*get)(struct wgl_wgdev *dev, struct wgl_device **out);
	void (*destroy)(struct wgl_wgdev *dev);
};

struct wgl_wgdev {
	const struct wgl_backend_ops *ops;
	struct wgl_ns *ns;
	char ifname[IFNAMSIZ];
	/* What actually ran: "linux <release>" or the resolved userspace binary path. */
	char impl[256];
	char impl_version[128];
	/* userspace only */
	pid_t pid;
	char sock_path[108];
	int log_fd;        /* daemon's stdout+stderr go here; -1 = /dev/null */
};

/*
 * The userspace command template: {ifname} is replaced by the interface name.
 * Set from --userspace, else $WGLAB_USERSPACE, else "wireguard-go -f {ifname}".
 */
void wgl_userspace_set_template(const char *tmpl);
const char *wgl_userspace_template(void);

/*
 * Directory where userspace daemons' stdout/stderr go (<ns label>-<ifname>.log);
 * NULL or unset: discarded.
 */
void wgl_backend_set_log_dir(const char *dir);

/* Backend by name, NULL if unknown. */
const struct wgl_backend_ops *wgl_backend_find(const char *name);
/* 0 if the named backend can run here; else -errno and the reason. */
int wgl_backend_available(const char *name, char *why, size_t len);

/*
 * Creates interface ifname in ns with the named backend (link down, no
 * config). NULL with errno on failure; the reason is logged once here.
 */
struct wgl_wgdev *wgl_wg_create(const char *backend, struct wgl_ns *ns, const char *ifname);
int wgl_wg_set(struct wgl_wgdev *dev, const struct wgl_device *cfg);
/* Reads config + per-peer stats; *out is freed with wgl_device_free(). */
int wgl_wg_get(struct wgl_wgdev *dev, struct wgl_device **out);
/* Deletes the interface (and stops the daemon); NULL-safe. */
void wgl_wg_destroy(struct wgl_wgdev *dev);

extern const struct wgl_backend_ops wgl_backend_kernel;
extern const struct wgl_backend_ops wgl_backend_userspace;

#endif
