// SPDX-License-Identifier: GPL-2.0-or-later
/* `wglab doctor`: what this host can run, and why something would be skipped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "harness/backends/uapi.h"
#include "cli/cli.h"
#include "base/log.h"
#include "netns/netns.h"

static bool color;

static void line(bool ok, const char *what, const char *detail)
{
	if (color)
		printf("  %s%-4s\033[0m %-22s %s\n", ok ? "\033[32m" : "\033[33m",
		       ok ? "ok" : "no", what, detail);
	else
		printf("  %-4s %-22s %s\n", ok ? "ok" : "no", what, detail);
}

static void check_tool(const char *what, const char *cmd, const char *missing)
{
	char path[512];

	if (wgl_which(cmd, path, sizeof(path)) == 0)
		line(true, what, path);
	else
		line(false, what, missing);
}

static bool check_netns(void)
{
	struct wgl_ns *ns;
	char why[256];

	if (geteuid() != 0) {
		line(false, "network namespaces", "not root: every scenario will be skipped");
		return false;
	}
	ns = wgl_ns_new("doctor", false);
	if (!ns) {
		snprintf(why, sizeof(why), "cannot create a namespace: %s", strerror(errno));
		line(false, "network namespaces", why);
		return false;
	}
	wgl_ns_free(ns);
	line(true, "network namespaces", "create/destroy works");
	return true;
}

static void check_backends(bool netns)
{
	const struct wgl_backend_ops *b;

	for (size_t i = 0; (b = wgl_backend_at(i)); i++) {
		char why[512], what[64];
		int ok = wgl_backend_available(NULL, b->name, why, sizeof(why)) == 0;

		snprintf(what, sizeof(what), "backend %s", b->name);
		if (ok && !netns)
			snprintf(why, sizeof(why), "present, but needs root and namespaces");
		line(ok && netns, what, why);
	}
	printf("  %-4s %-22s %s\n", "", "userspace command", wgl_userspace_template(NULL));
}

static int opt_help(void *ctx, const char *arg)
{
	*(bool *)ctx = true;
	return 0;
}

int wgl_cmd_doctor(int argc, char **argv)
{
	static const struct wgl_opt opts[] = {
		{ "help", 'h', false, opt_help, "this text" },
		{ NULL },
	};
	bool help = false, netns;
	struct utsname u;
	int npos;

	if (wgl_opts_parse(opts, &help, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (help) {
		wgl_opts_usage("doctor", "", opts);
		return WGL_EXIT_OK;
	}
	if (npos) {
		fprintf(stderr, "wglab doctor: unexpected argument '%s'\n", argv[1]);
		return WGL_EXIT_USAGE;
	}
	color = isatty(1);
	uname(&u);
	printf("wglab %s on %s %s (%ld cores)\n", WGLAB_VERSION, u.sysname, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN));
	line(geteuid() == 0, "root", geteuid() == 0 ? "yes" : "no (needs CAP_NET_ADMIN)");
	netns = check_netns();
	check_backends(netns);
	line(true, "libiperf", "linked (throughput runs in forked children)");
	check_tool("iperf3 CLI", "iperf3", "absent (only the libiperf-vs-CLI benchmark needs it)");
	check_tool("tshark", "tshark", "absent: dissector cross-check tests are skipped");
	check_tool("qemu (kernel lab)", "qemu-system-x86_64",
		   "absent: no kernel backend on hosts without the module");
	check_tool("chromium", "chromium", "absent: report screenshot check skipped");
	return WGL_EXIT_OK;
}
