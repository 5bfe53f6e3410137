/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal writer for the "newc" cpio format the kernel unpacks as an
 * initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 * Only what an initramfs needs: directories, regular files, symlinks, a
 * character device for /dev/console; every
 * entry owned by root. Several archives may be concatenated: the kernel
 * unpacks them in order, later entries replacing earlier ones.
 */
#ifndef WGL_VM_CPIO_H
#define WGL_VM_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wgl_cpio {
	int fd;
	uint64_t offset;  /* bytes written so far (for 4-byte alignment) */
	uint32_t ino;     /* next inode number; the kernel only needs them distinct */
	int error;        /* first -errno seen; later calls are no-ops */
};

/* Starts an archive on fd (not owned). */
void wgl_cpio_init(struct wgl_cpio *c, int fd);
/* Entry names are relative, without a leading '/' ("usr/bin/wg"). */
int wgl_cpio_dir(struct wgl_cpio *c, const char *name, mode_t perm);
int wgl_cpio_chardev(struct wgl_cpio *c, const char *name, mode_t perm, unsigned int major,
		     unsigned int minor);
int wgl_cpio_symlink(struct wgl_cpio *c, const char *name, const char *target);
int wgl_cpio_data(struct wgl_cpio *c, const char *name, mode_t perm, const void *data,
		  size_t len);
/* Copies the regular file at path (following symlinks) with its permission bits. */
int wgl_cpio_file(struct wgl_cpio *c, const char *name, const char *path);
/*
 * Adds the tree under dir (dir itself not included) with names relative to
 * it, prefixed with prefix ("" or "usr/share/x"); symlinks stay symlinks.
 */
int wgl_cpio_tree(struct wgl_cpio *c, const char *prefix, const char *dir);
/* Writes the TRAILER!!! entry. Returns 0 or the first error of the archive. */
int wgl_cpio_finish(struct wgl_cpio *c);

#endif
