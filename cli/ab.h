/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A/B comparison in one run (`wglab run --impl A=... --impl B=... --gate ...`):
 * the named implementations, the interleaved (ABBA) repetitions of the A:A
 * and B:B cases, their paired comparison and the gates on it.
 */
#ifndef WGL_CLI_AB_H
#define WGL_CLI_AB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "harness/backends/backend.h"

struct wgl_case;
struct wgl_run;

#define WGL_AB_MAX_IMPLS 8
#define WGL_AB_MAX_GATES 16

struct wgl_ab_gate {
	char spec[96];          /* as given */
	char metric[64];
	char op;                /* '<': trips when the interval lies below pct; '>': above */
	double pct;
};

struct wgl_ab_opts {
	struct wgl_impl_def impls[WGL_AB_MAX_IMPLS];
	size_t nimpls;
	struct wgl_ab_gate gates[WGL_AB_MAX_GATES];
	size_t ngates;
	double confidence;      /* --confidence; 0: 0.95 */
};

/* --impl NAME=TEMPLATE; -EINVAL after printing why (duplicate names included). */
int wgl_ab_opt_impl(struct wgl_ab_opts *ab, const char *arg);
/* --gate METRIC<PCT% or METRIC>PCT%; -EINVAL after printing why. */
int wgl_ab_opt_gate(struct wgl_ab_opts *ab, const char *arg);
/* --confidence LEVEL of the intervals (0.5 to 0.999); -EINVAL after printing why. */
int wgl_ab_opt_confidence(struct wgl_ab_opts *ab, const char *arg);
/* 0 when the options fit together (a gate needs two implementations); else -EINVAL, printed. */
int wgl_ab_check(const struct wgl_ab_opts *ab);

/* The side (0 = A, 1 = B) that runs j-th (0 or 1) in round k: A B, B A, A B, ... */
int wgl_ab_side(size_t round, int j);
/* 0 for A:A, 1 for B:B (the first two --impl names), -1 for any other pair. */
int wgl_ab_pair_side(const struct wgl_ab_opts *ab, const struct wgl_backend_pair *bp);
/*
 * Whether a scenario's A:A and B:B cases run interleaved: two --impl names
 * whose pairs are both in m, and a scenario that repeats its measurements
 * (meta declares a `reps` parameter).
 */
bool wgl_ab_interleaves(const struct wgl_ab_opts *ab, const struct wgl_backend_matrix *m,
			const json_t *meta);

/* What the interleaving needs of the runner. */
struct wgl_ab_rep_ops {
	void *ctx;
	/* Runs rep's case once with params (reps = 1) into rep; label names that run. */
	void (*run)(void *ctx, struct wgl_case *rep, json_t *params, const char *label);
	/* Called after each round is merged (to save the partial result). */
	void (*saved)(void *ctx);
};

/*
 * Runs the cases c[0] (A:A) and c[1] (B:B), whose parameters are params[],
 * interleaved: `reps` rounds of one repetition each, ABBA, each a fresh
 * case run merged into its case (wgl_ab_merge); then the comparisons go
 * into run at the given confidence (0: 0.95).
 */
void wgl_ab_interleave(const struct wgl_ab_rep_ops *ops, struct wgl_run *run,
		       struct wgl_case *const c[2], json_t *const params[2], double confidence);

/* The values of the rounds of one A:A / B:B interleaving; opaque. */
struct wgl_ab_rounds;

struct wgl_ab_rounds *wgl_ab_rounds_new(size_t nrounds);
/*
 * Merges rep (one round's case run of side 0 = A or 1 = B) into its case
 * dst: checks and messages prefixed "round K: ", metric values appended,
 * artifacts and nodes kept; each metric's median of the round is kept as
 * that round's figure for the comparison.
 */
void wgl_ab_merge(struct wgl_ab_rounds *st, struct wgl_case *dst, const struct wgl_case *rep,
		  int side, size_t round);
/* Adds the comparison of every metric with a direction to run (at confidence), frees st. */
void wgl_ab_rounds_finish(struct wgl_ab_rounds *st, struct wgl_run *run,
			  struct wgl_case *const c[2], const char *impl_a, const char *impl_b,
			  double confidence);

/* Judges every gate on run's comparisons into run->gates; true when one tripped. */
bool wgl_ab_gates(const struct wgl_ab_opts *ab, struct wgl_run *run);

#endif
