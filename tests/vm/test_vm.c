// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel lab end to end: `wglab vm` boots the fetched Debian kernel under
 * qemu (TCG), runs a command inside and brings back its exit code and
 * results. Checks exit-code propagation, the timeout, Ctrl-C cleanup, the
 * kernel backend's own test inside the guest, and `run connect --backend
 * kernel` with its result.json. Skipped (77) without qemu or the kernel
 * cache (vm/fetch-kernel.sh fills it).
 *
 * argv[1]: path of the test-kernel-backend executable to run in the guest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/wgl_test.h"

static const char *wglab, *kernel_test;
static char work[256];

static bool in_path(const char *name)
{
	char dirs[4096], path[4200], *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, name);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

static void check_environment(void)
{
	const char *cache = getenv("WGLAB_KERNEL_CACHE");
	char path[512];

	if (!in_path("qemu-system-x86_64"))
		wgl_test_skip("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)");
	snprintf(path, sizeof(path), "%s/vmlinuz", cache && *cache ? cache : "/var/cache/wglab/kernel");
	if (access(path, R_OK) < 0)
		wgl_test_skip("no guest kernel in the cache: run vm/fetch-kernel.sh first");
}

/* A fresh directory under work for one invocation: its --out and its TMPDIR. */
static void fresh(const char *name, char *out, char *tmp, size_t len)
{
	snprintf(out, len, "%s/%s-out", work, name);
	snprintf(tmp, len, "%s/%s-tmp", work, name);
	mkdir(tmp, 0700);
}

/* Runs wglab with args; TMPDIR=tmp; returns the wait status. */
static pid_t start(char *const args[], const char *tmp, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		setenv("TMPDIR", tmp, 1);
		execv(wglab, args);
		_exit(127);
	}
	return pid;
}

static int run(char *const args[], const char *tmp)
{
	char log[512];
	int st = 0;

	snprintf(log, sizeof(log), "%s.log", tmp);
	waitpid(start(args, tmp, log), &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return d && n == 0;
}

/* true if a process still has tmp in its command line (qemu gets paths under it). */
static bool process_mentions(const char *tmp)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char path[300], buf[4096];
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (ssize_t i = 0; i < n; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		buf[n > 0 ? n : 0] = '\0';
		found = strstr(buf, tmp) && strstr(buf, "qemu");
	}
	if (d)
		closedir(d);
	return found;
}

static json_t *load(const char *dir, const char *file)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return json_load_file(path, 0, NULL);
}

static void test_exit_code(void)
{
	char out[512], tmp[512];
	json_t *vm;

	fresh("exit", out, tmp, sizeof(out));
	CU_ASSERT_EQUAL(run((char *[]){ "wglab", "vm", "-q", "--out", out, "--sh",
					"test -e /sys/module/wireguard && exit 3", NULL }, tmp), 3);
	vm = load(out, "vm.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(vm, "exit_code")), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(vm, "accel")), "tcg");
	CU_ASSERT(json_is_true(json_object_get(vm, "emulated")));
	CU_ASSERT(json_real_value(json_object_get(vm, "boot_s")) > 0);
	/* The lab's own costs: each step ran, so each took some time. */
	CU_ASSERT(json_real_value(json_object_get(vm, "initramfs_s")) > 0);
	CU_ASSERT(json_real_value(json_object_get(vm, "results_write_s")) > 0);
	CU_ASSERT(json_real_value(json_object_get(vm, "results_extract_s")) > 0);
	CU_ASSERT(strstr(json_string_value(json_object_get(vm, "kernel")) ?: "", "cloud") != NULL);
	json_decref(vm);
	CU_ASSERT(dir_empty(tmp));
}

static void test_timeout(void)
{
	char out[512], tmp[512];
	json_t *vm;

	fresh("timeout", out, tmp, sizeof(out));
	CU_ASSERT_EQUAL(run((char *[]){ "wglab", "vm", "-q", "--timeout", "20", "--out", out,
					"--sh", "sleep 3600", NULL }, tmp), 1);
	vm = load(out, "vm.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	CU_ASSERT(json_is_true(json_object_get(vm, "timed_out")));
	CU_ASSERT(json_is_null(json_object_get(vm, "exit_code")));
	json_decref(vm);
	CU_ASSERT(dir_empty(tmp));
	CU_ASSERT(!process_mentions(tmp));
}

static bool file_contains(const char *path, const char *needle)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void test_interrupt(void)
{
	char out[512], tmp[512], log[600], console[600];
	int st = 0;
	pid_t pid;

	fresh("sigint", out, tmp, sizeof(out));
	snprintf(log, sizeof(log), "%s.log", tmp);
	snprintf(console, sizeof(console), "%s/vm-console.log", out);
	pid = start((char *[]){ "wglab", "vm", "-q", "--out", out, "--sh", "sleep 3600", NULL },
		    tmp, log);
	/* Interrupt once the guest runs (bounded: 120 s of polling). */
	for (int i = 0; i < 1200 && !file_contains(console, "running wglab"); i++)
		usleep(100000);
	CU_ASSERT(file_contains(console, "running wglab"));
	kill(pid, SIGINT);
	waitpid(pid, &st, 0);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 130);
	usleep(200000); /* qemu got SIGKILL; let the kernel finish reaping it */
	CU_ASSERT(!process_mentions(tmp));
	CU_ASSERT(dir_empty(tmp));
}

static void test_kernel_backend_inside(void)
{
	char out[512], tmp[512];

	fresh("kbackend", out, tmp, sizeof(out));
	CU_ASSERT_EQUAL(run((char *[]){ "wglab", "vm", "-q", "--out", out, "--add",
					(char *)kernel_test, "--sh", "test-kernel-backend",
					NULL }, tmp), 0);
}

static void test_run_connect_kernel(void)
{
	char out[512], tmp[512], latest[600];
	json_t *res, *vm, *impl;

	fresh("connect", out, tmp, sizeof(out));
	CU_ASSERT_EQUAL(run((char *[]){ "wglab", "vm", "-q", "--out", out, "--", "run",
					"connect", "--backend", "kernel", NULL }, tmp), 0);
	snprintf(latest, sizeof(latest), "%s/latest", out);
	res = load(latest, "result.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	CU_ASSERT(json_integer_value(json_object_get(json_object_get(res, "summary"),
						     "passed")) >= 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(res, "summary"),
							   "failed")), 0);
	impl = json_object_get(json_object_get(res, "implementations"), "kernel");
	CU_ASSERT(!strncmp(json_string_value(json_object_get(impl, "binary")) ?: "", "linux ", 6));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(res, "vm"),
								 "accel")) ?: "", "tcg");
	vm = load(latest, "vm.json");
	CU_ASSERT_PTR_NOT_NULL(vm);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(vm, "exit_code")), 0);
	json_decref(vm);
	json_decref(res);
}

/*
 * A guest run that outlives its budget (--timeout less 60 s and 10%) is
 * stopped inside the guest, so the cases it finished come back, marked
 * incomplete and rendered, instead of nothing: connect finishes, the
 * ten-minute throughput does not.
 */
static void test_budget_keeps_finished_cases(void)
{
	char out[512], tmp[512], latest[600], path[700];
	json_t *res;
	int code;

	fresh("budget", out, tmp, sizeof(out));
	code = run((char *[]){ "wglab", "vm", "-q", "--timeout", "150", "--out", out, "--", "run",
			       "connect", "throughput", "-f", "ipv4", "--backend", "kernel",
			       "-D", "duration=600", NULL }, tmp);
	CU_ASSERT_NOT_EQUAL(code, 0);
	snprintf(latest, sizeof(latest), "%s/latest", out);
	res = load(latest, "result.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	CU_ASSERT(json_is_false(json_object_get(res, "complete")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(res, "summary"),
							   "passed")), 1);
	snprintf(path, sizeof(path), "%s/summary.md", latest);
	CU_ASSERT(file_contains(path, "Incomplete run"));
	json_decref(res);
	CU_ASSERT(dir_empty(tmp));
	CU_ASSERT(!process_mentions(tmp));
}

static void test_missing_kernel_skips(void)
{
	char out[512], tmp[512];

	fresh("nokernel", out, tmp, sizeof(out));
	CU_ASSERT_EQUAL(run((char *[]){ "wglab", "vm", "--kernel", "/nonexistent/vmlinuz",
					"--out", out, "--", "doctor", NULL }, tmp), 77);
}

int main(int argc, char **argv)
{
	CU_pSuite s;

	wglab = getenv("WGLAB");
	if (!wglab || argc < 2)
		wgl_test_skip("needs $WGLAB and the test-kernel-backend path (run through meson)");
	kernel_test = argv[1];
	check_environment();
	snprintf(work, sizeof(work), "/tmp/wglab-test-vm.XXXXXX");
	if (!mkdtemp(work))
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kernel lab", NULL, NULL);
	CU_add_test(s, "missing kernel: exit 77", test_missing_kernel_skips);
	CU_add_test(s, "guest exit code comes back, vm.json", test_exit_code);
	CU_add_test(s, "timeout kills qemu and cleans up", test_timeout);
	CU_add_test(s, "SIGINT kills qemu and cleans up", test_interrupt);
	CU_add_test(s, "kernel backend test inside the guest", test_kernel_backend_inside);
	CU_add_test(s, "run connect --backend kernel", test_run_connect_kernel);
	CU_add_test(s, "a run past its budget keeps its finished cases", test_budget_keeps_finished_cases);
	argc = wgl_test_run();
	return wgl_test_workdir_done(work, argc);
}
