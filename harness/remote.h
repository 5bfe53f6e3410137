/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Remote nodes of a run (`wglab run --node a=ssh://... --node b=ssh://...`):
 * the two nodes of a scenario's pair are whole hosts, each driven through
 * its `wglab agent --here`: over ssh, or (kind local, `--node a=local?...`)
 * as the controller's own child on pipes, so the controller's host is a node
 * by the same code path and rules as a remote one. The run connects both
 * once, records what it learns of each host, and the Lua bindings
 * (bind_remote.c) route the pair's operations to them. Either both nodes are
 * given or none: the controller never builds a node in its own namespace
 * outside an agent.
 */
#ifndef WGL_REMOTE_H
#define WGL_REMOTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/agent.h"

/* The WireGuard device an agent creates: "wg0" may well be in use on a real host. */
#define WGL_REMOTE_IFNAME "wglab0"
#define WGL_REMOTE_MAX_SSH_OPTS 16

enum wgl_node_kind {
	WGL_NODE_SSH,                   /* ssh://HOST: the agent runs there */
	WGL_NODE_LOCAL,                 /* local: the agent is our child, on this host */
};

struct wgl_remote_node {
	char label[8];                  /* "a" or "b" */
	char url[512];                  /* as given, for messages and the result */
	enum wgl_node_kind kind;
	struct wgl_agent_ssh ssh;       /* kind local: host "local", nothing else */
	/*
	 * The agent works in the controller's own network namespace (checked
	 * by the agent's pid from hello): a socket the controller opens is
	 * then a socket of that node. Only ever true for kind local.
	 */
	bool shares_netns;
	char addr4[64], addr6[64];      /* the host's underlay addresses ("" none) */
	char dev[16];                   /* its underlay NIC ("": captures of it skipped) */
	struct wgl_agent_client *c;
	json_t *meta;                   /* wgl_agent_node_meta() of the connection */
};

/*
 * Parses LABEL=ssh://[user@]host[:port][?QUERY] or LABEL=local?QUERY, QUERY
 * being addr=A[&addr=A6][&dev=IF]: the label a or b, addresses the host
 * already has on its underlay (in 198.18.0.0/15 or 2001:2::/48, at most one
 * per family, an optional /LEN is dropped), dev an interface name. 0, or -EINVAL with the reason in why.
 */
int wgl_remote_parse(const char *spec, struct wgl_remote_node *n, char *why, size_t len);

/* Run-wide settings and the registry (one run per process). */
int wgl_remote_add(const char *spec, char *why, size_t len);
int wgl_remote_add_ssh_option(const char *opt);
void wgl_remote_set_wglab(const char *path);
/*
 * The userspace backend's command template every node's agent gets as its
 * --userspace (NULL: the agent's own default). -EINVAL for a template that
 * cannot travel safely in a remote shell command (a quote, a control
 * character, or too long).
 */
int wgl_remote_set_userspace(const char *tmpl);
/* "ssh" or "local". */
const char *wgl_remote_kind_name(enum wgl_node_kind kind);
/* True once a node was added. Both a and b are then required (wgl_remote_connect). */
bool wgl_remote_active(void);
/* True when both a and b were added. */
bool wgl_remote_complete(void);
/*
 * Starts both agents and greets them, gathers their meta (clock offsets
 * over samples exchanges). 0, or -errno with the reason logged.
 */
int wgl_remote_connect(int samples);
/* Node i (0: a, 1: b) of the run; NULL when the run has no remote nodes. */
struct wgl_remote_node *wgl_remote_node(int i);
/* {"a": meta, "b": meta} with each node's url and kind added; NULL without remote nodes. */
json_t *wgl_remote_meta(void);
/* Says bye to both agents (they remove everything) and forgets the nodes. */
void wgl_remote_close(void);
/*
 * wgl_agent_call() with the failure logged as "node a (URL): op: reason".
 */
int wgl_remote_call(struct wgl_remote_node *n, const char *op, json_t *args, int timeout_ms,
		    json_t **result);
/* The node's underlay address in family (AF_INET/AF_INET6), NULL when it has none. */
const char *wgl_remote_underlay(const struct wgl_remote_node *n, int family);

#endif
