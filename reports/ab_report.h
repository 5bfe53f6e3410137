/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The A/B section of the reports: each paired comparison (paired
 * differences, Hodges-Lehmann estimate with its Wilcoxon interval, the
 * verdict) and each gate, on the console, in Markdown, HTML and JUnit.
 * Nothing is written for a run without comparisons or gates.
 */
#ifndef WGL_AB_REPORT_H
#define WGL_AB_REPORT_H

#include <stdio.h>

#include "base/result.h"

void wgl_ab_report_print(const struct wgl_run *run, FILE *f);
void wgl_ab_report_markdown(const struct wgl_run *run, FILE *f);
void wgl_ab_report_html(const struct wgl_run *run, FILE *f);
/* A <testsuite name="gates"> with one <testcase> per gate, named after it. */
void wgl_ab_report_junit(const struct wgl_run *run, FILE *f);
/* The gates' JUnit counts, to add to the root's. */
void wgl_ab_report_junit_counts(const struct wgl_run *run, int *tests, int *failures,
				int *skipped);

#endif
