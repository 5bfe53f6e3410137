// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgl_merge() (reports/merge.h): many runs, one result model. Cases are
 * grouped by (scenario, name); each group becomes one case whose primary
 * result is chosen by rank and whose other results hang off case->also, so
 * nothing measured is lost and every report keeps reading run->cases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "base/util.h"
#include "reports/merge.h"
#include "reports/reports.h"

/* Every result of one case id, in the order the sources were given. */
struct group {
	struct wgl_case **v;
	size_t n;
};

struct merger {
	struct wgl_run *out;
	struct group *groups;
	size_t ngroups;
	json_t *note;           /* the run's "merge" object */
};

static bool same_case(const struct wgl_case *a, const struct wgl_case *b)
{
	return !strcmp(a->scenario, b->scenario) && !strcmp(a->name, b->name);
}

static int group_add(struct merger *m, struct wgl_case *c)
{
	struct group *g = NULL, *ng;
	struct wgl_case **nv;

	for (size_t i = 0; i < m->ngroups && !g; i++)
		if (same_case(m->groups[i].v[0], c))
			g = &m->groups[i];
	if (!g) {
		ng = realloc(m->groups, (m->ngroups + 1) * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		m->groups = ng;
		g = &ng[m->ngroups++];
		*g = (struct group){ NULL, 0 };
	}
	nv = realloc(g->v, (g->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	g->v = nv;
	g->v[g->n++] = c;
	return 0;
}

/* "lab" for a kernel-lab run, else "native". */
static const char *env_kind(const struct wgl_run *run)
{
	return json_object_get(run->extra, "vm") || run->emulated ? "lab" : "native";
}

static bool same_env(const struct wgl_source *s, const struct wgl_run *run)
{
	return s->emulated == run->emulated && !strcmp(s->host ?: "", run->host ?: "") &&
	       !strcmp(s->kernel ?: "", run->kernel ?: "");
}

/*
 * The environment's label: runs on the same host and kernel share one
 * (the shards of a run), a second environment of the same kind is "-2".
 */
static void source_label(const struct wgl_run *out, const struct wgl_run *run, char *buf,
			 size_t len)
{
	const char *kind = env_kind(run);
	int k = 1;

	for (size_t i = 0; i < out->nsources; i++) {
		const struct wgl_source *s = &out->sources[i];

		if (same_env(s, run) && !strncmp(s->label, kind, strlen(kind))) {
			snprintf(buf, len, "%s", s->label);
			return;
		}
		k += !strncmp(s->label, kind, strlen(kind)) && !same_env(s, run);
	}
	if (k > 1)
		snprintf(buf, len, "%s-%d", kind, k);
	else
		snprintf(buf, len, "%s", kind);
}

static long add_source(struct wgl_run *out, const struct wgl_run *run, const char *path)
{
	const json_t *sh = json_object_get(run->extra, "shard");
	char label[64], shard[64];
	struct wgl_source s = {
		.id = run->id, .path = (char *)path, .started = run->started,
		.finished = run->finished, .host = run->host, .kernel = run->kernel,
		.arch = run->arch, .cpu_model = run->cpu_model,
		.wglab_version = run->wglab_version, .command = run->command,
		.cores = run->cores, .emulated = run->emulated,
	};

	source_label(out, run, label, sizeof(label));
	s.label = label;
	if (json_is_object(sh)) {
		snprintf(shard, sizeof(shard), "%lld/%lld",
			 (long long)json_integer_value(json_object_get(sh, "index")),
			 (long long)json_integer_value(json_object_get(sh, "count")));
		s.shard = shard;
	}
	return wgl_result_add_source(out, &s);
}

/* Smaller is chosen first: a real result, the worst verdict, native, order given. */
static int rank(const struct wgl_run *out, const struct wgl_case *c)
{
	static const int badness[] = { [WGL_ERROR] = 0, [WGL_FAIL] = 1, [WGL_PASS] = 2,
				       [WGL_SKIP] = 3 };

	return badness[wgl_case_get_verdict(c)] * 2 + out->sources[c->source].emulated;
}

/* Index of the primary result of g. */
static size_t primary(const struct wgl_run *out, const struct group *g)
{
	size_t best = 0;

	for (size_t i = 1; i < g->n; i++)
		if (rank(out, g->v[i]) < rank(out, g->v[best]))
			best = i;
	return best;
}

static void note_append(json_t *note, const char *key, json_t *value)
{
	json_t *a = json_object_get(note, key);

	if (!a) {
		a = json_array();
		json_object_set_new(note, key, a);
	}
	json_array_append_new(a, value);
}

/* One group into one case of out; its counts go into the note. */
static int emit_group(struct merger *m, struct group *g, long *replaced)
{
	size_t p = primary(m->out, g), real = 0;
	struct wgl_case *c = g->v[p], **nc;
	char id[512];

	for (size_t i = 0; i < g->n; i++) {
		real += wgl_case_get_verdict(g->v[i]) != WGL_SKIP;
		if (i != p && wgl_case_add_also(c, g->v[i]) < 0)
			return -ENOMEM;
	}
	if (wgl_case_get_verdict(c) != WGL_SKIP)
		*replaced += (long)(g->n - real);
	if (real > 1)
		note_append(m->note, "duplicates", json_string(wgl_case_id(c, id, sizeof(id))));
	nc = realloc(m->out->cases, (m->out->ncases + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	m->out->cases = nc;
	nc[m->out->ncases++] = c;
	g->n = 0;
	return 0;
}

/* True when some result of g came from a source of the unit (u, or u's shard set). */
static bool unit_has(const struct wgl_run *out, const struct group *g, size_t u)
{
	const struct wgl_source *su = &out->sources[u];

	for (size_t i = 0; i < g->n; i++) {
		const struct wgl_source *s = &out->sources[g->v[i]->source];
		const char *c1 = su->shard ? strchr(su->shard, '/') : NULL;
		const char *c2 = s->shard ? strchr(s->shard, '/') : NULL;

		if ((long)u == g->v[i]->source ||
		    (c1 && c2 && !strcmp(c1, c2) && !strcmp(s->label, su->label)))
			return true;
	}
	return false;
}

/* The first source of u's shard set (u itself when it is no shard). */
static bool unit_first(const struct wgl_run *out, size_t u)
{
	const struct wgl_source *su = &out->sources[u];

	for (size_t i = 0; su->shard && i < u; i++) {
		const struct wgl_source *s = &out->sources[i];

		if (s->shard && !strcmp(strchr(s->shard, '/'), strchr(su->shard, '/')) &&
		    !strcmp(s->label, su->label))
			return false;
	}
	return true;
}

/* Cases each source (each set of shards) did not run, while another source did. */
static void note_missing(struct merger *m)
{
	char id[512];

	for (size_t u = 0; u < m->out->nsources; u++) {
		json_t *cases = json_array();

		for (size_t i = 0; unit_first(m->out, u) && i < m->ngroups; i++)
			if (!unit_has(m->out, &m->groups[i], u))
				json_array_append_new(cases, json_string(
					wgl_case_id(m->groups[i].v[0], id, sizeof(id))));
		if (json_array_size(cases))
			note_append(m->note, "missing", json_pack("{s:I, s:s, s:o}", "source",
				    (json_int_t)u, "label", m->out->sources[u].label, "cases", cases));
		else
			json_decref(cases);
	}
}

/* Shards of a set that were not given ("native 2/3"), and shards given twice. */
static void note_shards(struct merger *m)
{
	const struct wgl_run *out = m->out;
	char what[96];

	for (size_t u = 0; u < out->nsources; u++) {
		const struct wgl_source *su = &out->sources[u];
		long count = su->shard ? atol(strchr(su->shard, '/') + 1) : 0;

		if (!su->shard || !unit_first(out, u))
			continue;
		for (long k = 1; k <= count && k <= 4096; k++) {
			int seen = 0;

			for (size_t i = 0; i < out->nsources; i++)
				seen += out->sources[i].shard && !strcmp(out->sources[i].label,
					su->label) && atol(out->sources[i].shard) == k &&
					atol(strchr(out->sources[i].shard, '/') + 1) == count;
			snprintf(what, sizeof(what), "%s %ld/%ld", su->label, k, count);
			if (seen != 1)
				note_append(m->note, seen ? "repeated_shards" : "missing_shards",
					    json_string(what));
		}
	}
}

static char *earliest(char *a, const char *b, bool latest)
{
	if (!b || (a && (strcmp(b, a) < 0) == latest))
		return a;
	free(a);
	return strdup(b);
}

/* The merged run's own metadata: the first source's machine, the span of all. */
/* A/B comparisons and gates are per source run: each is kept as it was judged there. */
static void take_ab(struct wgl_run *out, const struct wgl_run *run)
{
	for (size_t k = 0; k < run->ncomparisons; k++)
		wgl_result_add_comparison(out, &run->comparisons[k]);
	for (size_t k = 0; k < run->ngates; k++)
		wgl_result_add_gate(out, run->gates[k].gate, run->gates[k].verdict,
				    run->gates[k].detail);
}

static void merged_meta(struct wgl_run *out, struct wgl_run **runs, size_t n)
{
	char **fields[] = { &out->host, &out->kernel, &out->arch, &out->cpu_model };
	const char *from[] = { runs[0]->host, runs[0]->kernel, runs[0]->arch,
			       runs[0]->cpu_model };

	for (size_t k = 0; k < WGL_ARRAY_SIZE(fields); k++) {
		free(*fields[k]);
		*fields[k] = from[k] ? strdup(from[k]) : NULL;
	}
	out->cores = runs[0]->cores;
	free(out->started);
	out->started = NULL;
	out->emulated = true;
	for (size_t i = 0; i < n; i++) {
		out->started = earliest(out->started, runs[i]->started, false);
		out->finished = earliest(out->finished, runs[i]->finished, true);
		out->emulated &= runs[i]->emulated;
		/* A source stopped early (or still running) leaves the merge partial too. */
		out->incomplete |= runs[i]->incomplete;
		take_ab(out, runs[i]);
		for (size_t k = 0; k < runs[i]->nimpls; k++) {
			const struct wgl_impl *im = &runs[i]->impls[k];
			bool have = false;

			for (size_t j = 0; j < out->nimpls; j++)
				have |= !strcmp(out->impls[j].backend, im->backend);
			if (!have)
				wgl_result_add_impl(out, im->backend, im->command, im->binary,
						    im->version);
		}
	}
	wgl_result_set_meta(out, "command", json_string("merge"));
}

static int take_cases(struct merger *m, struct wgl_run *run, long src)
{
	for (size_t i = 0; i < run->ncases; i++) {
		run->cases[i]->source = src;
		if (group_add(m, run->cases[i]) < 0)
			return -ENOMEM;
		run->cases[i] = NULL;
	}
	run->ncases = 0;
	return 0;
}

static int check_inputs(struct wgl_run **runs, const char *const *paths, size_t n, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (runs[i]->incomplete)
			wgl_warn("merge: %s is an incomplete run (stopped early, or still running): "
				 "the merged run is marked incomplete", paths[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (runs[i]->id && runs[j]->id && !strcmp(runs[i]->id, runs[j]->id))
				return snprintf(err, errlen, "%s and %s are the same run (%s)",
						paths[j], paths[i], runs[i]->id), -EINVAL;
	return 0;
}

struct wgl_run *wgl_merge(struct wgl_run **runs, const char *const *paths, size_t n,
			  char *err, size_t errlen)
{
	struct merger m = { .out = wgl_result_new(), .note = json_object() };
	long replaced = 0;
	int ret = check_inputs(runs, paths, n, err, errlen);

	if (ret || !n)
		goto err_input;
	if (!m.out || !m.note)
		goto err_alloc;
	for (size_t i = 0; i < n; i++) {
		long src = add_source(m.out, runs[i], paths[i]);

		if (src < 0 || take_cases(&m, runs[i], src) < 0)
			goto err_alloc;
	}
	merged_meta(m.out, runs, n);
	note_missing(&m);
	note_shards(&m);
	for (size_t i = 0; i < m.ngroups; i++)
		if (emit_group(&m, &m.groups[i], &replaced) < 0)
			goto err_emit;
	json_object_set_new(m.note, "replaced_skips", json_integer(replaced));
	wgl_result_set_meta(m.out, "merge", m.note);
	wgl_result_count(m.out);
	for (size_t i = 0; i < m.ngroups; i++)
		free(m.groups[i].v);
	free(m.groups);
	return m.out;
err_emit:
	/* Some cases already hang off others: leaking them beats freeing one twice. */
	m.ngroups = 0;
err_alloc:
	snprintf(err, errlen, "out of memory");
err_input:
	if (!n && !ret)
		snprintf(err, errlen, "nothing to merge");
	for (size_t i = 0; i < m.ngroups; i++) {
		for (size_t k = 0; k < m.groups[i].n; k++)
			wgl_case_free(m.groups[i].v[k]);
		free(m.groups[i].v);
	}
	free(m.groups);
	json_decref(m.note);
	wgl_result_free(m.out);
	errno = EINVAL;
	return NULL;
}
