// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's kernel backend, for real, in the kernel lab: one boot of
 * `wglab vm` runs `test-agent-remote pipe kernel` inside the guest, which
 * has the wireguard module this host may lack. There the test drives
 * `wglab agent` over pipes (the client code ssh uses too): a kernel
 * WireGuard tunnel between its own kernel peer and the agent's, echo both
 * ways, a capture on the agent's kernel device fetched back, iperf both ways
 * (one of them a background client), counters that list the kernel device
 * with null daemon figures, refusals, and EOF on the agent's stdin leaving
 * no process, link, socket or directory behind.
 *
 * The guest's output (every check with its figures) is copied to our
 * stdout. Passes only when the guest's test ran and reported no failure: a
 * skip inside the guest (exit 77) is a failure here, since the lab has the
 * module. Skipped (77) without qemu or the kernel cache.
 *
 * argv[1]: path of the test-agent-remote executable to run in the guest.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/log.h"
#include "tests/wgl_test.h"

#define GUEST_CMD "WGLAB=/usr/bin/wglab test-agent-remote pipe kernel"
#define DONE_LINE "pipe kernel: 0 failure(s)"

static char work[256];

static void check_environment(void)
{
	const char *cache = getenv("WGLAB_KERNEL_CACHE");
	char path[512];

	if (system("command -v qemu-system-x86_64 >/dev/null") != 0)
		wgl_test_skip("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)");
	snprintf(path, sizeof(path), "%s/vmlinuz", cache && *cache ? cache : "/var/cache/wglab/kernel");
	if (access(path, R_OK) < 0)
		wgl_test_skip("no guest kernel in the cache: run vm/fetch-kernel.sh first");
}

/* wglab vm with its output in log and its temporary files under work; the exit code. */
static int run_vm(const char *wglab, const char *agent_test, const char *out, const char *log)
{
	char *argv[] = { "wglab", "vm", "-q", "--timeout", "300", "--out", (char *)out, "--add",
			 (char *)agent_test, "--sh", GUEST_CMD, NULL };
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		if (!freopen(log, "w", stdout) || dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
			_exit(127);
		setenv("TMPDIR", work, 1);
		execv(wglab, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Copies the guest test's lines (its checks and their figures) to stdout; true if done is there. */
static bool show_guest(const char *console, const char *done)
{
	FILE *f = fopen(console, "re");
	char line[1024];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "ok: ", 4) || !strncmp(line, "FAIL", 4) ||
		    !strncmp(line, "  ", 2) || strstr(line, "failure(s)") ||
		    strstr(line, "WGLAB-VM") || strstr(line, "SKIP"))
			fputs(line, stdout);
		found = found || strstr(line, done);
	}
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	const char *wglab = getenv("WGLAB");
	char out[300], log[300], path[400];
	long long t0;
	json_t *vm;
	bool done;
	int code;

	if (!wglab || argc < 2)
		wgl_test_skip("needs $WGLAB and the test-agent-remote path (run through meson)");
	check_environment();
	snprintf(work, sizeof(work), "/tmp/wglab-test-vm-agent.XXXXXX");
	if (!mkdtemp(work))
		return 1;
	snprintf(out, sizeof(out), "%s/out", work);
	snprintf(log, sizeof(log), "%s/vm.log", work);
	t0 = wgl_now_ns();
	code = run_vm(wglab, argv[1], out, log);
	snprintf(path, sizeof(path), "%s/vm-console.log", out);
	done = show_guest(path, DONE_LINE);
	snprintf(path, sizeof(path), "%s/vm.json", out);
	vm = json_load_file(path, 0, NULL);
	printf("wglab vm exited %d after %.1f s (boot %.1f s, guest exit code %lld)\n", code,
	       (wgl_now_ns() - t0) / 1e9, json_real_value(json_object_get(vm, "boot_s")),
	       json_integer_value(json_object_get(vm, "exit_code")));
	code = code == 0 && done && json_integer_value(json_object_get(vm, "exit_code")) == 0 &&
	       json_is_integer(json_object_get(vm, "exit_code")) ? 0 : 1;
	json_decref(vm);
	if (code != 0)
		fprintf(stderr, "FAIL: the guest's agent test did not pass\n");
	return wgl_test_workdir_done(work, code);
}
