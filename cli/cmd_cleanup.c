// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab cleanup`: removes what wglab runs that were killed left behind, and
 * nothing else. Every `wglab run` does the same first. Only visible
 * namespaces (`run --visible`) can be left: everything else wglab makes dies
 * with its last process (base/child.h, netns/netns.h).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "netns/netns.h"

static int opt_help(void *ctx, const char *arg)
{
	*(bool *)ctx = true;
	return 0;
}

static const struct wgl_opt cleanup_opts[] = {
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

int wgl_cmd_cleanup(int argc, char **argv)
{
	bool help = false;
	int npos, n;

	if (wgl_opts_parse(cleanup_opts, &help, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (help) {
		wgl_opts_usage("cleanup", "", cleanup_opts);
		printf("\nRemoves the namespaces under /run/netns of wglab processes that are "
		       "gone (killed\nbefore their own cleanup); a running wglab's are kept.\n");
		return WGL_EXIT_OK;
	}
	if (npos) {
		fprintf(stderr, "wglab cleanup: takes no arguments\n");
		return WGL_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "wglab cleanup: needs root (namespaces under /run/netns)\n");
		return WGL_EXIT_USAGE;
	}
	n = wgl_ns_cleanup_stale(true);
	if (n < 0) {
		fprintf(stderr, "wglab cleanup: cannot read /run/netns: %s\n", strerror(-n));
		return WGL_EXIT_FAIL;
	}
	printf("%d leftovers of killed wglab runs removed\n", n);
	return WGL_EXIT_OK;
}
