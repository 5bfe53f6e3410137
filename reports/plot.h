/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to reports/: the data behind the three plots, pulled out of a
 * result model once, and the two renderers (gnuplot child, built-in SVG)
 * that draw it. Both renderers return a malloc'd "<svg ...>...</svg>".
 */
#ifndef WGL_PLOT_H
#define WGL_PLOT_H

#include <stddef.h>

#include "reports/reports.h"

/* One throughput bar: the median with the min..max whisker, in Mbit/s. */
struct wgl_bar {
	char label[128];
	int group;         /* index into wgl_plot_data.groups */
	double value, lo, hi;
};

/* A named list of numbers: latency samples (ms) or handshake times (s). */
struct wgl_series {
	char label[160];
	double *v;         /* sorted ascending */
	size_t n;
};

#define WGL_PLOT_MAX_GROUPS 16

struct wgl_plot_data {
	struct wgl_bar *bars;
	size_t nbars;
	char groups[WGL_PLOT_MAX_GROUPS][64]; /* backend pair of a bar's case */
	int ngroups;
	struct wgl_series *cdf;
	size_t ncdf;
	struct wgl_series *hs;
	size_t nhs;
};

/* Fewest samples a latency metric needs to be drawn as a CDF. */
#define WGL_CDF_MIN_VALUES 10

int wgl_plot_data_collect(const struct wgl_run *run, struct wgl_plot_data *d);
void wgl_plot_data_free(struct wgl_plot_data *d);
/* True if the data has anything to draw for kind k. */
int wgl_plot_has_data(const struct wgl_plot_data *d, enum wgl_plot_kind k);

char *wgl_svg_render(const struct wgl_plot_data *d, enum wgl_plot_kind k);
/* NULL (with a warning) if gnuplot is missing or fails. */
char *wgl_gnuplot_render(const struct wgl_plot_data *d, enum wgl_plot_kind k, int seq);

/* The fixed colour of series/group i, shared by both renderers. */
const char *wgl_plot_colour(int i);

#endif
