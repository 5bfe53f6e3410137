// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The result model's builders (base/result.h). Every string that enters the
 * model goes through text_dup(): reports and result.json need valid UTF-8,
 * and a check detail quoting a peer's garbage must still be recorded, so bad
 * bytes become U+FFFD instead of a silently lost field. JSON is written and
 * read in result_json.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "base/log.h"
#include "base/result.h"
#include "base/result_priv.h"
#include "base/stats.h"
#include "base/util.h"

static const char *const verdict_names[] = {
	[WGL_PASS] = "pass", [WGL_FAIL] = "fail", [WGL_SKIP] = "skip", [WGL_ERROR] = "error",
};

/* How bad a verdict is: a case's verdict only moves up this scale. */
static const int verdict_rank[] = {
	[WGL_PASS] = 0, [WGL_SKIP] = 1, [WGL_FAIL] = 2, [WGL_ERROR] = 3,
};

char *wgl_result_text_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i = 0, o = 0;
	char *buf;

	if (!s)
		return NULL;
	n = strlen(s);
	buf = malloc(n * 3 + 1);
	if (!buf)
		return NULL;
	while (i < n) {
		size_t l;

		if (wgl_utf8_next(p + i, n - i, &l) >= 0) {
			memcpy(buf + o, p + i, l);
			o += l, i += l;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Replaces *dst with a clean copy of s (NULL clears it). */
static void set_text(char **dst, const char *s)
{
	free(*dst);
	*dst = wgl_result_text_dup(s);
}

void *wgl_result_grow(void *arr, size_t *n, size_t size)
{
	char *na = realloc(arr, (*n + 1) * size);

	if (!na)
		return NULL;
	memset(na + *n * size, 0, size);
	(*n)++;
	return na;
}

static void utc_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "model name" from /proc/cpuinfo; other architectures name it differently. */
static char *cpu_model(void)
{
	static const char *const keys[] = { "model name", "Model", "cpu model", "uarch" };
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512], *ret = NULL;

	if (!f)
		return NULL;
	while (!ret && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		size_t k;

		if (!colon)
			continue;
		for (k = 0; k < WGL_ARRAY_SIZE(keys) && !ret; k++) {
			if (strncmp(line, keys[k], strlen(keys[k])))
				continue;
			colon += strspn(colon + 1, " \t") + 1;
			colon[strcspn(colon, "\n")] = '\0';
			ret = wgl_result_text_dup(colon);
		}
	}
	fclose(f);
	return ret;
}

static void run_id(char *buf, size_t len)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), "-%ld", (long)getpid());
}

/*
 * Inside the kernel lab, `wglab vm` passes the VM's facts in WGLAB_VM_INFO:
 * every run made there says so, and figures measured under emulation are
 * labelled emulated in every report.
 */
static void add_vm_info(struct wgl_run *run)
{
	const char *env = getenv("WGLAB_VM_INFO");
	json_t *vm = env ? json_loads(env, 0, NULL) : NULL;

	if (!vm)
		return;
	run->emulated = json_is_true(json_object_get(vm, "emulated"));
	json_object_set_new(run->extra, "vm", vm);
}

struct wgl_run *wgl_result_new(void)
{
	struct wgl_run *run = calloc(1, sizeof(*run));
	struct utsname u;
	char now[32], id[48];

	if (!run || !(run->extra = json_object())) {
		free(run);
		errno = ENOMEM;
		return NULL;
	}
	utc_now(now, sizeof(now));
	run_id(id, sizeof(id));
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	run->id = strdup(id);
	run->started = strdup(now);
	run->host = wgl_result_text_dup(u.nodename);
	run->kernel = wgl_result_text_dup(u.release);
	run->arch = wgl_result_text_dup(u.machine);
	run->cpu_model = cpu_model();
	run->cores = sysconf(_SC_NPROCESSORS_ONLN);
	run->wglab_version = strdup(WGLAB_VERSION);
	add_vm_info(run);
	return run;
}

static void free_metric(struct wgl_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->values);
}

void wgl_case_free(struct wgl_case *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nalso; i++)
		wgl_case_free(c->also[i]);
	free(c->also);
	free(c->scenario), free(c->name);
	free(c->backend_a), free(c->backend_b), free(c->family);
	for (i = 0; i < c->nparams; i++)
		free(c->params[i].key), free(c->params[i].value);
	free(c->params);
	wgl_result_nodes_free(c);
	wgl_result_hosts_free(c);
	free(c->message);
	for (i = 0; i < c->nchecks; i++)
		free(c->checks[i].name), free(c->checks[i].detail);
	free(c->checks);
	for (i = 0; i < c->nmetrics; i++)
		free_metric(&c->metrics[i]);
	free(c->metrics);
	for (i = 0; i < c->nartifacts; i++)
		free(c->artifacts[i].kind), free(c->artifacts[i].path);
	free(c->artifacts);
	free(c);
}

static void free_source(struct wgl_source *s)
{
	free(s->label), free(s->id), free(s->path), free(s->started), free(s->finished);
	free(s->host), free(s->kernel), free(s->arch), free(s->cpu_model);
	free(s->wglab_version), free(s->command), free(s->shard);
}

long wgl_result_add_source(struct wgl_run *run, const struct wgl_source *src)
{
	struct wgl_source *ns = wgl_result_grow(run->sources, &run->nsources, sizeof(*ns)), *d;

	if (!ns)
		return -ENOMEM;
	run->sources = ns;
	d = &ns[run->nsources - 1];
	d->label = wgl_result_text_dup(src->label ? src->label : "");
	d->id = wgl_result_text_dup(src->id);
	d->path = wgl_result_text_dup(src->path);
	d->started = wgl_result_text_dup(src->started);
	d->finished = wgl_result_text_dup(src->finished);
	d->host = wgl_result_text_dup(src->host);
	d->kernel = wgl_result_text_dup(src->kernel);
	d->arch = wgl_result_text_dup(src->arch);
	d->cpu_model = wgl_result_text_dup(src->cpu_model);
	d->wglab_version = wgl_result_text_dup(src->wglab_version);
	d->command = wgl_result_text_dup(src->command);
	d->shard = wgl_result_text_dup(src->shard);
	d->cores = src->cores;
	d->emulated = src->emulated;
	return (long)run->nsources - 1;
}

void wgl_result_free(struct wgl_run *run)
{
	size_t i;

	if (!run)
		return;
	free(run->id), free(run->started), free(run->finished);
	free(run->host), free(run->kernel), free(run->arch), free(run->cpu_model);
	free(run->wglab_version), free(run->command);
	for (i = 0; i < run->nimpls; i++) {
		free(run->impls[i].backend), free(run->impls[i].command);
		free(run->impls[i].binary), free(run->impls[i].version);
	}
	free(run->impls);
	for (i = 0; i < run->ncases; i++)
		wgl_case_free(run->cases[i]);
	free(run->cases);
	for (i = 0; i < run->nsources; i++)
		free_source(&run->sources[i]);
	free(run->sources);
	wgl_result_ab_free(run);
	json_decref(run->extra);
	free(run);
}

/* Keys with a typed field in struct wgl_run or written by the model itself. */
static const char *const typed_keys[] = {
	"schema", "id", "started", "finished", "host", "kernel", "arch", "cpu_model", "cores",
	"wglab_version", "command", "seed", "mtu", "emulated", "complete", "implementations",
	"cases", "summary", "sources", "comparisons", "gates",
};

bool wgl_result_typed_key(const char *key)
{
	for (size_t i = 0; i < WGL_ARRAY_SIZE(typed_keys); i++)
		if (!strcmp(key, typed_keys[i]))
			return true;
	return false;
}

void wgl_result_set_meta(struct wgl_run *run, const char *key, json_t *value)
{
	if (!value) {
		wgl_warn("result: no value for run metadata '%s'", key);
		return;
	}
	if (!strcmp(key, "command") && json_is_string(value)) {
		set_text(&run->command, json_string_value(value));
	} else if (!strcmp(key, "seed") && (json_is_integer(value) || json_is_null(value))) {
		run->has_seed = json_is_integer(value);
		run->seed = json_integer_value(value);
	} else if (!strcmp(key, "mtu") && json_is_integer(value)) {
		run->mtu = (long)json_integer_value(value);
	} else if (wgl_result_typed_key(key)) {
		wgl_warn("result: run metadata '%s' cannot be set to that value", key);
	} else {
		json_object_set(run->extra, key, value);
	}
	json_decref(value);
}

bool wgl_result_has_meta(const struct wgl_run *run, const char *key)
{
	if (!strcmp(key, "command"))
		return run->command;
	if (!strcmp(key, "seed"))
		return run->has_seed;
	if (!strcmp(key, "mtu"))
		return run->mtu > 0;
	return json_object_get(run->extra, key) != NULL;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

void wgl_result_add_impl(struct wgl_run *run, const char *backend, const char *command,
			 const char *binary, const char *version)
{
	struct wgl_impl *impl = NULL, *ni;
	char *cmd = wgl_result_text_dup(command), *bin = wgl_result_text_dup(binary);
	char *ver = wgl_result_text_dup(version);

	for (size_t i = 0; i < run->nimpls && !impl; i++)
		if (!strcmp(run->impls[i].backend, backend))
			impl = &run->impls[i];
	/* Same backend with different values (a second binary) is worth a warning. */
	if (impl && !(same_text(impl->command, cmd) && same_text(impl->binary, bin) &&
		      same_text(impl->version, ver)))
		wgl_warn("result: implementation of %s changed during the run", backend);
	if (!impl && (ni = wgl_result_grow(run->impls, &run->nimpls, sizeof(*ni)))) {
		run->impls = ni;
		impl = &ni[run->nimpls - 1];
		impl->backend = wgl_result_text_dup(backend);
	}
	if (!impl) {
		free(cmd), free(bin), free(ver);
		return;
	}
	free(impl->command), free(impl->binary), free(impl->version);
	impl->command = cmd, impl->binary = bin, impl->version = ver;
}

struct wgl_case *wgl_case_alloc(const char *scenario, const char *name,
				const struct wgl_case_ident *id)
{
	struct wgl_case *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->source = -1;
	c->scenario = wgl_result_text_dup(scenario ? scenario : "");
	c->name = wgl_result_text_dup(name ? name : "");
	if (id) {
		c->backend_a = wgl_result_text_dup(id->backend_a);
		c->backend_b = wgl_result_text_dup(id->backend_b);
		c->family = wgl_result_text_dup(id->family);
	}
	return c;
}

struct wgl_case *wgl_case_new(struct wgl_run *run, const char *scenario, const char *name,
			      const struct wgl_case_ident *id)
{
	struct wgl_case *c = wgl_case_alloc(scenario, name, id), **nc;

	if (!c)
		return NULL;
	nc = realloc(run->cases, (run->ncases + 1) * sizeof(*nc));
	if (!nc) {
		wgl_case_free(c);
		errno = ENOMEM;
		return NULL;
	}
	run->cases = nc;
	nc[run->ncases++] = c;
	return c;
}

int wgl_case_add_also(struct wgl_case *c, struct wgl_case *other)
{
	struct wgl_case **na = realloc(c->also, (c->nalso + 1) * sizeof(*na));

	if (!na)
		return -ENOMEM;
	c->also = na;
	na[c->nalso++] = other;
	return 0;
}

int wgl_case_param(struct wgl_case *c, const char *key, const char *value, bool is_string)
{
	struct wgl_param *p = (struct wgl_param *)wgl_case_get_param(c, key), *np;

	if (!p) {
		np = wgl_result_grow(c->params, &c->nparams, sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->params = np;
		p = &np[c->nparams - 1];
		p->key = wgl_result_text_dup(key);
	}
	set_text(&p->value, value ? value : "");
	p->is_string = is_string;
	return 0;
}

const struct wgl_param *wgl_case_get_param(const struct wgl_case *c, const char *key)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (!strcmp(c->params[i].key, key))
			return &c->params[i];
	return NULL;
}

void wgl_case_verdict(struct wgl_case *c, enum wgl_verdict v, const char *message)
{
	if ((unsigned int)v >= WGL_ARRAY_SIZE(verdict_rank) ||
	    verdict_rank[v] < verdict_rank[c->verdict])
		return;
	c->verdict = v;
	if (message)
		set_text(&c->message, message);
}

void wgl_case_check(struct wgl_case *c, const char *name, bool ok, const char *fmt, ...)
{
	struct wgl_check *nc;
	char *detail = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);
	nc = wgl_result_grow(c->checks, &c->nchecks, sizeof(*nc));
	if (nc) {
		c->checks = nc;
		nc[c->nchecks - 1].name = wgl_result_text_dup(name);
		nc[c->nchecks - 1].ok = ok;
		nc[c->nchecks - 1].detail = wgl_result_text_dup(detail ? detail : "");
	}
	/* The first failed check explains the case; later ones are in checks[]. */
	if (!ok && !c->message) {
		char *msg = NULL;

		if (asprintf(&msg, "%s: %s", name, detail ? detail : "") >= 0)
			wgl_case_verdict(c, WGL_FAIL, msg);
		free(msg);
	} else if (!ok) {
		wgl_case_verdict(c, WGL_FAIL, NULL);
	}
	free(detail);
}

struct wgl_metric *wgl_result_metric_slot(struct wgl_case *c, const char *name)
{
	struct wgl_metric *nm;

	/* Names are unique within a case: compare matches metrics by name. */
	for (size_t i = 0; i < c->nmetrics; i++) {
		if (strcmp(c->metrics[i].name, name))
			continue;
		free_metric(&c->metrics[i]);
		memset(&c->metrics[i], 0, sizeof(c->metrics[i]));
		c->metrics[i].name = strdup(name);
		return &c->metrics[i];
	}
	nm = wgl_result_grow(c->metrics, &c->nmetrics, sizeof(*nm));
	if (!nm)
		return NULL;
	c->metrics = nm;
	nm[c->nmetrics - 1].name = strdup(name);
	return &nm[c->nmetrics - 1];
}

/*
 * Fills values/median/min/max from the finite values; non-finite ones are
 * not numbers JSON can hold, so they are counted in dropped instead.
 */
static void metric_stats(struct wgl_metric *m, const double *values, size_t n)
{
	size_t i;

	struct wgl_summary sum;

	m->values = malloc((n ? n : 1) * sizeof(*m->values));
	for (i = 0; m->values && i < n; i++)
		if (isfinite(values[i]))
			m->values[m->n++] = values[i];
	wgl_summarize(m->values, m->n, &sum);
	m->median = sum.median;
	m->min = sum.min;
	m->max = sum.max;
	m->dropped = n - m->n;
}

void wgl_case_metric(struct wgl_case *c, const char *name, const char *unit,
		     const double *values, size_t n, const char *better)
{
	char *clean = wgl_result_text_dup(name ? name : "");
	struct wgl_metric *m = clean ? wgl_result_metric_slot(c, clean) : NULL;

	free(clean);
	if (!m)
		return;
	if (better && strcmp(better, "higher") && strcmp(better, "lower"))
		wgl_warn("result: metric %s: better must be higher or lower, not '%s'", m->name,
			 better);
	m->better = !better ? WGL_BETTER_NONE : !strcmp(better, "higher") ? WGL_BETTER_HIGHER :
		    !strcmp(better, "lower") ? WGL_BETTER_LOWER : WGL_BETTER_NONE;
	m->unit = wgl_result_text_dup(unit ? unit : "");
	metric_stats(m, values, n);
}

void wgl_case_artifact(struct wgl_case *c, const char *kind, const char *path)
{
	struct wgl_artifact *na = wgl_result_grow(c->artifacts, &c->nartifacts, sizeof(*na));

	if (!na)
		return;
	c->artifacts = na;
	na[c->nartifacts - 1].kind = wgl_result_text_dup(kind ? kind : "");
	na[c->nartifacts - 1].path = wgl_result_text_dup(path ? path : "");
}

void wgl_case_duration(struct wgl_case *c, double seconds)
{
	c->duration_s = isfinite(seconds) ? seconds : 0;
}

void wgl_case_times(struct wgl_case *c, double started_at, double ended_at)
{
	c->started_at = isfinite(started_at) ? started_at : 0;
	c->ended_at = isfinite(ended_at) ? ended_at : 0;
}

enum wgl_verdict wgl_case_get_verdict(const struct wgl_case *c)
{
	/* An unreadable verdict must never read as a pass. */
	return (unsigned int)c->verdict < WGL_ARRAY_SIZE(verdict_names) ? c->verdict : WGL_ERROR;
}

void wgl_result_count(struct wgl_run *run)
{
	long count[WGL_ARRAY_SIZE(verdict_names)] = { 0 };

	for (size_t i = 0; i < run->ncases; i++)
		count[wgl_case_get_verdict(run->cases[i])]++;
	run->summary = (struct wgl_run_summary){
		.total = (long)run->ncases, .passed = count[WGL_PASS], .failed = count[WGL_FAIL],
		.skipped = count[WGL_SKIP], .errors = count[WGL_ERROR],
	};
}

void wgl_result_finish(struct wgl_run *run)
{
	char now[32];

	wgl_result_count(run);
	utc_now(now, sizeof(now));
	set_text(&run->finished, now);
	run->incomplete = false;
}

const char *wgl_verdict_name(enum wgl_verdict v)
{
	return (unsigned int)v < WGL_ARRAY_SIZE(verdict_names) ? verdict_names[v] : "error";
}

const char *wgl_better_name(enum wgl_better b)
{
	return b == WGL_BETTER_HIGHER ? "higher" : b == WGL_BETTER_LOWER ? "lower" : NULL;
}

/* Parses a verdict name; -1 if it is none. */
int wgl_result_verdict_parse(const char *s)
{
	for (size_t i = 0; s && i < WGL_ARRAY_SIZE(verdict_names); i++)
		if (!strcmp(s, verdict_names[i]))
			return (int)i;
	return -1;
}
