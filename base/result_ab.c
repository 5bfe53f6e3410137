// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parts of the result model that A/B runs add: which implementation
 * served each node of a case, the paired comparisons, and the gates.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/result_priv.h"
#include "base/stats.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

void wgl_case_node(struct wgl_case *c, const char *node, const char *impl, const char *binary,
		   const char *version)
{
	struct wgl_case_node *n;

	for (size_t i = 0; i < c->nnodes; i++)
		if (same(c->nodes[i].node, node) && same(c->nodes[i].impl, impl))
			return;
	n = wgl_result_grow(c->nodes, &c->nnodes, sizeof(*n));
	if (!n)
		return;
	c->nodes = n;
	n = &n[c->nnodes - 1];
	n->node = wgl_result_text_dup(node ? node : "");
	n->impl = wgl_result_text_dup(impl ? impl : "");
	n->binary = wgl_result_text_dup(binary);
	n->version = wgl_result_text_dup(version);
}

void wgl_result_nodes_free(struct wgl_case *c)
{
	for (size_t i = 0; i < c->nnodes; i++) {
		free(c->nodes[i].node), free(c->nodes[i].impl);
		free(c->nodes[i].binary), free(c->nodes[i].version);
	}
	free(c->nodes);
}

static double *dup_values(const double *v, size_t n)
{
	double *d = malloc((n ? n : 1) * sizeof(*d));

	if (d && n)
		memcpy(d, v, n * sizeof(*d));
	return d;
}

int wgl_result_add_comparison(struct wgl_run *run, const struct wgl_comparison *cmp)
{
	struct wgl_comparison *v = wgl_result_grow(run->comparisons, &run->ncomparisons,
						   sizeof(*v));

	if (!v)
		return -ENOMEM;
	run->comparisons = v;
	v = &v[run->ncomparisons - 1];
	v->scenario = wgl_result_text_dup(cmp->scenario);
	v->family = wgl_result_text_dup(cmp->family);
	v->metric = wgl_result_text_dup(cmp->metric);
	v->unit = wgl_result_text_dup(cmp->unit);
	v->impl_a = wgl_result_text_dup(cmp->impl_a);
	v->impl_b = wgl_result_text_dup(cmp->impl_b);
	v->case_a = wgl_result_text_dup(cmp->case_a);
	v->case_b = wgl_result_text_dup(cmp->case_b);
	v->better = cmp->better;
	v->confidence = cmp->confidence > 0 && cmp->confidence < 1 ? cmp->confidence : 0.95;
	v->a = dup_values(cmp->a, cmp->n);
	v->b = dup_values(cmp->b, cmp->n);
	v->n = v->a && v->b ? cmp->n : 0;
	return 0;
}

int wgl_result_add_gate(struct wgl_run *run, const char *gate, enum wgl_verdict verdict,
			const char *detail)
{
	struct wgl_gate *g = wgl_result_grow(run->gates, &run->ngates, sizeof(*g));

	if (!g)
		return -ENOMEM;
	run->gates = g;
	g = &g[run->ngates - 1];
	g->gate = wgl_result_text_dup(gate);
	g->verdict = verdict;
	g->detail = wgl_result_text_dup(detail);
	return 0;
}

void wgl_result_ab_free(struct wgl_run *run)
{
	for (size_t i = 0; i < run->ncomparisons; i++) {
		struct wgl_comparison *c = &run->comparisons[i];

		free(c->scenario), free(c->family), free(c->metric), free(c->unit);
		free(c->impl_a), free(c->impl_b), free(c->case_a), free(c->case_b);
		free(c->a), free(c->b);
	}
	free(run->comparisons);
	for (size_t i = 0; i < run->ngates; i++)
		free(run->gates[i].gate), free(run->gates[i].detail);
	free(run->gates);
}

/* ---- JSON ---- */

static json_t *jtext(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jnum(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

json_t *wgl_result_nodes_json(const struct wgl_case *c)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < c->nnodes; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o}",
			"node", jtext(c->nodes[i].node), "impl", jtext(c->nodes[i].impl),
			"binary", jtext(c->nodes[i].binary), "version", jtext(c->nodes[i].version)));
	return a;
}

static json_t *values_json(const double *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, jnum(v[i]));
	return a;
}

/* The derived figures next to the pairs, so a reader needs no statistics of its own. */
static void stats_json(const struct wgl_comparison *c, json_t *o)
{
	double *d = malloc((c->n ? c->n : 1) * sizeof(*d));
	struct wgl_paired p;
	char text[200];

	if (!d || wgl_paired_compare(c->a, c->b, c->n, c->confidence, &p, d) < 0)
		p = (struct wgl_paired){ .estimate = NAN, .lo = NAN, .hi = NAN, .level = NAN };
	wgl_paired_text(&p, c->better != WGL_BETTER_LOWER, text, sizeof(text));
	json_object_set_new(o, "diffs_pct", values_json(d, d && p.n ? c->n : 0));
	json_object_set_new(o, "pairs", json_integer((json_int_t)p.n));
	json_object_set_new(o, "confidence", json_real(c->confidence));
	json_object_set_new(o, "estimate_pct", jnum(p.estimate));
	json_object_set_new(o, "ci_low_pct", jnum(p.lo));
	json_object_set_new(o, "ci_high_pct", jnum(p.hi));
	json_object_set_new(o, "ci_level", jnum(p.level));
	json_object_set_new(o, "ci_method", json_string(p.exact ? "wilcoxon-exact" :
							"wilcoxon-normal"));
	json_object_set_new(o, "verdict", json_string(text));
	free(d);
}

static json_t *comparison_json(const struct wgl_comparison *c)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			      "scenario", jtext(c->scenario), "family", jtext(c->family),
			      "metric", jtext(c->metric), "unit", jtext(c->unit),
			      "better", jtext(wgl_better_name(c->better)),
			      "impl_a", jtext(c->impl_a), "impl_b", jtext(c->impl_b),
			      "case_a", jtext(c->case_a), "case_b", jtext(c->case_b),
			      "a", values_json(c->a, c->n), "b", values_json(c->b, c->n));

	if (o)
		stats_json(c, o);
	return o;
}

void wgl_result_ab_json(const struct wgl_run *run, json_t *o)
{
	json_t *a;

	if (run->ncomparisons) {
		a = json_array();
		for (size_t i = 0; a && i < run->ncomparisons; i++)
			json_array_append_new(a, comparison_json(&run->comparisons[i]));
		json_object_set_new(o, "comparisons", a);
	}
	if (run->ngates) {
		a = json_array();
		for (size_t i = 0; a && i < run->ngates; i++)
			json_array_append_new(a, json_pack("{s:o, s:s, s:o}",
				"gate", jtext(run->gates[i].gate),
				"verdict", wgl_verdict_name(run->gates[i].verdict),
				"detail", jtext(run->gates[i].detail)));
		json_object_set_new(o, "gates", a);
	}
}

/* ---- loading ---- */

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void wgl_result_nodes_load(struct wgl_case *c, const json_t *a)
{
	const json_t *n;
	size_t i;

	json_array_foreach(a, i, n)
		wgl_case_node(c, jstr(n, "node"), jstr(n, "impl"), jstr(n, "binary"),
			      jstr(n, "version"));
}

/* The numbers of array key of o (null: NaN), n of them; NULL on ENOMEM. */
static double *load_values(const json_t *o, const char *key, size_t n)
{
	const json_t *a = json_object_get(o, key);
	double *v = malloc((n ? n : 1) * sizeof(*v));

	for (size_t i = 0; v && i < n; i++) {
		const json_t *x = json_array_get(a, i);

		v[i] = json_is_number(x) ? json_number_value(x) : NAN;
	}
	return v;
}

static void load_comparison(struct wgl_run *run, const json_t *j)
{
	const char *better = jstr(j, "better");
	struct wgl_comparison c = {
		.scenario = (char *)jstr(j, "scenario"), .family = (char *)jstr(j, "family"),
		.metric = (char *)jstr(j, "metric"), .unit = (char *)jstr(j, "unit"),
		.impl_a = (char *)jstr(j, "impl_a"), .impl_b = (char *)jstr(j, "impl_b"),
		.case_a = (char *)jstr(j, "case_a"), .case_b = (char *)jstr(j, "case_b"),
		.better = better && !strcmp(better, "higher") ? WGL_BETTER_HIGHER :
			  better && !strcmp(better, "lower") ? WGL_BETTER_LOWER : WGL_BETTER_NONE,
		.n = json_array_size(json_object_get(j, "a")),
		.confidence = json_number_value(json_object_get(j, "confidence")),
	};

	if (json_array_size(json_object_get(j, "b")) < c.n)
		c.n = json_array_size(json_object_get(j, "b"));
	c.a = load_values(j, "a", c.n);
	c.b = load_values(j, "b", c.n);
	if (c.a && c.b)
		wgl_result_add_comparison(run, &c);
	free(c.a);
	free(c.b);
}

void wgl_result_ab_load(struct wgl_run *run, const json_t *j)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(j, "comparisons"), i, x)
		load_comparison(run, x);
	json_array_foreach(json_object_get(j, "gates"), i, x) {
		int v = wgl_result_verdict_parse(jstr(x, "verdict"));

		wgl_result_add_gate(run, jstr(x, "gate") ?: "", v < 0 ? WGL_ERROR :
				    (enum wgl_verdict)v, jstr(x, "detail"));
	}
}
