/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tables of figures particular to one scenario, in summary.md and
 * report.html after the plots: the largest inner packet that crossed a
 * small-MTU hop per backend pair and family (scenario mtu), and each
 * impairment asked against what the wire measured (scenario impairment).
 * Nothing is printed for a run without those scenarios.
 */
#ifndef WGL_TABLES_H
#define WGL_TABLES_H

#include <stdio.h>

#include "base/result.h"

void wgl_tables_markdown(const struct wgl_run *run, FILE *f);
void wgl_tables_html(const struct wgl_run *run, FILE *f);

#endif
