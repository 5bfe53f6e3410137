// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pure side of the kernel lab's A/B comparison (vm/ab.h): --impl specs,
 * the ABBA boot order, tagging a boot's cases, pairing cases for the table.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/stats.h"
#include "vm/ab.h"

int wgl_ab_parse_impl(const char *arg, struct wgl_ab_impl *out)
{
	const char *eq = strchr(arg, '='), *spec, *ver = "";
	size_t nlen;

	memset(out, 0, sizeof(*out));
	if (!eq)
		return -EINVAL;
	nlen = (size_t)(eq - arg);
	spec = eq + 1;
	if (!nlen || nlen >= sizeof(out->name) || strcspn(arg, "[]:,*/ ") < nlen)
		return -EINVAL;
	if (!strncmp(spec, "kernel:", 7))
		ver = spec + 7;
	else if (strcmp(spec, "kernel"))
		return -EINVAL; /* userspace templates belong to `wglab run --impl` */
	if (strlen(ver) >= sizeof(out->version) || strspn(ver, "0123456789.") != strlen(ver) ||
	    (spec[6] == ':' && !*ver))
		return -EINVAL;
	memcpy(out->name, arg, nlen);
	snprintf(out->version, sizeof(out->version), "%s", ver);
	snprintf(out->spec, sizeof(out->spec), "%s", spec);
	return 0;
}

size_t wgl_ab_boot_impl(size_t i)
{
	/* Round r = i / 2 boots A B when r is even, B A when it is odd. */
	return (i & 1) ^ ((i >> 1) & 1);
}

int wgl_ab_rename(const char *name, const char *from, const char *to, char *out, size_t len)
{
	const char *open = strchr(name, '['), *p = name;
	size_t o = 0, flen = strlen(from);

	while (*p) {
		bool start = open && p > open && strchr("[:,", p[-1]);
		const char *src = p;
		size_t n = 1;

		if (start && !strncmp(p, from, flen) && p[flen] && strchr(":,]", p[flen])) {
			src = to;
			n = strlen(to);
			p += flen;
		} else {
			p++;
		}
		if (o + n >= len)
			return -ENOSPC;
		memcpy(out + o, src, n);
		o += n;
	}
	if (o >= len)
		return -ENOSPC;
	out[o] = '\0';
	return 0;
}

/*
 * The run's "kernel" implementation becomes the named one: its command the
 * spec, its version the kernel release (the module's own version is the
 * same "1.0.0" in every kernel, so it tells the two apart by nothing).
 */
static int rename_impl(struct wgl_run *run, const struct wgl_ab_impl *impl, const char *release)
{
	struct wgl_impl *m = NULL;
	char binary[160], *n, *c, *v;

	for (size_t i = 0; i < run->nimpls && !m; i++)
		if (!strcmp(run->impls[i].backend, "kernel"))
			m = &run->impls[i];
	if (!m) {
		snprintf(binary, sizeof(binary), "linux %s", release);
		wgl_result_add_impl(run, impl->name, impl->spec, binary, release);
		return 0;
	}
	n = strdup(impl->name), c = strdup(impl->spec), v = strdup(release);
	if (!n || !c || !v) {
		free(n), free(c), free(v);
		return -ENOMEM;
	}
	free(m->backend), free(m->command), free(m->version);
	m->backend = n, m->command = c, m->version = v;
	return 0;
}

int wgl_ab_tag_run(struct wgl_run *run, const struct wgl_ab_impl *impl, const char *release)
{
	char binary[160], name[512];

	snprintf(binary, sizeof(binary), "linux %s", release);
	if (rename_impl(run, impl, release) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < run->ncases; i++) {
		struct wgl_case *c = run->cases[i];
		char *dup;

		if (wgl_ab_rename(c->name, "kernel", impl->name, name, sizeof(name)) < 0 ||
		    !(dup = strdup(name)))
			return -ENOMEM;
		free(c->name);
		c->name = dup;
		if (wgl_case_param(c, "impl", impl->name, true) < 0 ||
		    wgl_case_param(c, "binary", binary, true) < 0 ||
		    wgl_case_param(c, "version", release, true) < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct wgl_ab_row *row_get(struct wgl_ab_table *t, const struct wgl_case *c,
				  const char *key, const struct wgl_metric *m)
{
	const char *scenario = c->scenario;
	struct wgl_ab_row *r;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].scenario, scenario) && !strcmp(t->rows[i].key, key) &&
		    !strcmp(t->rows[i].metric, m->name))
			return &t->rows[i];
	r = realloc(t->rows, (t->n + 1) * sizeof(*r));
	if (!r)
		return NULL;
	t->rows = r;
	r = &r[t->n];
	*r = (struct wgl_ab_row){ .scenario = strdup(scenario), .key = strdup(key),
				  .metric = strdup(m->name), .unit = strdup(m->unit ?: ""),
				  .better = m->better, .family = c->family ? strdup(c->family) : NULL };
	t->n++;
	return r->scenario && r->key && r->metric && r->unit && (r->family || !c->family) ?
	       r : NULL;
}

/* Adds the metrics of one result c (a case or one of its `also`) to side. */
static int add_case(struct wgl_ab_table *t, const struct wgl_case *c, const char *impl, int side)
{
	char key[512];

	if (c->verdict == WGL_SKIP ||
	    wgl_ab_rename(c->name, impl, "*", key, sizeof(key)) < 0)
		return 0;
	for (size_t i = 0; i < c->nmetrics; i++) {
		const struct wgl_metric *m = &c->metrics[i];
		struct wgl_ab_row *r = row_get(t, c, key, m);
		double *v;

		if (!r)
			return -ENOMEM;
		v = realloc(r->v[side], (r->n[side] + m->n + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v + r->n[side], m->values, m->n * sizeof(*v));
		r->v[side] = v;
		r->n[side] += m->n;
		v = realloc(r->round[side], (r->nround[side] + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[r->nround[side]++] = m->median;
		r->round[side] = v;
	}
	return 0;
}

static int side_of(const struct wgl_case *c, const char *a, const char *b)
{
	const struct wgl_param *p = wgl_case_get_param(c, "impl");

	if (!p)
		return -1;
	return !strcmp(p->value, a) ? 0 : !strcmp(p->value, b) ? 1 : -1;
}

static int by_source(const void *x, const void *y)
{
	long a = (*(const struct wgl_case *const *)x)->source;
	long b = (*(const struct wgl_case *const *)y)->source;

	return (a > b) - (a < b);
}

/* The results of case c from every source, in source (boot) order, into t. */
static int add_group(struct wgl_ab_table *t, const struct wgl_case *c, const char *names[2])
{
	const struct wgl_case **all = malloc((c->nalso + 1) * sizeof(*all));
	int err = 0;

	if (!all)
		return -ENOMEM;
	all[0] = c;
	for (size_t k = 0; k < c->nalso; k++)
		all[k + 1] = c->also[k];
	/* The primary result is the worst verdict, not the first boot: restore boot order. */
	qsort(all, c->nalso + 1, sizeof(*all), by_source);
	for (size_t k = 0; k <= c->nalso && !err; k++) {
		int side = side_of(all[k], names[0], names[1]);

		if (side >= 0)
			err = add_case(t, all[k], names[side], side);
	}
	free(all);
	return err;
}

int wgl_ab_pairs(const struct wgl_run *run, const char *a, const char *b,
		 struct wgl_ab_table *t)
{
	const char *names[2] = { a, b };
	int err = 0;

	*t = (struct wgl_ab_table){ NULL, 0 };
	for (size_t i = 0; i < run->ncases && !err; i++)
		err = add_group(t, run->cases[i], names);
	if (err)
		wgl_ab_table_free(t);
	return err;
}

void wgl_ab_table_free(struct wgl_ab_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct wgl_ab_row *r = &t->rows[i];

		free(r->scenario), free(r->key), free(r->metric), free(r->unit), free(r->family);
		free(r->v[0]), free(r->v[1]), free(r->round[0]), free(r->round[1]);
	}
	free(t->rows);
	*t = (struct wgl_ab_table){ NULL, 0 };
}

int wgl_ab_table_comparisons(const struct wgl_ab_table *t, struct wgl_run *run, const char *a,
			     const char *b, double confidence)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct wgl_ab_row *r = &t->rows[i];
		size_t n = r->nround[0] < r->nround[1] ? r->nround[0] : r->nround[1];
		struct wgl_comparison cmp = {
			.scenario = r->scenario, .family = r->family, .metric = r->metric,
			.unit = r->unit, .impl_a = (char *)a, .impl_b = (char *)b,
			.case_a = r->key, .case_b = r->key, .better = r->better,
			.confidence = confidence, .a = r->round[0], .b = r->round[1], .n = n,
		};

		if (r->better != WGL_BETTER_NONE && n && wgl_result_add_comparison(run, &cmp) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The per-boot medians of r as pairs: Hodges-Lehmann over the rounds (base/stats.h). */
static void verdict_text(const struct wgl_ab_row *r, double confidence, char *buf, size_t len)
{
	size_t n = r->nround[0] < r->nround[1] ? r->nround[0] : r->nround[1];
	struct wgl_paired p;

	if (r->better == WGL_BETTER_NONE || n == 0 ||
	    wgl_paired_compare(r->round[0], r->round[1], n, confidence > 0 ? confidence : 0.95, &p,
			       NULL) < 0)
		snprintf(buf, len, "-");
	else
		wgl_paired_text(&p, r->better == WGL_BETTER_HIGHER, buf, len);
}

void wgl_ab_print(const struct wgl_ab_table *t, const char *a, const char *b, double confidence,
		  FILE *f)
{
	char verdict[256];

	fprintf(f, "| case | metric | %s median | %s median | change | n (%s/%s) | "
		"verdict over rounds |\n", a, b, a, b);
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct wgl_ab_row *r = &t->rows[i];
		double ma = wgl_median(r->v[0], r->n[0]), mb = wgl_median(r->v[1], r->n[1]);

		fprintf(f, "| %s/%s | %s | %.4g %s | %.4g %s | ", r->scenario, r->key, r->metric,
			ma, r->unit, mb, r->unit);
		if (r->n[0] && r->n[1] && ma != 0 && isfinite(ma) && isfinite(mb))
			fprintf(f, "%+.1f%%", 100.0 * (mb - ma) / fabs(ma));
		else
			fputs("-", f);
		verdict_text(r, confidence, verdict, sizeof(verdict));
		fprintf(f, " | %zu/%zu | %s |\n", r->n[0], r->n[1], verdict);
	}
}
