// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab run`: expands each scenario's matrix (backend pairs x IP family),
 * runs every case in a fresh Lua state, and writes the run's reports.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "cli/cli.h"
#include "base/log.h"
#include "harness/lua/runner.h"
#include "base/result.h"
#include "reports/write.h"
#include "netns/netns.h"
#include "reports/progress.h"
#include "reports/results_dir.h"

#define MAX_ITEMS 64

struct run_opts {
	const char *backend_spec;
	const char *family;
	const char *out;
	const char *suite;
	double timeout;
	bool list, help;
	json_t *defines;                /* -D key=value */
	const char *scenarios[MAX_ITEMS];
	int nscenarios;
	/* expanded --backend */
	char pairs[MAX_ITEMS][2][16];
	int npairs;
	char singles[MAX_ITEMS][16];
	int nsingles;
};

static int opt_backend(void *ctx, const char *a) { ((struct run_opts *)ctx)->backend_spec = a; return 0; }
static int opt_out(void *ctx, const char *a) { ((struct run_opts *)ctx)->out = a; return 0; }
static int opt_list(void *ctx, const char *a) { ((struct run_opts *)ctx)->list = true; return 0; }
static int opt_help(void *ctx, const char *a) { ((struct run_opts *)ctx)->help = true; return 0; }

static int opt_visible(void *ctx, const char *a)
{
	wgl_ns_set_all_visible(true);
	return 0;
}

static int opt_verbose(void *ctx, const char *a)
{
	wgl_log_verbosity = WGL_LOG_DEBUG;
	return 0;
}

static int opt_family(void *ctx, const char *a)
{
	if (strcmp(a, "ipv4") && strcmp(a, "ipv6") && strcmp(a, "all"))
		return -EINVAL;
	((struct run_opts *)ctx)->family = a;
	return 0;
}

static int opt_suite(void *ctx, const char *a)
{
	if (strcmp(a, "default") && strcmp(a, "slow") && strcmp(a, "all"))
		return -EINVAL;
	((struct run_opts *)ctx)->suite = a;
	return 0;
}

static int opt_timeout(void *ctx, const char *a)
{
	char *end;
	double t = strtod(a, &end);

	if (*end || end == a || t <= 0)
		return -EINVAL;
	((struct run_opts *)ctx)->timeout = t;
	return 0;
}

static int opt_userspace(void *ctx, const char *a)
{
	if (!strstr(a, "{ifname}"))
		return -EINVAL;
	wgl_userspace_set_template(a);
	return 0;
}

/* -D key=value: numbers and booleans keep their type. */
static int opt_define(void *ctx, const char *a)
{
	struct run_opts *o = ctx;
	const char *eq = strchr(a, '=');
	char key[64], *end;
	double num;

	if (!eq || eq == a || (size_t)(eq - a) >= sizeof(key))
		return -EINVAL;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
	num = strtod(eq + 1, &end);
	if (!strcmp(eq + 1, "true") || !strcmp(eq + 1, "false"))
		json_object_set_new(o->defines, key, json_boolean(!strcmp(eq + 1, "true")));
	else if (*end == '\0' && end != eq + 1)
		json_object_set_new(o->defines, key, num == (long long)num ?
				    json_integer((long long)num) : json_real(num));
	else
		json_object_set_new(o->defines, key, json_string(eq + 1));
	return 0;
}

static const struct wgl_opt run_table[] = {
	{ "backend", 'b', true, opt_backend, "kernel|userspace|all|A:B[,...] (default all)" },
	{ "family", 'f', true, opt_family, "ipv4|ipv6|all (default: what each scenario declares)" },
	{ "define", 'D', true, opt_define, "KEY=VALUE scenario parameter (repeatable)" },
	{ "out", 'o', true, opt_out, "results base directory (default ./results)" },
	{ "userspace", 0, true, opt_userspace, "userspace command template with {ifname}" },
	{ "suite", 's', true, opt_suite, "default|slow|all when no scenario is named" },
	{ "timeout", 't', true, opt_timeout, "per-case time limit in seconds" },
	{ "list", 'l', false, opt_list, "list the scenarios and exit" },
	{ "verbose", 'v', false, opt_verbose, "debug logging (object create/destroy, checks)" },
	{ "visible", 0, false, opt_visible, "namespaces visible to `ip netns` while they live" },
	{ "help", 'h', false, opt_help, "this text" },
	{ NULL },
};

static bool known_backend(const char *b)
{
	return wgl_backend_find(b) != NULL;
}

static void add_single(struct run_opts *o, const char *b)
{
	for (int i = 0; i < o->nsingles; i++)
		if (!strcmp(o->singles[i], b))
			return;
	if (o->nsingles < MAX_ITEMS)
		snprintf(o->singles[o->nsingles++], 16, "%s", b);
}

static void add_pair(struct run_opts *o, const char *a, const char *b)
{
	if (o->npairs >= MAX_ITEMS)
		return;
	snprintf(o->pairs[o->npairs][0], 16, "%s", a);
	snprintf(o->pairs[o->npairs][1], 16, "%s", b);
	o->npairs++;
	add_single(o, a);
	add_single(o, b);
}

/* "all" = every backend wglab knows plus both mixed orders: the interop matrix. */
static int expand_backends(struct run_opts *o)
{
	char spec[256], *save, *tok;

	snprintf(spec, sizeof(spec), "%s", o->backend_spec);
	for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (!strcmp(tok, "all")) {
			add_pair(o, "kernel", "kernel");
			add_pair(o, "userspace", "userspace");
			add_pair(o, "kernel", "userspace");
			add_pair(o, "userspace", "kernel");
			continue;
		}
		if (colon)
			*colon = '\0';
		if (!known_backend(tok) || (colon && !known_backend(colon + 1))) {
			fprintf(stderr, "wglab run: unknown backend in --backend '%s' "
				"(kernel, userspace, all, A:B)\n", o->backend_spec);
			return -EINVAL;
		}
		add_pair(o, tok, colon ? colon + 1 : tok);
	}
	return o->npairs ? 0 : -EINVAL;
}

static bool find_in(const char *dir, const char *name, char *out, size_t len)
{
	struct stat st;

	if (!dir || !*dir)
		return false;
	snprintf(out, len, "%s/%s.lua", dir, name);
	return stat(out, &st) == 0;
}

/* The scenarios directory: $WGLAB_SCENARIOS, next to the binary, or the source tree. */
static const char *scenario_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("WGLAB_SCENARIOS");
	char exe[PATH_MAX - 64];
	struct stat st;
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s/scenarios", exe);
		if (stat(dir, &st) == 0)
			return dir;
		snprintf(dir, sizeof(dir), "%s/../share/wglab/scenarios", exe);
		if (stat(dir, &st) == 0)
			return dir;
	}
	return WGLAB_SRCDIR "/scenarios";
}

static int resolve(const char *arg, char *out, size_t len)
{
	struct stat st;

	if (strchr(arg, '/') || strstr(arg, ".lua")) {
		snprintf(out, len, "%s", arg);
		return stat(out, &st) == 0 ? 0 : -ENOENT;
	}
	return find_in(scenario_dir(), arg, out, len) ? 0 : -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every scenario file in the scenarios directory, sorted; returns the count. */
static int list_dir(char **names, int max)
{
	DIR *d = opendir(scenario_dir());
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);

		if (l > 4 && !strcmp(e->d_name + l - 4, ".lua") && e->d_name[0] != '_')
			names[n++] = strndup(e->d_name, l - 4);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp_str);
	return n;
}

struct runner {
	struct run_opts *o;
	struct wgl_run *run;
	char dir[PATH_MAX];
	int ncases;
};

static bool family_selected(const struct run_opts *o, const char *fam)
{
	return !o->family || !strcmp(o->family, "all") || !strcmp(o->family, fam);
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '.' || (*s >= 'A' && *s <= 'Z')))
			*s = '_';
}

/* The case's figures on the console: median (min..max, n) per metric. */
static void print_metrics(const struct wgl_case *c)
{
	for (size_t i = 0; i < c->nmetrics; i++) {
		const struct wgl_metric *m = &c->metrics[i];

		printf("      %-36s %12.4g %-8s", m->name, m->median, m->unit);
		if (m->n > 1)
			printf(" (min %.4g, max %.4g, n=%zu)", m->min, m->max, m->n);
		putchar('\n');
	}
	fflush(stdout);
}

/* Why a case cannot run here, or NULL. */
static const char *unavailable(const char *a, const char *b, char *why, size_t len)
{
	const char *names[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		char reason[400];

		if (names[i] && wgl_backend_available(names[i], reason, sizeof(reason)) < 0) {
			snprintf(why, len, "%s backend unavailable: %s", names[i], reason);
			return why;
		}
	}
	return NULL;
}

static void run_one(struct runner *r, const char *path, json_t *meta, const char *a,
		    const char *b, const char *fam)
{
	const char *sname = json_string_value(json_object_get(meta, "name"));
	char name[256], cdir[PATH_MAX + 300], why[512];
	json_t *params = json_deep_copy(json_object_get(meta, "params"));
	double timeout = r->o->timeout;
	long long t0 = wgl_now_ns();
	struct wgl_case_ident id = { .backend_a = a, .backend_b = b, .family = fam };
	struct wgl_case *c;

	if (!json_is_object(params)) {
		json_decref(params);
		params = json_object();
	}
	json_object_update_existing(params, r->o->defines);
	json_object_update_missing(params, r->o->defines);
	if (b)
		snprintf(name, sizeof(name), "%s[%s:%s,%s]", sname, a, b, fam);
	else
		snprintf(name, sizeof(name), "%s[%s,%s]", sname, a, fam);
	json_object_set_new(params, "scenario", json_string(sname));
	json_object_set_new(params, "family", json_string(fam));
	json_object_set_new(params, b ? "backend_a" : "backend", json_string(a));
	if (b)
		json_object_set_new(params, "backend_b", json_string(b));
	c = wgl_case_new(r->run, sname, name, &id);
	if (!c) {
		wgl_err("%s: out of memory", name);
		json_decref(params);
		return;
	}
	wgl_case_params_json(c, params);
	json_object_set_new(params, "name", json_string(name));
	wgl_progress_case_start(sname, name);
	if (unavailable(a, b, why, sizeof(why))) {
		wgl_case_verdict(c, WGL_SKIP, why);
	} else {
		snprintf(cdir, sizeof(cdir), "%s/cases/%04d-", r->dir, ++r->ncases);
		strncat(cdir, name, sizeof(cdir) - strlen(cdir) - 1);
		sanitize(cdir + strlen(r->dir) + 7);
		mkdir(cdir, 0755);
		wgl_backend_set_log_dir(cdir);
		if (json_is_number(json_object_get(meta, "timeout")) && timeout <= 0)
			timeout = json_number_value(json_object_get(meta, "timeout"));
		wgl_scenario_run_case(path, r->run, c, params, cdir, timeout > 0 ? timeout : 600);
		if (wgl_live_objects() != 0)
			wgl_case_check(c, "teardown leaves nothing behind", false,
				       "%d objects still alive after the case", wgl_live_objects());
	}
	wgl_case_duration(c, (double)(wgl_now_ns() - t0) / 1e9);
	wgl_progress_case_end(wgl_case_get_verdict(c), c->message);
	print_metrics(c);
	json_decref(params);
}

static int run_scenario(struct runner *r, const char *path)
{
	static const char *const fams[] = { "ipv4", "ipv6" };
	json_t *meta = wgl_scenario_meta(path), *decl;
	const char *topo;

	if (!meta)
		return -EINVAL;
	topo = json_string_value(json_object_get(meta, "topology"));
	decl = json_object_get(meta, "families");
	for (size_t f = 0; f < WGL_ARRAY_SIZE(fams); f++) {
		bool declared = !json_is_array(decl) ? f == 0 : false;
		size_t i;
		json_t *v;

		json_array_foreach(decl, i, v)
			declared |= !strcmp(json_string_value(v) ?: "", fams[f]);
		if (!declared || !family_selected(r->o, fams[f]))
			continue;
		if (topo && !strcmp(topo, "single")) {
			for (int s = 0; s < r->o->nsingles; s++)
				run_one(r, path, meta, r->o->singles[s], NULL, fams[f]);
		} else {
			for (int p = 0; p < r->o->npairs; p++)
				run_one(r, path, meta, r->o->pairs[p][0], r->o->pairs[p][1], fams[f]);
		}
	}
	json_decref(meta);
	return 0;
}

static bool in_suite(const char *path, const char *suite)
{
	json_t *meta;
	const char *s;
	bool ok;

	if (!strcmp(suite, "all"))
		return true;
	meta = wgl_scenario_meta(path);
	s = meta ? json_string_value(json_object_get(meta, "suite")) : NULL;
	ok = !strcmp(s ? s : "default", suite);
	json_decref(meta);
	return ok;
}

/* Collects the scenario paths to run; -EINVAL after reporting a bad name. */
static int collect(struct run_opts *o, char paths[][PATH_MAX], int *n)
{
	char *names[MAX_ITEMS];
	int count = 0;

	*n = 0;
	if (o->nscenarios) {
		for (int i = 0; i < o->nscenarios; i++) {
			if (resolve(o->scenarios[i], paths[*n], PATH_MAX) < 0) {
				fprintf(stderr, "wglab run: no scenario '%s' (looked in %s; "
					"'wglab run --list')\n", o->scenarios[i], scenario_dir());
				return -EINVAL;
			}
			(*n)++;
		}
		return 0;
	}
	count = list_dir(names, MAX_ITEMS);
	for (int i = 0; i < count; i++) {
		if (resolve(names[i], paths[*n], PATH_MAX) == 0 &&
		    in_suite(paths[*n], o->suite ? o->suite : "default"))
			(*n)++;
		free(names[i]);
	}
	return 0;
}

static int list_scenarios(struct run_opts *o)
{
	char (*paths)[PATH_MAX] = calloc(MAX_ITEMS, PATH_MAX);
	int n;

	o->suite = o->suite ? o->suite : "all";
	if (!paths || collect(o, paths, &n) < 0) {
		free(paths);
		return WGL_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		json_t *m = wgl_scenario_meta(paths[i]);

		if (m)
			printf("%-16s %-8s %s\n", json_string_value(json_object_get(m, "name")),
			       json_string_value(json_object_get(m, "suite")) ?: "default",
			       json_string_value(json_object_get(m, "description")) ?: "");
		json_decref(m);
	}
	free(paths);
	return WGL_EXIT_OK;
}

static int summarize(const struct wgl_run *run, const char *dir)
{
	const struct wgl_run_summary *s = &run->summary;

	printf("results: %s\n", dir);
	printf("%ld passed, %ld failed, %ld skipped\n", s->passed, s->failed + s->errors,
	       s->skipped);
	if (s->failed + s->errors)
		return WGL_EXIT_FAIL;
	return s->passed ? WGL_EXIT_OK : WGL_EXIT_SKIP;
}

/* Every script must load and declare itself before anything is built. */
static int validate(char paths[][PATH_MAX], int n)
{
	for (int i = 0; i < n; i++) {
		json_t *m = wgl_scenario_meta(paths[i]);
		const char *topo;

		if (!m)
			return -EINVAL;
		topo = json_string_value(json_object_get(m, "topology"));
		if (topo && strcmp(topo, "pair") && strcmp(topo, "single")) {
			fprintf(stderr, "wglab: %s: topology must be \"pair\" or \"single\", not '%s'\n",
				paths[i], topo);
			json_decref(m);
			return -EINVAL;
		}
		json_decref(m);
	}
	return 0;
}

static int execute(struct run_opts *o, char paths[][PATH_MAX], int n)
{
	struct runner r = { .o = o };
	char cases[PATH_MAX + 8];
	int ret;

	if (validate(paths, n) < 0)
		return WGL_EXIT_USAGE;
	if (wgl_results_dir_new(o->out, r.dir, sizeof(r.dir)) < 0)
		return WGL_EXIT_FAIL;
	snprintf(cases, sizeof(cases), "%s/cases", r.dir);
	mkdir(cases, 0755);
	r.run = wgl_result_new();
	wgl_result_set_meta(r.run, "command", json_string("run"));
	for (int i = 0; i < n; i++)
		run_scenario(&r, paths[i]);
	wgl_result_finish(r.run);
	if (wgl_reports_write(r.run, r.dir) < 0)
		wgl_err("could not write all reports into %s", r.dir);
	ret = summarize(r.run, r.dir);
	wgl_result_free(r.run);
	return ret;
}

int wgl_cmd_run(int argc, char **argv)
{
	struct run_opts o = { .backend_spec = "all", .out = "results" };
	char (*paths)[PATH_MAX] = NULL;
	int npos, n, ret = WGL_EXIT_USAGE;

	o.defines = json_object();
	if (wgl_opts_parse(run_table, &o, argc, argv, &npos) < 0)
		goto out;
	if (o.help) {
		wgl_opts_usage("run", "[SCENARIO|FILE.lua ...] [options]", run_table);
		ret = WGL_EXIT_OK;
		goto out;
	}
	for (int i = 1; i <= npos && o.nscenarios < MAX_ITEMS; i++)
		o.scenarios[o.nscenarios++] = argv[i];
	if (o.list) {
		ret = list_scenarios(&o);
		goto out;
	}
	if (expand_backends(&o) < 0)
		goto out;
	paths = calloc(MAX_ITEMS, PATH_MAX);
	if (!paths || collect(&o, paths, &n) < 0)
		goto out;
	if (geteuid() != 0)
		wgl_warn("not root: every case that needs namespaces will be skipped or fail");
	wgl_runner_on_tick(wgl_progress_tick);
	ret = execute(&o, paths, n);
	wgl_runner_on_tick(NULL);
out:
	free(paths);
	json_decref(o.defines);
	return ret;
}
