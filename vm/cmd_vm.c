// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab vm: runs one wglab command inside the kernel lab, a stock Debian
 * cloud kernel booted under qemu with wglab in its initramfs, and brings the
 * results directory back. Used where the host has no wireguard module.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "harness/child.h"
#include "harness/cli/cli.h"
#include "harness/log.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"

#define DEFAULT_KERNEL_CACHE "/var/cache/wglab/kernel"
#define DEFAULT_OUT "wglab-vm-results"

struct vm_cmd {
	const char *kernel, *modules, *accel, *out, *qemu;
	unsigned int mem_mb, smp;
	int timeout_s;
	bool quiet;
	char release[128];
	char kernel_buf[PATH_MAX], modules_buf[PATH_MAX];
};

static int parse_uint(const char *arg, unsigned int min, unsigned int max, unsigned int *v)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (!*arg || *end || n < min || n > max)
		return -EINVAL;
	*v = (unsigned int)n;
	return 0;
}

static int opt_kernel(void *c, const char *a) { ((struct vm_cmd *)c)->kernel = a; return 0; }
static int opt_modules(void *c, const char *a) { ((struct vm_cmd *)c)->modules = a; return 0; }
static int opt_out(void *c, const char *a) { ((struct vm_cmd *)c)->out = a; return 0; }
static int opt_qemu(void *c, const char *a) { ((struct vm_cmd *)c)->qemu = a; return 0; }
static int opt_quiet(void *c, const char *a) { ((struct vm_cmd *)c)->quiet = true; return 0; }

static int opt_accel(void *c, const char *a)
{
	if (strcmp(a, "tcg") && strcmp(a, "kvm"))
		return -EINVAL;
	((struct vm_cmd *)c)->accel = a;
	return 0;
}

static int opt_mem(void *c, const char *a)
{
	return parse_uint(a, 256, 65536, &((struct vm_cmd *)c)->mem_mb);
}

static int opt_smp(void *c, const char *a)
{
	return parse_uint(a, 1, 64, &((struct vm_cmd *)c)->smp);
}

static int opt_timeout(void *c, const char *a)
{
	unsigned int t;
	int err = parse_uint(a, 1, 86400, &t);

	((struct vm_cmd *)c)->timeout_s = (int)t;
	return err;
}

static int opt_help(void *c, const char *a);

static const struct wgl_opt vm_opts[] = {
	{ "kernel", 'k', true, opt_kernel, "guest kernel (default: $WGLAB_KERNEL_CACHE/vmlinuz)" },
	{ "modules", 0, true, opt_modules, "its lib/modules/RELEASE (default: cache/modules)" },
	{ "accel", 0, true, opt_accel, "tcg (default) or kvm" },
	{ "mem", 'm', true, opt_mem, "guest memory in MB (default 1024)" },
	{ "smp", 0, true, opt_smp, "guest CPUs (default 2)" },
	{ "timeout", 't', true, opt_timeout, "kill the VM after SEC seconds (default 900)" },
	{ "out", 'o', true, opt_out, "results directory on the host (default " DEFAULT_OUT ")" },
	{ "qemu", 0, true, opt_qemu, "qemu binary (default qemu-system-x86_64)" },
	{ "quiet", 'q', false, opt_quiet, "do not copy the guest console to stderr" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

static const char synopsis[] = "[options] -- WGLAB-ARGS...";

static int opt_help(void *c, const char *a)
{
	wgl_opts_usage("vm", synopsis, vm_opts);
	exit(WGL_EXIT_OK); /* CLI layer: --help ends the command */
}
