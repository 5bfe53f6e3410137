// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON edge of the result model: struct wgl_run <-> result.json
 * (docs/result-schema.md). Schema 2 is written; schema 1 is still read,
 * its backend_a/backend_b/backend/family params becoming the typed identity.
 * The loader takes anything that parses and has the required fields: a
 * wrong-typed optional field reads as absent, never as a crash.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/result.h"
#include "base/result_priv.h"

/* A JSON string, or null for NULL. */
static json_t *jtext(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A finite number, or null: JSON has no NaN or infinity. */
static json_t *jnum(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

static json_t *param_value(const struct wgl_param *p)
{
	json_t *v = p->is_string ? NULL : json_loads(p->value, JSON_DECODE_ANY, NULL);

	return v ? v : json_string(p->value);
}

static json_t *params_json(const struct wgl_case *c)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < c->nparams; i++)
		json_object_set_new(o, c->params[i].key, param_value(&c->params[i]));
	return o;
}

static json_t *metric_json(const struct wgl_metric *m)
{
	json_t *vals = json_array(), *o;

	for (size_t i = 0; vals && i < m->n; i++)
		json_array_append_new(vals, json_real(m->values[i]));
	o = json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "name", m->name,
		      "unit", m->unit ? m->unit : "", "values", vals, "n", (json_int_t)m->n,
		      "median", jnum(m->median), "min", jnum(m->min), "max", jnum(m->max),
		      "spread", jnum(m->max - m->min), "better", jtext(wgl_better_name(m->better)));
	if (o && m->dropped)
		json_object_set_new(o, "dropped", json_integer((json_int_t)m->dropped));
	return o;
}

static json_t *case_json(const struct wgl_case *c, bool merged)
{
	json_t *checks = json_array(), *metrics = json_array(), *arts = json_array(), *o;
	size_t i;

	for (i = 0; checks && i < c->nchecks; i++)
		json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "name",
				      c->checks[i].name, "ok", c->checks[i].ok, "detail",
				      c->checks[i].detail ? c->checks[i].detail : ""));
	for (i = 0; metrics && i < c->nmetrics; i++)
		json_array_append_new(metrics, metric_json(&c->metrics[i]));
	for (i = 0; arts && i < c->nartifacts; i++)
		json_array_append_new(arts, json_pack("{s:s, s:s}", "kind", c->artifacts[i].kind,
						      "path", c->artifacts[i].path));
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:f, s:o, s:o, s:o}",
		      "scenario", c->scenario, "name", c->name, "backend_a", jtext(c->backend_a),
		      "backend_b", jtext(c->backend_b), "family", jtext(c->family),
		      "params", params_json(c), "verdict", wgl_verdict_name(c->verdict),
		      "message", jtext(c->message), "duration_s", c->duration_s,
		      "checks", checks, "metrics", metrics, "artifacts", arts);
	/* Only runs that record them (wglab run) carry the times. */
	if (o && c->started_at > 0) {
		json_object_set_new(o, "started_at", json_real(c->started_at));
		json_object_set_new(o, "ended_at", json_real(c->ended_at));
	}
	if (o)
		json_object_set_new(o, "nodes", wgl_result_nodes_json(c));
	if (o)
		wgl_result_hosts_json(c, o);
	/* Merged runs only: an unmerged result.json stays as it was. */
	if (o && merged) {
		json_t *also = json_array();

		for (i = 0; also && i < c->nalso; i++)
			json_array_append_new(also, case_json(c->also[i], true));
		json_object_set_new(o, "source", c->source >= 0 ? json_integer(c->source) :
				    json_null());
		json_object_set_new(o, "also", also);
	}
	return o;
}

static json_t *sources_json(const struct wgl_run *run)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < run->nsources; i++) {
		const struct wgl_source *s = &run->sources[i];

		json_array_append_new(a, json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:b}",
			"label", jtext(s->label), "id", jtext(s->id), "path", jtext(s->path),
			"started", jtext(s->started), "finished", jtext(s->finished),
			"host", jtext(s->host), "kernel", jtext(s->kernel), "arch", jtext(s->arch),
			"cpu_model", jtext(s->cpu_model), "cores", (json_int_t)s->cores,
			"wglab_version", jtext(s->wglab_version), "command", jtext(s->command),
			"shard", jtext(s->shard), "emulated", s->emulated));
	}
	return a;
}

static json_t *impls_json(const struct wgl_run *run)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < run->nimpls; i++)
		json_object_set_new(o, run->impls[i].backend,
				    json_pack("{s:o, s:o, s:o}", "command",
					      jtext(run->impls[i].command), "binary",
					      jtext(run->impls[i].binary), "version",
					      jtext(run->impls[i].version)));
	return o;
}

static json_t *summary_json(const struct wgl_run_summary *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)s->total,
			 "passed", (json_int_t)s->passed, "failed", (json_int_t)s->failed,
			 "skipped", (json_int_t)s->skipped, "errors", (json_int_t)s->errors);
}

json_t *wgl_result_to_json(const struct wgl_run *run)
{
	json_t *o, *cases = json_array();
	const char *key;
	json_t *v;

	for (size_t i = 0; cases && i < run->ncases; i++)
		json_array_append_new(cases, case_json(run->cases[i], run->nsources > 0));
	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:b}",
		      "schema", WGL_RESULT_SCHEMA, "id", jtext(run->id),
		      "started", jtext(run->started), "finished", jtext(run->finished),
		      "host", jtext(run->host), "kernel", jtext(run->kernel),
		      "arch", jtext(run->arch), "cpu_model", jtext(run->cpu_model),
		      "cores", (json_int_t)run->cores, "wglab_version", jtext(run->wglab_version),
		      "command", jtext(run->command),
		      "seed", run->has_seed ? json_integer(run->seed) : json_null(),
		      "mtu", run->mtu > 0 ? json_integer(run->mtu) : json_null(),
		      "emulated", run->emulated);
	if (!o) {
		json_decref(cases);
		return NULL;
	}
	json_object_set_new(o, "complete", json_boolean(!run->incomplete));
	json_object_foreach(run->extra, key, v)
		if (!json_object_get(o, key))
			json_object_set(o, key, v);
	json_object_set_new(o, "implementations", impls_json(run));
	if (run->nsources)
		json_object_set_new(o, "sources", sources_json(run));
	json_object_set_new(o, "cases", cases);
	wgl_result_ab_json(run, o);
	json_object_set_new(o, "summary", summary_json(&run->summary));
	return o;
}

int wgl_result_save(const struct wgl_run *run, FILE *f)
{
	json_t *doc = wgl_result_to_json(run);
	int ret;

	if (!doc)
		return -ENOMEM;
	ret = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(doc);
	fputc('\n', f);
	return ret || ferror(f) ? -EIO : 0;
}

/* ---- loading ---- */

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double jdouble(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Keys that are the identity of a case, never plain params. */
static bool identity_key(const char *key)
{
	static const char *const keys[] = { "scenario", "name", "backend", "backend_a",
					    "backend_b", "family" };

	for (size_t i = 0; i < WGL_ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

int wgl_case_params_json(struct wgl_case *c, const json_t *params)
{
	const char *key;
	json_t *v;
	int ret = 0;

	json_object_foreach((json_t *)params, key, v) {
		char *text;

		if (identity_key(key))
			continue;
		if (json_is_string(v)) {
			ret = wgl_case_param(c, key, json_string_value(v), true);
			continue;
		}
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
		ret = text ? wgl_case_param(c, key, text, false) : -ENOMEM;
		free(text);
		if (ret)
			break;
	}
	return ret;
}

static void load_metric(struct wgl_case *c, const json_t *j)
{
	struct wgl_metric *m = wgl_result_metric_slot(c, jstr(j, "name"));
	const json_t *vals = json_object_get(j, "values"), *v;
	const char *better = jstr(j, "better");
	const json_t *dropped = json_object_get(j, "dropped");
	size_t i;

	if (!m)
		return;
	m->unit = strdup(jstr(j, "unit") ?: "");
	m->values = malloc((json_array_size(vals) + 1) * sizeof(double));
	json_array_foreach(vals, i, v)
		if (m->values && json_is_number(v) && isfinite(json_number_value(v)))
			m->values[m->n++] = json_number_value(v);
	m->median = jdouble(j, "median");
	m->min = jdouble(j, "min");
	m->max = jdouble(j, "max");
	m->dropped = json_is_integer(dropped) && json_integer_value(dropped) > 0 ?
		     (size_t)json_integer_value(dropped) : 0;
	m->better = !better ? WGL_BETTER_NONE : !strcmp(better, "higher") ? WGL_BETTER_HIGHER :
		    !strcmp(better, "lower") ? WGL_BETTER_LOWER : WGL_BETTER_NONE;
}

static void load_outcome(struct wgl_case *c, const json_t *j)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(j, "checks"), i, x) {
		struct wgl_check *nc = wgl_result_grow(c->checks, &c->nchecks, sizeof(*nc));

		if (!nc)
			break;
		c->checks = nc;
		nc[c->nchecks - 1].name = strdup(jstr(x, "name") ?: "?");
		nc[c->nchecks - 1].ok = json_is_true(json_object_get(x, "ok"));
		nc[c->nchecks - 1].detail = strdup(jstr(x, "detail") ?: "");
	}
	json_array_foreach(json_object_get(j, "metrics"), i, x)
		load_metric(c, x);
	json_array_foreach(json_object_get(j, "artifacts"), i, x)
		wgl_case_artifact(c, jstr(x, "kind") ?: "?", jstr(x, "path") ?: "");
}

/* Identity fields: top level in schema 2, inside params in schema 1. */
static const char *ident(const json_t *j, const char *key, bool v1)
{
	return jstr(v1 ? json_object_get(j, "params") : j, key);
}

/* A case of a checked document, outside any run; NULL on ENOMEM. */
static struct wgl_case *load_one(const json_t *j, bool v1, long nsources)
{
	struct wgl_case_ident id = {
		.backend_a = ident(j, "backend_a", v1), .backend_b = ident(j, "backend_b", v1),
		.family = ident(j, "family", v1),
	};
	const json_t *dur = json_object_get(j, "duration_s"), *src = json_object_get(j, "source");
	const json_t *x;
	struct wgl_case *c;
	size_t i;
	int verdict = wgl_result_verdict_parse(jstr(j, "verdict"));

	if (v1 && !id.backend_a)
		id.backend_a = ident(j, "backend", v1);
	c = wgl_case_alloc(jstr(j, "scenario") ?: "", jstr(j, "name") ?: "", &id);
	if (!c)
		return NULL;
	wgl_case_params_json(c, json_object_get(j, "params"));
	/* An "also" entry is not checked as strictly: a bad verdict reads as an error. */
	c->verdict = verdict < 0 ? WGL_ERROR : (enum wgl_verdict)verdict;
	c->message = dup_or_null(jstr(j, "message"));
	c->duration_s = json_is_number(dur) ? json_number_value(dur) : 0;
	wgl_case_times(c, json_number_value(json_object_get(j, "started_at")),
		       json_number_value(json_object_get(j, "ended_at")));
	if (json_is_integer(src) && json_integer_value(src) >= 0 &&
	    json_integer_value(src) < nsources)
		c->source = (long)json_integer_value(src);
	load_outcome(c, j);
	wgl_result_nodes_load(c, json_object_get(j, "nodes"));
	wgl_result_hosts_load(c, json_object_get(j, "hosts"));
	json_array_foreach(json_object_get(j, "also"), i, x) {
		struct wgl_case *o = json_is_object(x) ? load_one(x, v1, nsources) : NULL;

		if (o && wgl_case_add_also(c, o) < 0)
			wgl_case_free(o);
	}
	return c;
}

static int load_case(struct wgl_run *run, const json_t *j, bool v1)
{
	struct wgl_case *c = load_one(j, v1, (long)run->nsources), **nc;

	if (!c)
		return -ENOMEM;
	nc = realloc(run->cases, (run->ncases + 1) * sizeof(*nc));
	if (!nc) {
		wgl_case_free(c);
		return -ENOMEM;
	}
	run->cases = nc;
	nc[run->ncases++] = c;
	return 0;
}

static void load_sources(struct wgl_run *run, const json_t *a)
{
	const json_t *j, *cores;
	size_t i;

	json_array_foreach(a, i, j) {
		struct wgl_source s = {
			.label = (char *)jstr(j, "label"), .id = (char *)jstr(j, "id"),
			.path = (char *)jstr(j, "path"), .started = (char *)jstr(j, "started"),
			.finished = (char *)jstr(j, "finished"), .host = (char *)jstr(j, "host"),
			.kernel = (char *)jstr(j, "kernel"), .arch = (char *)jstr(j, "arch"),
			.cpu_model = (char *)jstr(j, "cpu_model"),
			.wglab_version = (char *)jstr(j, "wglab_version"),
			.command = (char *)jstr(j, "command"), .shard = (char *)jstr(j, "shard"),
			.emulated = json_is_true(json_object_get(j, "emulated")),
		};

		cores = json_object_get(j, "cores");
		s.cores = json_is_integer(cores) ? (long)json_integer_value(cores) : 0;
		wgl_result_add_source(run, &s);
	}
}

static void load_impls(struct wgl_run *run, const json_t *impls)
{
	const char *backend;
	json_t *i;

	json_object_foreach((json_t *)impls, backend, i)
		wgl_result_add_impl(run, backend, jstr(i, "command"), jstr(i, "binary"),
				    jstr(i, "version"));
}

static void load_meta(struct wgl_run *run, const json_t *j)
{
	char **fields[] = { &run->id, &run->started, &run->finished, &run->host, &run->kernel,
			    &run->arch, &run->cpu_model, &run->wglab_version, &run->command };
	static const char *const keys[] = { "id", "started", "finished", "host", "kernel",
					    "arch", "cpu_model", "wglab_version", "command" };
	const json_t *v;
	const char *key;

	for (size_t k = 0; k < WGL_ARRAY_SIZE(keys); k++) {
		free(*fields[k]);
		*fields[k] = dup_or_null(jstr(j, keys[k]));
	}
	v = json_object_get(j, "cores");
	run->cores = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	v = json_object_get(j, "seed");
	run->has_seed = json_is_integer(v);
	run->seed = json_integer_value(v);
	v = json_object_get(j, "mtu");
	run->mtu = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	run->emulated = json_is_true(json_object_get(j, "emulated"));
	/* Absent (files older than the field) means complete: they were written at the end. */
	run->incomplete = json_is_false(json_object_get(j, "complete"));
	json_object_clear(run->extra);
	json_object_foreach((json_t *)j, key, v)
		if (!wgl_result_typed_key(key))
			json_object_set(run->extra, key, (json_t *)v);
	load_impls(run, json_object_get(j, "implementations"));
	load_sources(run, json_object_get(j, "sources"));
	wgl_result_ab_load(run, j);
}

/* Checks one case of a loaded result; the problem goes into err. */
static int check_case(const json_t *c, size_t i, char *err, size_t len)
{
	static const char *const arrays[] = { "checks", "metrics", "artifacts" };
	const json_t *m;
	size_t k, j;

	if (!json_is_object(c))
		return snprintf(err, len, "cases[%zu] is not an object", i), -EINVAL;
	if (!jstr(c, "scenario") || !jstr(c, "name"))
		return snprintf(err, len, "cases[%zu] has no string \"scenario\" and \"name\"", i),
		       -EINVAL;
	if (wgl_result_verdict_parse(jstr(c, "verdict")) < 0)
		return snprintf(err, len, "cases[%zu].verdict is not pass|fail|skip|error", i),
		       -EINVAL;
	for (k = 0; k < WGL_ARRAY_SIZE(arrays); k++)
		if (!json_is_array(json_object_get(c, arrays[k])))
			return snprintf(err, len, "cases[%zu].%s is not an array", i, arrays[k]),
			       -EINVAL;
	json_array_foreach(json_object_get(c, "metrics"), j, m) {
		const json_t *med = json_object_get(m, "median");

		if (!jstr(m, "name") || !(json_is_number(med) || json_is_null(med)))
			return snprintf(err, len, "cases[%zu].metrics[%zu] needs a string \"name\" "
					"and a numeric or null \"median\"", i, j), -EINVAL;
	}
	return 0;
}

/* 2 or 1 (the schema version), or -EINVAL with the problem in err. */
static int check_run(const json_t *run, char *err, size_t len)
{
	const char *schema = jstr(run, "schema");
	const json_t *c;
	size_t i;
	int version;

	if (!json_is_object(run))
		return snprintf(err, len, "not a wglab result: the top level is not an object"),
		       -EINVAL;
	if (!schema)
		return snprintf(err, len, "not a wglab result: no \"schema\" field"), -EINVAL;
	if (!strcmp(schema, WGL_RESULT_SCHEMA))
		version = 2;
	else if (!strcmp(schema, WGL_RESULT_SCHEMA_V1))
		version = 1;
	else
		return snprintf(err, len, "schema is \"%s\", this wglab reads \"%s\" and \"%s\"",
				schema, WGL_RESULT_SCHEMA, WGL_RESULT_SCHEMA_V1), -EINVAL;
	if (!json_is_array(json_object_get(run, "cases")))
		return snprintf(err, len, "\"cases\" is not an array"), -EINVAL;
	json_array_foreach(json_object_get(run, "cases"), i, c)
		if (check_case(c, i, err, len) < 0)
			return -EINVAL;
	return version;
}

/* The typed run of a checked document. NULL on ENOMEM. */
static struct wgl_run *from_json(const json_t *doc, bool v1)
{
	struct wgl_run *run = calloc(1, sizeof(*run));
	const json_t *c;
	size_t i;

	if (!run || !(run->extra = json_object()))
		goto err_alloc;
	load_meta(run, doc);
	json_array_foreach(json_object_get(doc, "cases"), i, c)
		if (load_case(run, c, v1) < 0)
			goto err_alloc;
	wgl_result_count(run);
	return run;
err_alloc:
	wgl_result_free(run);
	errno = ENOMEM;
	return NULL;
}

struct wgl_run *wgl_result_load(const char *path, char *err, size_t errlen)
{
	struct wgl_run *run;
	json_error_t je;
	char why[256];
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int version;

	if (!doc) {
		if (je.line > 0)
			snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		else
			snprintf(err, errlen, "%s: %s", path, je.text);
		errno = EINVAL;
		return NULL;
	}
	version = check_run(doc, why, sizeof(why));
	if (version < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		json_decref(doc);
		errno = EINVAL;
		return NULL;
	}
	run = from_json(doc, version == 1);
	if (!run)
		snprintf(err, errlen, "%s: out of memory", path);
	json_decref(doc);
	return run;
}
