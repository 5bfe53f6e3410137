/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `wglab run --jobs N`: several cases at once, each in a worker process.
 *
 * The runner plans the cases in the order a serial run takes them; the
 * scheduler starts up to N functional cases at a time and a benchmark case
 * only when nothing else runs, and starts nothing beside it. The finished
 * cases go into the run in the planned order, whatever order they end in,
 * so result.json lists them exactly as a serial run does.
 */
#ifndef WGL_CLI_JOBS_H
#define WGL_CLI_JOBS_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#include "base/result.h"

struct wgl_job {
	/* planned by the runner */
	const char *scenario;           /* the scenario's name */
	char name[256];
	struct wgl_case_ident id;       /* points into the backend matrix */
	json_t *params;                 /* owned: freed by wgl_jobs_free() */
	const void *sc;                 /* the runner's scenario */
	int number;                     /* its cases/NNNN- directory (not for skips) */
	char skip[512];                 /* why it cannot run here, or "" */
	bool benchmark;                 /* measures performance: runs alone */
	double timeout_s;               /* the case's own deadline */
	/* the scheduler's */
	pid_t pid;                      /* its worker while it runs, else 0 */
	long long start_ns;
	bool done;
};

struct wgl_jobs {
	int max;                        /* functional cases at a time, >= 2 */
	struct wgl_run *run;            /* the cases go in here, in job order */
	const char *dir;                /* the run's directory */
	/*
	 * Runs job j into c (of run, the worker's own run) in the calling
	 * process, a worker: everything the case makes lives and dies there.
	 */
	void (*run_case)(void *ctx, const struct wgl_job *j, struct wgl_run *run,
			 struct wgl_case *c);
	/* In the parent, after each case went into the run (metrics, result.json). */
	void (*done)(void *ctx, const struct wgl_case *c);
	void *ctx;
	struct wgl_job *v;
	size_t n, cap;
};

/* Appends a job (zeroed, timeout 600 s) to s; NULL on ENOMEM. */
struct wgl_job *wgl_jobs_add(struct wgl_jobs *s);
/* Runs every job; 0, or -ENOMEM when a case could not be recorded (reported). */
int wgl_jobs_run(struct wgl_jobs *s);
void wgl_jobs_free(struct wgl_jobs *s);
/*
 * Records how the run was scheduled in its metadata ("jobs"): jobs cases
 * at a time, and the scenarios that ran alone. s may be NULL (serial run).
 */
void wgl_jobs_meta(struct wgl_run *run, int jobs, const struct wgl_jobs *s);

#endif
