// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Children in namespaces, and the cleanup path that removes everything wglab
 * made when it is interrupted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"

#define MAX_CHILDREN 4096
#define MAX_HOOKS 32

/* Read by the signal handler: plain array of pids, 0 = free slot. */
static volatile pid_t children[MAX_CHILDREN];
static void (*hooks[MAX_HOOKS])(void);
static int nhooks;
static pid_t owner_pid;
/* The reaper's pid (wglab's view) and the pipe to it; 0/-1 when not running. */
static pid_t reaper_pid;
static int reaper_fd = -1;
/* wglab's own PID namespace, to give new children back to it after the reaper. */
static int own_pidns_fd = -1;
/* The reaper's namespace, where new children go (wgl_worker_spawn() leaves it a moment). */
static int reaper_pidns_fd = -1;
/* Set while wgl_worker_spawn() forks a child outside the reaper's namespace. */
static bool outside_reaper;

static void registry_add(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (!children[i]) {
			children[i] = pid;
			return;
		}
	}
	wgl_warn("child registry full; pid %d is not tracked", (int)pid);
}

static void registry_del(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static int redirect(int fd, int target, int flags)
{
	if (fd < 0) {
		fd = open("/dev/null", flags | O_CLOEXEC);
		if (fd < 0)
			return -1;
	}
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

/*
 * A fresh tmpfs on /run in a private mount namespace: the UAPI daemon's socket
 * lives there, invisible to other runs, and vanishes with the daemon.
 */
static int make_private_run(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	char real[64];

	if (mount("wglab-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return -1;
	if (mkdir("/run/wireguard", 0700) < 0 && errno != EEXIST)
		return -1;
	/*
	 * Daemons use /var/run/wireguard; make sure that is the new tmpfs too.
	 * wglab reaches the socket as /proc/PID/root/run/...: an absolute
	 * symlink like /var/run -> /run would resolve in wglab's own root.
	 */
	if (!realpath("/var/run", real) || strcmp(real, "/run"))
		return mount("/run", "/var/run", NULL, MS_BIND, NULL);
	return 0;
}

/* Runs in the child between fork and the payload; returns -1 with errno set. */
static int child_setup(const struct wgl_child_opts *o, pid_t parent)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	/*
	 * The parent may have died between fork and prctl. Inside the reaper's
	 * PID namespace the parent (outside it) reads as 0; an orphan would
	 * read as 1, the reaper.
	 */
	if (getppid() != (reaper_pid && !outside_reaper ? 0 : parent))
		return -1;
	if (o->private_run && make_private_run() < 0)
		return -1;
	if (o->netns_fd >= 0 && setns(o->netns_fd, CLONE_NEWNET) < 0)
		return -1;
	if (redirect(o->stdin_fd, 0, O_RDONLY) < 0 || redirect(o->stdout_fd, 1, O_WRONLY) < 0 ||
	    redirect(o->stderr_fd, 2, O_WRONLY) < 0)
		return -1;
	if (o->keep_fd >= 0)
		fcntl(o->keep_fd, F_SETFD, 0);
	return 0;
}

static pid_t spawn(const struct wgl_child_opts *o, const char *name,
		   int (*fn)(void *), void *arg, char *const argv[])
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (child_setup(o, parent) < 0) {
			fprintf(stderr, "wglab: child %s: setup failed: %s\n", name, strerror(errno));
			_exit(126);
		}
		if (argv) {
			execvp(argv[0], argv);
			fprintf(stderr, "wglab: cannot run '%s': %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		_exit(fn(arg) & 0xff);
	}
	registry_add(pid);
	{
		char label[96];

		snprintf(label, sizeof(label), "%s[%d]", name, (int)pid);
		wgl_created("child", label);
	}
	return pid;
}

pid_t wgl_child_run(const struct wgl_child_opts *opts, const char *name,
		    int (*fn)(void *arg), void *arg)
{
	return spawn(opts, name, fn, arg, NULL);
}

pid_t wgl_child_exec(const struct wgl_child_opts *opts, const char *name, char *const argv[])
{
	return spawn(opts, name, NULL, NULL, argv);
}

static void reaped(pid_t pid)
{
	char label[32];

	registry_del(pid);
	snprintf(label, sizeof(label), "[%d]", (int)pid);
	wgl_destroyed("child", label);
}

bool wgl_child_alive(pid_t pid, int *status)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, WNOHANG);

	if (r == 0)
		return true;
	if (r == pid) {
		reaped(pid);
		if (status)
			*status = st;
	}
	return false;
}

int wgl_child_wait(pid_t pid, int timeout_ms, int *status)
{
	long long deadline = wgl_now_ns() + (long long)timeout_ms * 1000000LL;
	int st = 0;

	if (timeout_ms < 0) {
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return -errno;
		reaped(pid);
		if (status)
			*status = st;
		return 0;
	}
	/* A pidfd turns readable when the child exits: wait on that, not on a clock. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), rc;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		long long left = deadline - wgl_now_ns();

		if (r == pid) {
			reaped(pid);
			if (status)
				*status = st;
			rc = 0;
			break;
		}
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (pidfd >= 0)
			poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1,
			     (int)((left + 999999) / 1000000));
		else
			wgl_sleep_ms(5);
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int wgl_child_stop(pid_t pid, int grace_ms)
{
	int st = 0;

	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	if (wgl_child_wait(pid, grace_ms, &st) == 0)
		return st;
	kill(pid, SIGKILL);
	wgl_child_wait(pid, -1, &st);
	return st;
}

void wgl_children_kill_all(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

/*
 * Kills everything else in the namespace (kill(-1) from a namespace's init
 * spares only the init itself) and reaps what reparents to the reaper.
 * Orphans that already exited on their own are reaped first and not
 * counted: only what was still running escaped. wglab's own children die
 * too but are wglab's to reap, so they are not counted either.
 */
static int reaper_kill_all(void)
{
	int n = 0;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		n++;
	return n;
}

/* The reaper's loop: one request byte in, one count out, until wglab goes. */
static int reaper_main(int fd)
{
	unsigned char req;
	int n;

	prctl(PR_SET_NAME, "wglab-reaper");
	for (;;) {
		ssize_t r = read(fd, &req, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = reaper_kill_all();
		if (write(fd, &n, sizeof(n)) != sizeof(n))
			break;
	}
	reaper_kill_all();
	return 0;
}

/* The reaper dies with wglab; its parent is outside the namespace (reads 0). */
static void reaper_child(int fd)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != 0)
		_exit(126);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	_exit(reaper_main(fd));
}

int wgl_reaper_start(void)
{
	int sv[2];
	pid_t pid;

	if (reaper_pid)
		return 0;
	own_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (own_pidns_fd < 0)
		return -errno;
	if (unshare(CLONE_NEWPID) < 0) {
		int err = -errno;

		close(own_pidns_fd);
		own_pidns_fd = -1;
		return err;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		close(sv[0]);
		reaper_child(sv[1]);
	}
	close(sv[1]);
	reaper_pid = pid;
	reaper_fd = sv[0];
	reaper_pidns_fd = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	return 0;
}

int wgl_reaper_sweep(void)
{
	unsigned char req = 'k';
	int n;

	if (!reaper_pid)
		return -ENOSYS;
	if (write(reaper_fd, &req, 1) != 1)
		return -EPIPE;
	if (read(reaper_fd, &n, sizeof(n)) != sizeof(n))
		return -EPIPE;
	return n;
}

/*
 * EOF on the pipe makes the reaper kill what is left and exit; waiting for
 * it here keeps it from lingering as a zombie. Async-signal-safe.
 *
 * The reaper's exit completes only when every process of its namespace is
 * reaped, and wglab's own children there (killed by the signal path but not
 * waited for, or forked an instant before the signal and not registered yet)
 * are wglab's to reap: waiting for the reaper alone would wait forever. So
 * anything is reaped until the reaper is.
 */
static void reaper_stop(void)
{
	pid_t r;

	if (!reaper_pid)
		return;
	close(reaper_fd);
	/*
	 * A namespace's init exits only once every process in it is reaped,
	 * our own killed children included, and only we can reap those: reap
	 * whatever ends until the reaper itself does.
	 */
	do
		r = waitpid(-1, NULL, 0);
	while (r != reaper_pid && (r > 0 || errno == EINTR));
	reaper_pid = 0;
	reaper_fd = -1;
	if (reaper_pidns_fd >= 0)
		close(reaper_pidns_fd);
	reaper_pidns_fd = -1;
	/*
	 * With the namespace gone, fork() would fail with ENOMEM; whatever still
	 * forks at exit (LeakSanitizer's checker, say) gets wglab's own back.
	 */
	if (own_pidns_fd >= 0) {
		setns(own_pidns_fd, CLONE_NEWPID);
		close(own_pidns_fd);
		own_pidns_fd = -1;
	}
}

/*
 * A worker starts in wglab's own PID namespace, not in the reaper's: pids
 * under /proc (a UAPI daemon's socket is reached as /proc/PID/root/...) are
 * those of the namespace /proc was mounted for, and a process in the
 * reaper's namespace would see its children's pids of that namespace. The
 * same holds for a child that is a wglab itself (wgl_child_exec_beside).
 * This switches for the next fork (no-op without a reaper).
 */
static int leave_reaper(void)
{
	if (reaper_pid && (own_pidns_fd < 0 || reaper_pidns_fd < 0 ||
			   setns(own_pidns_fd, CLONE_NEWPID) < 0))
		return -ENOSYS;
	outside_reaper = true;
	return 0;
}

/* Back into the reaper's; pid (just forked outside) is stopped when that fails. */
static pid_t return_to_reaper(pid_t pid)
{
	outside_reaper = false;
	if (reaper_pid && setns(reaper_pidns_fd, CLONE_NEWPID) < 0) {
		wgl_err("cannot return to the reaper's PID namespace: %s", strerror(errno));
		if (pid > 0)
			wgl_child_stop(pid, 0);
		return -errno;
	}
	return pid;
}

pid_t wgl_worker_spawn(const char *name, int (*fn)(void *arg), void *arg)
{
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;

	o.stdout_fd = STDOUT_FILENO;
	o.stderr_fd = STDERR_FILENO;
	if (leave_reaper() < 0)
		return -ENOSYS;
	return return_to_reaper(wgl_child_run(&o, name, fn, arg));
}

pid_t wgl_child_exec_beside(const struct wgl_child_opts *opts, const char *name,
			    char *const argv[])
{
	if (leave_reaper() < 0)
		return -ENOSYS;
	return return_to_reaper(wgl_child_exec(opts, name, argv));
}

int wgl_worker_init(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		children[i] = 0;
	nhooks = 0;
	/* The parent's reaper keeps serving the parent: only our end of its socket goes. */
	if (reaper_fd >= 0)
		close(reaper_fd);
	if (own_pidns_fd >= 0)
		close(own_pidns_fd);
	if (reaper_pidns_fd >= 0)
		close(reaper_pidns_fd);
	reaper_pid = 0;
	reaper_fd = own_pidns_fd = reaper_pidns_fd = -1;
	outside_reaper = false;         /* set in the parent while it forked us */
	wgl_cleanup_install_signals();
	return geteuid() == 0 ? wgl_reaper_start() : 0;
}

int wgl_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int kids, err;

	if (own_pidns_fd < 0)
		return -pthread_create(t, NULL, fn, arg);
	kids = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	if (kids < 0)
		return -errno;
	if (setns(own_pidns_fd, CLONE_NEWPID) < 0) {
		err = -errno;
		close(kids);
		return err;
	}
	err = -pthread_create(t, NULL, fn, arg);
	if (setns(kids, CLONE_NEWPID) < 0) {
		/* Children would now escape the reaper: better no more children. */
		wgl_err("cannot return to the reaper's PID namespace: %s", strerror(errno));
		abort();
	}
	close(kids);
	return err;
}

void wgl_cleanup_register(void (*fn)(void))
{
	for (int i = 0; i < nhooks; i++)
		if (hooks[i] == fn)
			return;
	if (nhooks < MAX_HOOKS)
		hooks[nhooks++] = fn;
}

void wgl_cleanup_run(void)
{
	/* A forked child inherits the hooks; only the process that set them runs them. */
	if (owner_pid && getpid() != owner_pid)
		return;
	while (nhooks > 0)
		hooks[--nhooks]();
	wgl_children_kill_all();
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0 && waitpid(children[i], NULL, 0) >= 0)
			children[i] = 0;
	reaper_stop();
}

static void on_signal(int sig)
{
	if (getpid() != owner_pid)
		_exit(128 + sig);
	/*
	 * Kill the children first: namespaces held only by our fds vanish on
	 * _exit once nothing lives in them. The hooks then unmount what was
	 * made visible under /run/netns (umount2/unlink are plain syscalls).
	 */
	wgl_children_kill_all();
	while (nhooks > 0)
		hooks[--nhooks]();
	reaper_stop();
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT) {
		raise(sig);
		return;
	}
	_exit(128 + sig);
}

void wgl_cleanup_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	owner_pid = getpid();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A crash of wglab itself takes the same path once, then dumps core as usual. */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
