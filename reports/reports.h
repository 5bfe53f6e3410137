/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to reports/: the emitters wgl_reports_write() (base/result.h)
 * runs over one result model, and the helpers they share. Every emitter
 * reads only the typed model (base/result.h), so `wglab report` can
 * re-render any result.json that wgl_result_load() accepts.
 */
#ifndef WGL_REPORTS_H
#define WGL_REPORTS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/result.h"

enum wgl_plot_kind { WGL_PLOT_THROUGHPUT, WGL_PLOT_LATENCY_CDF, WGL_PLOT_HANDSHAKES, WGL_PLOT_LOSS,
		     WGL_PLOT_N };

/* Rendered plots: svg[k] is a complete <svg> element, NULL when there is no data. */
struct wgl_plots {
	char *svg[WGL_PLOT_N];
};

/* File stem ("throughput") and human title of a plot kind. */
const char *wgl_plot_name(enum wgl_plot_kind k);
const char *wgl_plot_title(enum wgl_plot_kind k);

/*
 * Renders every plot that has data with the built-in SVG writer. Never
 * fails the report: a plot that cannot be drawn is left NULL with a warning.
 */
void wgl_plots_render(const struct wgl_run *run, struct wgl_plots *p);
void wgl_plots_free(struct wgl_plots *p);

/* Each writes one format to f; 0 or -errno (f's error state). */
int wgl_write_junit(const struct wgl_run *run, FILE *f);
int wgl_write_markdown(const struct wgl_run *run, const struct wgl_plots *p, FILE *f);
int wgl_write_html(const struct wgl_run *run, const struct wgl_plots *p, FILE *f);
/* github-action-benchmark "custom" list of the metrics whose better is `better`. */
int wgl_write_benchmark(const struct wgl_run *run, const char *better, FILE *f);
/* Bencher Metric Format. */
int wgl_write_bencher(const struct wgl_run *run, FILE *f);

/*
 * Writes s as XML character data (attr: as an attribute value). Characters
 * XML 1.0 cannot carry even as references (controls other than tab/LF/CR,
 * U+FFFE/U+FFFF) are written as visible "\xNN" text; invalid UTF-8 as U+FFFD.
 */
void wgl_fputs_xml(FILE *f, const char *s, bool attr);

/* Writes s as text of a Markdown table cell: nothing in s ends the cell or starts markup. */
void wgl_fputs_md(FILE *f, const char *s);

/* "scenario/name" of a case into buf. */
const char *wgl_case_id(const struct wgl_case *c, char *buf, size_t len);
/*
 * The results of case c a per-result report (JUnit, the tracker files)
 * lists: c, and in a merged run every other source's result of it (c->also)
 * except the skips a real result replaced. Into out (up to max); the count.
 */
size_t wgl_case_results(const struct wgl_case *c, const struct wgl_case **out, size_t max);
/*
 * The name of result r of case c: r's name, and in a merged run the label
 * of r's source in parentheses ("connect[kernel:kernel,ipv4] (lab)"), with
 * the source's number when another result of c has the same label.
 */
const char *wgl_result_name(const struct wgl_run *run, const struct wgl_case *c,
			    const struct wgl_case *r, char *buf, size_t len);
/* The source of result r in a merged run, or NULL. */
const struct wgl_source *wgl_result_source(const struct wgl_run *run, const struct wgl_case *r);
/* The backend pair "a:b" (or the single backend "a") of a case; dflt when it has none. */
const char *wgl_case_backends(const struct wgl_case *c, const char *dflt, char *buf, size_t len);
/* "backend_a=kernel backend_b=userspace family=ipv4 streams=4": identity and params. */
const char *wgl_fmt_params(const struct wgl_case *c, char *buf, size_t len);
/* Formats a number compactly (%.4g, or an integer when it is one); "-" for NaN. */
const char *wgl_fmt_num(double d, char *buf, size_t len);

#endif
