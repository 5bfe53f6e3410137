/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the agent tests share to put a real OpenSSH server in a wglab
 * namespace: a private temporary directory (removed at exit), throwaway host
 * and user keys, known_hosts pinning the host key (never blind acceptance),
 * sshd started in a namespace, and the checks for what is left behind.
 * One directory per test process.
 */
#ifndef WGL_TEST_SSH_FIXTURE_H
#define WGL_TEST_SSH_FIXTURE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

struct wgl_ns;

/* The fixture's directory ("" before wgl_sshfx_make_dir). */
extern char wgl_sshfx_dir[64];

/* Makes /tmp/PREFIX-XXXXXX and removes it (all of it) at exit. 0 or -1. */
int wgl_sshfx_make_dir(const char *prefix);
/* Writes text to DIR/name with mode. 0 or -1. */
int wgl_sshfx_write_file(const char *name, const char *text, mode_t mode);
/* A whole file (up to 64 KiB), malloc'd; NULL when unreadable. */
char *wgl_sshfx_slurp(const char *path);
/* The first line of DIR/name (no newline), malloc'd; NULL when unreadable. */
char *wgl_sshfx_line(const char *name);
/*
 * Runs argv in ns (NULL: ours) with stdout+stderr to the file out (NULL:
 * inherited); its exit status, or -1 (killed after timeout_ms).
 */
int wgl_sshfx_run(char *const argv[], struct wgl_ns *ns, const char *out, int timeout_ms);
/*
 * DIR/host_key, DIR/user_key (+ .pub), authorized_keys holding the user key,
 * and DIR/known_hosts pinning the host key for each of the n "[ADDR]:PORT"
 * names. With other_known_hosts, also DIR/wrong_known_hosts pinning a third,
 * unrelated key for the same names (a host key mismatch to provoke).
 */
int wgl_sshfx_make_keys(const char *const names[], int n, bool other_known_hosts);
/*
 * Debian's sshd in ns, listening on addr:port, root by the user key only,
 * config DIR/NAME_config and log DIR/NAME.log, its /run private. Its pid once
 * it listens, or -1.
 */
pid_t wgl_sshfx_start_sshd(struct wgl_ns *ns, const char *addr, int port, const char *name);
/* True when process pid lives in the network namespace whose stat is ns. */
bool wgl_sshfx_same_netns(pid_t pid, const struct stat *ns);
/* Processes in ns but except; with print, each is listed ("  left: ..."). */
int wgl_sshfx_procs_in(struct wgl_ns *ns, pid_t except, bool print);
/* The first ssh client in ns whose command line has cmd_has, or -1. */
pid_t wgl_sshfx_find_ssh(struct wgl_ns *ns, const char *cmd_has);
/* A veth na (in a, address aa) -- nb (in b, address ab), both up and running. 0 or -errno. */
int wgl_sshfx_join(struct wgl_ns *a, const char *na, const char *aa, struct wgl_ns *b,
		   const char *nb, const char *ab);

/* One `wglab run` (the binary $WGLAB) with nodes a and b, reached with the fixture's keys. */
struct wgl_sshfx_wglab_run {
	const char *scenario, *backend;
	const char *defines;            /* space-separated KEY=VALUE, one -D each */
	const char *node_a, *node_b;    /* the --node specs, "a=..." and "b=..." */
	const char *userspace;          /* --userspace, NULL: the default */
	const char *name;               /* its output goes to DIR/NAME.out */
};

/* Starts the run in ns; results in DIR/results. Its pid, or -1. */
pid_t wgl_sshfx_start_run(struct wgl_ns *ns, const struct wgl_sshfx_wglab_run *r);
/*
 * Waits for the run (killed after timeout_ms), prints DIR/NAME.out under the
 * heading title; its exit status, or -1.
 */
int wgl_sshfx_finish_run(pid_t pid, const char *name, const char *title, int timeout_ms);
/* DIR/results/latest/result.json, NULL when there is none. */
json_t *wgl_sshfx_latest_result(void);

#endif
