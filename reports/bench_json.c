// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark-tracker formats. github-action-benchmark takes one direction
 * per file ("customBiggerIsBetter" / "customSmallerIsBetter"), hence one
 * file per value of `better`; Bencher's BMF holds every measure in one file.
 * Informational metrics (better = null) only go to Bencher, which does not
 * alert on a measure without thresholds.
 *
 * A merged run (wglab merge) gives every source's result of a case its own
 * entries, named with the source's label ("connect/connect[kernel:kernel,
 * ipv4] (lab)"), so a trend per environment is kept: a native and a lab
 * figure are not the same measure.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"

static int dump(json_t *doc, FILE *f)
{
	int ret = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));

	json_decref(doc);
	fputc('\n', f);
	return ret || ferror(f) ? -EIO : 0;
}

/* More results of one case than sources a merge takes in practice. */
#define MAX_RESULTS 64

/* "scenario/name", with the source in a merged run (wgl_result_name()). */
static const char *result_id(const struct wgl_run *run, const struct wgl_case *c,
			     const struct wgl_case *r, char *buf, size_t len)
{
	char name[512];

	snprintf(buf, len, "%s/%s", r->scenario, wgl_result_name(run, c, r, name, sizeof(name)));
	return buf;
}

static json_t *bench_entry(const struct wgl_run *run, const struct wgl_case *primary,
			   const struct wgl_case *c, const struct wgl_metric *m)
{
	char name[1400], id[1024], range[64], extra[2600], lo[32], hi[32], params[2048];
	const struct wgl_source *src = wgl_result_source(run, c);
	const char *kernel = src ? src->kernel : run->kernel;
	double spread = m->max - m->min;

	snprintf(name, sizeof(name), "%s/%s", result_id(run, primary, c, id, sizeof(id)),
		 m->name);
	snprintf(range, sizeof(range), "± %.4g", isfinite(spread) ? spread / 2 : 0);
	snprintf(extra, sizeof(extra), "n=%zu min=%s max=%s; kernel %s; %s", m->n,
		 wgl_fmt_num(m->min, lo, sizeof(lo)), wgl_fmt_num(m->max, hi, sizeof(hi)),
		 kernel ? kernel : "?", wgl_fmt_params(c, params, sizeof(params)));
	return json_pack("{s:s, s:s, s:f, s:s, s:s}", "name", name, "unit", m->unit,
			 "value", m->median, "range", range, "extra", extra);
}

int wgl_write_benchmark(const struct wgl_run *run, const char *better, FILE *f)
{
	json_t *list = json_array();

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *r[MAX_RESULTS];
		size_t nr = wgl_case_results(run->cases[i], r, MAX_RESULTS);

		for (size_t k = 0; k < nr; k++)
			for (size_t j = 0; j < r[k]->nmetrics; j++) {
				const struct wgl_metric *m = &r[k]->metrics[j];
				const char *b = wgl_better_name(m->better);

				if (!b || strcmp(b, better) || !isfinite(m->median))
					continue;
				json_array_append_new(list, bench_entry(run, run->cases[i], r[k],
									m));
			}
	}
	return dump(list, f);
}

/* Bencher measure slugs: lower-case letters, digits and dashes. */
static void slug(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++)
		out[o++] = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '-';
	out[o] = '\0';
}

/* One case's measures, or NULL when it has no metric with a median. */
static json_t *bencher_case(const struct wgl_case *c)
{
	json_t *bench = NULL;
	char measure[128];

	for (size_t j = 0; j < c->nmetrics; j++) {
		const struct wgl_metric *m = &c->metrics[j];

		if (!isfinite(m->median))
			continue;
		if (!bench)
			bench = json_object();
		slug(*m->name ? m->name : "metric", measure, sizeof(measure));
		json_object_set_new(bench, measure,
				    json_pack("{s:f, s:f, s:f}", "value", m->median, "lower_value",
					      isfinite(m->min) ? m->min : 0, "upper_value",
					      isfinite(m->max) ? m->max : 0));
	}
	return bench;
}

int wgl_write_bencher(const struct wgl_run *run, FILE *f)
{
	json_t *doc = json_object(), *bench;
	char id[1024];

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *r[MAX_RESULTS];
		size_t nr = wgl_case_results(run->cases[i], r, MAX_RESULTS);

		for (size_t k = 0; k < nr; k++) {
			bench = bencher_case(r[k]);
			if (bench)
				json_object_set_new(doc, result_id(run, run->cases[i], r[k], id,
								   sizeof(id)), bench);
		}
	}
	return dump(doc, f);
}
