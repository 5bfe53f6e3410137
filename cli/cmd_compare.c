// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab compare BASE.json NEW.json [--threshold PCT] [--json]
 * Exit 1 on a regression (see reports/compare.h), 2 on bad input.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "base/result.h"
#include "reports/compare.h"

struct compare_args {
	double threshold;
	bool json;
	bool help;
};

static int opt_threshold(void *ctx, const char *arg)
{
	struct compare_args *a = ctx;
	size_t n = strlen(arg);
	char num[64];

	/* "5" and "5%" mean the same threshold. */
	if (n && arg[n - 1] == '%')
		n--;
	if (n >= sizeof(num))
		return -EINVAL;
	snprintf(num, sizeof(num), "%.*s", (int)n, arg);
	return wgl_parse_double(num, 0, DBL_MAX, &a->threshold);
}

static int opt_json(void *ctx, const char *arg)
{
	((struct compare_args *)ctx)->json = true;
	return 0;
}

static int opt_help(void *ctx, const char *arg)
{
	((struct compare_args *)ctx)->help = true;
	return 0;
}

static const struct wgl_opt compare_opts[] = {
	{ "threshold", 't', true, opt_threshold,
	  "percent a median may move the worse way before it counts (default 5)" },
	{ "json", 0, false, opt_json, "print the comparison as JSON" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

int wgl_cmd_compare(int argc, char **argv)
{
	struct compare_args a = { WGL_COMPARE_DEFAULT_THRESHOLD, false, false };
	struct wgl_run *base = NULL, *cur = NULL;
	struct wgl_compare_report *report = NULL;
	json_t *doc;
	char err[1024];
	int npos, ret = WGL_EXIT_USAGE;

	if (wgl_opts_parse(compare_opts, &a, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (a.help) {
		wgl_opts_usage("compare", "BASE.json NEW.json [options]", compare_opts);
		return WGL_EXIT_OK;
	}
	if (npos != 2) {
		fprintf(stderr, "wglab compare: need two result files: BASE.json NEW.json\n");
		return WGL_EXIT_USAGE;
	}
	base = wgl_result_load(argv[1], err, sizeof(err));
	if (base)
		cur = wgl_result_load(argv[2], err, sizeof(err));
	if (!base || !cur) {
		fprintf(stderr, "wglab compare: %s\n", err);
		goto out;
	}
	report = wgl_compare(base, cur, a.threshold);
	if (!report) {
		fprintf(stderr, "wglab compare: out of memory\n");
		goto out;
	}
	if (a.json) {
		doc = wgl_compare_to_json(report);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		wgl_compare_print(report, stdout);
	}
	ret = report->regressions ? WGL_EXIT_FAIL : WGL_EXIT_OK;
out:
	wgl_compare_free(report);
	wgl_result_free(cur);
	wgl_result_free(base);
	return ret;
}
