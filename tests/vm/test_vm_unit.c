// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pure parts of the kernel lab: the newc cpio writer (read back by a naive
 * reader and by GNU cpio), shell quoting (checked by a real /bin/sh), the
 * ldd / modprobe output parsers, the console marker scanner and qemu's argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "vm/cpio.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"
#include "tests/wgl_test.h"

struct entry {
	char name[256];
	unsigned int mode, size, rmajor, rminor;
	char data[256];
};

static unsigned int hex8(const char *p)
{
	char b[9];

	memcpy(b, p, 8);
	b[8] = '\0';
	return (unsigned int)strtoul(b, NULL, 16);
}

/* The naive reader: every header, name and body 4-byte aligned, to TRAILER!!!. */
static int read_archive(const char *buf, size_t len, struct entry *e, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + 110 <= len && n < max) {
		unsigned int namesize;

		if (memcmp(buf + off, "070701", 6))
			return -1;
		e[n].mode = hex8(buf + off + 14);
		e[n].size = hex8(buf + off + 54);
		e[n].rmajor = hex8(buf + off + 78);
		e[n].rminor = hex8(buf + off + 86);
		namesize = hex8(buf + off + 94);
		if (buf[off + 110 + namesize - 1] != '\0' || namesize > sizeof(e[n].name))
			return -1;
		memcpy(e[n].name, buf + off + 110, namesize);
		off = (off + 110 + namesize + 3) & ~3UL;
		if (e[n].size < sizeof(e[n].data))
			memcpy(e[n].data, buf + off, e[n].size);
		off = (off + e[n].size + 3) & ~3UL;
		if (!strcmp(e[n++].name, "TRAILER!!!"))
			return off == len ? n : -1;
	}
	return -1;
}

static const struct entry *find(const struct entry *e, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return &e[i];
	return NULL;
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	*len = (size_t)read(fd, buf, (size_t)st.st_size);
	close(fd);
	return buf;
}

static void test_cpio(void)
{
	char dir[] = "/tmp/wglab-cpio.XXXXXX", path[300], *buf;
	struct entry e[32];
	const struct entry *x;
	struct wgl_cpio c;
	size_t len = 0;
	int fd, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tree", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/tree/f", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0750);
	CU_ASSERT_EQUAL(write(fd, "hello", 5), 5);
	close(fd);
	snprintf(path, sizeof(path), "%s/tree/l", dir);
	CU_ASSERT_EQUAL(symlink("f", path), 0);
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	wgl_cpio_init(&c, fd);
	wgl_cpio_dir(&c, "etc", 0755);
	wgl_cpio_data(&c, "etc/x", 0644, "abc", 3);
	wgl_cpio_chardev(&c, "dev/console", 0600, 5, 1);
	wgl_cpio_symlink(&c, "var/run", "../run");
	snprintf(path, sizeof(path), "%s/tree", dir);
	wgl_cpio_tree(&c, "opt", path);
	CU_ASSERT_EQUAL(wgl_cpio_finish(&c), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	buf = slurp(path, &len);
	CU_ASSERT_EQUAL(len % 4, 0);
	n = read_archive(buf, len, e, 32);
	CU_ASSERT_EQUAL_FATAL(n, 7);
	CU_ASSERT_EQUAL(find(e, n, "etc")->mode, S_IFDIR | 0755);
	x = find(e, n, "etc/x");
	CU_ASSERT(x && x->size == 3 && !memcmp(x->data, "abc", 3));
	x = find(e, n, "dev/console");
	CU_ASSERT(x && x->mode == (S_IFCHR | 0600) && x->rmajor == 5 && x->rminor == 1);
	x = find(e, n, "var/run");
	CU_ASSERT(x && S_ISLNK(x->mode) && x->size == 6 && !memcmp(x->data, "../run", 6));
	x = find(e, n, "opt/f");
	CU_ASSERT(x && x->mode == (S_IFREG | 0750) && !memcmp(x->data, "hello", 5));
	x = find(e, n, "opt/l");
	CU_ASSERT(x && S_ISLNK(x->mode) && !memcmp(x->data, "f", 1));
	free(buf);
	/* An independent reader agrees, when there is one. */
	if (access("/usr/bin/cpio", X_OK) == 0) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s/a.cpio | sort | tr '\\n' ' '",
			 dir);
		FILE *p = popen(cmd, "r");
		char line[512] = "";

		CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(line, sizeof(line), p));
		pclose(p);
		CU_ASSERT_STRING_EQUAL(line, "dev/console etc etc/x opt/f opt/l var/run ");
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

static void test_cpio_missing_file(void)
{
	struct wgl_cpio c;
	int fd = open("/dev/null", O_WRONLY);

	wgl_cpio_init(&c, fd);
	CU_ASSERT_EQUAL(wgl_cpio_file(&c, "x", "/nonexistent/file"), -ENOENT);
	/* The first error sticks. */
	CU_ASSERT_EQUAL(wgl_cpio_finish(&c), -ENOENT);
	close(fd);
}

static void test_shell_quote(void)
{
	static const char *const words[] = {
		"plain", "", "two words", "it's", "'", "$(touch /tmp/wglab-pwned)", "`id`",
		"a\nb", "\\", "\"", "--out=/x y", "*",
	};
	char cmd[4096] = "printf '<%s>'", q[256], want[1024] = "", got[1024] = "";
	FILE *p;
	size_t n;

	for (size_t i = 0; i < WGL_ARRAY_SIZE(words); i++) {
		CU_ASSERT_EQUAL_FATAL(wgl_shell_quote(q, sizeof(q), words[i]), 0);
		strcat(cmd, " ");
		strcat(cmd, q);
		strcat(want, "<");
		strcat(want, words[i]);
		strcat(want, ">");
	}
	p = popen(cmd, "r");
	n = fread(got, 1, sizeof(got) - 1, p);
	pclose(p);
	got[n] = '\0';
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT(access("/tmp/wglab-pwned", F_OK) < 0);
	CU_ASSERT_EQUAL(wgl_shell_quote(q, 4, "abcd"), -ENOSPC);
	CU_ASSERT_EQUAL(wgl_shell_quote(q, 3, ""), 0);
	CU_ASSERT_STRING_EQUAL(q, "''");
}

static void test_ldd_lines(void)
{
	char p[256];

	CU_ASSERT_EQUAL(wgl_ldd_parse_line("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 "
					   "(0x00007f)", p, sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "/lib/x86_64-linux-gnu/libc.so.6");
	CU_ASSERT_EQUAL(wgl_ldd_parse_line("\t/lib64/ld-linux-x86-64.so.2 (0x00007f)", p,
					   sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "/lib64/ld-linux-x86-64.so.2");
	CU_ASSERT_EQUAL(wgl_ldd_parse_line("\tlinux-vdso.so.1 (0x00007ffd)", p, sizeof(p)),
			-ENOENT);
	CU_ASSERT_EQUAL(wgl_ldd_parse_line("\tlibfoo.so.1 => not found", p, sizeof(p)), -ENOENT);
	CU_ASSERT_EQUAL(wgl_ldd_parse_line("\tnot a dynamic executable", p, sizeof(p)), -ENOENT);
	CU_ASSERT_EQUAL(wgl_ldd_parse_line("\tx => /very/long/path (0x1)", p, 8), -ENOENT);
}

static void test_modprobe_lines(void)
{
	char p[256];

	CU_ASSERT_EQUAL(wgl_modprobe_parse_line("insmod /m/kernel/net/ipv4/udp_tunnel.ko ", p,
						sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "/m/kernel/net/ipv4/udp_tunnel.ko");
	CU_ASSERT_EQUAL(wgl_modprobe_parse_line("insmod /m/x.ko param=1", p, sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "/m/x.ko");
	CU_ASSERT_EQUAL(wgl_modprobe_parse_line("builtin crc32c", p, sizeof(p)), -ENOENT);
	CU_ASSERT_EQUAL(wgl_modprobe_parse_line("insmod relative.ko", p, sizeof(p)), -ENOENT);
}

static void test_console_markers(void)
{
	struct wgl_vm_outcome o = { .boot_s = -1, .guest_uptime_s = -1, .guest_exit = -1,
				    .exit_s = -1, .written_s = -1 };

	wgl_vm_scan_line("[    1.0] random kernel line", 1.0, &o);
	CU_ASSERT(o.boot_s < 0);
	wgl_vm_scan_line(WGL_VM_MARK_INIT " uptime=2.25", 3.5, &o);
	CU_ASSERT_DOUBLE_EQUAL(o.boot_s, 3.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(o.guest_uptime_s, 2.25, 1e-9);
	wgl_vm_scan_line(WGL_VM_MARK_INIT " uptime=9", 9.0, &o); /* first one counts */
	CU_ASSERT_DOUBLE_EQUAL(o.boot_s, 3.5, 1e-9);
	wgl_vm_scan_line(WGL_VM_MARK_EXIT "abc", 4.0, &o);
	CU_ASSERT_EQUAL(o.guest_exit, -1);
	wgl_vm_scan_line(WGL_VM_MARK_EXIT "256", 4.0, &o);
	CU_ASSERT_EQUAL(o.guest_exit, -1);
	CU_ASSERT(o.exit_s < 0);
	wgl_vm_scan_line("noise " WGL_VM_MARK_EXIT "77", 4.0, &o);
	CU_ASSERT_EQUAL(o.guest_exit, 77);
	CU_ASSERT_DOUBLE_EQUAL(o.exit_s, 4.0, 1e-9);
	CU_ASSERT(o.written_s < 0);
	wgl_vm_scan_line(WGL_VM_MARK_WRITTEN, 4.75, &o);
	CU_ASSERT_DOUBLE_EQUAL(o.written_s, 4.75, 1e-9);
}

static bool has_pair(char **argv, const char *a, const char *b)
{
	for (int i = 0; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], a) && !strcmp(argv[i + 1], b))
			return true;
	return false;
}

static void test_qemu_argv(void)
{
	struct wgl_vm_opts o = { .kernel = "/k", .initrd = "/i", .disk = "/d", .accel = "tcg",
				 .mem_mb = 768, .smp = 3 };
	char *argv[48], buf[4096];

	CU_ASSERT_FATAL(wgl_vm_qemu_argv(&o, argv, 48, buf, sizeof(buf)) > 0);
	CU_ASSERT_STRING_EQUAL(argv[0], "qemu-system-x86_64");
	CU_ASSERT(has_pair(argv, "-accel", "tcg"));
	CU_ASSERT(has_pair(argv, "-cpu", "max"));
	CU_ASSERT(has_pair(argv, "-m", "768"));
	CU_ASSERT(has_pair(argv, "-smp", "3"));
	CU_ASSERT(has_pair(argv, "-kernel", "/k"));
	CU_ASSERT(has_pair(argv, "-initrd", "/i"));
	CU_ASSERT(has_pair(argv, "-drive", "file=/d,format=raw,if=virtio,cache=writeback"));
	o.accel = "kvm";
	o.qemu = "/opt/qemu";
	CU_ASSERT_FATAL(wgl_vm_qemu_argv(&o, argv, 48, buf, sizeof(buf)) > 0);
	CU_ASSERT_STRING_EQUAL(argv[0], "/opt/qemu");
	CU_ASSERT(has_pair(argv, "-accel", "kvm"));
	CU_ASSERT(has_pair(argv, "-cpu", "host"));
	CU_ASSERT_EQUAL(wgl_vm_qemu_argv(&o, argv, 48, buf, 64), -ENOSPC);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kernel lab (pure parts)", NULL, NULL);
	CU_add_test(s, "cpio newc writer", test_cpio);
	CU_add_test(s, "cpio errors stick", test_cpio_missing_file);
	CU_add_test(s, "shell quoting survives /bin/sh", test_shell_quote);
	CU_add_test(s, "ldd output lines", test_ldd_lines);
	CU_add_test(s, "modprobe --show-depends lines", test_modprobe_lines);
	CU_add_test(s, "console markers", test_console_markers);
	CU_add_test(s, "qemu command line", test_qemu_argv);
	return wgl_test_run();
}
