// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lab's kernel A/B end to end: `wglab vm --impl k61=kernel:6.1 --impl
 * k612=kernel:6.12 -- run connect` boots each kernel once (TCG) and merges
 * the two boots. Checks that both kernels really ran (the release each
 * guest reported by uname differs, and matches the series asked for), that
 * every case carries its impl name and kernel release, and that the A/B
 * table pairs the two. Skipped (77) without qemu or either kernel
 * (vm/fetch-kernel.sh and vm/fetch-kernel.sh --version 6.12 fill the cache).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/wgl_test.h"

static const char *wglab;
static char work[256];

static void check_environment(void)
{
	const char *cache = getenv("WGLAB_KERNEL_CACHE");
	char path[512];

	cache = cache && *cache ? cache : "/var/cache/wglab/kernel";
	if (system("command -v qemu-system-x86_64 >/dev/null") != 0)
		wgl_test_skip("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)");
	snprintf(path, sizeof(path), "%s/vmlinuz", cache);
	if (access(path, R_OK) < 0)
		wgl_test_skip("no guest kernel in the cache: run vm/fetch-kernel.sh first");
	snprintf(path, sizeof(path), "%s/6.12/vmlinuz", cache);
	if (access(path, R_OK) < 0)
		wgl_test_skip("no 6.12 kernel in the cache: run vm/fetch-kernel.sh --version 6.12");
}

static int run(char *const args[], const char *log)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		setenv("TMPDIR", work, 1);
		execv(wglab, args);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static bool file_has(const char *path, const char *needle)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* The one case of impl in res (connect, ipv4): its kernel release, checked. */
static const char *case_release(const json_t *res, const char *impl, const char *series)
{
	const json_t *c, *found = NULL;
	size_t i, n = 0;

	json_array_foreach(json_object_get(res, "cases"), i, c)
		if (!strcmp(str(json_object_get(c, "params"), "impl"), impl)) {
			found = c;
			n++;
		}
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(str(found, "verdict"), "pass");
	CU_ASSERT(strstr(str(found, "name"), impl) != NULL);
	CU_ASSERT(!strncmp(str(json_object_get(found, "params"), "version"), series,
			   strlen(series)));
	return str(json_object_get(found, "params"), "version");
}

static void test_two_kernels(void)
{
	char out[512], log[600], latest[600], path[700];
	const char *r61, *r612;
	json_t *res, *src, *impls;
	size_t i;

	snprintf(out, sizeof(out), "%s/out", work);
	snprintf(log, sizeof(log), "%s/vm.log", work);
	CU_ASSERT_EQUAL_FATAL(run((char *[]){ "wglab", "vm", "-q", "--timeout", "300",
		"--impl", "k61=kernel:6.1", "--impl", "k612=kernel:6.12", "--out", out,
		/* One round is too few pairs for a verdict: the gate is judged, never tripped. */
		"--gate", "connect_latency>1000%", "--",
		"run", "connect", "-f", "ipv4", "-D", "reps=2", NULL }, log), 0);
	snprintf(latest, sizeof(latest), "%s/latest/result.json", out);
	res = json_load_file(latest, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	r61 = case_release(res, "k61", "6.1.");
	r612 = case_release(res, "k612", "6.12.");
	CU_ASSERT(strcmp(r61, r612) != 0);
	/* What each guest's uname said, not what the host's cache claims. */
	src = json_object_get(res, "sources");
	CU_ASSERT_EQUAL_FATAL(json_array_size(src), 2);
	CU_ASSERT_STRING_EQUAL(str(json_array_get(src, 0), "kernel"), r61);
	CU_ASSERT_STRING_EQUAL(str(json_array_get(src, 1), "kernel"), r612);
	impls = json_object_get(res, "implementations");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(impls, "k61"), "version"), r61);
	CU_ASSERT_STRING_EQUAL(str(json_object_get(impls, "k612"), "command"), "kernel:6.12");
	/* The rounds' comparison and the gate on it reach the merged result. */
	CU_ASSERT(json_array_size(json_object_get(res, "comparisons")) >= 1);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(res, "gates")), 1);
	CU_ASSERT_STRING_EQUAL(str(json_array_get(json_object_get(res, "gates"), 0), "verdict"),
			       "pass");
	json_array_foreach(json_object_get(json_object_get(res, "ab"), "boots"), i, src)
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(src, "exit_code")), 0);
	json_decref(res);
	snprintf(path, sizeof(path), "%s/latest/ab.md", out);
	CU_ASSERT(file_has(path, "| connect/connect[*:*,ipv4] | connect_latency |"));
}

int main(void)
{
	CU_pSuite s;
	int ret;

	wglab = getenv("WGLAB");
	if (!wglab)
		wgl_test_skip("needs $WGLAB (run through meson)");
	check_environment();
	snprintf(work, sizeof(work), "/tmp/wglab-test-vm-ab.XXXXXX");
	if (!mkdtemp(work) || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kernel lab A/B", NULL, NULL);
	CU_add_test(s, "6.1 vs 6.12 on connect, one boot each", test_two_kernels);
	ret = wgl_test_run();
	return wgl_test_workdir_done(work, ret);
}
