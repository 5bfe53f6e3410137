/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `wglab run`'s own parts: the options, and the scenarios (cli/run_scenarios.c). */
#ifndef WGL_RUN_PRIV_H
#define WGL_RUN_PRIV_H

#include <limits.h>
#include <stdbool.h>

#include <jansson.h>

#include "cli/ab.h"
#include "harness/backends/backend.h"

struct run_opts {
	const char *backend_spec;
	const char *family;
	const char *out;
	const char *suite;
	double timeout;
	bool list, help;
	bool list_cases;                /* --list-cases: print the case ids, run nothing */
	long shard_i, shard_n;          /* --shard I/N; 0/0: every case */
	long jobs;                      /* --jobs N: functional cases at a time (1: serial) */
	json_t *defines;                /* -D key=value */
	const char *userspace;          /* --userspace; NULL: the backend's default */
	char **scenarios;               /* the positionals (argv) */
	int nscenarios;
	struct wgl_backend_matrix matrix;  /* expanded --backend */
	struct wgl_ab_opts ab;          /* --impl, --gate (cli/ab.h) */
};

/* A scenario to run: its script and its declaration, loaded once. */
struct scenario {
	char path[PATH_MAX];
	json_t *meta;
};

/* The scenarios named on the command line, else the suite's; each loaded once. -errno. */
int wgl_run_collect(struct run_opts *o, struct scenario **v, int *n);
void wgl_run_free_scenarios(struct scenario *v, int n);
/* --list: every scenario, its suite, description and parameters. The exit code. */
int wgl_run_list_scenarios(struct run_opts *o);
/* Every script loads and declares itself, and every -D fits a declaration. -EINVAL (said). */
int wgl_run_validate(const struct run_opts *o, const struct scenario *v, int n);

#endif
