/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to reports/: the data behind the three plots, pulled out of a
 * result model once, and the SVG writer that draws it (one renderer on
 * every host, the kernel lab included: no external plotting tool).
 */
#ifndef WGL_PLOT_H
#define WGL_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/reports.h"

/*
 * One throughput figure: the median with the min..max whisker, in Mbit/s.
 * An underlay figure (a metric named underlay_*, or the backend "none") is
 * drawn as a reference line, not a bar: it would flatten the tunnel bars.
 */
struct wgl_bar {
	char label[128];   /* the case within its group: "throughput ipv4", or its name */
	int group;         /* index into wgl_plot_data.groups */
	int metric;        /* index into wgl_plot_data.metrics (the bar's colour) */
	size_t case_no;    /* the case's index in the run: bars of one case sit together */
	bool underlay;
	double value, lo, hi;
};

/* A named list of numbers: latency samples (ms) or handshake times (s). */
struct wgl_series {
	char label[160];
	double *v;         /* sorted ascending */
	size_t n;
};

#define WGL_PLOT_MAX_GROUPS 16

/*
 * One case of loss-connect's steady-loss sweep: TCP throughput (Mbit/s, 0
 * when there was none) and whether the handshake completed, per loss rate.
 */
#define WGL_LOSS_MAX_RATES 16
struct wgl_loss_line {
	char label[160];
	double rate[WGL_LOSS_MAX_RATES], mbit[WGL_LOSS_MAX_RATES];
	bool handshake[WGL_LOSS_MAX_RATES];
	int n;             /* sorted by rate */
};

struct wgl_plot_data {
	struct wgl_bar *bars;
	size_t nbars;
	char groups[WGL_PLOT_MAX_GROUPS][64]; /* backend pair of a bar's case */
	int ngroups;
	char metrics[WGL_PLOT_MAX_GROUPS][64]; /* names of the tunnel metrics drawn as bars */
	int nmetrics;
	struct wgl_series *cdf;
	size_t ncdf;
	struct wgl_series *hs;
	size_t nhs;
	struct wgl_loss_line *loss;
	size_t nloss;
};

/* Fewest samples a latency metric needs to be drawn as a CDF. */
#define WGL_CDF_MIN_VALUES 10

int wgl_plot_data_collect(const struct wgl_run *run, struct wgl_plot_data *d);
void wgl_plot_data_free(struct wgl_plot_data *d);
/* True if the data has anything to draw for kind k. */
int wgl_plot_has_data(const struct wgl_plot_data *d, enum wgl_plot_kind k);

/* A malloc'd "<svg ...>...</svg>" drawing kind k, or NULL on ENOMEM. */
char *wgl_svg_render(const struct wgl_plot_data *d, enum wgl_plot_kind k);

/* The fixed colour of series/metric i. */
const char *wgl_plot_colour(int i);

#endif
