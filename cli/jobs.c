// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scheduler of `wglab run --jobs N` (cli/jobs.h).
 *
 * Why one forked worker per case, and not threads or several cases in one
 * process: a case owns process-wide state (the Lua state's hooks and
 * deadline, the children registry, the count of live objects that its
 * teardown check reads, the cleanup hooks) and ends by sweeping every
 * process left in wglab's PID namespace ("no process outlives the case").
 * Shared by two cases, the sweep of one would kill the other's daemons.
 * A worker is a wglab of its own (wgl_worker_init()): its own registry and
 * hooks, and its own reaper and PID namespace, so its sweep reaches its own
 * case only; it dies with the parent, and its namespace with it. The worker writes its case as a one-case result.json
 * (the result model's own save/load, lossless) that the parent loads, so
 * nothing but a file crosses between them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "base/result.h"
#include "cli/jobs.h"
#include "harness/lua/runner.h"
#include "reports/progress.h"

/* A worker overrunning its case's deadline by this much is stuck in C: killed. */
#define WATCHDOG_GRACE_S 60

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct wgl_job *wgl_jobs_add(struct wgl_jobs *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct wgl_job *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	s->v[s->n].timeout_s = 600;
	return &s->v[s->n++];
}

void wgl_jobs_free(struct wgl_jobs *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->v[i].params);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static void job_file(const struct wgl_jobs *s, const struct wgl_job *j, char *buf, size_t len)
{
	snprintf(buf, len, "%s/cases/.job-%zu.json", s->dir, (size_t)(j - s->v));
}

struct worker_arg {
	struct wgl_jobs *s;
	struct wgl_job *j;
};

/* The worker: runs the case into a one-case run and saves it for the parent. */
static int worker_main(void *arg)
{
	struct wgl_jobs *s = ((struct worker_arg *)arg)->s;
	struct wgl_job *j = ((struct worker_arg *)arg)->j;
	double t0 = wall_s();
	long long n0 = wgl_now_ns();
	struct wgl_run *run;
	struct wgl_case *c;
	char path[4200];
	FILE *f;
	int ret = 1;

	if (wgl_worker_init() < 0)
		wgl_warn("%s: no PID namespace of its own: a process it leaves is not swept",
			 j->name);
	wgl_runner_on_tick(NULL);       /* the parent draws the progress */
	run = wgl_result_new();
	c = run ? wgl_case_new(run, j->scenario, j->name, &j->id) : NULL;
	if (c) {
		wgl_case_params_json(c, j->params);
		s->run_case(s->ctx, j, run, c);
		wgl_case_duration(c, (double)(wgl_now_ns() - n0) / 1e9);
		wgl_case_times(c, t0, wall_s());
		job_file(s, j, path, sizeof(path));
		f = fopen(path, "w");
		if (f) {
			ret = wgl_result_save(run, f) < 0;
			ret |= fclose(f) != 0;
		}
	}
	wgl_result_free(run);
	wgl_cleanup_run();
	return ret;
}

/* Puts c into the run at j's planned place among the cases finished so far. */
static int insert_case(struct wgl_jobs *s, struct wgl_job *j, struct wgl_case *c)
{
	struct wgl_run *run = s->run;
	struct wgl_case **nc = realloc(run->cases, (run->ncases + 1) * sizeof(*nc));
	size_t pos = 0;

	if (!nc)
		return -ENOMEM;
	run->cases = nc;
	for (struct wgl_job *k = s->v; k < j; k++)
		pos += k->done;
	memmove(nc + pos + 1, nc + pos, (run->ncases - pos) * sizeof(*nc));
	nc[pos] = c;
	run->ncases++;
	j->done = true;
	return 0;
}

/* A case the parent records itself: a skip, or a worker that left no result. */
static struct wgl_case *parent_case(const struct wgl_job *j, enum wgl_verdict v,
				    const char *why, double t0, double t1)
{
	struct wgl_case *c = wgl_case_alloc(j->scenario, j->name, &j->id);

	if (!c)
		return NULL;
	wgl_case_params_json(c, j->params);
	wgl_case_verdict(c, v, why);
	wgl_case_duration(c, t1 - t0);
	wgl_case_times(c, t0, t1);
	return c;
}

/* The worker's case (and the implementations it ran) out of its file. */
static struct wgl_case *load_result(struct wgl_jobs *s, const struct wgl_job *j,
				    char *why, size_t len)
{
	char path[4200], err[512];
	struct wgl_run *w;
	struct wgl_case *c = NULL;

	job_file(s, j, path, sizeof(path));
	w = wgl_result_load(path, err, sizeof(err));
	unlink(path);
	if (!w || w->ncases != 1) {
		snprintf(why, len, "%s", w ? "the worker's result holds no case" : err);
		wgl_result_free(w);
		return NULL;
	}
	for (size_t i = 0; i < w->nimpls; i++)
		wgl_result_add_impl(s->run, w->impls[i].backend, w->impls[i].command,
				    w->impls[i].binary, w->impls[i].version);
	c = w->cases[0];
	w->ncases = 0;
	wgl_result_free(w);
	return c;
}

/* A finished job (status: its worker's wait status) into the run. */
static int finish(struct wgl_jobs *s, struct wgl_job *j, struct wgl_case *c, int status,
		  const char *killed)
{
	char why[700] = "";
	double now = wall_s(), t0 = now - (double)(wgl_now_ns() - j->start_ns) / 1e9;

	if (!c && !killed)
		c = load_result(s, j, why, sizeof(why));
	if (!c) {
		char msg[900];

		if (killed)
			snprintf(msg, sizeof(msg), "%s", killed);
		else if (WIFSIGNALED(status))
			snprintf(msg, sizeof(msg), "the case's worker was killed by signal %d (%s)",
				 WTERMSIG(status), why);
		else
			snprintf(msg, sizeof(msg), "the case's worker left no result (exit %d): %s",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, why);
		wgl_err("%s/%s: %s", j->scenario, j->name, msg);
		c = parent_case(j, WGL_ERROR, msg, t0, now);
	}
	if (!c || insert_case(s, j, c) < 0) {
		wgl_err("%s/%s: out of memory", j->scenario, j->name);
		wgl_case_free(c);
		return -ENOMEM;
	}
	j->pid = 0;
	wgl_progress_case_done(j->scenario, j->name, wgl_case_get_verdict(c), c->message,
			       c->duration_s);
	s->done(s->ctx, c);
	return 0;
}

static int start(struct wgl_jobs *s, struct wgl_job *j)
{
	struct worker_arg arg = { s, j };
	char label[300];
	pid_t pid;

	j->start_ns = wgl_now_ns();
	wgl_progress_case_start(j->scenario, j->name);
	if (j->skip[0]) {
		double t = wall_s();

		return finish(s, j, parent_case(j, WGL_SKIP, j->skip, t, t), 0, NULL);
	}
	snprintf(label, sizeof(label), "case %s", j->name);
	pid = wgl_worker_spawn(label, worker_main, &arg);
	if (pid < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "cannot start the case's worker: %s", strerror(-pid));
		return finish(s, j, NULL, 0, msg);
	}
	j->pid = pid;
	return 0;
}

/* Kills a worker past its case's deadline and the grace (its case is an error). */
static int watchdog(struct wgl_jobs *s, struct wgl_job *j)
{
	char msg[160];

	if ((double)(wgl_now_ns() - j->start_ns) / 1e9 < j->timeout_s + WATCHDOG_GRACE_S)
		return 1;
	kill(j->pid, SIGKILL);
	wgl_child_wait(j->pid, -1, NULL);
	snprintf(msg, sizeof(msg), "case timed out after %g s (its worker did not end and was "
		 "killed %d s later)", j->timeout_s, WATCHDOG_GRACE_S);
	return finish(s, j, NULL, 0, msg);
}

/*
 * Waits until a running worker ends (or 100 ms pass, for the progress
 * display and the watchdog) and records what ended. The count still
 * running, or -ENOMEM.
 */
static int reap(struct wgl_jobs *s, struct wgl_job **run, int nrun)
{
	struct pollfd fds[64];
	int live = 0;

	for (int i = 0; i < nrun; i++) {
		fds[i].fd = (int)syscall(SYS_pidfd_open, run[i]->pid, 0);
		fds[i].events = POLLIN;
	}
	poll(fds, (nfds_t)nrun, 100);
	for (int i = 0; i < nrun; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	wgl_progress_tick();
	for (int i = 0; i < nrun; i++) {
		int err = 0, status = 0;

		if (!wgl_child_alive(run[i]->pid, &status))
			err = finish(s, run[i], NULL, status, NULL);
		else if ((err = watchdog(s, run[i])) == 1)
			run[live++] = run[i];
		if (err < 0)
			return err;
	}
	return live;
}

/* Next job may start now: a benchmark only alone, nothing beside a benchmark. */
static bool may_start(const struct wgl_jobs *s, const struct wgl_job *next,
		      struct wgl_job *const *run, int nrun)
{
	if (nrun == 0)
		return true;
	if (next->benchmark || run[0]->benchmark)
		return false;
	return nrun < s->max;
}

/*
 * The order jobs start in: the benchmarks first, then the functional cases
 * (each group in job order; the run keeps job order whatever the start
 * order). A benchmark starts only once everything running has ended, so one
 * placed among functional cases idled the other slots while the longest
 * case before it finished (7.5 s of a suite's 4.6 min); a block at the start
 * drains nothing. NULL on ENOMEM.
 */
static size_t *start_order(const struct wgl_jobs *s)
{
	size_t *o = malloc((s->n ? s->n : 1) * sizeof(*o)), k = 0;

	for (int pass = 0; o && pass < 2; pass++)
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].benchmark == (pass == 0))
				o[k++] = i;
	return o;
}

int wgl_jobs_run(struct wgl_jobs *s)
{
	struct wgl_job *run[64];
	size_t next = 0, *order = start_order(s);
	int nrun = 0, err = 0;

	if (!order) {
		wgl_err("jobs: out of memory");
		return -ENOMEM;
	}
	if (s->max > (int)WGL_ARRAY_SIZE(run))
		s->max = (int)WGL_ARRAY_SIZE(run);
	while (err >= 0 && (next < s->n || nrun > 0)) {
		while (err >= 0 && next < s->n && may_start(s, &s->v[order[next]], run, nrun)) {
			struct wgl_job *j = &s->v[order[next++]];

			err = start(s, j);
			if (err >= 0 && j->pid)
				run[nrun++] = j;
		}
		if (err >= 0 && nrun > 0) {
			err = reap(s, run, nrun);
			nrun = err < 0 ? nrun : err;
		}
	}
	/* On ENOMEM the workers still running are stopped: the run ends here. */
	for (int i = 0; i < nrun; i++)
		wgl_child_stop(run[i]->pid, 1000);
	free(order);
	return err < 0 ? err : 0;
}

void wgl_jobs_meta(struct wgl_run *run, int jobs, const struct wgl_jobs *s)
{
	json_t *alone = json_array();

	for (size_t i = 0; s && i < s->n; i++) {
		json_t *name = json_string(s->v[i].scenario);
		size_t k;
		json_t *v;
		bool seen = false;

		if (!s->v[i].benchmark || !name) {
			json_decref(name);
			continue;
		}
		json_array_foreach(alone, k, v)
			seen |= json_equal(v, name);
		if (seen)
			json_decref(name);
		else
			json_array_append_new(alone, name);
	}
	wgl_result_set_meta(run, "jobs", json_pack("{s:i, s:o}", "count", jobs,
						   "benchmarks_alone", alone));
}
