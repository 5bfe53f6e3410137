// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The run's remote nodes: --node/--ssh-option/--remote-wglab, connecting the
 * agents before the first case, the hosts' facts and clock offsets in the
 * result, and backend availability judged by the hosts, not the controller.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/run_remote.h"
#include "harness/remote.h"

#define CLOCK_SAMPLES 16

int wgl_run_opt_node(void *ctx, const char *arg)
{
	char why[300];

	(void)ctx;
	if (wgl_remote_add(arg, why, sizeof(why)) < 0) {
		fprintf(stderr, "wglab run: --node: %s\n", why);
		return -EINVAL;
	}
	return 0;
}

int wgl_run_opt_ssh_option(void *ctx, const char *arg)
{
	(void)ctx;
	return wgl_remote_add_ssh_option(arg);
}

/* The wglab on the hosts: a path made of plain characters, nothing a shell reads as syntax. */
int wgl_run_opt_remote_wglab(void *ctx, const char *arg)
{
	size_t n = strlen(arg);

	(void)ctx;
	if (!n || n > 200 || strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789/._-+") != n || arg[0] == '-')
		return -EINVAL;
	wgl_remote_set_wglab(arg);
	return 0;
}

int wgl_run_remote_check(const char *userspace)
{
	if (!wgl_remote_active())
		return 0;
	if (wgl_remote_set_userspace(userspace) < 0) {
		fprintf(stderr, "wglab run: --userspace with --node: the template reaches the "
			"nodes' agents in a shell command: no quote ('), no control character, at "
			"most 400 bytes\n");
		return -EINVAL;
	}
	if (wgl_remote_complete())
		return 0;
	fprintf(stderr, "wglab run: --node: give both a=... and b=... (each ssh://HOST or local; "
		"the controller builds no node outside an agent)\n");
	return -EINVAL;
}

int wgl_run_remote_start(struct wgl_run *run)
{
	json_t *meta;
	int err;

	if (!wgl_remote_active())
		return 0;
	err = wgl_remote_connect(CLOCK_SAMPLES);
	if (err < 0)
		return err;
	meta = wgl_remote_meta();
	if (meta)
		wgl_result_set_meta(run, "remote_nodes", meta);
	return 0;
}

void wgl_run_remote_stop(void)
{
	wgl_remote_close();
}

/* The host's facts say whether it can run backend b. */
static const char *host_lacks(const struct wgl_remote_node *n, const char *b, char *why,
			      size_t len)
{
	const json_t *facts = json_object_get(n->meta, "facts");
	const json_t *f = json_object_get(facts, !strcmp(b, "kernel") ? "kernel_module"
						 : !strcmp(b, "userspace") ? "userspace" : "");

	if (!strcmp(b, "none"))
		return NULL;
	if (!f) {
		snprintf(why, len, "%s backend: node %s (%s) reports nothing about it", b, n->label,
			 n->ssh.host);
		return why;
	}
	if (json_is_true(json_object_get(f, "available")))
		return NULL;
	snprintf(why, len, "%s backend unavailable on node %s (%s): %s", b, n->label, n->ssh.host,
		 json_string_value(json_object_get(f, "note")) ?: "no reason given");
	return why;
}

const char *wgl_run_remote_unavailable(const char *a, const char *b, char *why, size_t len)
{
	const char *names[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		struct wgl_remote_node *n = wgl_remote_node(i);

		if (!n) {
			snprintf(why, len, "remote node %c is not connected", 'a' + i);
			return why;
		}
		if (names[i] && host_lacks(n, names[i], why, len))
			return why;
	}
	return NULL;
}
