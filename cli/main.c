// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab: build throwaway WireGuard networks from namespaces, run real peers
 * through scripted scenarios, capture, measure and report.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/child.h"
#include "base/log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", wgl_cmd_run, "run scenarios (default: the default suite on every backend here)" },
	{ "doctor", wgl_cmd_doctor, "what this host can run, and why a backend would be skipped" },
	{ "bench", wgl_cmd_bench, "throughput/latency/CPU: kernel vs userspace vs bare underlay" },
	{ "pcap", wgl_cmd_pcap, "analyse a capture: wglab pcap summary FILE" },
	{ "compare", wgl_cmd_compare, "compare two result.json files, non-zero on regression" },
	{ "report", wgl_cmd_report, "render the reports of a result.json again" },
	{ "merge", wgl_cmd_merge, "several runs (native, kernel lab, shards) into one report" },
	{ "vm", wgl_cmd_vm, "run wglab inside the kernel lab (qemu, stock kernel)" },
	{ "cleanup", wgl_cmd_cleanup, "remove namespaces that killed wglab runs left" },
	{ "agent", wgl_cmd_agent, "the node side of a remote run (ssh HOST wglab agent)" },
	{ "remote", wgl_cmd_remote, "reach a node's agent over ssh: version, host facts, clock" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: wglab COMMAND [options]   (wglab COMMAND --help)\n\ncommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->help);
	fprintf(f, "\nversion %s\n", WGLAB_VERSION);
}

/*
 * Every process a command starts, and all their descendants, die with the
 * run (base/child.h). Without root there are no namespaces to build either.
 */
static void start_reaper(void)
{
	int err;

	if (geteuid() != 0)
		return;
	err = wgl_reaper_start();
	if (err < 0)
		wgl_warn("no PID namespace for children (%s): a child that forks away "
			 "could outlive the run", strerror(-err));
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return WGL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return WGL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("wglab %s\n", WGLAB_VERSION);
		return WGL_EXIT_OK;
	}
	for (c = commands; c->name; c++) {
		if (!strcmp(c->name, argv[1])) {
			int ret;

			wgl_cleanup_install_signals();
			start_reaper();
			ret = c->fn(argc - 1, argv + 1);
			wgl_cleanup_run();
			return ret;
		}
	}
	fprintf(stderr, "wglab: unknown command '%s' (try 'wglab --help')\n", argv[1]);
	return WGL_EXIT_USAGE;
}
