// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab vm: runs one wglab command inside the kernel lab, a stock Debian
 * cloud kernel booted under qemu with wglab in its initramfs, and brings the
 * results directory back. Used where the host has no wireguard module.
 * With two --impl NAME=kernel:SERIES it boots each kernel (in ABBA order over
 * --rounds) and merges the boots into one run with an A/B table (vm/ab.h,
 * docs/kernel-lab.md).
 */
#include <dirent.h>
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

#include "base/child.h"
#include "cli/cli.h"
#include "cli/vm_priv.h"
#include "base/log.h"
#include "base/util.h"
#include "reports/merge.h"
#include "reports/results_dir.h"
#include "reports/write.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"

#define DEFAULT_KERNEL_CACHE "/var/cache/wglab/kernel"
#define DEFAULT_OUT "wglab-vm-results"


static int opt_kernel(void *c, const char *a) { ((struct vm_cmd *)c)->kernel = a; return 0; }
static int opt_modules(void *c, const char *a) { ((struct vm_cmd *)c)->modules = a; return 0; }
static int opt_out(void *c, const char *a) { ((struct vm_cmd *)c)->out = a; return 0; }
static int opt_qemu(void *c, const char *a) { ((struct vm_cmd *)c)->qemu = a; return 0; }
static int opt_sh(void *c, const char *a) { ((struct vm_cmd *)c)->sh = a; return 0; }
static int opt_add(void *c, const char *a)
{
	struct vm_cmd *v = c;

	if (v->nadd == WGL_ARRAY_SIZE(v->add) || access(a, X_OK) < 0)
		return -EINVAL;
	v->add[v->nadd++] = a;
	return 0;
}

static int opt_impl(void *c, const char *a)
{
	struct vm_cmd *v = c;

	if (v->nimpls == WGL_LAB_AB_IMPLS)
		return -EINVAL;
	return wgl_ab_parse_impl(a, &v->impls[v->nimpls++]);
}

static int opt_rounds(void *c, const char *a)
{
	long long v;
	int err = wgl_parse_int(a, 1, 16, &v);

	if (!err)
		((struct vm_cmd *)c)->rounds = (unsigned int)v;
	return err;
}

static int opt_gate(void *c, const char *a)
{
	return wgl_ab_opt_gate(&((struct vm_cmd *)c)->ab, a);
}

static int opt_confidence(void *c, const char *a)
{
	return wgl_ab_opt_confidence(&((struct vm_cmd *)c)->ab, a);
}

static int opt_verbose(void *c, const char *a)
{
	wgl_log_verbosity = WGL_LOG_DEBUG;
	return 0;
}

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
	long long v;
	int err = wgl_parse_int(a, 256, 65536, &v);

	if (!err)
		((struct vm_cmd *)c)->mem_mb = (unsigned int)v;
	return err;
}

static int opt_smp(void *c, const char *a)
{
	long long v;
	int err = wgl_parse_int(a, 1, 64, &v);

	if (!err)
		((struct vm_cmd *)c)->smp = (unsigned int)v;
	return err;
}

static int opt_timeout(void *c, const char *a)
{
	long long v;
	int err = wgl_parse_int(a, 1, 86400, &v);

	if (!err)
		((struct vm_cmd *)c)->timeout_s = (int)v;
	return err;
}

static int opt_help(void *c, const char *a)
{
	((struct vm_cmd *)c)->help = true;
	return 0;
}

static const struct wgl_opt vm_opts[] = {
	{ "kernel", 'k', true, opt_kernel, "guest kernel (default: $WGLAB_KERNEL_CACHE/vmlinuz)" },
	{ "modules", 0, true, opt_modules, "its lib/modules/RELEASE (default: cache/modules)" },
	{ "accel", 0, true, opt_accel, "tcg (default) or kvm" },
	{ "mem", 'm', true, opt_mem, "guest memory in MB (default 1024)" },
	{ "smp", 0, true, opt_smp, "guest CPUs (default 2)" },
	{ "timeout", 't', true, opt_timeout, "kill the VM after SEC seconds (default 900); the guest's wglab is stopped 60 s + 10% earlier, so its finished cases are kept" },
	{ "out", 'o', true, opt_out, "results directory on the host (default " DEFAULT_OUT ")" },
	{ "qemu", 0, true, opt_qemu, "qemu binary (default qemu-system-x86_64)" },
	{ "add", 0, true, opt_add, "also install this executable as /usr/local/bin/NAME" },
	{ "impl", 0, true, opt_impl, "NAME=kernel[:VERSION]: compare two kernels (give two)" },
	{ "rounds", 0, true, opt_rounds, "with --impl: boots per kernel, in ABBA order (default 1)" },
	{ "gate", 0, true, opt_gate, "with --impl: METRIC<PCT% fail when B is worse than A beyond PCT "
	  "over the rounds (repeatable)" },
	{ "confidence", 0, true, opt_confidence, "LEVEL of the rounds' intervals (default 0.95)" },
	{ "sh", 0, true, opt_sh, "run this shell command in the guest instead of wglab" },
	{ "quiet", 'q', false, opt_quiet, "do not copy the guest console to stderr" },
	{ "verbose", 'v', false, opt_verbose, "debug logging on the host side" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

static const char synopsis[] = "[options] -- WGLAB-ARGS...";

/* Scratch files of the running VM; the cleanup hook may run from a signal handler. */
static char tmp_dir[PATH_MAX], tmp_initrd[PATH_MAX + 16], tmp_disk[PATH_MAX + 16];
/* --impl: the copy of wglab every boot installs (see copy_self()), "" when none. */
static char tmp_exe[PATH_MAX + 16];
/* Seconds the last initramfs took to build and the last results to unpack; < 0: not yet. */
static double initrd_build_s = -1, results_extract_s = -1;

/* The cleanup hook: plain syscalls only, it may run in a signal handler. */
static void remove_tmp_files(void)
{
	if (!tmp_dir[0])
		return;
	unlink(tmp_initrd);
	unlink(tmp_disk);
	if (tmp_exe[0])
		unlink(tmp_exe);
	rmdir(tmp_dir);
}

static void remove_tmp(void)
{
	if (!tmp_dir[0])
		return;
	remove_tmp_files();
	wgl_destroyed("tmpdir", tmp_dir);
	tmp_dir[0] = '\0';
}

static int make_tmp(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp_dir, sizeof(tmp_dir), "%s/wglab-vm.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp_dir)) {
		int err = -errno;

		wgl_err("vm: cannot create a scratch directory in %s: %s",
			base && *base ? base : "/tmp", strerror(errno));
		tmp_dir[0] = '\0';
		return err;
	}
	wgl_created("tmpdir", tmp_dir);
	snprintf(tmp_initrd, sizeof(tmp_initrd), "%s/initrd.cpio", tmp_dir);
	snprintf(tmp_disk, sizeof(tmp_disk), "%s/results.img", tmp_dir);
	wgl_cleanup_register(remove_tmp_files);
	return 0;
}

/*
 * The cache directory of kernel series version (vm/fetch-kernel.sh
 * --version): CACHE/VERSION, or CACHE itself when the default kernel is of
 * that series (6.1 on Debian 12).
 */
static void version_dir(const char *cache, const char *version, char *dir, size_t len)
{
	char path[PATH_MAX], rel[128] = "";
	size_t n = strlen(version);
	FILE *f;

	snprintf(dir, len, "%s/%s", cache, version);
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	if (access(path, R_OK) == 0)
		return;
	snprintf(path, sizeof(path), "%s/release", cache);
	f = fopen(path, "re");
	if (f && fgets(rel, sizeof(rel), f) && !strncmp(rel, version, n) && rel[n] == '.')
		snprintf(dir, len, "%s", cache);
	if (f)
		fclose(f);
}

/*
 * Kernel and modules default to the cache vm/fetch-kernel.sh fills (the
 * series v->version when set). The release is the last component of the
 * resolved modules directory. Returns 0, or -ENOENT with the reason printed
 * (the caller skips with 77).
 */
int wgl_vm_resolve_kernel(struct vm_cmd *v)
{
	const char *cache = getenv("WGLAB_KERNEL_CACHE");
	char real[PATH_MAX], dir[PATH_MAX - 16];

	if (!cache || !*cache)
		cache = DEFAULT_KERNEL_CACHE;
	snprintf(dir, sizeof(dir), "%s", cache);
	if (v->version && *v->version)
		version_dir(cache, v->version, dir, sizeof(dir));
	if (!v->kernel || v->kernel == v->kernel_buf) {
		snprintf(v->kernel_buf, sizeof(v->kernel_buf), "%s/vmlinuz", dir);
		v->kernel = v->kernel_buf;
	}
	if (!v->modules || v->modules == v->modules_buf) {
		snprintf(v->modules_buf, sizeof(v->modules_buf), "%s/modules", dir);
		v->modules = v->modules_buf;
	}
	if (access(v->kernel, R_OK) < 0 || !realpath(v->modules, real)) {
		fprintf(stderr, "wglab vm: no guest kernel at %s / %s (run vm/fetch-kernel.sh%s%s, "
			"or pass --kernel and --modules)\n", v->kernel, v->modules,
			v->version && *v->version ? " --version " : "", v->version ? v->version : "");
		return -ENOENT;
	}
	snprintf(v->release, sizeof(v->release), "%s", strrchr(real, '/') + 1);
	return 0;
}

static bool have_program(const char *name)
{
	char *argv[] = { "sh", "-c", "command -v \"$0\" >/dev/null", (char *)name, NULL };
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	pid_t pid = wgl_child_exec(&o, "which", argv);
	int st = 0;

	if (pid < 0 || wgl_child_wait(pid, -1, &st) < 0)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The JSON both vm.json and the guest's WGLAB_VM_INFO start from. */
static json_t *vm_info(const struct vm_cmd *v)
{
	return json_pack("{s:b, s:s, s:s, s:b, s:i, s:i}", "vm", 1, "accel", v->accel,
			 "kernel", v->release, "emulated", !strcmp(v->accel, "tcg"),
			 "mem_mb", (int)v->mem_mb, "smp", (int)v->smp);
}

/*
 * Seconds the guest's wglab may run before it is sent SIGTERM: the host's
 * --timeout less time for the boot and for writing and copying back the
 * results, so a run that overruns still leaves its finished cases (marked
 * incomplete) instead of nothing. 0: too short a timeout for a budget.
 */
static int guest_budget_s(int timeout_s)
{
	int budget = timeout_s - 60 - timeout_s / 10;

	return budget >= 30 ? budget : 0;
}

/* Base archive (tools, modules, scenarios) followed by the per-run one. */
static int build_initrd(const struct vm_cmd *v, int argc, char **argv)
{
	struct wgl_initramfs_opts o = {
		.modules_dir = v->modules, .release = v->release, .tmpdir = tmp_dir,
		.extra = v->add, .nextra = v->nadd,
	};
	char exe[PATH_MAX], *info_text = NULL, env_info[4096], env_sh[4096];
	const char *src = getenv("WGLAB_SRCDIR"), *env[] = { env_info, NULL, NULL, NULL };
	char env_budget[64];
	int budget = guest_budget_s(v->timeout_s), nenv = 1;
	json_t *info = vm_info(v);
	ssize_t n = tmp_exe[0] ? (ssize_t)snprintf(exe, sizeof(exe), "%.*s", PATH_MAX - 1, tmp_exe) :
		    readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	long long t0 = wgl_now_ns();
	struct stat st;
	int fd, err;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	o.wglab_exe = exe;
	o.srcdir = src && *src ? src : WGLAB_SRCDIR;
	info_text = info ? json_dumps(info, JSON_COMPACT) : NULL;
	json_decref(info);
	snprintf(env_info, sizeof(env_info), "WGLAB_VM_INFO=%s", info_text ? info_text : "{}");
	free(info_text);
	if (v->sh) {
		snprintf(env_sh, sizeof(env_sh), "WGLAB_VM_SH=%s", v->sh);
		env[nenv++] = env_sh;
	}
	if (budget > 0) {
		snprintf(env_budget, sizeof(env_budget), "WGLAB_VM_BUDGET=%d", budget);
		env[nenv++] = env_budget;
	}
	fd = open(tmp_initrd, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = wgl_initramfs_write_base(fd, &o);
	if (!err)
		err = wgl_initramfs_write_run(fd, argc, argv, env);
	initrd_build_s = (double)(wgl_now_ns() - t0) / 1e9;
	if (!err && fstat(fd, &st) == 0)
		wgl_dbg("vm: initramfs of %.1f MB built in %.2f s", (double)st.st_size / 1e6,
			initrd_build_s);
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/*
 * The guest's wglab writes its results to WGL_VM_GUEST_OUT. An --out the
 * user gave the inner command is pointed there and, unless vm's own --out
 * was given, names the host directory instead. run and bench get an --out
 * when they have none.
 */
static char **guest_args(struct vm_cmd *v, int argc, char **argv, int *nargs)
{
	char **a = calloc((size_t)argc + 5, sizeof(*a));
	bool has_out = false, has_backend = false;
	int n = 0;

	if (!a)
		return NULL;
	for (int i = 0; i < argc; i++) {
		a[n++] = argv[i];
		has_backend |= !strcmp(argv[i], "--backend") || !strcmp(argv[i], "-b") ||
			       !strncmp(argv[i], "--backend=", 10);
		if ((!strcmp(argv[i], "--out") || !strcmp(argv[i], "-o")) && i + 1 < argc) {
			v->out = v->out ? v->out : argv[i + 1];
			a[n++] = WGL_VM_GUEST_OUT;
			i++;
			has_out = true;
		} else if (!strncmp(argv[i], "--out=", 6)) {
			v->out = v->out ? v->out : argv[i] + 6;
			a[n - 1] = "--out=" WGL_VM_GUEST_OUT;
			has_out = true;
		}
	}
	if (!has_out && argc && (!strcmp(argv[0], "run") || !strcmp(argv[0], "bench"))) {
		a[n++] = "--out";
		a[n++] = WGL_VM_GUEST_OUT;
	}
	/* The kernels are what --impl compares: the guest runs the kernel backend. */
	if (v->nimpls && !has_backend && argc && !strcmp(argv[0], "run")) {
		a[n++] = "--backend";
		a[n++] = "kernel";
	}
	*nargs = n;
	return a;
}

/* A sparse raw disk as large as the guest's memory: results cannot be larger. */
static int make_disk(const struct vm_cmd *v)
{
	int fd = open(tmp_disk, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)v->mem_mb << 20) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int run_tool(char *const argv[], int stdout_fd)
{
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	pid_t pid;
	int st = 0;

	o.stdout_fd = stdout_fd;
	o.stderr_fd = 2;
	pid = wgl_child_exec(&o, argv[0], argv);
	if (pid < 0 || wgl_child_wait(pid, -1, &st) < 0)
		return -EIO;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/*
 * Unpacks the guest's tar stream: results/ into out, and the exit code the
 * guest recorded (-1 when the stream has none).
 */
static int extract_results(const char *out, int *exit_code)
{
	char *x[] = { "tar", "-xf", tmp_disk, "-C", (char *)out, "--no-same-owner", "--warning=no-timestamp",
		      "--strip-components=2", "./results", NULL };
	char *code[] = { "tar", "-xOf", tmp_disk, "./exit-code", NULL };
	char path[PATH_MAX + 16], buf[16] = "";
	int fd, err;

	*exit_code = -1;
	err = run_tool(x, -1);
	snprintf(path, sizeof(path), "%s/exit-code", tmp_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err;
	if (run_tool(code, fd) == 0 && pread(fd, buf, sizeof(buf) - 1, 0) > 0)
		*exit_code = atoi(buf);
	close(fd);
	unlink(path);
	return err;
}

/* key: seconds, or null when unknown (< 0). */
static void set_seconds(json_t *j, const char *key, double s)
{
	json_object_set_new(j, key, s >= 0 ? json_real(s) : json_null());
}

/* The lab's own costs, beside what the guest command took, for the closing line. */
static void log_lab_costs(const struct wgl_vm_outcome *r)
{
	if (r->boot_s < 0 || r->exit_s < 0)
		return;
	wgl_info("vm: initramfs %.2f s, qemu start to init %.2f s, command %.1f s, results "
		 "written in the guest %.2f s, unpacked on the host %.2f s, power-off %.2f s",
		 initrd_build_s, r->boot_s, r->exit_s - r->boot_s,
		 r->written_s >= 0 ? r->written_s - r->exit_s : -1, results_extract_s,
		 r->written_s >= 0 ? r->wall_s - r->written_s : -1);
}

/* extract_results(), timed into results_extract_s. */
static int extract_timed(const char *out, int *exit_code)
{
	long long t0 = wgl_now_ns();
	int err = extract_results(out, exit_code);

	results_extract_s = (double)(wgl_now_ns() - t0) / 1e9;
	return err;
}

static int write_vm_json(const struct vm_cmd *v, const char *dir,
			 const struct wgl_vm_outcome *r, int exit_code)
{
	char path[PATH_MAX];
	json_t *j = vm_info(v);
	int err;

	if (!j)
		return -ENOMEM;
	json_object_set_new(j, "boot_s", r->boot_s >= 0 ? json_real(r->boot_s) : json_null());
	json_object_set_new(j, "guest_uptime_at_init_s",
			    r->guest_uptime_s >= 0 ? json_real(r->guest_uptime_s) : json_null());
	json_object_set_new(j, "wall_s", json_real(r->wall_s));
	set_seconds(j, "initramfs_s", initrd_build_s);
	set_seconds(j, "results_write_s",
		    r->written_s >= 0 && r->exit_s >= 0 ? r->written_s - r->exit_s : -1);
	set_seconds(j, "results_extract_s", results_extract_s);
	json_object_set_new(j, "timed_out", json_boolean(r->timed_out));
	json_object_set_new(j, "exit_code", exit_code >= 0 ? json_integer(exit_code) : json_null());
	snprintf(path, sizeof(path), "%s/vm.json", dir);
	err = json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ? -EIO : 0;
	json_decref(j);
	return err;
}

/* Names of the run directories in out before the guest's results arrive. */
struct name_list {
	char (*names)[256];
	size_t n;
};

static bool is_run_dir(const char *out, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/result.json", out, name);
	return name[0] != '.' && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void list_dirs(const char *out, struct name_list *l)
{
	DIR *d = opendir(out);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		void *p;

		if (!is_run_dir(out, de->d_name) || !(p = realloc(l->names, (l->n + 1) * 256)))
			continue;
		l->names = p;
		snprintf(l->names[l->n++], 256, "%s", de->d_name);
	}
	if (d)
		closedir(d);
}

static bool listed(const struct name_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return true;
	return false;
}

/* vm.json goes into out and into every run directory this VM produced. */
static void write_all_vm_json(const struct vm_cmd *v, const struct name_list *before,
			      const struct wgl_vm_outcome *r, int code)
{
	DIR *d = opendir(v->out);
	struct dirent *de;
	char dir[PATH_MAX];

	if (write_vm_json(v, v->out, r, code) < 0)
		wgl_warn("vm: cannot write %s/vm.json", v->out);
	while (d && (de = readdir(d))) {
		if (de->d_type == DT_LNK || !is_run_dir(v->out, de->d_name) ||
		    listed(before, de->d_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", v->out, de->d_name);
		if (write_vm_json(v, dir, r, code) < 0)
			wgl_warn("vm: cannot write %s/vm.json", dir);
	}
	if (d)
		closedir(d);
}

/*
 * A run the guest's budget stopped wrote result.json after its last finished
 * case but no reports: render them here, so the partial run reads like any.
 */
static void render_partial_runs(const struct vm_cmd *v, const struct name_list *before)
{
	DIR *d = opendir(v->out);
	struct dirent *de;
	char dir[PATH_MAX], path[PATH_MAX + 32], why[512];
	struct wgl_run *run;

	while (d && (de = readdir(d))) {
		if (de->d_type == DT_LNK || !is_run_dir(v->out, de->d_name) ||
		    listed(before, de->d_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", v->out, de->d_name);
		snprintf(path, sizeof(path), "%s/summary.md", dir);
		if (access(path, F_OK) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/result.json", dir);
		run = wgl_result_load(path, why, sizeof(why));
		if (!run)
			continue;
		if (run->incomplete)
			wgl_warn("vm: the guest's wglab was stopped at its budget (--timeout less "
				 "60 s and 10%%): %zu finished cases kept in %s, marked incomplete",
				 run->ncases, dir);
		if (wgl_reports_write(run, dir) < 0)
			wgl_warn("vm: cannot write the reports of %s", dir);
		wgl_result_free(run);
	}
	if (d)
		closedir(d);
}

/*
 * Boots, follows, unpacks; returns the guest wglab's exit code or
 * WGL_EXIT_FAIL. The VM's timings go to *out when out is not NULL.
 */
int wgl_vm_boot_collect(struct vm_cmd *v, struct wgl_vm_outcome *out)
{
	struct wgl_vm_opts o = {
		.qemu = v->qemu, .kernel = v->kernel, .initrd = tmp_initrd, .disk = tmp_disk,
		.accel = v->accel, .mem_mb = v->mem_mb, .smp = v->smp,
		.timeout_s = v->timeout_s, .log_fd = -1, .echo = !v->quiet,
	};
	struct wgl_vm_outcome r;
	struct name_list before = { 0 };
	char path[PATH_MAX];
	int err, code = -1;

	snprintf(path, sizeof(path), "%s/vm-console.log", v->out);
	o.log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	err = wgl_vm_boot(&o, &r);
	if (o.log_fd >= 0)
		close(o.log_fd);
	if (err < 0 && err != -ETIMEDOUT) {
		wgl_err("vm: cannot start qemu: %s", strerror(-err));
		return WGL_EXIT_FAIL;
	}
	list_dirs(v->out, &before);
	if (r.boot_s < 0)
		wgl_err("vm: the guest never reached init: qemu %s %d (see %s)",
			WIFSIGNALED(r.qemu_status) ? "killed by signal" : "exited with",
			WIFSIGNALED(r.qemu_status) ? WTERMSIG(r.qemu_status) :
			WEXITSTATUS(r.qemu_status), path);
	else if (!r.timed_out && extract_timed(v->out, &code) < 0)
		wgl_err("vm: the guest returned no results (see %s)", path);
	if (code < 0)
		code = r.guest_exit;
	write_all_vm_json(v, &before, &r, code);
	render_partial_runs(v, &before);
	if (r.boot_s >= 0)
		wgl_info("vm: %s, kernel %s: init after %.2f s, VM ran %.1f s, wglab exited %d",
			 v->accel, v->release, r.boot_s, r.wall_s, code);
	log_lab_costs(&r);
	free(before.names);
	if (out)
		*out = r;
	return code >= 0 ? code : WGL_EXIT_FAIL;
}

/*
 * The boots of one A/B run span minutes: a rebuild of wglab meanwhile would
 * leave /proc/self/exe "(deleted)" and the later boots without a binary, or
 * with another one. Every boot installs this copy of the running binary.
 */
int wgl_vm_copy_self(void)
{
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out = -1, err = 0;
	char buf[65536];
	ssize_t n;

	snprintf(tmp_exe, sizeof(tmp_exe), "%s/wglab", tmp_dir);
	if (in >= 0)
		out = open(tmp_exe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		err = -errno;
	while (!err && (n = read(in, buf, sizeof(buf))) != 0)
		if (n < 0 || write(out, buf, (size_t)n) != n)
			err = n < 0 ? -errno : -EIO;
	if (out >= 0 && close(out) < 0 && !err)
		err = -errno;
	if (in >= 0)
		close(in);
	if (err < 0) {
		wgl_err("vm: cannot copy wglab to %s: %s", tmp_exe, strerror(-err));
		unlink(tmp_exe);
		tmp_exe[0] = '\0';
	}
	return err;
}

int wgl_vm_prepare_boot(struct vm_cmd *v, int argc, char **argv)
{
	int err;

	unlink(tmp_initrd);
	unlink(tmp_disk);
	err = build_initrd(v, argc, argv);
	if (!err)
		err = make_disk(v);
	return err;
}

int wgl_cmd_vm(int argc, char **argv)
{
	struct vm_cmd v = { .accel = "tcg", .mem_mb = 1024, .smp = 2, .timeout_s = 900,
			    .rounds = 1 };
	char **inner = NULL;
	int npos = 0, ninner = 0, ret = WGL_EXIT_FAIL, err;

	if (wgl_opts_parse(vm_opts, &v, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (v.help) {
		wgl_opts_usage("vm", synopsis, vm_opts);
		return WGL_EXIT_OK;
	}
	if (npos < 1 && !v.sh) {
		fprintf(stderr, "wglab vm: no wglab command given (wglab vm -- run ...)\n");
		return WGL_EXIT_USAGE;
	}
	if ((v.ab.ngates || v.ab.confidence > 0) && !v.nimpls) {
		fprintf(stderr, "wglab vm: --gate and --confidence judge two kernels' rounds: give "
			"--impl A=kernel:V --impl B=kernel:W\n");
		return WGL_EXIT_USAGE;
	}
	if (v.nimpls && (err = wgl_vm_check_impls(&v)) != 0)
		return err;
	if (!v.nimpls && wgl_vm_resolve_kernel(&v) < 0)
		return WGL_EXIT_SKIP;
	if (!have_program(v.qemu ? v.qemu : "qemu-system-x86_64")) {
		fprintf(stderr, "wglab vm: %s not found (apt-get install qemu-system-x86)\n",
			v.qemu ? v.qemu : "qemu-system-x86_64");
		return WGL_EXIT_SKIP;
	}
	inner = guest_args(&v, npos, argv + 1, &ninner);
	if (!inner)
		return WGL_EXIT_FAIL;
	if (!v.out)
		v.out = DEFAULT_OUT;
	err = wgl_mkdir_p(v.out);
	if (err < 0) {
		wgl_err("vm: cannot create %s: %s", v.out, strerror(-err));
		goto out_args;
	}
	if (make_tmp() < 0)
		goto out_args;
	if (v.nimpls) {
		ret = wgl_vm_run_ab(&v, ninner, inner);
		goto out_tmp;
	}
	err = build_initrd(&v, ninner, inner);
	if (!err)
		err = make_disk(&v);
	if (err < 0)
		wgl_err("vm: cannot prepare the VM in %s: %s", tmp_dir, strerror(-err));
	else
		ret = wgl_vm_boot_collect(&v, NULL);
out_tmp:
	remove_tmp();
out_args:
	free(inner);
	return ret;
}
