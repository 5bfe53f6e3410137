/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Child processes that live inside a wglab namespace.
 *
 * Every child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with wglab even when
 * wglab itself crashes; a namespace held only by wglab's fds and its children
 * then disappears with every link in it. Children are recorded in a registry
 * that the SIGINT/SIGTERM handler and wgl_children_kill_all() empty.
 */
#ifndef WGL_CHILD_H
#define WGL_CHILD_H

#include <stdbool.h>
#include <pthread.h>
#include <sys/types.h>

struct wgl_child_opts {
	int netns_fd;      /* -1: stay in wglab's namespace */
	/*
	 * true: the child gets its own mount namespace with a fresh tmpfs on
	 * /run, so a UAPI daemon's /run/wireguard/<if>.sock cannot collide
	 * with any other; reach it through /proc/<pid>/root/run/wireguard/.
	 */
	bool private_run;
	int stdin_fd;      /* -1: /dev/null */
	int stdout_fd;     /* -1: /dev/null */
	int stderr_fd;     /* -1: /dev/null */
	int keep_fd;       /* one extra fd the child keeps (e.g. a pipe), -1: none */
};

#define WGL_CHILD_OPTS_INIT { .netns_fd = -1, .stdin_fd = -1, .stdout_fd = -1, \
			      .stderr_fd = -1, .keep_fd = -1 }

/*
 * Forks a child set up as opts says that runs fn(arg) and _exit()s with its
 * return value. name is used in logs. Returns the pid or -errno.
 */
pid_t wgl_child_run(const struct wgl_child_opts *opts, const char *name,
		    int (*fn)(void *arg), void *arg);
/* Same, but execvp()s argv. Exit status 127 means the exec failed. */
pid_t wgl_child_exec(const struct wgl_child_opts *opts, const char *name,
		     char *const argv[]);
/*
 * Waits up to timeout_ms (-1: forever) for the child. Returns 0 and sets
 * *status (wait status), or -ETIMEDOUT leaving the child running.
 */
int wgl_child_wait(pid_t pid, int timeout_ms, int *status);
/* SIGTERM, then SIGKILL after grace_ms; always reaps. Returns the wait status. */
int wgl_child_stop(pid_t pid, int grace_ms);
/* Non-blocking: true if the child is still running (reaps it if not). */
bool wgl_child_alive(pid_t pid, int *status);
/* Kills every registered child with SIGKILL; async-signal-safe. */
void wgl_children_kill_all(void);

/*
 * The reaper: every process wglab starts from here on, and every descendant
 * of those, lives in one PID namespace whose init is a small reaper process
 * (PDEATHSIG SIGKILL to wglab). Orphans reparent to the reaper, not to the
 * host's init, and when the reaper dies, wglab having died in any way, the
 * kernel kills everything in the namespace: a daemon that forks or a wrapper
 * script cannot outlive the run. Chosen over a cgroup v2 group (needs a
 * delegated, writable cgroup2 mount, which hybrid hosts and the kernel lab's
 * initramfs may lack) and over a subreaper (its orphans escape when wglab
 * itself is SIGKILLed). Needs CAP_SYS_ADMIN; 0 or -errno (then nothing
 * changes and wgl_reaper_sweep() reports -ENOSYS).
 */
int wgl_reaper_start(void);
/*
 * pthread_create() that works after wgl_reaper_start(): clone() refuses a
 * thread while new children go to another PID namespace, so the thread is
 * made from wglab's own namespace and the reaper's is restored for children
 * right after. 0 or -errno. Only from the thread that forks children.
 */
int wgl_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);
/*
 * Kills every process in the namespace that is not a live child of wglab
 * itself (those are stopped by their owners): after a case, anything found
 * here escaped it. Returns how many were killed, or -errno.
 */
int wgl_reaper_sweep(void);

/*
 * Makes a process forked from wglab (a case worker of `wglab run --jobs`) a
 * wglab of its own: it forgets the children, cleanup hooks and reaper it
 * inherited (they are its parent's: killing or sweeping them would hit
 * the other cases), takes the signal handlers over, and starts its own
 * reaper. Its PID namespace is its own, so a sweep of the worker kills
 * only what its own case left; the worker dies with wglab (PDEATHSIG) and
 * its reaper with it, so everything it started still dies with the run. 0 or the reaper's -errno (the worker then
 * runs without a sweep, as wglab does without root).
 */
int wgl_worker_init(void);
/*
 * Starts fn(arg) as a worker (a child whose stdout and stderr are wglab's)
 * in wglab's own PID namespace, beside the reaper's rather than inside it;
 * the worker calls wgl_worker_init() first. The pid or -errno.
 */
pid_t wgl_worker_spawn(const char *name, int (*fn)(void *arg), void *arg);
/*
 * wgl_child_exec() in wglab's own PID namespace, beside the reaper's: for a
 * child that is a wglab itself (a local node's agent), which reads /proc
 * for its own children and starts its own reaper. It still dies with wglab
 * (PDEATHSIG). The pid or -errno.
 */
pid_t wgl_child_exec_beside(const struct wgl_child_opts *opts, const char *name,
			    char *const argv[]);

/* Installs SIGINT/SIGTERM/SIGHUP handlers that clean up and exit (code 130/143). */
void wgl_cleanup_install_signals(void);
/* Registers a cleanup hook run (in reverse order) by the handlers and by wgl_cleanup_run(). */
void wgl_cleanup_register(void (*fn)(void));
void wgl_cleanup_run(void);

#endif
