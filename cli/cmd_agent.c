// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab agent`: the node side of a remote run, started by the controller as
 * `ssh HOST wglab agent`. Speaks docs/AGENT-PROTOCOL.md on stdin/stdout; its
 * log goes to stderr, which ssh carries back to the operator.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "harness/agent.h"

struct agent_ctx {
	struct wgl_agent_opts o;
	bool help;
};

static int opt_help(void *ctx, const char *arg)
{
	(void)arg;
	((struct agent_ctx *)ctx)->help = true;
	return 0;
}

static int opt_here(void *ctx, const char *arg)
{
	(void)arg;
	((struct agent_ctx *)ctx)->o.here = true;
	return 0;
}

static int opt_userspace(void *ctx, const char *arg)
{
	((struct agent_ctx *)ctx)->o.userspace = arg;
	return 0;
}

static int opt_capture_dev(void *ctx, const char *arg)
{
	((struct agent_ctx *)ctx)->o.capture_dev = arg;
	return 0;
}

static const struct wgl_opt agent_opts[] = {
	{ "here", 0, false, opt_here,
	  "work in the network namespace the agent runs in (real NICs), not its own" },
	{ "userspace", 0, true, opt_userspace, "userspace backend command template ({ifname})" },
	{ "capture-dev", 0, true, opt_capture_dev,
	  "with --here: a host link (the underlay NIC) captures may read, never change" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

int wgl_cmd_agent(int argc, char **argv)
{
	struct agent_ctx ctx = { 0 };
	int npos, ret;

	if (wgl_opts_parse(agent_opts, &ctx, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (ctx.help) {
		wgl_opts_usage("agent", "", agent_opts);
		printf("\nServes a controller on stdin/stdout (docs/AGENT-PROTOCOL.md), usually "
		       "through\n`ssh HOST wglab agent`. Everything it creates is removed when "
		       "its input ends.\n");
		return WGL_EXIT_OK;
	}
	if (npos) {
		fprintf(stderr, "wglab agent: takes no arguments\n");
		return WGL_EXIT_USAGE;
	}
	/* Only the host's own links make sense to read, and only as an interface name. */
	if (ctx.o.capture_dev && (!ctx.o.here || !*ctx.o.capture_dev ||
				  strlen(ctx.o.capture_dev) >= 16 ||
				  strchr(ctx.o.capture_dev, '/'))) {
		fprintf(stderr, "wglab agent: --capture-dev takes an interface name, with --here\n");
		return WGL_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "wglab agent: needs root (namespaces, WireGuard devices)\n");
		return WGL_EXIT_SKIP;
	}
	ret = wgl_agent_serve(STDIN_FILENO, STDOUT_FILENO, &ctx.o);
	return ret < 0 ? WGL_EXIT_FAIL : WGL_EXIT_OK;
}
