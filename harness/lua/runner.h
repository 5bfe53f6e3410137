/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scenario runner: loads a scenario script's declaration, and runs one
 * case of it in a fresh Lua state whose closing tears down everything the
 * case built. C measures, Lua decides.
 */
#ifndef WGL_RUNNER_H
#define WGL_RUNNER_H

#include <jansson.h>

#include "base/result.h"

struct wgl_backend_config;

/*
 * Reads the scenario{} declaration of the script at path without running a
 * case. Returns a new JSON object {name, description, suite, topology,
 * families, params, timeout}, or NULL after printing "path:line: error".
 */
json_t *wgl_scenario_meta(const char *path);

/*
 * Runs one case: params (borrowed) become the `case` table passed to the
 * script's run(case); checks and metrics land in the case result c; dir is
 * the case's artifacts directory; wg (may be NULL: defaults) configures the
 * WireGuard backends the script creates. Script errors become an error
 * verdict with file:line and traceback, never a crash. Returns the verdict.
 */
enum wgl_verdict wgl_scenario_run_case(const char *path, struct wgl_run *run,
				       struct wgl_case *c, json_t *params, const char *dir,
				       double timeout_s, const struct wgl_backend_config *wg);

/*
 * Called often while a case's script runs (from a Lua count hook), so the
 * layer above can show live progress without the engine knowing about it.
 * NULL turns it off.
 */
void wgl_runner_on_tick(void (*tick)(void));

#endif
