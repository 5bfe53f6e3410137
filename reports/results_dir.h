/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layout of the results of runs:
 *
 *   BASE/20250101T120000Z-4242/   one directory per run (UTC time, pid)
 *       result.json junit.xml ...  the reports (wgl_reports_write)
 *       pcaps/  logs/              captures and child logs of the run
 *   BASE/latest -> 20250101T120000Z-4242
 */
#ifndef WGL_RESULTS_DIR_H
#define WGL_RESULTS_DIR_H

#include <stddef.h>

/*
 * Creates BASE (and its parents) and the run directory with pcaps/ and
 * logs/; the run directory's path goes into out. 0 or -errno (reported
 * with the path). BASE/latest does not move yet: see below.
 */
int wgl_results_dir_new(const char *base, char *out, size_t len);
/*
 * Points BASE/latest at the run directory dir (made by wgl_results_dir_new),
 * once dir holds a result.json: latest never leads to a folder without a
 * result. The link is made under a temporary name and renamed over the old
 * one, so a reader never finds latest missing or half made; it is relative,
 * so BASE can be moved or archived whole. 0 or -errno (reported).
 */
int wgl_results_dir_latest(const char *base, const char *dir);

#endif
