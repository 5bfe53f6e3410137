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

static json_t *bench_entry(const json_t *run, const json_t *c, const json_t *m)
{
	char name[512], id[256], range[64], extra[512], lo[32], hi[32];
	double spread = wgl_jnum(m, "max", 0) - wgl_jnum(m, "min", 0);
	char *params = json_dumps(json_object_get(c, "params"), JSON_COMPACT | JSON_SORT_KEYS);

	snprintf(name, sizeof(name), "%s/%s", wgl_case_id(c, id, sizeof(id)),
		 wgl_jstr(m, "name", "?"));
	snprintf(range, sizeof(range), "± %.4g", spread / 2);
	snprintf(extra, sizeof(extra), "n=%zu min=%s max=%s; kernel %s; %s",
		 json_array_size(json_object_get(m, "values")),
		 wgl_fmt_num(json_object_get(m, "min"), lo, sizeof(lo)),
		 wgl_fmt_num(json_object_get(m, "max"), hi, sizeof(hi)),
		 wgl_jstr(run, "kernel", "?"), params ? params : "{}");
	free(params);
	return json_pack("{s:s, s:s, s:f, s:s, s:s}", "name", name, "unit",
			 wgl_jstr(m, "unit", ""), "value", wgl_jnum(m, "median", 0), "range", range,
			 "extra", extra);
}

int wgl_write_benchmark(const json_t *run, const char *better, FILE *f)
{
	json_t *list = json_array();
	const json_t *c, *m;
	size_t i, j;

	json_array_foreach(json_object_get(run, "cases"), i, c) {
		json_array_foreach(json_object_get(c, "metrics"), j, m) {
			if (strcmp(wgl_jstr(m, "better", ""), better) ||
			    !json_is_number(json_object_get(m, "median")))
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

int wgl_write_bencher(const json_t *run, FILE *f)
{
	json_t *doc = json_object(), *bench;
	const json_t *c, *m;
	char id[256], measure[128];
	size_t i, j;

	json_array_foreach(json_object_get(run, "cases"), i, c) {
		wgl_case_id(c, id, sizeof(id));
		json_array_foreach(json_object_get(c, "metrics"), j, m) {
			if (!json_is_number(json_object_get(m, "median")))
				continue;
			bench = json_object_get(doc, id);
			if (!bench) {
				bench = json_object();
				json_object_set_new(doc, id, bench);
			}
			slug(wgl_jstr(m, "name", "metric"), measure, sizeof(measure));
			json_object_set_new(bench, measure,
					    json_pack("{s:f, s:f, s:f}", "value",
						      wgl_jnum(m, "median", 0), "lower_value",
						      wgl_jnum(m, "min", 0), "upper_value",
						      wgl_jnum(m, "max", 0)));
		}
	}
	return dump(doc, f);
}
