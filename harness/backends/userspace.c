// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The userspace backend: any UAPI speaker (wireguard-go by default,
 * boringtun, a deliberately broken build...) started from a command template
 * as a child in the node's namespace and configured over its UNIX socket
 * with the text protocol (https://www.wireguard.com/xplatform/).
 *
 * The socket path /var/run/wireguard/<if>.sock is per mount namespace, so two
 * "wg0" daemons would collide. Each daemon therefore runs in a private mount
 * namespace with its own tmpfs on /run; wglab reaches the socket through
 * /proc/<pid>/root, and the socket vanishes with the daemon.
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "harness/backends/uapi.h"
#include "harness/backends/vcache.h"
#include "base/child.h"
#include "base/log.h"
#include "netns/netns.h"

/*
 * A bound, not a wait: the start is awaited on events (inotify, the child's
 * exit). It matters only for a daemon that hangs, and must cover wireguard-go
 * starting under qemu TCG on a busy host, which once took over 5 s.
 */
#define START_TIMEOUT_MS 20000
#define MAX_ARGS 32
#define VERSION_CACHE 8

/* The userspace backend's dev->priv. */
struct us_dev {
	pid_t pid;             /* the daemon; -1 once stopped */
	bool ready;            /* its socket answered: the link was logged as created */
	char sock_path[108];   /* its UAPI socket, through /proc/<pid>/root */
};

static struct us_dev *us(const struct wgl_wgdev *dev)
{
	return dev->priv;
}

/* The daemon's stdout+stderr: a file in the case's log dir, or -1 for /dev/null. */
static int open_log(const struct wgl_wgdev *dev, const struct wgl_backend_config *cfg)
{
	char path[PATH_MAX];

	if (!cfg->log_dir || !*cfg->log_dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s-%s.log", cfg->log_dir, dev->ns->label, dev->ifname);
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/*
 * Splits the template on blanks (single and double quotes group words) and
 * substitutes {ifname}. Returns argc or -EINVAL; words live in buf.
 */
int wgl_userspace_argv(const char *tmpl, const char *ifname, char *buf, size_t len,
		       char *argv[], int max)
{
	size_t o = 0;
	int argc = 0;
	const char *p = tmpl;

	while (*p) {
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (argc >= max - 1)
			return -EINVAL;
		argv[argc++] = buf + o;
		for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
			if ((*p == '\'' || *p == '"') && (!quote || quote == *p)) {
				quote = quote ? 0 : *p;
				continue;
			}
			if (!strncmp(p, "{ifname}", 8)) {
				size_t n = strlen(ifname);

				if (o + n >= len)
					return -EINVAL;
				memcpy(buf + o, ifname, n);
				o += n;
				p += 7;
				continue;
			}
			if (o + 1 >= len)
				return -EINVAL;
			buf[o++] = *p;
		}
		if (quote || o + 1 >= len)
			return -EINVAL;
		buf[o++] = '\0';
	}
	argv[argc] = NULL;
	return argc ? argc : -EINVAL;
}

/* Resolves a command name through $PATH like execvp will. */
int wgl_which(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dir[512];

	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) < 0)
			return -errno;
		if (!realpath(cmd, out) || strlen(out) >= len)
			snprintf(out, len, "%s", cmd);
		return 0;
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path, cmd);
		if (access(dir, X_OK) == 0) {
			snprintf(out, len, "%s", dir);
			return 0;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

/* A binary's version, asked once per process: one exec per device was a fork and a Go start. */
struct version_entry {
	char binary[256];
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	char version[128];
};

static struct version_entry version_cache[VERSION_CACHE];

/* The cached entry for binary (same file, unchanged since), or NULL. */
static struct version_entry *version_cached(const char *binary, const struct stat *st)
{
	for (int i = 0; i < VERSION_CACHE; i++) {
		struct version_entry *e = &version_cache[i];

		if (!strcmp(e->binary, binary) && e->dev == st->st_dev && e->ino == st->st_ino &&
		    e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return e;
	}
	return NULL;
}

static struct version_entry *version_remember(const char *binary, const struct stat *st,
					       const char *version)
{
	static int next;
	struct version_entry *e = &version_cache[next++ % VERSION_CACHE];

	snprintf(e->binary, sizeof(e->binary), "%s", binary);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->mtime = st->st_mtim;
	snprintf(e->version, sizeof(e->version), "%s", version);
	return e;
}

/* The entry of this process, else one from the disk cache (vcache.h); NULL: ask the binary. */
static struct version_entry *version_known(const char *binary, const struct stat *st)
{
	struct version_entry *e = version_cached(binary, st);
	char v[128];

	if (e || !wgl_vcache_get(wgl_vcache_dir(), binary, st, v, sizeof(v)))
		return e;
	return version_remember(binary, st, v);
}

/* What a probe answered, for this process and (an answer, not "unknown") later runs. */
static void version_learned(const char *binary, const struct stat *st, const char *version)
{
	version_remember(binary, st, version);
	if (strcmp(version, "unknown"))
		wgl_vcache_put(wgl_vcache_dir(), binary, st, version);
}

/* Starts `BINARY --version` with its stdout on a pipe (*fd); 0 or -errno. */
static int probe_start(const char *binary, pid_t *pid, int *fd)
{
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	char *argv[] = { (char *)binary, "--version", NULL };
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	o.stdout_fd = pfd[1];
	/* A command that takes --version for an interface name keeps its socket to itself. */
	o.private_run = true;
	*pid = wgl_child_exec(&o, "version-probe", argv);
	close(pfd[1]);
	if (*pid <= 0) {
		close(pfd[0]);
		return *pid < 0 ? (int)*pid : -ECHILD;
	}
	*fd = pfd[0];
	return 0;
}

/* The first line the probe printed into out ("unknown" without one); reaps it, closes fd. */
static void probe_finish(pid_t pid, int fd, char *out, size_t len)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;
	int status;

	snprintf(out, len, "unknown");
	/* A command that ignores --version (or starts a daemon) must not hang us. */
	n = poll(&pf, 1, 2000) == 1 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(out, len, "%.*s", (int)len - 1, buf);
	}
	if (wgl_child_wait(pid, 2000, &status) < 0)
		wgl_child_stop(pid, 100);
	close(fd);
}

/* First line of `BINARY --version`, for the run metadata, asked now. */
static void probe_version_uncached(const char *binary, char *out, size_t len)
{
	pid_t pid;
	int fd;

	snprintf(out, len, "unknown");
	if (probe_start(binary, &pid, &fd) == 0)
		probe_finish(pid, fd, out, len);
}

static void probe_version(const char *binary, char *out, size_t len)
{
	struct version_entry *e;
	struct stat st;

	if (stat(binary, &st) < 0) {
		probe_version_uncached(binary, out, len);
		return;
	}
	e = version_known(binary, &st);
	if (e) {
		snprintf(out, len, "%s", e->version);
		return;
	}
	probe_version_uncached(binary, out, len);
	version_learned(binary, &st, out);
}

/*
 * The probe in flight: us_create() starts it beside the daemon and the next
 * us_ready() or us_destroy() reads it, so the Go runtime's start of
 * `--version` overlaps the daemons' instead of preceding them.
 */
static struct {
	char binary[256];
	struct stat st;
	pid_t pid;  /* 0: none in flight */
	int fd;     /* its stdout */
} probing;

/* dev->impl_version from the cache, or a probe started for it (version_end() reads it). */
static void version_begin(struct wgl_wgdev *dev)
{
	struct version_entry *e;
	struct stat st;

	if (stat(dev->impl, &st) < 0 || (probing.pid > 0 && strcmp(probing.binary, dev->impl))) {
		probe_version(dev->impl, dev->impl_version, sizeof(dev->impl_version));
		return;
	}
	e = version_known(dev->impl, &st);
	if (e) {
		snprintf(dev->impl_version, sizeof(dev->impl_version), "%s", e->version);
		return;
	}
	if (probing.pid > 0)
		return; /* the same binary's probe is in flight already */
	if (probe_start(dev->impl, &probing.pid, &probing.fd) < 0) {
		probing.pid = 0;
		return;
	}
	snprintf(probing.binary, sizeof(probing.binary), "%s", dev->impl);
	probing.st = st;
}

/* Reads the probe in flight (if any) into the cache: none outlives a device. */
static void version_settle(void)
{
	char v[128];

	if (probing.pid <= 0)
		return;
	probe_finish(probing.pid, probing.fd, v, sizeof(v));
	probing.pid = 0;
	version_learned(probing.binary, &probing.st, v);
}

static void version_end(struct wgl_wgdev *dev)
{
	struct version_entry *e = NULL;
	struct stat st;

	version_settle();
	if (dev->impl_version[0])
		return;
	if (stat(dev->impl, &st) == 0)
		e = version_cached(dev->impl, &st);
	snprintf(dev->impl_version, sizeof(dev->impl_version), "%s", e ? e->version : "unknown");
}

/* True once pid runs a program other than wglab: its private /run is then in place. */
static bool exec_done(pid_t pid)
{
	char path[64], self[PATH_MAX], exe[PATH_MAX];
	ssize_t n, m;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	m = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || m < 0)
		return n >= 0;
	return n != m || memcmp(exe, self, (size_t)n);
}

/*
 * Watches the daemon's /run/wireguard for its socket. The directory exists
 * once the child has exec'd (it is made before exec), so until then there is
 * nothing to watch yet: -EAGAIN, and the caller waits a millisecond.
 */
static int watch_run_dir(int ifd, pid_t pid)
{
	char dir[64];

	if (!exec_done(pid))
		return -EAGAIN;
	snprintf(dir, sizeof(dir), "/proc/%d/root/run/wireguard", (int)pid);
	return inotify_add_watch(ifd, dir, IN_CREATE | IN_MOVED_TO) < 0 ? -errno : 0;
}

/* Waits for the inotify fd, the child's exit (pidfd) or timeout_ms; drains events. */
static void wait_event(int ifd, int pidfd, int timeout_ms)
{
	struct pollfd pfd[2] = { { .fd = ifd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (poll(pfd, pidfd >= 0 ? 2 : 1, timeout_ms) > 0 && (pfd[0].revents & POLLIN))
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
}

/*
 * Waits for the UAPI socket to accept a connection: on inotify events in the
 * daemon's /run/wireguard and on the daemon's exit (pidfd), not on a clock.
 * Only the first millisecond or two, before the child has exec'd, and a
 * socket bound but not yet listening are retried after 1 ms.
 */
static int wait_for_socket(struct wgl_wgdev *dev)
{
	long long deadline = wgl_now_ns() + wgl_deadline_clamp_ms(START_TIMEOUT_MS) * 1000000LL;
	struct us_dev *u = us(dev);
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int pidfd = (int)syscall(SYS_pidfd_open, u->pid, 0);
	int status, err = -ETIMEDOUT, watch = -EAGAIN;

	while (wgl_now_ns() < deadline) {
		int fd, left = (int)((deadline - wgl_now_ns()) / 1000000LL);

		if (watch < 0 && ifd >= 0)
			watch = watch_run_dir(ifd, u->pid);
		fd = wgl_uapi_connect(u->sock_path);
		if (fd >= 0) {
			close(fd);
			err = 0;
			break;
		}
		if (!wgl_child_alive(u->pid, &status)) {
			u->pid = -1;
			wgl_err("userspace: '%s' exited (status %d) before its UAPI socket appeared",
				dev->impl, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			err = -ECHILD;
			break;
		}
		/* Bound but not yet listening, or not exec'd yet: soon. No watch at all: a tick. */
		if (watch == -EAGAIN || fd == -ECONNREFUSED)
			left = 1;
		else if (watch < 0 && left > 10)
			left = 10;
		wait_event(ifd, pidfd, left);
	}
	if (ifd >= 0)
		close(ifd);
	if (pidfd >= 0)
		close(pidfd);
	return err;
}

/* Starts the daemon in dev's namespace (us_ready() waits for it); u->pid < 0 on failure. */
static int start_daemon(struct wgl_wgdev *dev, const struct wgl_backend_config *cfg,
			char *argv[])
{
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	struct us_dev *u = us(dev);
	int log_fd = open_log(dev, cfg);

	o.netns_fd = dev->ns->fd;
	o.private_run = true;
	o.stdout_fd = log_fd;
	o.stderr_fd = log_fd;
	u->pid = wgl_child_exec(&o, argv[0], argv);
	if (log_fd >= 0)
		close(log_fd);
	if (u->pid < 0)
		return (int)u->pid;
	snprintf(u->sock_path, sizeof(u->sock_path), "/proc/%d/root/run/wireguard/%s.sock",
		 (int)u->pid, dev->ifname);
	return 0;
}

/* The ready op: the daemon serves its socket. On failure nothing is left. */
static int us_ready(struct wgl_wgdev *dev)
{
	struct us_dev *u = us(dev);
	char label[80];
	int err = wait_for_socket(dev);

	version_end(dev);
	if (err < 0) {
		if (u->pid > 0)
			wgl_child_stop(u->pid, 500);
		free(u);
		dev->priv = NULL;
		return err;
	}
	u->ready = true;
	snprintf(label, sizeof(label), "tun %s/%s", dev->ns->label, dev->ifname);
	wgl_created("link", label);
	return 0;
}

static int us_create(struct wgl_wgdev *dev, const struct wgl_backend_config *cfg)
{
	char words[1024], *argv[MAX_ARGS];
	const char *tmpl = wgl_userspace_template(cfg);
	int err;

	if (wgl_userspace_argv(tmpl, dev->ifname, words, sizeof(words), argv, MAX_ARGS) < 0) {
		wgl_err("userspace: cannot parse command template '%s'", tmpl);
		return -EINVAL;
	}
	err = wgl_which(argv[0], dev->impl, sizeof(dev->impl));
	if (err < 0) {
		wgl_err("userspace: '%s' not found on PATH", argv[0]);
		return err;
	}
	version_begin(dev);
	snprintf(dev->command, sizeof(dev->command), "%s", tmpl);
	dev->priv = calloc(1, sizeof(struct us_dev));
	if (!dev->priv) {
		version_settle();
		return -ENOMEM;
	}
	/* The socket is waited for in us_ready(), so that daemons can start in parallel. */
	err = start_daemon(dev, cfg, argv);
	if (err < 0) {
		version_settle();
		free(dev->priv);
		dev->priv = NULL;
		return err;
	}
	return 0;
}

static int us_set(struct wgl_wgdev *dev, const struct wgl_device *cfg)
{
	return wgl_uapi_set(us(dev)->sock_path, cfg);
}

static int us_get(struct wgl_wgdev *dev, struct wgl_device **out)
{
	return wgl_uapi_get(us(dev)->sock_path, dev->ifname, out);
}

static pid_t us_pid(const struct wgl_wgdev *dev)
{
	return us(dev) ? us(dev)->pid : -1;
}

static void us_destroy(struct wgl_wgdev *dev)
{
	struct us_dev *u = us(dev);
	char label[80];

	version_settle();
	if (u && u->pid > 0) {
		/* wireguard-go removes its TUN device itself when it exits. */
		wgl_child_stop(u->pid, 2000);
		if (u->ready) {
			snprintf(label, sizeof(label), "tun %s/%s", dev->ns->label, dev->ifname);
			wgl_destroyed("link", label);
		}
	}
	free(u);
	dev->priv = NULL;
}

static int us_available(const struct wgl_backend_config *cfg, char *why, size_t len)
{
	char words[1024], *argv[MAX_ARGS], path[512];
	const char *tmpl = wgl_userspace_template(cfg);

	if (wgl_userspace_argv(tmpl, "wg0", words, sizeof(words), argv, MAX_ARGS) < 0) {
		snprintf(why, len, "cannot parse userspace command template '%s'", tmpl);
		return -EINVAL;
	}
	if (wgl_which(argv[0], path, sizeof(path)) < 0) {
		snprintf(why, len, "'%s' not found on PATH (apt-get install wireguard-go)", argv[0]);
		return -ENOENT;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		snprintf(why, len, "/dev/net/tun unavailable: %s", strerror(errno));
		return -errno;
	}
	snprintf(why, len, "%s", path);
	return 0;
}

const struct wgl_backend_ops wgl_backend_userspace = {
	.name = "userspace",
	.available = us_available,
	.create = us_create,
	.set = us_set,
	.get = us_get,
	.destroy = us_destroy,
	.pid = us_pid,
	.ready = us_ready,
};
