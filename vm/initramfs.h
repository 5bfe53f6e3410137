/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel lab's initramfs: busybox, the real tools wglab drives (ip, tc,
 * wg, wireguard-go, iperf3, nft), the wglab binary itself, the shared
 * libraries ldd lists for all of them, the module closure of wireguard and
 * the qdiscs/links scenarios use, the scenario scripts, and an /init that
 * runs one wglab command and hands its results back on a virtio disk.
 *
 * The image is two concatenated cpio archives: a base one that depends only
 * on the binaries and the kernel (cacheable), and a tiny per-run one with
 * the command line and environment (etc/wglab/run.sh).
 */
#ifndef WGL_VM_INITRAMFS_H
#define WGL_VM_INITRAMFS_H

#include <stddef.h>

/* Console markers the init prints; the host parses them. */
#define WGL_VM_MARK_INIT "WGLAB-VM: init reached"
#define WGL_VM_MARK_EXIT "WGLAB-VM-EXIT="
#define WGL_VM_MARK_WRITTEN "WGLAB-VM: results written"
/* Guest paths. */
#define WGL_VM_GUEST_OUT "/out/results"
#define WGL_VM_GUEST_SRCDIR "/usr/share/wglab"
#define WGL_VM_RESULTS_DEV "/dev/vda"

struct wgl_initramfs_opts {
	const char *wglab_exe;   /* goes to /usr/bin/wglab */
	const char *modules_dir; /* ROOT/lib/modules/RELEASE of the guest kernel */
	const char *release;     /* the guest kernel release */
	const char *srcdir;      /* scenarios/ is taken from here; NULL or missing: none */
	const char *tmpdir;      /* scratch space for depmod's staging tree */
	/* Extra executables (e.g. test programs), installed as /usr/local/bin/<name>. */
	const char *const *extra;
	size_t nextra;
};

/* Writes the base archive to fd. 0 or -errno (the reason is logged). */
int wgl_initramfs_write_base(int fd, const struct wgl_initramfs_opts *o);
/*
 * Writes the per-run archive to fd: argv[0..argc-1] become the arguments of
 * the guest's wglab, env ("NAME=value", NULL-terminated) its environment.
 */
int wgl_initramfs_write_run(int fd, int argc, char *const argv[], const char *const env[]);

/* Pure helpers, exposed for the unit tests. */
/* Single-quotes s for a POSIX shell into buf; -ENOSPC if it does not fit. */
int wgl_shell_quote(char *buf, size_t len, const char *s);
/* Library path of one `ldd` output line into path, 0 if it names one, else -ENOENT. */
int wgl_ldd_parse_line(const char *line, char *path, size_t len);
/* Module path of one `modprobe --show-depends` line ("insmod PATH ..."), else -ENOENT. */
int wgl_modprobe_parse_line(const char *line, char *path, size_t len);

#endif
