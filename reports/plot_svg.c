// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in SVG renderer, used when gnuplot is absent or fails: plain
 * shapes and text only (no ids, no scripts, no external references), so
 * the result can be inlined any number of times into one HTML page.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/plot.h"

#define W 900
#define H 420
#define ML 80  /* left margin: y tick labels */
#define MR 20
#define MT 50  /* top: title and legend */
#define MB 110 /* bottom: rotated bar labels, x axis title */

struct frame {
	FILE *f;
	double x0, x1, y0, y1; /* data ranges */
};

static double px(const struct frame *fr, double x)
{
	return ML + (x - fr->x0) / (fr->x1 - fr->x0) * (W - ML - MR);
}

static double py(const struct frame *fr, double y)
{
	return H - MB - (y - fr->y0) / (fr->y1 - fr->y0) * (H - MT - MB);
}

/* A round tick step giving about five intervals over span. */
static double nice_step(double span)
{
	double raw = span / 5, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

/* Widens [*lo, *hi] to whole tick steps (and to a non-empty range). */
static void nice_range(double *lo, double *hi)
{
	double step;

	if (!(*hi > *lo))
		*hi = *lo + (*lo ? fabs(*lo) : 1);
	step = nice_step(*hi - *lo);
	*lo = floor(*lo / step) * step;
	*hi = ceil(*hi / step) * step;
}

static void text(FILE *f, double x, double y, const char *anchor, const char *extra,
		 const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, extra);
	wgl_fputs_xml(f, s, false);
	fputs("</text>\n", f);
}

/* Frame, grid and tick labels; a timeline's rows have no meaningful y ticks. */
static void axes(const struct frame *fr, const char *xlabel, const char *ylabel, bool xticks,
		 bool yticks)
{
	FILE *f = fr->f;
	double step, v;
	char buf[32];

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#444\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	step = nice_step(fr->y1 - fr->y0);
	for (v = fr->y0; yticks && v <= fr->y1 + step / 2; v += step) {
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			ML, W - MR, py(fr, v), py(fr, v));
		snprintf(buf, sizeof(buf), "%g", fabs(v) < step / 1e6 ? 0 : v);
		text(f, ML - 6, py(fr, v) + 4, "end", "", buf);
	}
	step = nice_step(fr->x1 - fr->x0);
	for (v = fr->x0; xticks && v <= fr->x1 + step / 2; v += step) {
		snprintf(buf, sizeof(buf), "%g", fabs(v) < step / 1e6 ? 0 : v);
		text(f, px(fr, v), H - MB + 16, "middle", "", buf);
	}
	text(f, (ML + W - MR) / 2.0, H - 12, "middle", "", xlabel);
	fprintf(f, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">",
		(MT + H - MB) / 2);
	wgl_fputs_xml(f, ylabel, false);
	fputs("</text>\n", f);
}

static void legend(FILE *f, int i, const char *label)
{
	double x = ML + 10 + (i % 3) * 270, y = 30 + (i / 3) * 14;

	if (i >= 6)
		return; /* more entries than room: colours repeat, the tables have the rest */
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", x,
		y - 9, wgl_plot_colour(i));
	text(f, x + 14, y, "start", "font-size=\"11\"", label);
}

static void bars(const struct wgl_plot_data *d, FILE *f)
{
	struct frame fr = { f, 0, (double)d->nbars, 0, 0 };
	double slot = (double)(W - ML - MR) / d->nbars;
	size_t i;
	int g;

	for (i = 0; i < d->nbars; i++)
		fr.y1 = fmax(fr.y1, fmax(d->bars[i].hi, d->bars[i].value));
	nice_range(&fr.y0, &fr.y1);
	axes(&fr, "case", "Mbit/s (median, min..max)", false, true);
	for (i = 0; i < d->nbars; i++) {
		const struct wgl_bar *b = &d->bars[i];
		double x = ML + i * slot, cx = x + slot / 2;

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>", x + slot * 0.15, py(&fr, b->value), slot * 0.7,
			py(&fr, 0) - py(&fr, b->value), wgl_plot_colour(b->group));
		wgl_fputs_xml(f, b->label, false);
		fprintf(f, ": %.4g Mbit/s</title></rect>\n", b->value);
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
			"stroke-width=\"2\"/>\n", cx, cx, py(&fr, b->lo), py(&fr, b->hi));
		fprintf(f, "<text transform=\"translate(%.1f,%d) rotate(-35)\" text-anchor=\"end\" "
			"font-size=\"11\">", cx, H - MB + 14);
		wgl_fputs_xml(f, b->label, false);
		fputs("</text>\n", f);
	}
	for (g = 0; g < d->ngroups; g++)
		legend(f, g, d->groups[g]);
}

static void series_xrange(const struct wgl_series *s, size_t n, struct frame *fr)
{
	size_t i;

	fr->x0 = INFINITY, fr->x1 = -INFINITY;
	for (i = 0; i < n; i++) {
		if (!s[i].n)
			continue;
		fr->x0 = fmin(fr->x0, s[i].v[0]);
		fr->x1 = fmax(fr->x1, s[i].v[s[i].n - 1]);
	}
	if (!isfinite(fr->x0))
		fr->x0 = 0, fr->x1 = 1;
	fr->x0 = fmin(fr->x0, 0);
	nice_range(&fr->x0, &fr->x1);
}

static void cdf(const struct wgl_plot_data *d, FILE *f)
{
	struct frame fr = { f, 0, 0, 0, 1 };
	size_t i, j;

	series_xrange(d->cdf, d->ncdf, &fr);
	axes(&fr, "latency (ms)", "fraction of samples", true, true);
	for (i = 0; i < d->ncdf; i++) {
		const struct wgl_series *s = &d->cdf[i];

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			wgl_plot_colour((int)i));
		fprintf(f, "%.1f,%.1f", px(&fr, s->v[0]), py(&fr, 0));
		for (j = 0; j < s->n; j++)
			fprintf(f, " %.1f,%.1f %.1f,%.1f", px(&fr, s->v[j]),
				py(&fr, (double)j / s->n), px(&fr, s->v[j]),
				py(&fr, (double)(j + 1) / s->n));
		fputs("\"/>\n", f);
		legend(f, (int)i, s->label);
	}
}

static void timeline(const struct wgl_plot_data *d, FILE *f)
{
	struct frame fr = { f, 0, 0, 0, (double)d->nhs + 1 };
	size_t i, j;

	series_xrange(d->hs, d->nhs, &fr);
	axes(&fr, "time (s)", "", true, false);
	for (i = 0; i < d->nhs; i++) {
		const struct wgl_series *s = &d->hs[i];
		double y = py(&fr, (double)(d->nhs - i));

		text(f, ML + 6, y - 8, "start", "font-size=\"11\"", s->label);
		for (j = 0; j < s->n; j++)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n",
				px(&fr, s->v[j]), y, wgl_plot_colour((int)i));
	}
}

char *wgl_svg_render(const struct wgl_plot_data *d, enum wgl_plot_kind k)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", W, H, W, H);
	text(f, W / 2.0, 18, "middle", "font-size=\"15\" font-weight=\"bold\"",
	     wgl_plot_title(k));
	if (k == WGL_PLOT_THROUGHPUT)
		bars(d, f);
	else if (k == WGL_PLOT_LATENCY_CDF)
		cdf(d, f);
	else
		timeline(d, f);
	fputs("</svg>\n", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
