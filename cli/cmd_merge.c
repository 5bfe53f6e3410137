// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab merge DIR|RESULT.json... --out DIR: several runs (a native run and
 * a kernel-lab run, the shards of one run) become one run with every
 * report. The rules are in reports/merge.h and docs/result-schema.md.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/result.h"
#include "cli/cli.h"
#include "reports/ab_report.h"
#include "reports/headline.h"
#include "reports/merge.h"
#include "reports/write.h"

struct merge_args {
	const char *out;
	bool help;
};

static int opt_out(void *ctx, const char *arg)
{
	((struct merge_args *)ctx)->out = arg;
	return *arg ? 0 : -EINVAL;
}

static int opt_help(void *ctx, const char *arg)
{
	((struct merge_args *)ctx)->help = true;
	return 0;
}

static const struct wgl_opt merge_opts[] = {
	{ "out", 'o', true, opt_out, "directory for the merged run's reports (required)" },
	{ "help", 'h', false, opt_help, "this help" },
	{ NULL, 0, false, NULL, NULL },
};

/*
 * A results directory means its result.json. The path is resolved: "latest"
 * moves on with the next run, the source must keep naming this one.
 */
static void result_path(const char *arg, char *out, size_t len)
{
	char given[PATH_MAX];
	struct stat st;

	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(given, sizeof(given), "%.*s/result.json", PATH_MAX - 16, arg);
	else
		snprintf(given, sizeof(given), "%s", arg);
	if (!realpath(given, out))
		snprintf(out, len, "%.*s", (int)len - 1, given);
}

static void print_list(const char *what, const json_t *a, FILE *f)
{
	size_t i;
	json_t *v;

	if (!json_array_size(a))
		return;
	fprintf(f, "%s (%zu):", what, json_array_size(a));
	json_array_foreach(a, i, v)
		fprintf(f, "%s %s", i ? "," : "", json_string_value(v));
	fputc('\n', f);
}

/* What the merge found: duplicates, missing cases and shards, replaced skips. */
static void print_notes(const struct wgl_run *run, FILE *f)
{
	const json_t *note = json_object_get(run->extra, "merge"), *m;
	size_t i;

	for (i = 0; i < run->nsources; i++)
		fprintf(f, "source %zu: %s%s%s, %s, kernel %s%s\n", i, run->sources[i].label,
			run->sources[i].shard ? " shard " : "", run->sources[i].shard ?: "",
			run->sources[i].host ?: "?", run->sources[i].kernel ?: "?",
			run->sources[i].emulated ? ", emulated" : "");
	fprintf(f, "%lld skipped results replaced by a real result from another source\n",
		(long long)json_integer_value(json_object_get(note, "replaced_skips")));
	print_list("cases with real results from more than one source (all kept)",
		   json_object_get(note, "duplicates"), f);
	json_array_foreach(json_object_get(note, "missing"), i, m)
		fprintf(f, "not run in %s: %zu cases (listed in result.json, merge.missing)\n",
			json_string_value(json_object_get(m, "label")),
			json_array_size(json_object_get(m, "cases")));
	print_list("missing shards", json_object_get(note, "missing_shards"), f);
	print_list("shards given more than once", json_object_get(note, "repeated_shards"), f);
}

static int summarize(const struct wgl_run *run, const char *dir)
{
	const struct wgl_run_summary *s = &run->summary;

	print_notes(run, stdout);
	wgl_headline_print(run, stdout);
	wgl_ab_report_print(run, stdout);
	printf("merged %zu runs into %s: %ld cases, %ld passed, %ld failed, %ld skipped\n",
	       run->nsources, dir, s->total, s->passed, s->failed + s->errors, s->skipped);
	/* A gate a source run tripped still fails the merged one. */
	for (size_t i = 0; i < run->ngates; i++)
		if (run->gates[i].verdict == WGL_FAIL)
			return WGL_EXIT_FAIL;
	return s->failed + s->errors ? WGL_EXIT_FAIL : WGL_EXIT_OK;
}

static int load_all(char **args, int n, struct wgl_run **runs, char (*paths)[PATH_MAX])
{
	char err[1024];

	for (int i = 0; i < n; i++) {
		result_path(args[i], paths[i], sizeof(paths[i]));
		runs[i] = wgl_result_load(paths[i], err, sizeof(err));
		if (!runs[i]) {
			fprintf(stderr, "wglab merge: %s\n", err);
			return -EINVAL;
		}
	}
	return 0;
}

int wgl_cmd_merge(int argc, char **argv)
{
	struct merge_args a = { NULL, false };
	struct wgl_run **runs = NULL, *merged = NULL;
	char (*paths)[PATH_MAX] = NULL, err[1024];
	const char **names = NULL;
	int npos, ret = WGL_EXIT_USAGE;

	if (wgl_opts_parse(merge_opts, &a, argc, argv, &npos) < 0)
		return WGL_EXIT_USAGE;
	if (a.help) {
		wgl_opts_usage("merge", "DIR|RESULT.json... --out DIR", merge_opts);
		return WGL_EXIT_OK;
	}
	if (npos < 1 || !a.out) {
		fprintf(stderr, "wglab merge: need result directories or files and --out DIR\n");
		return WGL_EXIT_USAGE;
	}
	runs = calloc((size_t)npos, sizeof(*runs));
	paths = calloc((size_t)npos, sizeof(*paths));
	names = calloc((size_t)npos, sizeof(*names));
	if (!runs || !paths || !names || load_all(argv + 1, npos, runs, paths) < 0)
		goto out;
	for (int i = 0; i < npos; i++)
		names[i] = paths[i];
	merged = wgl_merge(runs, names, (size_t)npos, err, sizeof(err));
	if (!merged) {
		fprintf(stderr, "wglab merge: %s\n", err);
		goto out;
	}
	/* wgl_reports_write() names the file it could not write. */
	ret = wgl_reports_write(merged, a.out) ? WGL_EXIT_FAIL : summarize(merged, a.out);
out:
	for (int i = 0; runs && i < npos; i++)
		wgl_result_free(runs[i]);
	wgl_result_free(merged);
	free(runs), free(paths), free(names);
	return ret;
}
