// SPDX-License-Identifier: GPL-2.0-or-later
/* Builds the kernel lab's initramfs; see initramfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "base/util.h"
#include "vm/cpio.h"
#include "vm/initramfs.h"

/*
 * Loaded at boot, in this order. virtio_* carry the results disk and the
 * entropy source (getrandom() would otherwise stall under TCG).
 */
static const char *const preload_modules[] = {
	"virtio_pci", "virtio_blk", "virtio_rng", "wireguard", "veth", "tun",
	"sch_netem", "sch_tbf", "sch_htb",
	/* NAT routers: nat chains, masquerade, and ctnetlink for conntrack flushes and dumps. */
	"nft_chain_nat", "nft_masq", "nf_conntrack_netlink",
};
/* Copied so that the kernel can autoload them (tc, nft) through modprobe. */
static const char *const extra_modules[] = {
	"sch_ingress", "ifb", "nf_tables", "nft_numgen", "nft_limit", "nft_ct", "nft_quota",
	/* node:impair()'s NFQUEUE middlebox: the queue, nf_tables' xtables compat, the target. */
	"nfnetlink_queue", "nft_compat", "xt_NFQUEUE",
};

/* Real tools, found on this host; busybox provides everything else. */
static const struct {
	const char *name;
	int required;
} tools[] = {
	{ "ip", 1 }, { "tc", 0 }, { "wg", 0 }, { "wireguard-go", 0 }, { "iperf3", 0 },
	{ "nft", 0 },
};

/*
 * PID 1. Busybox links are installed only where no real binary exists, so
 * /usr/sbin/ip stays iproute2. Everything after the init marker is reported
 * on the console, and the results disk always gets a tar stream, even when
 * wglab failed, so the host can tell "failed" from "never ran".
 */
static const char init_script[] =
	"#!/bin/busybox sh\n"
	"/bin/busybox mkdir -p /proc /sys /dev /run /tmp /out/results\n"
	"/bin/busybox mount -t proc proc /proc\n"
	"/bin/busybox --install -s\n"
	"export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"mkdir -p /dev/pts /dev/shm\n"
	"mount -t devpts devpts /dev/pts\n"
	"mount -t tmpfs -o mode=1777 tmpfs /dev/shm\n"
	"mount -t tmpfs -o mode=0755 tmpfs /run\n"
	"mount -t tmpfs -o mode=1777 tmpfs /tmp\n"
	"echo \"" WGL_VM_MARK_INIT " uptime=$(cut -d' ' -f1 /proc/uptime)\"\n"
	"for m in $(cat /etc/wglab/modules); do\n"
	"\tmodprobe $m || echo \"WGLAB-VM: modprobe $m failed\"\n"
	"done\n"
	"ip link set lo up\n"
	"hostname wglab-vm\n"
	"export WGLAB_SRCDIR=" WGL_VM_GUEST_SRCDIR "\n"
	". /etc/wglab/run.sh\n"
	"cd " WGL_VM_GUEST_OUT "\n"
	"echo \"WGLAB-VM: running wglab $*\"\n"
	/* A budget short of the host's kill leaves time to stop, write the partial result, copy it back. */
	"if [ -n \"$WGLAB_VM_SH\" ]; then sh -c \"$WGLAB_VM_SH\"\n"
	"elif [ -n \"$WGLAB_VM_BUDGET\" ]; then timeout -s TERM \"$WGLAB_VM_BUDGET\" /usr/bin/wglab \"$@\"\n"
	"else /usr/bin/wglab \"$@\"; fi\n"
	"rc=$?\n"
	"echo $rc > /out/exit-code\n"
	"echo \"" WGL_VM_MARK_EXIT "$rc\"\n"
	"if tar -cf " WGL_VM_RESULTS_DEV " -C /out . && sync; then\n"
	"\techo '" WGL_VM_MARK_WRITTEN "'\n"
	"else\n"
	"\techo 'WGLAB-VM: writing results failed'\n"
	"fi\n"
	"poweroff -f\n";

struct image {
	struct wgl_cpio c;
	char **names;    /* every entry added so far, to add parents once */
	size_t n, cap;
};

static bool image_has(const struct image *img, const char *name)
{
	for (size_t i = 0; i < img->n; i++)
		if (!strcmp(img->names[i], name))
			return true;
	return false;
}

static int image_note(struct image *img, const char *name)
{
	if (img->n == img->cap) {
		size_t cap = img->cap ? 2 * img->cap : 256;
		char **p = realloc(img->names, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		img->names = p;
		img->cap = cap;
	}
	img->names[img->n] = strdup(name);
	if (!img->names[img->n])
		return -ENOMEM;
	img->n++;
	return 0;
}

static void image_free(struct image *img)
{
	for (size_t i = 0; i < img->n; i++)
		free(img->names[i]);
	free(img->names);
}

/* Adds every missing parent directory of name ("a/b/c" adds "a", "a/b"). */
static int image_parents(struct image *img, const char *name)
{
	char dir[PATH_MAX];

	for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - name), name);
		if (image_has(img, dir))
			continue;
		wgl_cpio_dir(&img->c, dir, 0755);
		if (image_note(img, dir) < 0)
			return img->c.error = -ENOMEM;
	}
	return img->c.error;
}

/* Copies host file path to the same path in the image (once). */
static int image_file(struct image *img, const char *path, const char *as)
{
	const char *name = (as ? as : path) + strspn(as ? as : path, "/");

	if (image_has(img, name))
		return img->c.error;
	image_parents(img, name);
	if (wgl_cpio_file(&img->c, name, path) < 0) {
		wgl_err("vm: cannot add %s to the initramfs: %s", path, strerror(-img->c.error));
		return img->c.error;
	}
	return image_note(img, name);
}

int wgl_shell_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;

#define PUT(ch) do { if (o + 1 >= len) return -ENOSPC; buf[o++] = (ch); } while (0)
	PUT('\'');
	for (; *s; s++) {
		if (*s == '\'') {
			/* close, escaped quote, reopen */
			PUT('\''); PUT('\\'); PUT('\''); PUT('\'');
		} else {
			PUT(*s);
		}
	}
	PUT('\'');
#undef PUT
	buf[o] = '\0';
	return 0;
}

static int copy_word(const char *start, size_t n, char *path, size_t len)
{
	if (!n || n >= len)
		return -ENOENT;
	memcpy(path, start, n);
	path[n] = '\0';
	return 0;
}

int wgl_ldd_parse_line(const char *line, char *path, size_t len)
{
	const char *p = strstr(line, "=> ");

	/* "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" */
	if (p)
		p += 3;
	else /* "\t/lib64/ld-linux-x86-64.so.2 (0x...)"; vdso has no path */
		p = line + strspn(line, " \t");
	if (*p != '/')
		return -ENOENT;
	return copy_word(p, strcspn(p, " \t\n("), path, len);
}

int wgl_modprobe_parse_line(const char *line, char *path, size_t len)
{
	const char *p = line + strspn(line, " \t");

	if (strncmp(p, "insmod ", 7))
		return -ENOENT;
	p += 7 + strspn(p + 7, " ");
	if (*p != '/')
		return -ENOENT;
	return copy_word(p, strcspn(p, " \t\n"), path, len);
}

/*
 * Runs argv and returns its stdout (NUL-terminated, caller frees) in *out.
 * Returns the exit status (>= 0) or -errno.
 */
static int run_capture(char *const argv[], char **out, bool show_errors)
{
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int pfd[2], st = 0;
	pid_t pid;
	ssize_t n;

	if (!buf || pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	o.stdout_fd = pfd[1];
	o.stderr_fd = show_errors ? 2 : -1;
	pid = wgl_child_exec(&o, argv[0], argv);
	close(pfd[1]);
	while (pid > 0 && (n = read(pfd[0], buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (cap - len < 2) {
			char *p = realloc(buf, cap *= 2);

			if (!p)
				break;
			buf = p;
		}
	}
	close(pfd[0]);
	buf[len] = '\0';
	*out = buf;
	if (pid < 0)
		return pid;
	wgl_child_wait(pid, -1, &st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Adds the shared libraries of binary (none for a static one). */
static int image_libs(struct image *img, const char *binary)
{
	char *argv[] = { "ldd", (char *)binary, NULL }, *out = NULL, *save = NULL, *line;
	char path[PATH_MAX];

	run_capture(argv, &out, false); /* 1 for static binaries: no lines then */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (wgl_ldd_parse_line(line, path, sizeof(path)) == 0)
			image_file(img, path, NULL);
	free(out);
	return img->c.error;
}

static int find_tool(const char *name, char *path, size_t len)
{
	const char *env = getenv("PATH");
	char dirs[4096];
	char *save = NULL, *d;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin", env ? env : "");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		snprintf(path, len, "%s/%s", d, name);
		if (access(path, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int image_tools(struct image *img, const char *wglab_exe)
{
	char path[PATH_MAX];

	if (find_tool("busybox", path, sizeof(path)) < 0) {
		wgl_err("vm: busybox not found (apt-get install busybox-static)");
		return -ENOENT;
	}
	image_file(img, path, "bin/busybox");
	image_libs(img, path);
	image_file(img, wglab_exe, "usr/bin/wglab");
	image_libs(img, wglab_exe);
	for (size_t i = 0; i < WGL_ARRAY_SIZE(tools); i++) {
		if (find_tool(tools[i].name, path, sizeof(path)) < 0) {
			if (tools[i].required) {
				wgl_err("vm: %s not found on this host", tools[i].name);
				return -ENOENT;
			}
			wgl_warn("vm: %s not found; the guest will not have it", tools[i].name);
			continue;
		}
		/* Same path as here: /usr/sbin/ip stays ahead of busybox on PATH. */
		image_file(img, path, NULL);
		image_libs(img, path);
	}
	return img->c.error;
}

static int image_extra(struct image *img, const struct wgl_initramfs_opts *o)
{
	for (size_t i = 0; i < o->nextra && !img->c.error; i++) {
		const char *base = strrchr(o->extra[i], '/');
		char name[PATH_MAX];

		snprintf(name, sizeof(name), "usr/local/bin/%s", base ? base + 1 : o->extra[i]);
		image_file(img, o->extra[i], name);
		image_libs(img, o->extra[i]);
	}
	return img->c.error;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) < 0 && !err)
		err = -errno;
	return err;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

/* Removes a tree this module made under its scratch directory. */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Copies the closure of module name (every "insmod PATH" line of modprobe
 * --show-depends) from the kernel's tree into stage/lib/modules/REL.
 */
static int stage_module(const struct wgl_initramfs_opts *o, const char *root,
			const char *stage, const char *name)
{
	char *argv[] = { "modprobe", "-d", (char *)root, "-S", (char *)o->release,
			 "--show-depends", (char *)name, NULL };
	char *out = NULL, *save = NULL, *line, src[PATH_MAX], dst[PATH_MAX * 2];
	size_t rootlen = strlen(root);
	int rc, err = 0;

	rc = run_capture(argv, &out, true);
	if (rc != 0) {
		wgl_err("vm: module %s not found for kernel %s", name, o->release);
		free(out);
		return -ENOENT;
	}
	for (line = strtok_r(out, "\n", &save); line && !err; line = strtok_r(NULL, "\n", &save)) {
		if (wgl_modprobe_parse_line(line, src, sizeof(src)) < 0 ||
		    strncmp(src, root, rootlen))
			continue;
		snprintf(dst, sizeof(dst), "%s%s", stage, src + rootlen);
		*strrchr(dst, '/') = '\0';
		err = wgl_mkdir_p(dst);
		snprintf(dst, sizeof(dst), "%s%s", stage, src + rootlen);
		if (!err && access(dst, F_OK) < 0)
			err = copy_file(src, dst);
	}
	free(out);
	if (err < 0)
		wgl_err("vm: cannot stage module %s: %s", name, strerror(-err));
	return err;
}

/* The module root is modules_dir without its trailing lib/modules/RELEASE. */
static int module_root(const struct wgl_initramfs_opts *o, char *root, size_t len)
{
	char suffix[PATH_MAX];
	size_t n, s;

	if (!realpath(o->modules_dir, root))
		return -errno;
	snprintf(suffix, sizeof(suffix), "/lib/modules/%s", o->release);
	n = strlen(root);
	s = strlen(suffix);
	if (n < s || strcmp(root + n - s, suffix)) {
		wgl_err("vm: %s does not end in %s", root, suffix);
		return -EINVAL;
	}
	root[n - s] = '\0';
	return 0;
}

static int image_modules(struct image *img, const struct wgl_initramfs_opts *o)
{
	static const char *const depmod_inputs[] = {
		"modules.builtin", "modules.builtin.modinfo", "modules.order",
	};
	char root[PATH_MAX], stage[PATH_MAX], dir[PATH_MAX + 64];
	char *depmod[] = { "depmod", "-b", stage, (char *)o->release, NULL }, *out = NULL;
	int err = module_root(o, root, sizeof(root));

	if (err < 0)
		return err;
	snprintf(stage, sizeof(stage), "%s/modules.XXXXXX", o->tmpdir);
	if (!mkdtemp(stage))
		return -errno;
	for (size_t i = 0; i < WGL_ARRAY_SIZE(preload_modules) && !err; i++)
		err = stage_module(o, root, stage, preload_modules[i]);
	for (size_t i = 0; i < WGL_ARRAY_SIZE(extra_modules) && !err; i++)
		if (stage_module(o, root, stage, extra_modules[i]) < 0)
			wgl_warn("vm: optional module %s left out", extra_modules[i]);
	/* modules.builtin lets modprobe tell "built in" from "missing"; depmod reads all three. */
	for (size_t i = 0; i < WGL_ARRAY_SIZE(depmod_inputs) && !err; i++) {
		char src[PATH_MAX + 64];

		snprintf(src, sizeof(src), "%s/%s", o->modules_dir, depmod_inputs[i]);
		snprintf(dir, sizeof(dir), "%s/lib/modules/%s/%s", stage, o->release,
			 depmod_inputs[i]);
		copy_file(src, dir);
	}
	if (!err) {
		err = run_capture(depmod, &out, true) == 0 ? 0 : -EIO;
		free(out);
	}
	if (!err) {
		snprintf(dir, sizeof(dir), "%s/lib", stage);
		image_parents(img, "lib/x");
		err = wgl_cpio_tree(&img->c, "lib", dir);
	}
	rm_tree(stage);
	return err;
}

/* Entries that are not copied from the host: init, mount points, /var/run. */
static int image_skeleton(struct image *img)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "run", "tmp", "root", "out",
					    "var", "etc", "etc/wglab", "bin", "sbin", "usr",
					    "usr/bin", "usr/sbin" };
	char list[512];
	size_t o = 0;

	for (size_t i = 0; i < WGL_ARRAY_SIZE(dirs); i++) {
		wgl_cpio_dir(&img->c, dirs[i], !strcmp(dirs[i], "tmp") ? 01777 : 0755);
		image_note(img, dirs[i]);
	}
	/* The kernel opens /dev/console for init before devtmpfs is mounted. */
	wgl_cpio_chardev(&img->c, "dev/console", 0600, 5, 1);
	wgl_cpio_symlink(&img->c, "var/run", "../run");
	wgl_cpio_data(&img->c, "init", 0755, init_script, sizeof(init_script) - 1);
	for (size_t i = 0; i < WGL_ARRAY_SIZE(preload_modules); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\n", preload_modules[i]);
	return wgl_cpio_data(&img->c, "etc/wglab/modules", 0644, list, o);
}

/* scenarios/ and the libnl tables (classid, pktloc) when present. */
static int image_data(struct image *img, const char *srcdir)
{
	char path[PATH_MAX];
	struct stat st;

	if (stat("/etc/libnl", &st) == 0 && S_ISDIR(st.st_mode)) {
		image_parents(img, "etc/libnl/x");
		wgl_cpio_tree(&img->c, "etc/libnl", "/etc/libnl");
	}
	if (!srcdir)
		return img->c.error;
	snprintf(path, sizeof(path), "%s/scenarios", srcdir);
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		wgl_warn("vm: no scenarios directory at %s", path);
		return img->c.error;
	}
	image_parents(img, WGL_VM_GUEST_SRCDIR "/scenarios" + 1);
	wgl_cpio_dir(&img->c, WGL_VM_GUEST_SRCDIR "/scenarios" + 1, 0755);
	return wgl_cpio_tree(&img->c, WGL_VM_GUEST_SRCDIR "/scenarios" + 1, path);
}

int wgl_initramfs_write_base(int fd, const struct wgl_initramfs_opts *o)
{
	struct image img = { 0 };
	int err;

	wgl_cpio_init(&img.c, fd);
	err = image_skeleton(&img);
	if (!err)
		err = image_tools(&img, o->wglab_exe);
	if (!err)
		err = image_extra(&img, o);
	if (!err)
		err = image_modules(&img, o);
	if (!err)
		err = image_data(&img, o->srcdir);
	if (!err)
		err = wgl_cpio_finish(&img.c);
	if (err < 0 && img.c.error)
		wgl_err("vm: writing the initramfs failed: %s", strerror(-img.c.error));
	image_free(&img);
	return err;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *p = realloc(*buf, c);

		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = c;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

int wgl_initramfs_write_run(int fd, int argc, char *const argv[], const char *const env[])
{
	char *buf = NULL, q[8192];
	size_t len = 0, cap = 0;
	struct wgl_cpio c;
	int err = append(&buf, &len, &cap, "# written by wglab vm on the host\n");

	for (size_t i = 0; env && env[i] && !err; i++) {
		const char *eq = strchr(env[i], '=');

		if (!eq || (size_t)(eq - env[i]) >= 128)
			continue;
		snprintf(q, 140, "export %.*s=", (int)(eq - env[i]), env[i]);
		err = append(&buf, &len, &cap, q);
		if (!err)
			err = wgl_shell_quote(q, sizeof(q), eq + 1);
		if (!err)
			err = append(&buf, &len, &cap, q);
		if (!err)
			err = append(&buf, &len, &cap, "\n");
	}
	if (!err)
		err = append(&buf, &len, &cap, "set --");
	for (int i = 0; i < argc && !err; i++) {
		err = append(&buf, &len, &cap, " ");
		if (!err)
			err = wgl_shell_quote(q, sizeof(q), argv[i]);
		if (!err)
			err = append(&buf, &len, &cap, q);
	}
	if (!err)
		err = append(&buf, &len, &cap, "\n");
	if (!err) {
		wgl_cpio_init(&c, fd);
		wgl_cpio_data(&c, "etc/wglab/run.sh", 0644, buf, len);
		err = wgl_cpio_finish(&c);
	}
	free(buf);
	return err;
}
