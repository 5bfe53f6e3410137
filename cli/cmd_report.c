// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab report RESULT.json [--out DIR]: renders every report again from a
 * stored result, by default next to it.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/result.h"
#include "reports/write.h"

struct report_args {
	const char *out;
	bool help;
};

static int opt_out(void *ctx, const char *arg)
{
	((struct report_args *)ctx)->out = arg;
	return *arg ? 0 : -EINVAL;
}

static int opt_help(void *ctx, const char *arg)
{
	((struct report_args *)ctx)->help = true;
	return 0;
}

static const struct wgl_opt report_opts[] = {
	{ "out", 'o', true, opt_out, "directory for the reports (default: the result's own)" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

int wgl_cmd_report(int argc, char **argv)
{
	struct report_args a = { NULL, false };
	char err[1024], *copy = NULL;
	struct wgl_run *run;
	int npos, ret;

	if (wgl_opts_parse(report_opts, &a, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (a.help) {
		wgl_opts_usage("report", "RESULT.json [--out DIR]", report_opts);
		return WGL_EXIT_OK;
	}
	if (npos != 1) {
		fprintf(stderr, "wglab report: need one result file: RESULT.json\n");
		return WGL_EXIT_USAGE;
	}
	run = wgl_result_load(argv[1], err, sizeof(err));
	if (!run) {
		fprintf(stderr, "wglab report: %s\n", err);
		return WGL_EXIT_USAGE;
	}
	if (!a.out) {
		copy = strdup(argv[1]);
		a.out = copy ? dirname(copy) : ".";
	}
	/* wgl_reports_write() names the file it could not write; --out is the user's choice. */
	ret = wgl_reports_write(run, a.out);
	if (!ret)
		printf("reports written to %s\n", a.out);
	if (!ret && run->incomplete)
		printf("this run is INCOMPLETE: it was stopped after %zu cases (marked in "
		       "summary.md and report.html)\n", run->ncases);
	ret = !ret ? WGL_EXIT_OK : ret == -ENOSPC || ret == -EIO ? WGL_EXIT_FAIL : WGL_EXIT_USAGE;
	free(copy);
	wgl_result_free(run);
	return ret;
}
