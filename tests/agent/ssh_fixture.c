// SPDX-License-Identifier: GPL-2.0-or-later
/* The OpenSSH fixture of the agent tests (ssh_fixture.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"
#include "tests/agent/ssh_fixture.h"

char wgl_sshfx_dir[64];

static void remove_dir(void)
{
	char *rm[] = { "rm", "-rf", "--", wgl_sshfx_dir, NULL };

	if (wgl_sshfx_dir[0])
		wgl_sshfx_run(rm, NULL, NULL, 30000);
}

int wgl_sshfx_make_dir(const char *prefix)
{
	snprintf(wgl_sshfx_dir, sizeof(wgl_sshfx_dir), "/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(wgl_sshfx_dir)) {
		wgl_sshfx_dir[0] = '\0';
		return -1;
	}
	atexit(remove_dir);
	return 0;
}

int wgl_sshfx_write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", wgl_sshfx_dir, name);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) || chmod(path, mode) ? -1 : 0;
}

char *wgl_sshfx_slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = f ? calloc(1, 1 << 16) : NULL;

	if (buf && fread(buf, 1, (1 << 16) - 1, f) == 0)
		buf[0] = '\0';
	if (f)
		fclose(f);
	return buf;
}

char *wgl_sshfx_line(const char *name)
{
	char path[256], *s;

	snprintf(path, sizeof(path), "%s/%s", wgl_sshfx_dir, name);
	s = wgl_sshfx_slurp(path);
	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

int wgl_sshfx_run(char *const argv[], struct wgl_ns *ns, const char *out, int timeout_ms)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	pid_t pid;
	int st = -1;

	co.stdout_fd = fd;
	co.stderr_fd = fd;
	co.netns_fd = ns ? ns->fd : -1;
	pid = wgl_child_exec(&co, argv[0], argv);
	if (fd >= 0)
		close(fd);
	if (pid > 0 && wgl_child_wait(pid, timeout_ms, &st) < 0)
		st = wgl_child_stop(pid, 1000);
	return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int keygen(const char *name)
{
	char path[256];
	char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path, NULL };

	snprintf(path, sizeof(path), "%s/%s", wgl_sshfx_dir, name);
	return wgl_sshfx_run(argv, NULL, NULL, 30000) ? -1 : 0;
}

/* DIR/file: one "NAME KEY" line per name, KEY the public key in DIR/key. */
static int pin(const char *file, const char *key, const char *const names[], int n)
{
	char *pub = wgl_sshfx_line(key), *text = calloc(n, 1024);
	size_t o = 0;
	int ret = -1;

	for (int i = 0; pub && text && i < n; i++)
		o += (size_t)snprintf(text + o, 1024, "%s %s\n", names[i], pub);
	if (pub && text)
		ret = wgl_sshfx_write_file(file, text, 0600);
	free(pub);
	free(text);
	return ret;
}

int wgl_sshfx_make_keys(const char *const names[], int n, bool other_known_hosts)
{
	char *pub;
	int ret;

	if (keygen("host_key") || keygen("user_key") || (other_known_hosts && keygen("other_key")))
		return -1;
	pub = wgl_sshfx_line("user_key.pub");
	ret = pub ? wgl_sshfx_write_file("authorized_keys", pub, 0600) : -1;
	free(pub);
	if (ret || pin("known_hosts", "host_key.pub", names, n))
		return -1;
	return other_known_hosts ? pin("wrong_known_hosts", "other_key.pub", names, n) : 0;
}

pid_t wgl_sshfx_start_sshd(struct wgl_ns *ns, const char *addr, int port, const char *name)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	const char *d = wgl_sshfx_dir;
	char conf[1024], file[64], cmd[512], log[256];
	char *argv[] = { "sh", "-c", cmd, NULL };
	pid_t pid;
	int fd;

	snprintf(conf, sizeof(conf),
		 "Port %d\nListenAddress %s\nHostKey %s/host_key\nAuthorizedKeysFile "
		 "%s/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
		 "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\n"
		 "UsePAM no\nPidFile none\nAllowUsers root\n", port, addr, d, d);
	snprintf(file, sizeof(file), "%s_config", name);
	if (wgl_sshfx_write_file(file, conf, 0600))
		return -1;
	snprintf(cmd, sizeof(cmd), "mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f %s/%s", d,
		 file);
	snprintf(log, sizeof(log), "%s/%s.log", d, name);
	fd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	co.netns_fd = ns->fd;
	co.private_run = true;
	co.stderr_fd = fd;
	pid = wgl_child_exec(&co, "sshd", argv);
	if (fd >= 0)
		close(fd);
	if (pid < 0 || wgl_wait_listening(pid, port, 10000) < 0)
		return -1;
	return pid;
}

bool wgl_sshfx_same_netns(pid_t pid, const struct stat *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* The command line of pid, its NULs as spaces, into cmd ("" when unreadable). */
static void proc_cmdline(pid_t pid, char *cmd, size_t size)
{
	char path[64];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "re");
	len = f ? fread(cmd, 1, size - 1, f) : 0;
	if (f)
		fclose(f);
	cmd[len] = '\0';
	for (size_t i = 0; i + 1 < len; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
}

/*
 * Walks the processes in ns but except: with cmd_has, returns the first
 * ssh client whose command line has it (-1: none); else counts them, each
 * listed with print. -1 when ns cannot be read.
 */
static int scan_ns(struct wgl_ns *ns, pid_t except, const char *cmd_has, bool print)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct stat nst;
	int n = 0;

	if (fstat(ns->fd, &nst) < 0) {
		if (d)
			closedir(d);
		return -1;
	}
	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char cmd[512];

		if (pid <= 0 || pid == except || !wgl_sshfx_same_netns(pid, &nst))
			continue;
		if (!cmd_has && !print) {
			n++;
			continue;
		}
		proc_cmdline(pid, cmd, sizeof(cmd));
		if (cmd_has && !strncmp(cmd, "ssh ", 4) && strstr(cmd, cmd_has)) {
			closedir(d);
			return pid;
		}
		n++;
		if (print)
			printf("  left: pid %d %s\n", (int)pid, cmd);
	}
	if (d)
		closedir(d);
	return cmd_has ? -1 : n;
}

int wgl_sshfx_procs_in(struct wgl_ns *ns, pid_t except, bool print)
{
	return scan_ns(ns, except, NULL, print);
}

pid_t wgl_sshfx_find_ssh(struct wgl_ns *ns, const char *cmd_has)
{
	return scan_ns(ns, -1, cmd_has, false);
}

int wgl_sshfx_join(struct wgl_ns *a, const char *na, const char *aa, struct wgl_ns *b,
		   const char *nb, const char *ab)
{
	return wgl_veth_add(a, na, b, nb) ?: wgl_addr_add(a, na, aa) ?: wgl_addr_add(b, nb, ab) ?:
	       wgl_link_set_up(a, na, true) ?: wgl_link_set_up(b, nb, true) ?:
	       wgl_link_wait_running(a, na, 5000) ?: wgl_link_wait_running(b, nb, 5000);
}

pid_t wgl_sshfx_start_run(struct wgl_ns *ns, const struct wgl_sshfx_wglab_run *r)
{
	static char res[256], idf[256], khf[256], wglab[512], defs[256];
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	char *argv[48] = { wglab, "run", (char *)r->scenario, "-b", (char *)r->backend, "-f",
			   "ipv4", "-o", res, "--node", (char *)r->node_a, "--node",
			   (char *)r->node_b, "--ssh-option", idf, "--ssh-option",
			   "IdentitiesOnly=yes", "--ssh-option", khf, "--ssh-option",
			   "GlobalKnownHostsFile=/dev/null", "--ssh-option", "LogLevel=ERROR",
			   "--remote-wglab", wglab };
	char out[256], *save = NULL;
	int n = 25, fd;
	pid_t pid;

	snprintf(wglab, sizeof(wglab), "%s", getenv("WGLAB") ?: "wglab");
	snprintf(res, sizeof(res), "%s/results", wgl_sshfx_dir);
	snprintf(idf, sizeof(idf), "IdentityFile=%s/user_key", wgl_sshfx_dir);
	snprintf(khf, sizeof(khf), "UserKnownHostsFile=%s/known_hosts", wgl_sshfx_dir);
	snprintf(defs, sizeof(defs), "%s", r->defines ?: "");
	for (char *d = strtok_r(defs, " ", &save); d && n < 42; d = strtok_r(NULL, " ", &save)) {
		argv[n++] = "-D";
		argv[n++] = d;
	}
	if (r->userspace) {
		argv[n++] = "--userspace";
		argv[n++] = (char *)r->userspace;
	}
	snprintf(out, sizeof(out), "%s/%s.out", wgl_sshfx_dir, r->name);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	co.stdout_fd = fd;
	co.stderr_fd = fd;
	co.netns_fd = ns->fd;
	pid = wgl_child_exec(&co, "wglab-run", argv);
	if (fd >= 0)
		close(fd);
	return pid;
}

int wgl_sshfx_finish_run(pid_t pid, const char *name, const char *title, int timeout_ms)
{
	char path[256], *text;
	int st = -1;

	if (pid > 0 && wgl_child_wait(pid, timeout_ms, &st) < 0)
		st = wgl_child_stop(pid, 1000);
	snprintf(path, sizeof(path), "%s/%s.out", wgl_sshfx_dir, name);
	text = wgl_sshfx_slurp(path);
	printf("---- wglab run %s ----\n%s---- end ----\n", title, text ? text : "");
	free(text);
	return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

json_t *wgl_sshfx_latest_result(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/results/latest/result.json", wgl_sshfx_dir);
	return json_load_file(path, 0, NULL);
}
