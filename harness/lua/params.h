/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scenario parameters as a scenario declares them in scenario{ params = ... }:
 * each entry is either a plain default (`reps = 3`: the type is the
 * default's) or a declaration table (`reps = { default = 3, min = 1,
 * max = 1000 }`, `how = { default = "link", one_of = { "link", "addr" } }`,
 * optional `type` = "integer" | "number" | "string" | "boolean" | "list"
 * (a comma-separated list of numbers, each within min..max), optional
 * `description`).
 * `wglab run -D KEY=VALUE` values are checked against them before a run
 * starts. decl is the JSON form of the params table (wgl_scenario_meta()).
 */
#ifndef WGL_PARAMS_H
#define WGL_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* The default of each declared parameter: a new object {key: value}. */
json_t *wgl_params_defaults(const json_t *decl);

/*
 * Checks the declaration itself (known type, min <= max, the default within
 * its own range): 0, or -EINVAL with "KEY: why" in err.
 */
int wgl_params_check_decl(const json_t *decl, char *err, size_t len);

/*
 * Checks value against key's declaration: 0; -ENOENT when decl does not
 * declare key; -EINVAL with "must be an integer in 1..1000" (what the value
 * must be) in err.
 */
int wgl_params_check(const json_t *decl, const char *key, const json_t *value, char *err,
		     size_t len);

/*
 * Whether a declaration entry bounds its values: a boolean, a one_of, or a
 * number, integer or list with both min and max. A plain default is not.
 */
bool wgl_params_bounded(const json_t *entry);

/* "default 3, an integer in 1..1000: connects measured" for one entry, into buf. */
void wgl_params_describe(const json_t *entry, char *buf, size_t len);
/* One line per parameter, sorted by name: "    -D reps           default 3, ...". */
void wgl_params_print(FILE *f, const json_t *decl);

#endif
