/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `wglab run --node a=ssh://...|local --node b=...`: the run's side of remote nodes. */
#ifndef WGL_RUN_REMOTE_H
#define WGL_RUN_REMOTE_H

#include <stddef.h>

#include "base/result.h"

/* Option handlers of run's table (ctx unused: the nodes are the run's, harness/remote.h). */
int wgl_run_opt_node(void *ctx, const char *arg);
int wgl_run_opt_ssh_option(void *ctx, const char *arg);
int wgl_run_opt_remote_wglab(void *ctx, const char *arg);
/*
 * -EINVAL (said on stderr) when only one of the pair's nodes was given, or
 * when userspace (run's --userspace, which every node's agent gets as its
 * template; NULL: the agents' default) cannot travel in an ssh command.
 */
int wgl_run_remote_check(const char *userspace);
/*
 * With remote nodes: connects both agents and records each host's facts,
 * kind and clock offset in run's metadata ("remote_nodes"). 0 without
 * remote nodes; -errno (reason logged) when a node cannot be reached.
 */
int wgl_run_remote_start(struct wgl_run *run);
/* Says bye to the agents (they remove what they made). */
void wgl_run_remote_stop(void);
/*
 * Why backend pair a:b cannot run on the remote nodes (from their facts),
 * or NULL. Only meaningful with remote nodes.
 */
const char *wgl_run_remote_unavailable(const char *a, const char *b, char *why, size_t len);

#endif
