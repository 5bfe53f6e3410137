// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab remote ssh://HOST`: reaches a node's agent over ssh and prints what
 * a run would record of it (the agent's version, the host's facts, the
 * clock offset with its error bar) as JSON. The doctor of a remote node:
 * run it before pointing a run at the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "harness/agent.h"
#include "base/util.h"

#define MAX_SSH_OPTS 16

struct remote_ctx {
	char *ssh_opts[MAX_SSH_OPTS];
	size_t nopts;
	const char *remote_cmd;
	long long samples;
	bool help;
};

static int opt_help(void *ctx, const char *arg)
{
	(void)arg;
	((struct remote_ctx *)ctx)->help = true;
	return 0;
}

static int opt_ssh(void *ctx, const char *arg)
{
	struct remote_ctx *c = ctx;

	if (c->nopts == MAX_SSH_OPTS || !*arg || arg[0] == '-')
		return -EINVAL;
	c->ssh_opts[c->nopts++] = (char *)arg;
	return 0;
}

static int opt_cmd(void *ctx, const char *arg)
{
	((struct remote_ctx *)ctx)->remote_cmd = arg;
	return 0;
}

static int opt_samples(void *ctx, const char *arg)
{
	return wgl_parse_int(arg, 1, 1000, &((struct remote_ctx *)ctx)->samples);
}

static const struct wgl_opt remote_opts[] = {
	{ "ssh-option", 'o', true, opt_ssh,
	  "an ssh -o option (repeatable), e.g. IdentityFile=..., UserKnownHostsFile=...; "
	  "host key checking stays on" },
	{ "remote-command", 0, true, opt_cmd, "what ssh runs there (default: wglab agent)" },
	{ "samples", 'n', true, opt_samples, "clock exchanges (default 16)" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

static int show(char **argv, int samples)
{
	struct wgl_agent_client *c;
	json_t *meta;
	char why[512];

	c = wgl_agent_connect(argv, 30000, why, sizeof(why));
	if (!c) {
		fprintf(stderr, "wglab remote: %s\n", why);
		return WGL_EXIT_FAIL;
	}
	meta = wgl_agent_node_meta(c, samples);
	if (meta)
		json_dumpf(meta, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(meta);
	wgl_agent_close(c, 10000);
	return meta ? WGL_EXIT_OK : WGL_EXIT_FAIL;
}

int wgl_cmd_remote(int argc, char **argv)
{
	struct remote_ctx ctx = { .samples = 16 };
	struct wgl_agent_ssh s;
	char why[256], **av;
	int npos, ret;

	if (wgl_opts_parse(remote_opts, &ctx, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (ctx.help) {
		wgl_opts_usage("remote", "ssh://[user@]host[:port]", remote_opts);
		printf("\nStarts `wglab agent` on the host over ssh (host key checked: the host "
		       "must be in\nknown_hosts) and prints its version, host facts and clock "
		       "offset as JSON.\n");
		return WGL_EXIT_OK;
	}
	if (npos != 1) {
		fprintf(stderr, "wglab remote: one node URL expected (ssh://[user@]host[:port])\n");
		return WGL_EXIT_USAGE;
	}
	if (wgl_agent_ssh_parse(argv[1], &s, why, sizeof(why)) < 0) {
		fprintf(stderr, "wglab remote: %s\n", why);
		return WGL_EXIT_USAGE;
	}
	av = wgl_agent_ssh_argv(&s, ctx.ssh_opts, ctx.nopts, ctx.remote_cmd);
	if (!av)
		return WGL_EXIT_FAIL;
	ret = show(av, (int)ctx.samples);
	wgl_agent_argv_free(av);
	return ret;
}
