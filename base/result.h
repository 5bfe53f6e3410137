/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The result model: one JSON document per run (schema "wglab-result/1",
 * documented in docs/result-schema.md). Everything a run reports is added
 * here and every report (JSON, JUnit, Markdown, HTML, tracker JSON, compare)
 * is rendered from it. The handles are jansson objects owned by the run.
 */
#ifndef WGL_RESULT_H
#define WGL_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "base/stats.h" /* wgl_median() of the metrics */

enum wgl_verdict { WGL_PASS, WGL_FAIL, WGL_SKIP, WGL_ERROR };

/* New run with metadata (host, kernel, CPU, cores, wglab version, time). */
json_t *wgl_result_new(void);
/* Sets run.<key> = value (value is stolen). */
void wgl_result_set_meta(json_t *run, const char *key, json_t *value);
/*
 * Records an implementation that ran: run.implementations[backend] =
 * { command, binary, version }. Calling again with the same values is a no-op.
 */
void wgl_result_add_impl(json_t *run, const char *backend, const char *command,
			 const char *binary, const char *version);

/* Appends a case; params is stolen (may be NULL). Verdict starts as pass. */
json_t *wgl_case_new(json_t *run, const char *scenario, const char *name, json_t *params);
/* Final verdict; message may be NULL. A later FAIL/ERROR never turns into PASS. */
void wgl_case_verdict(json_t *c, enum wgl_verdict v, const char *message);
/* One assertion: name, outcome, human detail. A failed check fails the case. */
void wgl_case_check(json_t *c, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * A metric measured n times (n >= 1): stores values, median, min, max.
 * better is "higher", "lower" or NULL (informational, never a regression).
 */
void wgl_case_metric(json_t *c, const char *name, const char *unit,
		     const double *values, size_t n, const char *better);
void wgl_case_artifact(json_t *c, const char *kind, const char *path);
void wgl_case_duration(json_t *c, double seconds);
enum wgl_verdict wgl_case_get_verdict(const json_t *c);
/* "pass", "fail", "skip" or "error". */
const char *wgl_verdict_name(enum wgl_verdict v);

/* Recomputes run.summary {passed, failed, skipped, errors}. */
void wgl_result_finish(json_t *run);

/*
 * Loads and checks a result.json written by wgl_reports_write(). On error
 * returns NULL and puts one line into err naming the file and the problem
 * ("FILE:LINE:COL: jansson's message", or the field that is wrong).
 */
json_t *wgl_result_load(const char *path, char *err, size_t errlen);

#endif
