// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark-tracker formats. github-action-benchmark takes one direction
 * per file ("customBiggerIsBetter" / "customSmallerIsBetter"), hence one
 * file per value of `better`; Bencher's BMF holds every measure in one file.
 * Informational metrics (better = null) only go to Bencher, which does not
 * alert on a measure without thresholds.
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

static json_t *bench_entry(const struct wgl_run *run, const struct wgl_case *c,
			   const struct wgl_metric *m)
{
	char name[512], id[256], range[64], extra[2600], lo[32], hi[32], params[2048];
	double spread = m->max - m->min;

	snprintf(name, sizeof(name), "%s/%s", wgl_case_id(c, id, sizeof(id)), m->name);
	snprintf(range, sizeof(range), "± %.4g", isfinite(spread) ? spread / 2 : 0);
	snprintf(extra, sizeof(extra), "n=%zu min=%s max=%s; kernel %s; %s", m->n,
		 wgl_fmt_num(m->min, lo, sizeof(lo)), wgl_fmt_num(m->max, hi, sizeof(hi)),
		 run->kernel ? run->kernel : "?", wgl_fmt_params(c, params, sizeof(params)));
	return json_pack("{s:s, s:s, s:f, s:s, s:s}", "name", name, "unit", m->unit,
			 "value", m->median, "range", range, "extra", extra);
}

int wgl_write_benchmark(const struct wgl_run *run, const char *better, FILE *f)
{
	json_t *list = json_array();

	for (size_t i = 0; i < run->ncases; i++) {
		const struct wgl_case *c = run->cases[i];

		for (size_t j = 0; j < c->nmetrics; j++) {
			const struct wgl_metric *m = &c->metrics[j];
			const char *b = wgl_better_name(m->better);

			if (!b || strcmp(b, better) || !isfinite(m->median))
				continue;
			json_array_append_new(list, bench_entry(run, c, m));
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
	char id[256];

	for (size_t i = 0; i < run->ncases; i++) {
		bench = bencher_case(run->cases[i]);
		if (bench)
			json_object_set_new(doc, wgl_case_id(run->cases[i], id, sizeof(id)), bench);
	}
	return dump(doc, f);
}
