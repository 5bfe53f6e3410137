/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The public face of reports/: render a run's result model into every
 * output format. The emitters themselves are internal (reports/reports.h).
 */
#ifndef WGL_REPORTS_WRITE_H
#define WGL_REPORTS_WRITE_H

#include "base/result.h"

/*
 * Writes result.json, junit.xml, summary.md, report.html and
 * benchmark.json into dir (created if needed). 0 or -errno.
 */
int wgl_reports_write(struct wgl_run *run, const char *dir);

#endif
