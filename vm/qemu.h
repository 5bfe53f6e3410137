/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boots the kernel lab under qemu and follows its serial console: the
 * console is copied to stderr and a log file, scanned for the init's marker
 * lines, and the VM is killed when it overstays its timeout.
 */
#ifndef WGL_VM_QEMU_H
#define WGL_VM_QEMU_H

#include <stdbool.h>

struct wgl_vm_opts {
	const char *qemu;      /* binary; NULL: qemu-system-x86_64 */
	const char *kernel;
	const char *initrd;
	const char *disk;      /* raw image the guest writes its results to */
	const char *accel;     /* "tcg" or "kvm" */
	unsigned int mem_mb, smp;
	int timeout_s;
	int log_fd;            /* console copy, -1: none */
	bool echo;             /* console to stderr as well */
};

struct wgl_vm_outcome {
	double boot_s;         /* qemu start to the init marker; < 0: never reached */
	double guest_uptime_s; /* the guest's own uptime when init started; < 0: unknown */
	double exit_s;         /* qemu start to the guest command's exit marker; < 0: none */
	double written_s;      /* qemu start to "results written" (tar + sync done); < 0: none */
	double wall_s;         /* qemu start to qemu exit */
	int guest_exit;        /* exit code of the guest's wglab; < 0: never reported */
	bool timed_out;
	int qemu_status;       /* wait status of qemu */
};

/* Builds qemu's argv into argv (>= 40 slots; strings point into o or buf). */
int wgl_vm_qemu_argv(const struct wgl_vm_opts *o, char **argv, size_t n, char *buf,
		     size_t len);
/*
 * Runs the VM to completion. 0 when qemu ran and exited by itself (look at
 * out->guest_exit for the verdict), -ETIMEDOUT after killing it, -errno if
 * it could not start.
 */
int wgl_vm_boot(const struct wgl_vm_opts *o, struct wgl_vm_outcome *out);
/* Feeds one console line (without newline) seen t seconds after start. */
void wgl_vm_scan_line(const char *line, double t, struct wgl_vm_outcome *out);

#endif
