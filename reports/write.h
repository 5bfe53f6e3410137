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
/*
 * Writes only dir/result.json (summary recounted), through a temporary name
 * renamed into place: what a run saves after each case, so that a run
 * stopped in any way leaves the cases it finished. 0 or -errno (reported
 * once with the path).
 */
int wgl_reports_write_result(struct wgl_run *run, const char *dir);

/*
 * How the run's cases were scheduled (its "jobs" metadata), for humans:
 * "2 cases at a time; benchmark cases ran alone (throughput, many-peers)".
 * NULL when the run does not say (older runs, bench, merged runs).
 */
const char *wgl_reports_jobs_text(const struct wgl_run *run, char *buf, size_t len);

#endif
