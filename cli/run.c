// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab run`: expands each scenario's matrix (backend pairs x IP family),
 * runs every case in a fresh Lua state, and writes the run's reports.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/backends/backend.h"
#include "cli/ab.h"
#include "cli/cli.h"
#include "cli/jobs.h"
#include "cli/run_priv.h"
#include "cli/run_remote.h"
#include "harness/remote.h"
#include "base/child.h"
#include "base/util.h"
#include "base/log.h"
#include "harness/lua/params.h"
#include "harness/lua/runner.h"
#include "base/result.h"
#include "reports/ab_report.h"
#include "reports/headline.h"
#include "reports/write.h"
#include "netns/netns.h"
#include "reports/progress.h"
#include "reports/results_dir.h"


static int opt_backend(void *ctx, const char *a) { ((struct run_opts *)ctx)->backend_spec = a; return 0; }
static int opt_out(void *ctx, const char *a) { ((struct run_opts *)ctx)->out = a; return 0; }
static int opt_list(void *ctx, const char *a) { ((struct run_opts *)ctx)->list = true; return 0; }
static int opt_help(void *ctx, const char *a) { ((struct run_opts *)ctx)->help = true; return 0; }

static int opt_list_cases(void *ctx, const char *a)
{
	((struct run_opts *)ctx)->list_cases = true;
	return 0;
}

/* --shard I/N, 1 <= I <= N. */
static int opt_shard(void *ctx, const char *a)
{
	struct run_opts *o = ctx;
	char *end;
	long i = strtol(a, &end, 10), n;

	if (end == a || *end != '/')
		return -EINVAL;
	n = strtol(end + 1, &end, 10);
	if (*end || n < 1 || n > 100000 || i < 1 || i > n)
		return -EINVAL;
	o->shard_i = i;
	o->shard_n = n;
	return 0;
}

static int opt_jobs(void *ctx, const char *a)
{
	char *end;
	long n = strtol(a, &end, 10);

	if (end == a || *end || n < 1 || n > 64)
		return -EINVAL;
	((struct run_opts *)ctx)->jobs = n;
	return 0;
}

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
	/* A case longer than a day is a typo, not a plan. */
	return wgl_parse_double(a, 0.001, 86400, &((struct run_opts *)ctx)->timeout);
}

static int opt_userspace(void *ctx, const char *a)
{
	if (!strstr(a, "{ifname}"))
		return -EINVAL;
	((struct run_opts *)ctx)->userspace = a;
	return 0;
}

static int opt_impl(void *ctx, const char *a)
{
	return wgl_ab_opt_impl(&((struct run_opts *)ctx)->ab, a);
}

static int opt_gate(void *ctx, const char *a)
{
	return wgl_ab_opt_gate(&((struct run_opts *)ctx)->ab, a);
}

static int opt_confidence(void *ctx, const char *a)
{
	return wgl_ab_opt_confidence(&((struct run_opts *)ctx)->ab, a);
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
	{ "impl", 0, true, opt_impl, "NAME=TEMPLATE|kernel[:VERSION] named implementation "
	  "(repeatable; A/B: two)" },
	{ "gate", 0, true, opt_gate, "METRIC<PCT% fail when B is worse than A beyond PCT "
	  "(repeatable)" },
	{ "confidence", 0, true, opt_confidence, "LEVEL of the A/B intervals (default 0.95)" },
	{ "suite", 's', true, opt_suite, "default|slow|all when no scenario is named" },
	{ "timeout", 't', true, opt_timeout, "per-case time limit in seconds" },
	{ "shard", 0, true, opt_shard, "I/N: run only the cases of shard I of N (by case id hash)" },
	{ "jobs", 'j', true, opt_jobs, "N functional cases at a time (default 1); benchmarks run alone" },
	{ "list", 'l', false, opt_list, "list the scenarios and exit" },
	{ "list-cases", 0, false, opt_list_cases, "print the case ids that would run, and exit" },
	{ "verbose", 'v', false, opt_verbose, "debug logging (object create/destroy, checks)" },
	{ "visible", 0, false, opt_visible, "namespaces visible to `ip netns` while they live" },
	{ "node", 0, true, wgl_run_opt_node, "a=ssh://[user@]host[:port]?addr=A[&dev=IF] or "
	  "a=local?addr=A[&dev=IF] (this host), b=...: the pair's nodes (both, never one)" },
	{ "ssh-option", 0, true, wgl_run_opt_ssh_option, "ssh -o option for the nodes (repeatable)" },
	{ "remote-wglab", 0, true, wgl_run_opt_remote_wglab, "wglab's path on the nodes "
	  "(default wglab)" },
	{ "help", 'h', false, opt_help, "this text" },
	{ NULL },
};

/* The interop matrix of --backend, through the facade (the one place that knows the names). */
static int expand_backends(struct run_opts *o)
{
	char why[512];

	if (wgl_backend_matrix_impls(&o->matrix, o->backend_spec, 0, o->ab.impls, o->ab.nimpls,
				     why, sizeof(why)) < 0) {
		fprintf(stderr, "wglab run: invalid value for --backend: '%s': %s\n",
			o->backend_spec, why);
		return -EINVAL;
	}
	return 0;
}

struct runner {
	struct run_opts *o;
	struct wgl_run *run;
	char dir[PATH_MAX];
	int ncases;
	bool save_failed;       /* result.json could not be written: reported once */
	struct wgl_jobs *jobs;  /* --jobs N > 1: the cases are planned here, then run */
};

/*
 * What SIGINT/SIGTERM print (a cleanup hook): kept current after each case in
 * one of two buffers, so the handler never reads one being rewritten.
 */
static char stop_note[2][PATH_MAX + 256];
static volatile sig_atomic_t stop_note_cur = -1;

static void print_stop_note(void)
{
	int cur = stop_note_cur;

	if (cur >= 0)
		(void)!write(STDERR_FILENO, stop_note[cur], strlen(stop_note[cur]));
}

static void set_stop_note(const struct runner *r)
{
	int next = stop_note_cur == 0 ? 1 : 0;

	if (r->save_failed)
		snprintf(stop_note[next], sizeof(stop_note[next]), "\nwglab: stopped after %zu "
			 "cases; their result could not be saved in %s\n", r->run->ncases, r->dir);
	else
		snprintf(stop_note[next], sizeof(stop_note[next]), "\nwglab: stopped after %zu "
			 "finished cases; partial result (marked incomplete): %s/result.json\n",
			 r->run->ncases, r->dir);
	stop_note_cur = next;
}

/*
 * result.json after each case (written aside, renamed into place): a run
 * stopped in any way, SIGKILL included, leaves the cases it finished, marked
 * incomplete. The signal handler then has nothing to write.
 */
static void save_partial(struct runner *r)
{
	if (!r->save_failed && wgl_reports_write_result(r->run, r->dir) < 0)
		r->save_failed = true;
	set_stop_note(r);
}

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
static const char *unavailable(const struct run_opts *o, const struct wgl_backend_pair *bp,
			       char *why, size_t len)
{
	const struct wgl_backend_config wg = { .userspace = o->userspace, .impls = o->ab.impls,
					       .nimpls = o->ab.nimpls };
	const char *names[2] = { bp->a, bp->b };

	if (wgl_remote_active())
		return wgl_run_remote_unavailable(bp->a, bp->b, why, len);
	for (int i = 0; i < 2; i++) {
		char reason[400];

		if (names[i] && wgl_backend_available(&wg, names[i], reason, sizeof(reason)) < 0) {
			snprintf(why, len, "%s backend unavailable: %s", names[i], reason);
			return why;
		}
	}
	return NULL;
}

/* A process still running after the case's teardown escaped it: fail the case. */
static void check_escapes(struct wgl_case *c)
{
	int n = wgl_reaper_sweep();

	if (n > 0)
		wgl_case_check(c, "no process outlives the case", false,
			       "%d processes were still running after teardown (killed now)", n);
}

/* The case's parameters: the scenario's defaults, -D overrides, then its identity. */
static json_t *case_params(const struct runner *r, const struct scenario *sc,
			   const struct wgl_backend_pair *bp, const char *fam, char *name,
			   size_t len)
{
	const char *sname = json_string_value(json_object_get(sc->meta, "name"));
	json_t *params = wgl_params_defaults(json_object_get(sc->meta, "params"));

	json_object_update_existing(params, r->o->defines);
	json_object_update_missing(params, r->o->defines);
	if (bp->b)
		snprintf(name, len, "%s[%s:%s,%s]", sname, bp->a, bp->b, fam);
	else
		snprintf(name, len, "%s[%s,%s]", sname, bp->a, fam);
	json_object_set_new(params, "scenario", json_string(sname));
	json_object_set_new(params, "family", json_string(fam));
	json_object_set_new(params, bp->b ? "backend_a" : "backend", json_string(bp->a));
	if (bp->b)
		json_object_set_new(params, "backend_b", json_string(bp->b));
	return params;
}

/* --timeout, else the scenario's own, else 10 minutes. */
static double case_timeout(const struct runner *r, const struct scenario *sc)
{
	json_t *t = json_object_get(sc->meta, "timeout");

	if (r->o->timeout > 0)
		return r->o->timeout;
	return json_is_number(t) && json_number_value(t) > 0 ? json_number_value(t) : 600;
}

/* Runs the case in cases/NUM-name/. */
static void run_case(struct runner *r, const struct scenario *sc, struct wgl_case *c,
		     json_t *params, const char *name, int num)
{
	char cdir[PATH_MAX + 300];
	struct wgl_backend_config wg = { .userspace = r->o->userspace, .impls = r->o->ab.impls,
					 .nimpls = r->o->ab.nimpls };

	snprintf(cdir, sizeof(cdir), "%s/cases/%04d-", r->dir, num);
	strncat(cdir, name, sizeof(cdir) - strlen(cdir) - 1);
	sanitize(cdir + strlen(r->dir) + 7);
	/* Without the directory the daemons' logs are merely lost; the case can still run. */
	if (mkdir(cdir, 0755) == 0)
		wg.log_dir = cdir;
	int before = wgl_live_objects();        /* the run's own: remote nodes' connections */

	wgl_scenario_run_case(sc->path, r->run, c, params, cdir, case_timeout(r, sc), &wg);
	if (wgl_live_objects() != before)
		wgl_case_check(c, "teardown leaves nothing behind", false,
			       "%d objects still alive after the case", wgl_live_objects() - before);
	check_escapes(c);
}

/*
 * The shard of a case: FNV-1a (64 bit) of its id "scenario/name", modulo N,
 * plus one. It depends on the id alone, never on the position in the
 * matrix, so adding a scenario or a backend moves no other case.
 */
static long shard_of(const char *scenario, const char *name, long n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	const char *parts[] = { scenario, "/", name };

	for (size_t k = 0; k < WGL_ARRAY_SIZE(parts); k++)
		for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++)
			h = (h ^ *p) * 0x100000001b3ULL;
	return (long)(h % (unsigned long long)n) + 1;
}

/* --jobs: the case goes into the plan (params handed over), to run later. */
static void plan_case(struct runner *r, const struct scenario *sc,
		      const struct wgl_backend_pair *bp, const char *fam, json_t *params,
		      const char *name)
{
	struct wgl_job *j = wgl_jobs_add(r->jobs);

	if (!j) {
		wgl_err("%s: out of memory", name);
		json_decref(params);
		return;
	}
	j->scenario = json_string_value(json_object_get(sc->meta, "name"));
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->id = (struct wgl_case_ident){ .backend_a = bp->a, .backend_b = bp->b, .family = fam };
	j->sc = sc;
	j->params = params;
	json_object_set_new(params, "name", json_string(name));
	j->benchmark = json_is_true(json_object_get(sc->meta, "benchmark"));
	j->timeout_s = case_timeout(r, sc);
	if (!unavailable(r->o, bp, j->skip, sizeof(j->skip)))
		j->number = ++r->ncases;
}

/* In a worker (--jobs): the planned case, in this process. */
static void job_run(void *ctx, const struct wgl_job *j, struct wgl_run *run, struct wgl_case *c)
{
	struct runner *r = ctx;

	r->run = run;
	run_case(r, j->sc, c, j->params, j->name, j->number);
}

/* In the parent (--jobs), as each case went into the run. */
static void job_done(void *ctx, const struct wgl_case *c)
{
	print_metrics(c);
	save_partial(ctx);
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_one(struct runner *r, const struct scenario *sc,
		    const struct wgl_backend_pair *bp, const char *fam)
{
	const char *sname = json_string_value(json_object_get(sc->meta, "name"));
	char name[256], why[512];
	long long t0 = wgl_now_ns();
	double wall0 = wall_s();
	json_t *params = case_params(r, sc, bp, fam, name, sizeof(name));
	struct wgl_case_ident id = { .backend_a = bp->a, .backend_b = bp->b, .family = fam };
	struct wgl_case *c = NULL;

	if (r->o->shard_n && shard_of(sname, name, r->o->shard_n) != r->o->shard_i) {
		json_decref(params);
		return;
	}
	if (r->jobs) {
		plan_case(r, sc, bp, fam, params, name);
		return;
	}
	if (r->o->list_cases)
		printf("%s/%s\n", sname, name);
	else if (!(c = wgl_case_new(r->run, sname, name, &id)))
		wgl_err("%s: out of memory", name);
	if (!c) {
		json_decref(params);
		return;
	}
	wgl_case_params_json(c, params);

	json_object_set_new(params, "name", json_string(name));
	wgl_progress_case_start(sname, name);
	if (unavailable(r->o, bp, why, sizeof(why)))
		wgl_case_verdict(c, WGL_SKIP, why);
	else
		run_case(r, sc, c, params, name, ++r->ncases);
	wgl_case_duration(c, (double)(wgl_now_ns() - t0) / 1e9);
	wgl_case_times(c, wall0, wall_s());
	wgl_progress_case_end(wgl_case_get_verdict(c), c->message);
	print_metrics(c);
	json_decref(params);
	save_partial(r);
}

/* One repetition of an A/B interleaving (cli/ab.c): rep runs like a case of sc. */
struct ab_ctx {
	struct runner *r;
	const struct scenario *sc;
};

static void ab_run_rep(void *ctx, struct wgl_case *rep, json_t *params, const char *label)
{
	struct ab_ctx *x = ctx;
	const struct wgl_backend_pair bp = { rep->backend_a, rep->backend_b };
	char why[512];

	if (unavailable(x->r->o, &bp, why, sizeof(why)))
		wgl_case_verdict(rep, WGL_SKIP, why);
	else
		run_case(x->r, x->sc, rep, params, label, ++x->r->ncases);
}

static void ab_saved(void *ctx)
{
	save_partial(((struct ab_ctx *)ctx)->r);
}

/* The A:A and B:B cases of an A/B run, interleaved ABBA by wgl_ab_interleave(). */
static void run_interleaved(struct runner *r, const struct scenario *sc, const char *fam)
{
	const char *sname = json_string_value(json_object_get(sc->meta, "name"));
	struct ab_ctx x = { r, sc };
	const struct wgl_ab_rep_ops ops = { &x, ab_run_rep, ab_saved };
	struct wgl_case *c[2] = { NULL, NULL };
	json_t *params[2] = { NULL, NULL };
	char name[256], why[512];

	/* Nothing to interleave when a side cannot run here: each runs (or skips) once. */
	for (int i = 0; i < 2; i++) {
		const char *impl = r->o->ab.impls[i].name;

		if (unavailable(r->o, &(struct wgl_backend_pair){ impl, impl }, why, sizeof(why))) {
			for (int j = 0; j < 2; j++)
				run_one(r, sc, &(struct wgl_backend_pair){ r->o->ab.impls[j].name,
					r->o->ab.impls[j].name }, fam);
			return;
		}
	}
	for (int i = 0; i < 2; i++) {
		const char *impl = r->o->ab.impls[i].name;
		const struct wgl_backend_pair bp = { impl, impl };
		const struct wgl_case_ident id = { impl, impl, fam };

		params[i] = case_params(r, sc, &bp, fam, name, sizeof(name));
		c[i] = wgl_case_new(r->run, sname, name, &id);
		if (c[i])
			wgl_case_params_json(c[i], params[i]);
	}
	if (c[0] && c[1])
		wgl_ab_interleave(&ops, r->run, c, params, r->o->ab.confidence);
	else
		wgl_err("%s: out of memory", sname);
	for (int i = 0; i < 2; i++) {
		if (!c[i])
			continue;
		printf("%-5s %s/%s (all rounds)\n", wgl_verdict_name(wgl_case_get_verdict(c[i])),
		       sname, c[i]->name);
		print_metrics(c[i]);
	}
	save_partial(r);
	json_decref(params[0]);
	json_decref(params[1]);
}

static bool family_declared(const json_t *meta, size_t f, const char *fam)
{
	const json_t *decl = json_object_get(meta, "families");
	bool declared = !json_is_array(decl) ? f == 0 : false;
	size_t i;
	json_t *v;

	json_array_foreach(decl, i, v)
		declared |= !strcmp(json_string_value(v) ?: "", fam);
	return declared;
}

static void run_scenario(struct runner *r, const struct scenario *sc)
{
	static const char *const fams[] = { "ipv4", "ipv6" };
	const char *topo = json_string_value(json_object_get(sc->meta, "topology"));
	const struct wgl_backend_matrix *m = &r->o->matrix;

	for (size_t f = 0; f < WGL_ARRAY_SIZE(fams); f++) {
		if (!family_declared(sc->meta, f, fams[f]) || !family_selected(r->o, fams[f]))
			continue;
		if (topo && !strcmp(topo, "single")) {
			for (size_t s = 0; s < m->nsingles; s++)
				run_one(r, sc, &(struct wgl_backend_pair){ m->singles[s], NULL },
					fams[f]);
		} else {
			/* A sharded run or --list-cases keeps the plain order. */
			bool il = !r->o->list_cases && !r->o->shard_n &&
				  wgl_ab_interleaves(&r->o->ab, m, sc->meta), done = false;

			for (size_t p = 0; p < m->npairs; p++) {
				bool ab = il && wgl_ab_pair_side(&r->o->ab, &m->pairs[p]) >= 0;

				if (!ab)
					run_one(r, sc, &m->pairs[p], fams[f]);
				else if (!done)
					run_interleaved(r, sc, fams[f]);
				done |= ab;
			}
		}
	}
}

static int summarize(const struct wgl_run *run, const char *dir, bool saved)
{
	const struct wgl_run_summary *s = &run->summary;

	if (saved)
		printf("results: %s\n", dir);
	else
		fprintf(stderr, "wglab run: the results in %s are incomplete: "
			"they could not all be written (see above)\n", dir);
	printf("%ld passed, %ld failed, %ld skipped\n", s->passed, s->failed + s->errors,
	       s->skipped);
	if (!saved)
		return WGL_EXIT_FAIL;
	if (s->failed + s->errors)
		return WGL_EXIT_FAIL;
	return s->passed ? WGL_EXIT_OK : WGL_EXIT_SKIP;
}

/* --list-cases: the matrix (and shard) without running anything. */
static int list_cases(struct run_opts *o, const struct scenario *v, int n)
{
	struct runner r = { .o = o };

	if (wgl_run_validate(o, v, n) < 0)
		return WGL_EXIT_USAGE;
	for (int i = 0; i < n; i++)
		run_scenario(&r, &v[i]);
	return WGL_EXIT_OK;
}

/* Errors of a full or failing disk, not of the path given. */
static bool out_of_space(int err)
{
	return err == -ENOSPC || err == -EDQUOT || err == -EIO || err == -ENOMEM;
}

/*
 * --jobs N > 1: every case planned in a serial run's order, then run up to
 * N at a time (cli/jobs.c). 0 or -ENOMEM (reported).
 */
static int run_jobs(struct runner *r, const struct scenario *v, int n)
{
	struct wgl_jobs s = { .max = (int)r->o->jobs, .run = r->run, .dir = r->dir,
			      .run_case = job_run, .done = job_done, .ctx = r };
	int err;

	r->jobs = &s;
	for (int i = 0; i < n; i++)
		run_scenario(r, &v[i]);
	r->jobs = NULL;
	wgl_jobs_meta(r->run, (int)r->o->jobs, &s);
	err = wgl_jobs_run(&s);
	wgl_jobs_free(&s);
	return err;
}

static int execute(struct run_opts *o, const struct scenario *v, int n)
{
	struct runner r = { .o = o };
	char cases[PATH_MAX + 8], jobs[512];
	bool saved, tripped;
	int ret;

	if (wgl_run_validate(o, v, n) < 0 || wgl_run_remote_check(o->userspace) < 0)
		return WGL_EXIT_USAGE;
	if (o->jobs > 1 && wgl_remote_active()) {
		/* The agents hold one pair at a time: cases on remote nodes run one by one. */
		fprintf(stderr, "wglab run: --jobs %ld with --node: remote nodes run one case at "
			"a time (use --jobs 1)\n", (long)o->jobs);
		return WGL_EXIT_USAGE;
	}
	ret = wgl_results_dir_new(o->out, r.dir, sizeof(r.dir));
	if (ret < 0)    /* reported with the path; a bad --out is a usage error */
		return out_of_space(ret) ? WGL_EXIT_FAIL : WGL_EXIT_USAGE;
	snprintf(cases, sizeof(cases), "%s/cases", r.dir);
	mkdir(cases, 0755);
	r.run = wgl_result_new();
	if (!r.run)
		return WGL_EXIT_FAIL;
	r.run->incomplete = true;
	wgl_result_set_meta(r.run, "command", json_string("run"));
	if (o->shard_n)
		wgl_result_set_meta(r.run, "shard", json_pack("{s:I, s:I}", "index",
				    (json_int_t)o->shard_i, "count", (json_int_t)o->shard_n));
	wgl_jobs_meta(r.run, (int)o->jobs, NULL);
	if (wgl_run_remote_start(r.run) < 0) {
		wgl_result_free(r.run);
		return WGL_EXIT_FAIL;
	}
	save_partial(&r);
	if (r.save_failed) {
		wgl_run_remote_stop();
		wgl_result_free(r.run);
		return WGL_EXIT_FAIL;
	}
	wgl_results_dir_latest(o->out, r.dir);
	wgl_cleanup_register(print_stop_note);
	if (o->jobs > 1)
		ret = run_jobs(&r, v, n);
	else
		for (int i = 0; i < n; i++)
			run_scenario(&r, &v[i]);
	stop_note_cur = -1;
	tripped = wgl_ab_gates(&o->ab, r.run);
	wgl_run_remote_stop();
	wgl_result_finish(r.run);
	saved = wgl_reports_write(r.run, r.dir) == 0 && ret == 0;
	wgl_headline_print(r.run, stdout);
	if (o->jobs > 1)
		printf("jobs: %s\n", wgl_reports_jobs_text(r.run, jobs, sizeof(jobs)));
	wgl_ab_report_print(r.run, stdout);
	ret = summarize(r.run, r.dir, saved);
	if (tripped) {
		printf("a gate tripped: exit 1 (see GATE above)\n");
		ret = WGL_EXIT_FAIL;
	}
	wgl_result_free(r.run);
	return ret;
}

int wgl_cmd_run(int argc, char **argv)
{
	struct run_opts o = { .backend_spec = "all", .out = "results", .jobs = 1 };
	struct scenario *v = NULL;
	int npos, n = 0, ret = WGL_EXIT_USAGE;

	o.defines = json_object();
	if (wgl_opts_parse(run_table, &o, argc, argv, &npos) < 0)
		goto out;
	if (o.help) {
		wgl_opts_usage("run", "[SCENARIO|FILE.lua ...] [options]", run_table);
		ret = WGL_EXIT_OK;
		goto out;
	}
	o.scenarios = argv + 1;
	o.nscenarios = npos;
	if (o.list) {
		ret = wgl_run_list_scenarios(&o);
		goto out;
	}
	if (wgl_ab_check(&o.ab) < 0 || expand_backends(&o) < 0)
		goto out;
	if (wgl_run_collect(&o, &v, &n) < 0)
		goto out;
	if (o.list_cases) {
		ret = list_cases(&o, v, n);
		goto out;
	}
	if (geteuid() != 0)
		wgl_warn("not root: every case that needs namespaces will be skipped or fail");
	else
		wgl_ns_cleanup_stale(false);    /* what killed runs left under /run/netns */
	wgl_runner_on_tick(wgl_progress_tick);
	ret = execute(&o, v, n);
	wgl_runner_on_tick(NULL);
out:
	wgl_run_free_scenarios(v, n);
	wgl_backend_matrix_free(&o.matrix);
	json_decref(o.defines);
	return ret;
}
