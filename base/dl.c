// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dlopen() on first use for optional heavy libraries (see base/dl.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "base/dl.h"
#include "base/log.h"

static void clear_slots(const struct wgl_dl_lib *lib)
{
	void *none = NULL;

	for (size_t i = 0; i < lib->nsyms; i++)
		memcpy(lib->syms[i].slot, &none, sizeof(none));
}

/* Resolves every symbol of lib from handle; -ENOSYS (logged) at the first one missing. */
static int resolve(const struct wgl_dl_lib *lib, void *handle)
{
	for (size_t i = 0; i < lib->nsyms; i++) {
		const char *msg;
		void *addr;

		dlerror();
		addr = dlsym(handle, lib->syms[i].name);
		msg = dlerror();
		if (msg || !addr) {
			wgl_err("%s has no symbol %s (%s); install a matching %s", lib->soname,
				lib->syms[i].name, msg ? msg : "NULL address", lib->package);
			return -ENOSYS;
		}
		/* A function pointer may not be assigned from void * in ISO C; copy its bits. */
		memcpy(lib->syms[i].slot, &addr, sizeof(addr));
	}
	return 0;
}

static int load_locked(struct wgl_dl_lib *lib)
{
	void *handle;
	int err;

	if (lib->handle)
		return 0;
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *msg = dlerror();

		wgl_err("cannot load %s (%s); install the Debian package %s", lib->soname,
			msg ? msg : "unknown error", lib->package);
		return -ENOENT;
	}
	err = resolve(lib, handle);
	if (err < 0) {
		clear_slots(lib);
		dlclose(handle);
		return err;
	}
	lib->handle = handle;
	return 0;
}

int wgl_dl_load(struct wgl_dl_lib *lib)
{
	int err;

	pthread_mutex_lock(&lib->lock);
	err = load_locked(lib);
	pthread_mutex_unlock(&lib->lock);
	return err;
}
