/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `wglab vm` (cli/cmd_vm.c) shares with its A/B part (cli/vm_ab.c):
 * the command's options and the steps of one boot.
 */
#ifndef WGL_CLI_VM_PRIV_H
#define WGL_CLI_VM_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/ab.h"
#include "vm/ab.h"
#include "vm/qemu.h"

struct vm_cmd {
	const char *kernel, *modules, *accel, *out, *qemu;
	const char *sh;        /* --sh: a shell command instead of wglab (lab debugging) */
	const char *add[16];   /* --add: extra executables for the guest */
	size_t nadd;
	unsigned int mem_mb, smp;
	int timeout_s;
	bool quiet, help;
	/* --impl: one boot per implementation and round (vm/ab.h) */
	struct wgl_ab_impl impls[WGL_LAB_AB_IMPLS];
	size_t nimpls;
	unsigned int rounds;
	struct wgl_ab_opts ab;  /* --gate and --confidence on the merged boots (cli/ab.h) */
	const char *version;   /* kernel series of the boot being prepared; NULL: default */
	char release[128];
	char kernel_buf[PATH_MAX], modules_buf[PATH_MAX];
};

/*
 * Kernel and modules of v (the cache's, of series v->version when set) into
 * v; 0, or -ENOENT with the reason printed (the caller skips with 77).
 */
int wgl_vm_resolve_kernel(struct vm_cmd *v);
/* A fresh initramfs (running argv in the guest) and result disk. 0 or -errno. */
int wgl_vm_prepare_boot(struct vm_cmd *v, int argc, char **argv);
/*
 * Boots, follows, unpacks into v->out; returns the guest wglab's exit code
 * or WGL_EXIT_FAIL. The VM's timings go to *out when out is not NULL.
 */
int wgl_vm_boot_collect(struct vm_cmd *v, struct wgl_vm_outcome *out);
/* A copy of the running binary that every boot installs; 0 or -errno, printed. */
int wgl_vm_copy_self(void);

/* --impl needs two distinct names and no --kernel/--modules/--sh; 0 or an exit code. */
int wgl_vm_check_impls(struct vm_cmd *v);
/* The A/B boots in ABBA order, merged into one run; the exit code. */
int wgl_vm_run_ab(struct vm_cmd *v, int ninner, char **inner);

#endif
