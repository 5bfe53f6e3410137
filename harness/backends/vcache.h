/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `BINARY --version` printed, kept on disk between runs: every run
 * records its implementation's version, and asking costs a fork and a Go
 * runtime start (about 10 ms of a connect case) while the daemons start.
 *
 * An entry holds for one file as it was: path, device, inode, size and
 * modification and change times (nanoseconds). Rebuilding, copying or
 * touching the binary changes one of them, and the version is asked again.
 * The cache is one small text file in dir (WGLAB_CACHE_DIR, default
 * /var/cache/wglab); without a writable dir there is simply no cache.
 */
#ifndef WGL_VCACHE_H
#define WGL_VCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The cache directory: $WGLAB_CACHE_DIR, else /var/cache/wglab. */
const char *wgl_vcache_dir(void);
/* The version stored for binary as st describes it, into out: true on a hit. */
bool wgl_vcache_get(const char *dir, const char *binary, const struct stat *st, char *out,
		    size_t len);
/* Stores it (replacing the binary's older entries); best effort, never fails a run. */
void wgl_vcache_put(const char *dir, const char *binary, const struct stat *st,
		    const char *version);

#endif
