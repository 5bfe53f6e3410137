/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to base/result*.c: helpers the builders and the JSON edge share. */
#ifndef WGL_RESULT_PRIV_H
#define WGL_RESULT_PRIV_H

#include <stddef.h>

#include "base/result.h"

/* Copy of s with invalid UTF-8 replaced by U+FFFD; NULL for NULL (or ENOMEM). */
char *wgl_result_text_dup(const char *s);
/* Appends one zeroed element of size to arr (*n grows); NULL on ENOMEM (arr kept). */
void *wgl_result_grow(void *arr, size_t *n, size_t size);
/* The (emptied) metric called name in c, appended if new; NULL on ENOMEM. */
struct wgl_metric *wgl_result_metric_slot(struct wgl_case *c, const char *name);
/* True for keys of the run object the model writes itself (not run->extra). */
bool wgl_result_typed_key(const char *key);
/* Verdict of a name, or -1. */
int wgl_result_verdict_parse(const char *s);

/* base/result_ab.c: the per-case nodes, comparisons and gates, freed and in JSON. */
void wgl_result_nodes_free(struct wgl_case *c);
void wgl_result_ab_free(struct wgl_run *run);
json_t *wgl_result_nodes_json(const struct wgl_case *c);
/* Adds "comparisons" and "gates" to the run object o when the run has any. */
void wgl_result_ab_json(const struct wgl_run *run, json_t *o);
void wgl_result_nodes_load(struct wgl_case *c, const json_t *a);
void wgl_result_ab_load(struct wgl_run *run, const json_t *j);

/* base/result_host.c: the per-case host figures, freed, in JSON and loaded. */
void wgl_result_hosts_free(struct wgl_case *c);
/* Adds "hosts" to the case object o when the case has any. */
void wgl_result_hosts_json(const struct wgl_case *c, json_t *o);
void wgl_result_hosts_load(struct wgl_case *c, const json_t *a);

#endif
