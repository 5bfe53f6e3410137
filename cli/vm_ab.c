// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab vm --impl A=kernel:V --impl B=kernel:W [--rounds N] [--gate ...]:
 * one boot per implementation and round in ABBA order, the boots' results
 * tagged and merged into one run, the A/B table over the rounds (vm/ab.h)
 * and the gates judged on it, as `wglab run --gate` does (cli/ab.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "base/util.h"
#include "cli/cli.h"
#include "cli/vm_priv.h"
#include "reports/merge.h"
#include "reports/results_dir.h"
#include "reports/write.h"

/*
 * One boot of the A/B comparison: the kernel of its implementation, results
 * in BASE/boots/NN-NAME/, tagged with the implementation (vm/ab.h). The
 * tagged run's result.json path goes to path. Returns the guest's exit code,
 * or WGL_EXIT_FAIL when there is no result to merge (path left empty).
 */
static int ab_boot(struct vm_cmd *v, const char *base, size_t i, int ninner, char **inner,
		   json_t *boots, char *path, size_t len)
{
	const struct wgl_ab_impl *im = &v->impls[wgl_ab_boot_impl(i)];
	struct wgl_vm_outcome r = { .boot_s = -1, .wall_s = 0 };
	char dir[PATH_MAX - 64], err_text[512], real[PATH_MAX];
	struct wgl_run *run = NULL;
	int code = WGL_EXIT_FAIL, err;

	path[0] = '\0';
	v->version = im->version;
	snprintf(dir, sizeof(dir), "%s/boots/%02zu-%s", base, i + 1, im->name);
	v->out = dir;
	err = wgl_vm_resolve_kernel(v) < 0 ? -ENOENT : wgl_mkdir_p(dir);
	if (!err)
		err = wgl_vm_prepare_boot(v, ninner, inner);
	if (err < 0) {
		wgl_err("vm: cannot prepare boot %zu (%s): %s", i + 1, im->name, strerror(-err));
		return WGL_EXIT_FAIL;
	}
	wgl_info("vm: boot %zu: %s = %s (%s)", i + 1, im->name, im->spec, v->release);
	code = wgl_vm_boot_collect(v, &r);
	json_array_append_new(boots, json_pack("{s:s, s:s, s:i, s:o, s:f, s:i}", "impl", im->name,
		"kernel", v->release, "round", (int)(i / 2 + 1),
		"boot_s", r.boot_s >= 0 ? json_real(r.boot_s) : json_null(), "wall_s", r.wall_s,
		"exit_code", code));
	snprintf(path, len, "%s/latest/result.json", dir);
	run = wgl_result_load(path, err_text, sizeof(err_text));
	if (!run || wgl_ab_tag_run(run, im, v->release) < 0) {
		wgl_err("vm: boot %zu (%s) left no usable result: %s", i + 1, im->name,
			run ? "out of memory" : err_text);
		path[0] = '\0';
	} else {
		snprintf(real, sizeof(real), "%s/latest", dir);
		if (wgl_reports_write_result(run, real) < 0)
			path[0] = '\0';
		/* The merged run's sources name the run folder, not the moving "latest". */
		else if (realpath(path, real))
			snprintf(path, len, "%s", real);
	}
	wgl_result_free(run);
	return path[0] ? code : WGL_EXIT_FAIL;
}

/* The A/B table of the merged run: on stdout and in DIR/ab.md. */
static void ab_table(const struct vm_cmd *v, const struct wgl_ab_table *t, const char *dir)
{
	const char *a = v->impls[0].name, *b = v->impls[1].name;
	char path[PATH_MAX + 8];
	FILE *f;

	printf("\nA/B (emulated, TCG): A = %s, B = %s\n\n", a, b);
	wgl_ab_print(t, a, b, v->ab.confidence, stdout);
	snprintf(path, sizeof(path), "%s/ab.md", dir);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "# Kernel A/B in the lab (emulated): A = %s, B = %s\n\n", a, b);
		wgl_ab_print(t, a, b, v->ab.confidence, f);
		fclose(f);
	}
}

/*
 * The rounds' comparisons and the --gate verdicts on them, into merged
 * before its reports are written; true when a gate tripped.
 */
static bool ab_judge(const struct vm_cmd *v, const struct wgl_ab_table *t, struct wgl_run *merged)
{
	bool tripped;

	if (wgl_ab_table_comparisons(t, merged, v->impls[0].name, v->impls[1].name,
				     v->ab.confidence) < 0)
		wgl_err("vm: out of memory comparing the rounds");
	tripped = wgl_ab_gates(&v->ab, merged);
	for (size_t i = 0; i < merged->ngates; i++)
		printf("%sGATE %s: %s: %s\n", i ? "" : "\n", merged->gates[i].gate,
		       merged->gates[i].verdict == WGL_FAIL ? "TRIPPED" :
		       wgl_verdict_name(merged->gates[i].verdict), merged->gates[i].detail ?: "");
	return tripped;
}

/* Loads the boots' results and merges them; NULL with the reason printed. */
static struct wgl_run *ab_load_merge(char (*paths)[PATH_MAX], size_t n)
{
	struct wgl_run **runs = calloc(n ? n : 1, sizeof(*runs)), *merged = NULL;
	const char **names = calloc(n ? n : 1, sizeof(*names));
	char err[512];
	size_t i;

	for (i = 0; runs && names && i < n; i++) {
		names[i] = paths[i];
		if (!(runs[i] = wgl_result_load(paths[i], err, sizeof(err)))) {
			wgl_err("vm: %s", err);
			break;
		}
	}
	if (runs && names && i == n && !(merged = wgl_merge(runs, names, n, err, sizeof(err))))
		wgl_err("vm: cannot merge the boots: %s", err);
	else if (!runs || !names)
		wgl_err("vm: cannot merge the boots: out of memory");
	for (i = 0; runs && i < n; i++)
		wgl_result_free(runs[i]);
	free(runs), free(names);
	return merged;
}

/*
 * Merges the tagged boots into BASE/<id>/ with every report, the A/B table
 * and the gates: exit 1 when a case failed or a gate tripped.
 */
static int ab_merge(const struct vm_cmd *v, const char *base, char (*paths)[PATH_MAX],
		    size_t n, json_t *ab)
{
	struct wgl_run *merged = ab_load_merge(paths, n);
	struct wgl_ab_table t = { NULL, 0 };
	char dir[PATH_MAX];
	int ret = WGL_EXIT_FAIL;
	bool tripped;

	if (!merged)
		return WGL_EXIT_FAIL;
	wgl_result_set_meta(merged, "ab", json_incref(ab));
	if (wgl_ab_pairs(merged, v->impls[0].name, v->impls[1].name, &t) < 0) {
		wgl_err("vm: out of memory pairing the cases");
		goto out;
	}
	tripped = ab_judge(v, &t, merged);
	if (wgl_results_dir_new(base, dir, sizeof(dir)) < 0 || wgl_reports_write(merged, dir) < 0)
		goto out;
	wgl_results_dir_latest(base, dir);
	ab_table(v, &t, dir);
	printf("\nmerged %zu boots into %s: %ld cases, %ld failed\n", n, dir,
	       merged->summary.total, merged->summary.failed + merged->summary.errors);
	ret = merged->summary.failed + merged->summary.errors ? WGL_EXIT_FAIL : WGL_EXIT_OK;
	if (tripped) {
		printf("a gate tripped: exit 1 (see GATE above)\n");
		ret = WGL_EXIT_FAIL;
	}
out:
	wgl_ab_table_free(&t);
	wgl_result_free(merged);
	return ret;
}

/*
 * wglab vm --impl A=kernel:V --impl B=kernel:W: a VM holds one kernel, so
 * each implementation gets rounds boots, in ABBA order, each running the
 * whole command; the boots' results are merged into one run.
 */
int wgl_vm_run_ab(struct vm_cmd *v, int ninner, char **inner)
{
	size_t nboots = 2 * (size_t)v->rounds, nok = 0;
	char (*paths)[PATH_MAX] = calloc(nboots, sizeof(*paths));
	const char *base = v->out;
	json_t *boots = json_array();
	int ret = WGL_EXIT_OK, code;

	if (!paths || !boots || wgl_vm_copy_self() < 0) {
		json_decref(boots);
		free(paths);
		return WGL_EXIT_FAIL;
	}
	for (size_t i = 0; i < nboots; i++) {
		code = ab_boot(v, base, i, ninner, inner, boots, paths[nok], sizeof(paths[nok]));
		if (paths[nok][0])
			nok++;
		if (code != WGL_EXIT_OK && ret == WGL_EXIT_OK)
			ret = code;
	}
	v->out = base;
	if (nok) {
		json_t *ab = json_pack("{s:[s,s], s:i, s:O}", "impls", v->impls[0].name,
				       v->impls[1].name, "rounds", (int)v->rounds, "boots", boots);

		code = ab_merge(v, base, paths, nok, ab);
		json_decref(ab);
		if (ret == WGL_EXIT_OK)
			ret = code;
	} else {
		ret = WGL_EXIT_FAIL;
	}
	json_decref(boots);
	free(paths);
	return ret;
}

/* --impl needs two distinct names and no --kernel/--modules; every kernel must be there. */
int wgl_vm_check_impls(struct vm_cmd *v)
{
	if (v->nimpls != 2 || !strcmp(v->impls[0].name, v->impls[1].name) ||
	    v->kernel || v->modules || v->sh) {
		fprintf(stderr, "wglab vm: --impl takes two distinct names, without --kernel, "
			"--modules or --sh\n");
		return WGL_EXIT_USAGE;
	}
	for (size_t i = 0; i < v->nimpls; i++) {
		v->version = v->impls[i].version;
		if (wgl_vm_resolve_kernel(v) < 0)
			return WGL_EXIT_SKIP;
	}
	return 0;
}
