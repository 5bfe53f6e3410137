/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live progress of a run for humans. On a terminal: one line rewritten in
 * place (scenario, case, elapsed time) and a coloured verdict line per
 * finished case. Otherwise (CI logs): plain "RUN"/verdict lines, plus a
 * "still running" line every 30 s so a log shows the run is alive.
 * Single-threaded: the runner calls these from its own thread.
 */
#ifndef WGL_PROGRESS_H
#define WGL_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/result.h"

/*
 * Where progress goes (default: stderr, live if it is a tty). Colour is
 * used on a live terminal unless NO_COLOR is set. Tests pass a memstream.
 */
void wgl_progress_set_output(FILE *f, bool live);
void wgl_progress_case_start(const char *scenario, const char *name);
/* Ends the current case; msg may be NULL. */
void wgl_progress_case_end(enum wgl_verdict v, const char *msg);
/*
 * Ends a case named here, not the current one: with several cases at once
 * (wglab run --jobs) they finish in any order. On a terminal the live line
 * is drawn again for the case started last, if it still runs.
 */
void wgl_progress_case_done(const char *scenario, const char *name, enum wgl_verdict v,
			    const char *msg, double seconds);
/* Call often while a case runs (cheap: redraws at most every 100 ms). */
void wgl_progress_tick(void);

#endif
