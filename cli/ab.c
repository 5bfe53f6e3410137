// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A/B comparison in one run: options, the merging of interleaved rounds
 * into their cases, the comparisons, and the gates (cli/ab.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "base/stats.h"
#include "cli/ab.h"
#include "reports/progress.h"

int wgl_ab_opt_impl(struct wgl_ab_opts *ab, const char *arg)
{
	struct wgl_impl_def d;
	char why[600];

	if (wgl_impl_parse(&d, arg, why, sizeof(why)) < 0) {
		fprintf(stderr, "wglab run: --impl %s: %s\n", arg, why);
		return -EINVAL;
	}
	for (size_t i = 0; i < ab->nimpls; i++)
		if (!strcmp(ab->impls[i].name, d.name)) {
			fprintf(stderr, "wglab run: --impl %s: the name '%s' is given twice\n", arg,
				d.name);
			return -EINVAL;
		}
	if (ab->nimpls == WGL_AB_MAX_IMPLS) {
		fprintf(stderr, "wglab run: --impl %s: at most %d implementations\n", arg,
			WGL_AB_MAX_IMPLS);
		return -EINVAL;
	}
	ab->impls[ab->nimpls++] = d;
	return 0;
}

int wgl_ab_opt_gate(struct wgl_ab_opts *ab, const char *arg)
{
	struct wgl_ab_gate g = { 0 };
	size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_");
	char *end;

	if (n == 0 || n >= sizeof(g.metric) || (arg[n] != '<' && arg[n] != '>') ||
	    strlen(arg) >= sizeof(g.spec)) {
		fprintf(stderr, "wglab: --gate '%s': expected METRIC<PCT%% or METRIC>PCT%% "
			"(e.g. 'tcp_throughput<-5%%')\n", arg);
		return -EINVAL;
	}
	g.pct = strtod(arg + n + 1, &end);
	if (end == arg + n + 1 || strcmp(end, "%") || !isfinite(g.pct)) {
		fprintf(stderr, "wglab: --gate '%s': the threshold must be a number of "
			"percent ending in %% (e.g. -5%%)\n", arg);
		return -EINVAL;
	}
	if (ab->ngates == WGL_AB_MAX_GATES) {
		fprintf(stderr, "wglab: --gate '%s': at most %d gates\n", arg, WGL_AB_MAX_GATES);
		return -EINVAL;
	}
	snprintf(g.metric, sizeof(g.metric), "%.*s", (int)n, arg);
	snprintf(g.spec, sizeof(g.spec), "%s", arg);
	g.op = arg[n];
	ab->gates[ab->ngates++] = g;
	return 0;
}

int wgl_ab_opt_confidence(struct wgl_ab_opts *ab, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= 0.5 && v <= 0.999)) {
		fprintf(stderr, "wglab: --confidence '%s': a level from 0.5 to 0.999 "
			"(default 0.95)\n", arg);
		return -EINVAL;
	}
	ab->confidence = v;
	return 0;
}

int wgl_ab_check(const struct wgl_ab_opts *ab)
{
	if (ab->ngates && ab->nimpls < 2) {
		fprintf(stderr, "wglab run: --gate needs two implementations to compare "
			"(--impl A=... --impl B=...)\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * ABBA: rounds alternate which side goes first (A B, B A, A B, ...), so a
 * steady drift of the machine adds as much to A as to B over two rounds.
 */
int wgl_ab_side(size_t round, int j)
{
	return (int)((round + (size_t)j) % 2);
}

int wgl_ab_pair_side(const struct wgl_ab_opts *ab, const struct wgl_backend_pair *bp)
{
	for (int i = 0; ab->nimpls >= 2 && i < 2; i++)
		if (bp->b && !strcmp(bp->a, ab->impls[i].name) && !strcmp(bp->b, ab->impls[i].name))
			return i;
	return -1;
}

bool wgl_ab_interleaves(const struct wgl_ab_opts *ab, const struct wgl_backend_matrix *m,
			const json_t *meta)
{
	bool seen[2] = { false, false };

	if (ab->nimpls < 2 || !json_object_get(json_object_get(meta, "params"), "reps"))
		return false;
	for (size_t p = 0; p < m->npairs; p++) {
		int side = wgl_ab_pair_side(ab, &m->pairs[p]);

		if (side >= 0)
			seen[side] = true;
	}
	return seen[0] && seen[1];
}

struct ab_series {
	char *name, *unit;
	enum wgl_better better;
	double *v[2];           /* per side, per round; NaN: not measured */
};

struct wgl_ab_rounds {
	size_t nrounds;
	struct ab_series *s;
	size_t ns;
};

struct wgl_ab_rounds *wgl_ab_rounds_new(size_t nrounds)
{
	struct wgl_ab_rounds *st = calloc(1, sizeof(*st));

	if (st)
		st->nrounds = nrounds;
	return st;
}

static struct ab_series *series(struct wgl_ab_rounds *st, const struct wgl_metric *m)
{
	struct ab_series *s;

	for (size_t i = 0; i < st->ns; i++)
		if (!strcmp(st->s[i].name, m->name))
			return &st->s[i];
	s = realloc(st->s, (st->ns + 1) * sizeof(*s));
	if (!s)
		return NULL;
	st->s = s;
	s = &s[st->ns];
	*s = (struct ab_series){ .name = strdup(m->name), .unit = strdup(m->unit ? m->unit : ""),
				 .better = m->better };
	for (int k = 0; k < 2; k++) {
		s->v[k] = malloc(st->nrounds * sizeof(double));
		for (size_t r = 0; s->v[k] && r < st->nrounds; r++)
			s->v[k][r] = NAN;
	}
	if (!s->name || !s->unit || !s->v[0] || !s->v[1]) {
		free(s->name), free(s->unit), free(s->v[0]), free(s->v[1]);
		return NULL;
	}
	st->ns++;
	return s;
}

/* Appends the values of m to dst's metric of the same name. */
static void append_metric(struct wgl_case *dst, const struct wgl_metric *m)
{
	const struct wgl_metric *old = NULL;
	double *v;
	size_t n = 0;

	for (size_t i = 0; i < dst->nmetrics && !old; i++)
		if (!strcmp(dst->metrics[i].name, m->name))
			old = &dst->metrics[i];
	v = malloc(((old ? old->n : 0) + m->n + 1) * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; old && i < old->n; i++)
		v[n++] = old->values[i];
	for (size_t i = 0; i < m->n; i++)
		v[n++] = m->values[i];
	wgl_case_metric(dst, m->name, m->unit, v, n, wgl_better_name(m->better));
	free(v);
}

void wgl_ab_merge(struct wgl_ab_rounds *st, struct wgl_case *dst, const struct wgl_case *rep,
		  int side, size_t round)
{
	char msg[1024];

	for (size_t i = 0; i < rep->nchecks; i++) {
		snprintf(msg, sizeof(msg), "round %zu: %s", round + 1, rep->checks[i].name);
		wgl_case_check(dst, msg, rep->checks[i].ok, "%s", rep->checks[i].detail ?: "");
	}
	if (rep->verdict != WGL_PASS) {
		snprintf(msg, sizeof(msg), "round %zu: %s", round + 1, rep->message ?: "");
		wgl_case_verdict(dst, rep->verdict, msg);
	}
	for (size_t i = 0; i < rep->nmetrics; i++) {
		struct ab_series *s = series(st, &rep->metrics[i]);

		append_metric(dst, &rep->metrics[i]);
		if (s && round < st->nrounds)
			s->v[side][round] = rep->metrics[i].median;
	}
	for (size_t i = 0; i < rep->nartifacts; i++)
		wgl_case_artifact(dst, rep->artifacts[i].kind, rep->artifacts[i].path);
	for (size_t i = 0; i < rep->nnodes; i++)
		wgl_case_node(dst, rep->nodes[i].node, rep->nodes[i].impl, rep->nodes[i].binary,
			      rep->nodes[i].version);
	dst->duration_s += rep->duration_s;
}

void wgl_ab_rounds_finish(struct wgl_ab_rounds *st, struct wgl_run *run,
			  struct wgl_case *const c[2], const char *impl_a, const char *impl_b,
			  double confidence)
{
	for (size_t i = 0; st && i < st->ns; i++) {
		struct ab_series *s = &st->s[i];
		struct wgl_comparison cmp = {
			.scenario = c[0]->scenario, .family = c[0]->family, .metric = s->name,
			.unit = s->unit, .impl_a = (char *)impl_a, .impl_b = (char *)impl_b,
			.case_a = c[0]->name, .case_b = c[1]->name, .better = s->better,
			.confidence = confidence,
			.a = s->v[0], .b = s->v[1], .n = st->nrounds,
		};

		if (s->better != WGL_BETTER_NONE)
			wgl_result_add_comparison(run, &cmp);
		free(s->name), free(s->unit), free(s->v[0]), free(s->v[1]);
	}
	if (st)
		free(st->s);
	free(st);
}

/* One round of one side: dst's case run once with reps = 1, merged into dst. */
static void run_round(const struct wgl_ab_rep_ops *ops, struct wgl_case *dst,
		      const json_t *params, struct wgl_ab_rounds *st, size_t k, int side)
{
	const struct wgl_case_ident id = { dst->backend_a, dst->backend_b, dst->family };
	struct wgl_case *rep = wgl_case_alloc(dst->scenario, dst->name, &id);
	json_t *p = json_deep_copy(params);
	long long t0 = wgl_now_ns();
	char label[300];

	if (!rep || !p) {
		wgl_err("%s: out of memory", dst->name);
		goto out;
	}
	json_object_set_new(p, "reps", json_integer(1));
	json_object_set_new(p, "name", json_string(dst->name));
	snprintf(label, sizeof(label), "%s round %zu", dst->name, k + 1);
	wgl_progress_case_start(dst->scenario, label);
	ops->run(ops->ctx, rep, p, label);
	wgl_case_duration(rep, (double)(wgl_now_ns() - t0) / 1e9);
	wgl_progress_case_end(wgl_case_get_verdict(rep), rep->message);
	wgl_ab_merge(st, dst, rep, side, k);
	ops->saved(ops->ctx);
out:
	wgl_case_free(rep);
	json_decref(p);
}

void wgl_ab_interleave(const struct wgl_ab_rep_ops *ops, struct wgl_run *run,
		       struct wgl_case *const c[2], json_t *const params[2], double confidence)
{
	json_int_t reps = json_integer_value(json_object_get(params[0], "reps"));
	struct wgl_ab_rounds *st = wgl_ab_rounds_new(reps > 0 ? (size_t)reps : 0);

	if (!st) {
		wgl_err("%s: out of memory", c[0]->scenario);
		return;
	}
	for (size_t k = 0; k < st->nrounds; k++)
		for (int j = 0; j < 2; j++)
			run_round(ops, c[wgl_ab_side(k, j)], params[wgl_ab_side(k, j)], st, k,
				  wgl_ab_side(k, j));
	printf("A/B   %s: %s and %s ran %zu rounds each, interleaved\n", c[0]->scenario,
	       c[0]->name, c[1]->name, st->nrounds);
	wgl_ab_rounds_finish(st, run, c, c[0]->backend_a, c[1]->backend_a, confidence);
}

/* One comparison against one gate: 1 tripped, 0 not, and the figures in buf. */
static int judge(const struct wgl_ab_gate *g, const struct wgl_comparison *c, char *buf,
		 size_t len)
{
	struct wgl_paired p;
	char text[200];
	int tripped;

	if (wgl_paired_compare(c->a, c->b, c->n, c->confidence, &p, NULL) < 0) {
		snprintf(buf, len, "%s %s: no pairs to compare", c->scenario, c->family ?: "");
		return 0;
	}
	wgl_paired_text(&p, c->better != WGL_BETTER_LOWER, text, sizeof(text));
	tripped = p.level >= WGL_PAIRED_MIN_LEVEL &&
		  (g->op == '<' ? p.hi < g->pct : p.lo > g->pct);
	snprintf(buf, len, "%s %s, %s vs %s: %s: %s", c->scenario, c->family ?: "", c->impl_b,
		 c->impl_a, text, tripped ? "beyond the threshold, the gate trips" :
		 "within the threshold");
	return tripped;
}

bool wgl_ab_gates(const struct wgl_ab_opts *ab, struct wgl_run *run)
{
	bool any = false;

	for (size_t k = 0; k < ab->ngates; k++) {
		const struct wgl_ab_gate *g = &ab->gates[k];
		char detail[2048] = "", line[400];
		size_t used = 0, matched = 0;
		bool tripped = false;

		for (size_t i = 0; i < run->ncomparisons; i++) {
			if (strcmp(run->comparisons[i].metric, g->metric))
				continue;
			tripped |= judge(g, &run->comparisons[i], line, sizeof(line)) > 0;
			used += (size_t)snprintf(detail + used, used < sizeof(detail) ?
						 sizeof(detail) - used : 0, "%s%s",
						 matched++ ? "; " : "", line);
		}
		if (!matched)
			snprintf(detail, sizeof(detail), "no A/B comparison measured %s", g->metric);
		wgl_result_add_gate(run, g->spec, !matched ? WGL_SKIP : tripped ? WGL_FAIL :
				    WGL_PASS, detail);
		any |= tripped;
	}
	return any;
}
