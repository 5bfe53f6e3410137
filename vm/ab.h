/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two kernels compared in the kernel lab (`wglab vm --impl NAME=kernel:V`).
 * One VM holds one kernel, so each implementation gets its own boot(s);
 * this module holds what is pure about it: the --impl spec, the boot order,
 * tagging a boot's results with the implementation that made them, and the
 * pairing of cases across implementations for the A/B table.
 *
 * A tagged case is renamed: the backend "kernel" in its name becomes the
 * implementation's name ("connect[kernel,ipv4]" -> "connect[k61,ipv4]"), so
 * each implementation's result is its own case in the merged run, and gets
 * the parameters impl (name), binary ("linux RELEASE") and version (RELEASE).
 * Cases pair up when scenario and name agree with the implementation's name
 * taken out of the name (the pairing key "connect[*,ipv4]").
 */
#ifndef WGL_VM_AB_H
#define WGL_VM_AB_H

#include <stdio.h>

#include "base/result.h"

#define WGL_LAB_AB_IMPLS 2

/* One --impl NAME=kernel[:VERSION]. */
struct wgl_ab_impl {
	char name[32];
	char version[32];       /* "6.12"; "" = the default kernel */
	char spec[48];          /* "kernel:6.12", as recorded in the results */
};

/* Parses "NAME=kernel" or "NAME=kernel:VERSION". 0 or -EINVAL. */
int wgl_ab_parse_impl(const char *arg, struct wgl_ab_impl *out);
/*
 * Index into the implementations of boot i of rounds x 2 boots: A B, then
 * B A, and so on (ABBA), so a drift of the host over the run hits both.
 */
size_t wgl_ab_boot_impl(size_t i);
/*
 * Replaces every backend token equal to from inside the brackets of a case
 * name ("s[a:b,fam]") by to. 0, or -ENOSPC.
 */
int wgl_ab_rename(const char *name, const char *from, const char *to, char *out, size_t len);
/* Tags every case of run (one boot's results) with impl; records it in run->impls. */
int wgl_ab_tag_run(struct wgl_run *run, const struct wgl_ab_impl *impl, const char *release);

/* One metric of one case key: the values of A and of B (over all boots). */
struct wgl_ab_row {
	char *scenario, *key, *metric, *unit;
	char *family;           /* of the cases, NULL when they have none */
	enum wgl_better better;
	double *v[2];           /* [0] = A, [1] = B, in the order measured */
	size_t n[2];
	/*
	 * The median of each boot, in boot order: round k's pair is
	 * (round[0][k], round[1][k]), what a paired comparison takes.
	 */
	double *round[2];
	size_t nround[2];
};

struct wgl_ab_table {
	struct wgl_ab_row *rows;
	size_t n;
};

/*
 * Builds the rows of a merged run for implementations a and b (cases and
 * their `also` results whose impl parameter names them). Values are in
 * boot order (the merged run's sources), so with --rounds the k-th value
 * of A and of B come from neighbouring boots of one round when every boot
 * measured the same number of repetitions. 0 or -ENOMEM.
 */
int wgl_ab_pairs(const struct wgl_run *run, const char *a, const char *b,
		 struct wgl_ab_table *t);
void wgl_ab_table_free(struct wgl_ab_table *t);
/*
 * Adds to run one comparison (base/result.h) per row of t with a direction:
 * the per-boot medians paired round by round, A = a, B = b, at confidence
 * (0: 0.95), so `--gate` and the reports judge the lab's rounds as they do
 * `wglab run --impl` rounds. 0 or -ENOMEM.
 */
int wgl_ab_table_comparisons(const struct wgl_ab_table *t, struct wgl_run *run, const char *a,
			     const char *b, double confidence);
/*
 * A plain Markdown table: medians, change of B against A, value counts and
 * the paired verdict over the rounds at confidence (0: 0.95).
 */
void wgl_ab_print(const struct wgl_ab_table *t, const char *a, const char *b, double confidence,
		  FILE *f);

#endif
