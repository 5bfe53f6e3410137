/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place a WireGuard implementation is chosen. A backend is a table
 * of functions; the facade below is the only code that knows which backends
 * exist, whether they can run here, and how a --backend spec expands into
 * the interop matrix. Everything above only calls the wgl_backend_* and
 * wgl_wg_* functions.
 */
#ifndef WGL_BACKEND_H
#define WGL_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "base/wgconfig.h"

struct wgl_ns;
struct wgl_wgdev;

#define WGL_IMPL_NAME_MAX 16

/*
 * A named implementation (`wglab run --impl NAME=TEMPLATE`): a userspace
 * command template, or the kernel module ("kernel", or "kernel:VERSION",
 * usable only when the running kernel's release is VERSION or VERSION.x /
 * VERSION-x). Once a run names implementations, these names are what the
 * matrix pairs and what scenarios pass as backend names; the facade maps
 * each back to its backend and template.
 */
struct wgl_impl_def {
	char name[WGL_IMPL_NAME_MAX + 1];
	const char *backend;     /* "kernel" or "userspace" (static storage) */
	char tmpl[512];          /* the userspace command template; "" for the kernel */
	char kernel_version[32]; /* kernel:VERSION; "" = the kernel that runs */
};

/*
 * Parses "NAME=TEMPLATE" into d. NAME is [a-z0-9_-], 1 to 16 characters, and
 * none of the reserved backend words (kernel, userspace, none, all); TEMPLATE
 * is "kernel", "kernel:VERSION" or a command with {ifname}. -EINVAL with the
 * reason in why.
 */
int wgl_impl_parse(struct wgl_impl_def *d, const char *arg, char *why, size_t len);

/*
 * Per-run settings of the backends, passed to every call that needs them
 * (never global). The caller owns the strings; they must outlive the devices
 * created with them. A zeroed struct (or a NULL pointer) means the defaults.
 */
struct wgl_backend_config {
	/*
	 * The userspace command template; {ifname} is replaced by the interface
	 * name. NULL: $WGLAB_USERSPACE, else "wireguard-go -f {ifname}".
	 */
	const char *userspace;
	/* Userspace daemons' stdout+stderr go to <log_dir>/<ns label>-<ifname>.log; NULL: discarded. */
	const char *log_dir;
	/* The run's named implementations (--impl); none: the backends go by their own names. */
	const struct wgl_impl_def *impls;
	size_t nimpls;
};

struct wgl_backend_ops {
	const char *name;
	/* 0 if usable on this host; else -errno and a reason in why. */
	int (*available)(const struct wgl_backend_config *cfg, char *why, size_t len);
	/* Fills dev->impl*, dev->command, may set dev->priv; on failure leaves nothing behind. */
	int (*create)(struct wgl_wgdev *dev, const struct wgl_backend_config *cfg);
	int (*set)(struct wgl_wgdev *dev, const struct wgl_device *cfg);
	int (*get)(struct wgl_wgdev *dev, struct wgl_device **out);
	/* Removes the interface and frees dev->priv. */
	void (*destroy)(struct wgl_wgdev *dev);
	/* The process serving the device, -1 if none; NULL op: never one. */
	pid_t (*pid)(const struct wgl_wgdev *dev);
	/*
	 * Optional. When set, create() only starts the implementation and
	 * ready() waits (on events, not a clock) until it serves the device, so
	 * that a caller can start several at once. On failure ready() leaves
	 * nothing behind, like create(); destroy() must also work in between.
	 */
	int (*ready)(struct wgl_wgdev *dev);
};

struct wgl_wgdev {
	const struct wgl_backend_ops *ops;
	struct wgl_ns *ns;
	char ifname[IFNAMSIZ];
	/* The name it was asked for: the backend's, or a named implementation's. */
	char name[WGL_IMPL_NAME_MAX + 1];
	/* What actually ran: "linux <release>" or the resolved userspace binary path. */
	char impl[256];
	char impl_version[128];
	/* How it was made, for the run metadata: the userspace command template, or "kernel". */
	char command[256];
	void *priv;          /* the backend's own state; only its ops look inside */
};

/* The i-th backend wglab knows (kernel, userspace, ...); NULL past the end. */
const struct wgl_backend_ops *wgl_backend_at(size_t i);
/* Backend by name, NULL if unknown. */
const struct wgl_backend_ops *wgl_backend_find(const char *name);
/*
 * 0 if the named backend can run here; else -errno and the reason in why.
 * On success why may hold a note (e.g. the binary found). The answer is
 * remembered for the rest of the process per backend and command template,
 * since neither the host's modules nor its PATH change during a run.
 */
int wgl_backend_available(const struct wgl_backend_config *cfg, const char *name, char *why,
			  size_t len);
/* The userspace command template cfg resolves to (see struct wgl_backend_config). */
const char *wgl_userspace_template(const struct wgl_backend_config *cfg);

/* Backend names of one case: b is NULL for a single-node scenario. */
struct wgl_backend_pair {
	const char *a, *b;
};

struct wgl_backend_matrix {
	struct wgl_backend_pair *pairs;
	size_t npairs;
	/* Every backend named in pairs, once, in order of first appearance. */
	const char **singles;
	size_t nsingles;
};

/* Accept "none" (the bare underlay, no WireGuard); "all" then starts with none:none. */
#define WGL_MATRIX_UNDERLAY 0x1

/*
 * Expands a --backend spec, a comma-separated list of "all", "NAME" (= NAME:NAME)
 * and "A:B", into m (freed with wgl_backend_matrix_free). "all" is every
 * backend with itself, in list order, then every mixed pair (A:B for A
 * before B in the list, then every B:A): for kernel and userspace that is
 * kernel:kernel, userspace:userspace, kernel:userspace, userspace:kernel.
 * Names in m point to static storage. -EINVAL with the reason in why for an
 * unknown name or an empty spec, -ENOMEM.
 */
int wgl_backend_matrix(struct wgl_backend_matrix *m, const char *spec, unsigned int flags,
		       char *why, size_t len);
/*
 * The same over a run's named implementations instead of the backends
 * ("all" = every name with itself, then the mixed pairs); names in m point
 * into impls, which must outlive m. nimpls == 0: wgl_backend_matrix().
 */
int wgl_backend_matrix_impls(struct wgl_backend_matrix *m, const char *spec, unsigned int flags,
			     const struct wgl_impl_def *impls, size_t nimpls, char *why,
			     size_t len);
void wgl_backend_matrix_free(struct wgl_backend_matrix *m);

/*
 * Creates interface ifname in ns with the named backend (link down, no
 * config); cfg may be NULL for the defaults. NULL with errno on failure;
 * the reason is logged once here.
 */
struct wgl_wgdev *wgl_wg_create(const char *backend, struct wgl_ns *ns, const char *ifname,
				const struct wgl_backend_config *cfg);
/*
 * wgl_wg_create() in two steps, to bring up several devices in parallel:
 * start() returns once the implementation is on its way (NULL with errno,
 * logged), ready() waits until it serves the device. ready() frees dev on
 * failure (logged) and returns -errno; wgl_wg_destroy() also takes a device
 * that was started but never waited for.
 */
struct wgl_wgdev *wgl_wg_create_start(const char *backend, struct wgl_ns *ns, const char *ifname,
				      const struct wgl_backend_config *cfg);
int wgl_wg_ready(struct wgl_wgdev *dev);
int wgl_wg_set(struct wgl_wgdev *dev, const struct wgl_device *cfg);
/* Reads config + per-peer stats; *out is freed with wgl_device_free(). */
int wgl_wg_get(struct wgl_wgdev *dev, struct wgl_device **out);
/* The daemon serving dev (userspace), -1 when the kernel does: for CPU accounting. */
pid_t wgl_wg_pid(const struct wgl_wgdev *dev);
/* Deletes the interface (and stops the daemon); NULL-safe. */
void wgl_wg_destroy(struct wgl_wgdev *dev);

extern const struct wgl_backend_ops wgl_backend_kernel;
extern const struct wgl_backend_ops wgl_backend_userspace;

#endif
