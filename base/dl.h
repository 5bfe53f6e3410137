/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Libraries loaded on first use. wglab links libiperf and libnftables only
 * through this loader, so a run that never starts iperf or writes nftables
 * rules does not pay for mapping and relocating them (and libcrypto, libgmp,
 * libxtables behind them) at every start.
 */
#ifndef WGL_DL_H
#define WGL_DL_H

#include <pthread.h>
#include <stddef.h>

/*
 * One symbol: its name and the address of the caller's pointer that receives
 * it. The slot is usually a function pointer declared with the library's own
 * prototype (__typeof__(iperf_new_test) *), so the compiler checks the calls.
 */
struct wgl_dl_sym {
	const char *name;
	void *slot;
};

/*
 * A library and its symbols. Define it static with WGL_DL_LIB(); the loader
 * owns the lock and the handle.
 */
struct wgl_dl_lib {
	const char *soname; /* e.g. "libiperf.so.0" */
	const char *package; /* Debian package that ships it, for the error */
	const struct wgl_dl_sym *syms;
	size_t nsyms;
	pthread_mutex_t lock;
	void *handle; /* non-NULL once every symbol is resolved */
};

#define WGL_DL_LIB(so, pkg, table) \
	{ .soname = (so), .package = (pkg), .syms = (table), \
	  .nsyms = sizeof(table) / sizeof((table)[0]), .lock = PTHREAD_MUTEX_INITIALIZER }

/*
 * Loads lib once (dlopen RTLD_NOW | RTLD_LOCAL) and fills every slot; safe to
 * call from any thread, and cheap after the first success. Call it in the
 * parent before forking children that use the library, so they inherit the
 * mapping. 0, or with one error logged that names the library, the symbol
 * and the package: -ENOENT if the library cannot be loaded, -ENOSYS if a
 * symbol is missing. A failure leaves every slot NULL and is retried by the
 * next call.
 */
int wgl_dl_load(struct wgl_dl_lib *lib);

#endif
