// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SVG writer, the one renderer of every plot on every host (the kernel
 * lab has no plotting tool, and one renderer means one look). Plain shapes
 * and text only (no ids, no scripts, no external references), so the result
 * can be inlined any number of times into one HTML page.
 *
 * There is no text measurement in C, so the layout sizes every label from
 * its length (code points x font size x CHAR_EM, wide enough for DejaVu
 * Sans digits) and grows the margins and the canvas to fit: no label is
 * clipped, and the legend gets its own box right of (or below) the data
 * area, never over it. The classes plot-area, legend-box, group and
 * case-label mark the parts a reader (and the layout test) looks for.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "reports/plot.h"

#define CHAR_EM 0.66     /* estimated advance of one character, in font sizes */
#define FS 12            /* default font size */
#define FS_SMALL 11      /* tick, case and legend labels */
#define TITLE_FS 15
#define PH 300           /* height of the data area */
#define LEGEND_MAX 20    /* legend entries shown; the rest are counted */
#define LEGEND_RIGHT_MAX 320 /* a wider legend goes below the data area */
#define ROT 40           /* degrees a case label turns when it is wider than its bars */
#define OFF_SCALE 3      /* an underlay above this many times the top tunnel figure */

/* The canvas: data area at (ml, mt) of pw x ph, legend box at (lx, ly) of lw x lh. */
struct frame {
	FILE *f;
	double w, h, ml, mt, pw, ph;
	double lx, ly, lw, lh;
	double top;            /* extra room over the data area (off-scale marks) */
	double x0, x1, y0, y1; /* data ranges */
};

struct legend {
	const char *label[LEGEND_MAX + 1];
	const char *colour[LEGEND_MAX + 1];
	bool dashed[LEGEND_MAX + 1];
	int n, more;
	char more_text[48];
};

/* Estimated width of s at font size fs; a control is written as "\xNN". */
static double text_w(const char *s, double fs)
{
	size_t n = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) != 0x80)
			n += c < 0x20 || c == 0x7f ? 4 : 1;
	}
	return (double)n * fs * CHAR_EM;
}

static double px(const struct frame *fr, double x)
{
	return fr->ml + (x - fr->x0) / (fr->x1 - fr->x0) * fr->pw;
}

static double py(const struct frame *fr, double y)
{
	return fr->mt + fr->ph - (y - fr->y0) / (fr->y1 - fr->y0) * fr->ph;
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
	/* Twice: the widened range may call for a coarser step (0..180 ticks every 50). */
	for (int i = 0; i < 2; i++) {
		step = nice_step(*hi - *lo);
		*lo = floor(*lo / step) * step;
		*hi = ceil(*hi / step) * step;
	}
}

static void text(FILE *f, double x, double y, const char *anchor, const char *extra,
		 const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, extra);
	wgl_fputs_xml(f, s, false);
	fputs("</text>\n", f);
}

static void legend_add(struct legend *lg, const char *label, const char *colour, bool dashed)
{
	if (lg->n == LEGEND_MAX) {
		lg->more++;
		snprintf(lg->more_text, sizeof(lg->more_text), "... and %d more (see the tables)",
			 lg->more);
		return;
	}
	lg->label[lg->n] = label;
	lg->colour[lg->n] = colour;
	lg->dashed[lg->n++] = dashed;
}

static int legend_rows(const struct legend *lg)
{
	return lg->n + (lg->more > 0);
}

/*
 * Sizes the canvas around a data area of pw x ph whose left, top and
 * bottom margins are given: the legend goes right of the data area when it
 * is narrow enough, otherwise below everything.
 */
static void frame_layout(struct frame *fr, const struct legend *lg, const char *title,
			 double ml, double mb)
{
	double lw = 0;
	int i;

	for (i = 0; i < lg->n; i++)
		lw = fmax(lw, text_w(lg->label[i], FS_SMALL));
	if (lg->more)
		lw = fmax(lw, text_w(lg->more_text, FS_SMALL));
	fr->ml = ml;
	fr->mt = 40 + fr->top;
	fr->lw = legend_rows(lg) ? lw + 40 : 0;
	fr->lh = legend_rows(lg) ? legend_rows(lg) * 16 + 10 : 0;
	fr->w = ml + fr->pw + 20;
	fr->h = fr->mt + fr->ph + mb;
	if (fr->lw && fr->lw <= LEGEND_RIGHT_MAX) {
		fr->lx = fr->w;
		fr->ly = fr->mt;
		fr->w += fr->lw + 10;
		fr->h = fmax(fr->h, fr->ly + fr->lh + 10);
	} else if (fr->lw) {
		fr->lx = 10;
		fr->ly = fr->h;
		fr->w = fmax(fr->w, fr->lx + fr->lw + 10);
		fr->h += fr->lh + 10;
	}
	fr->w = fmax(fr->w, text_w(title, TITLE_FS) * 1.1 + 20);
}

static void legend_draw(const struct frame *fr, const struct legend *lg)
{
	FILE *f = fr->f;
	int i;

	if (!legend_rows(lg))
		return;
	fprintf(f, "<g font-size=\"%d\"><rect class=\"legend-box\" x=\"%.1f\" y=\"%.1f\" "
		"width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" stroke=\"#bbb\"/>\n", FS_SMALL,
		fr->lx, fr->ly, fr->lw, fr->lh);
	for (i = 0; i < lg->n; i++) {
		double x = fr->lx + 8, y = fr->ly + 20 + i * 16;

		if (lg->dashed[i])
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n",
				x, x + 18, y - 4, y - 4, lg->colour[i]);
		else
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" "
				"fill=\"%s\"/>\n", x, y - 9, lg->colour[i]);
		text(f, x + 24, y, "start", "", lg->label[i]);
	}
	if (lg->more)
		text(f, fr->lx + 32, fr->ly + 20 + lg->n * 16, "start", "", lg->more_text);
	fputs("</g>\n", f);
}

/* Canvas, title and data-area frame. */
static void frame_open(const struct frame *fr, const char *title)
{
	FILE *f = fr->f;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"%d\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", fr->w, fr->h, fr->w,
		fr->h, FS);
	text(f, fr->w / 2, 22, "middle", "font-size=\"15\" font-weight=\"bold\"", title);
	fprintf(f, "<rect class=\"plot-area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n", fr->ml, fr->mt, fr->pw, fr->ph);
}

/* Width of the widest y tick label, for the left margin. */
static double ytick_w(double y0, double y1)
{
	double step = nice_step(y1 - y0), v, w = 0;
	char buf[32];

	for (v = y0; v <= y1 + step / 1e3; v += step) {
		snprintf(buf, sizeof(buf), "%g", fabs(v) < step / 1e6 ? 0 : v);
		w = fmax(w, text_w(buf, FS));
	}
	return w;
}

/* Grid and tick labels; a timeline's rows have no meaningful y ticks. */
static void ticks(const struct frame *fr, bool xticks, bool yticks)
{
	FILE *f = fr->f;
	double step, v;
	char buf[32];

	step = nice_step(fr->y1 - fr->y0);
	for (v = fr->y0; yticks && v <= fr->y1 + step / 1e3; v += step) {
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			fr->ml, fr->ml + fr->pw, py(fr, v), py(fr, v));
		snprintf(buf, sizeof(buf), "%g", fabs(v) < step / 1e6 ? 0 : v);
		text(f, fr->ml - 6, py(fr, v) + 4, "end", "", buf);
	}
	step = nice_step(fr->x1 - fr->x0);
	for (v = fr->x0; xticks && v <= fr->x1 + step / 1e3; v += step) {
		snprintf(buf, sizeof(buf), "%g", fabs(v) < step / 1e6 ? 0 : v);
		text(f, px(fr, v), fr->mt + fr->ph + 16, "middle", "", buf);
	}
}

static void ytitle(const struct frame *fr, const char *s)
{
	fprintf(fr->f, "<text transform=\"translate(18,%.1f) rotate(-90)\" "
		"text-anchor=\"middle\">", fr->mt + fr->ph / 2);
	wgl_fputs_xml(fr->f, s, false);
	fputs("</text>\n", fr->f);
}

/* Left margin: the y title, the tick labels and some air. */
static double left_margin(double y0, double y1, bool yticks)
{
	return 30 + (yticks ? ytick_w(y0, y1) + 10 : 0);
}

/* The throughput plot's x layout: tunnel bars in units of one bar width. */
struct bar_layout {
	size_t order[512];  /* indices of the bars drawn as bars, by group then case; more
			     * than fit are left out (the tables have every figure) */
	double x[512];      /* left edge of order[i], in units */
	size_t n;
	double units, unit_px, scale;
	bool refs;          /* underlay figures drawn as lines */
	const char *unit;
};

static bool is_ref(const struct bar_layout *bl, const struct wgl_bar *b)
{
	return bl->refs && b->underlay;
}

/* Tunnel bars by group (first appearance), each group's cases in run order. */
static void bar_order(const struct wgl_plot_data *d, struct bar_layout *bl)
{
	double u = 0.5;
	size_t i, ntunnel = 0;

	for (i = 0; i < d->nbars; i++)
		ntunnel += !d->bars[i].underlay;
	bl->refs = ntunnel > 0;
	for (int g = 0; g < d->ngroups; g++)
		for (i = 0; i < d->nbars && bl->n < WGL_ARRAY_SIZE(bl->order); i++)
			if (d->bars[i].group == g && !is_ref(bl, &d->bars[i]))
				bl->order[bl->n++] = i;
	for (i = 0; i < bl->n; i++) {
		const struct wgl_bar *b = &d->bars[bl->order[i]];
		const struct wgl_bar *prev = i ? &d->bars[bl->order[i - 1]] : NULL;

		if (prev && prev->group != b->group)
			u += 1.5;
		else if (prev && prev->case_no != b->case_no)
			u += 0.5;
		bl->x[i] = u;
		u += 1;
	}
	bl->units = u + 0.5;
}

/* The run of order[] entries from *i that share a key (group or case); returns its end. */
static size_t run_end(const struct wgl_plot_data *d, const struct bar_layout *bl, size_t i,
		      bool by_group)
{
	const struct wgl_bar *b = &d->bars[bl->order[i]];
	size_t j = i + 1;

	for (; j < bl->n; j++) {
		const struct wgl_bar *o = &d->bars[bl->order[j]];

		if (by_group ? o->group != b->group : o->case_no != b->case_no)
			break;
	}
	return j;
}

/* The y range (Mbit/s) and axis unit: underlays far above the tunnel are off scale. */
static double bar_ymax(const struct wgl_plot_data *d, struct bar_layout *bl)
{
	double top = 0, y1;
	size_t i;

	for (i = 0; i < d->nbars; i++)
		if (!is_ref(bl, &d->bars[i]))
			top = fmax(top, fmax(d->bars[i].hi, d->bars[i].value));
	y1 = top;
	for (i = 0; i < d->nbars; i++)
		if (is_ref(bl, &d->bars[i]) && d->bars[i].value <= OFF_SCALE * top)
			y1 = fmax(y1, d->bars[i].value);
	bl->scale = y1 >= 1000 ? 1e-3 : 1;
	bl->unit = y1 >= 1000 ? "Gbit/s" : "Mbit/s";
	return y1 * bl->scale;
}

static void ref_label(double mbit, char *buf, size_t len)
{
	if (mbit >= 1000)
		snprintf(buf, len, "\xe2\x96\xb2 %.3g Gbit/s", mbit / 1000);
	else
		snprintf(buf, len, "\xe2\x96\xb2 %.3g Mbit/s", mbit);
}

/* Widens order[i..j), span units wide, to px pixels: air either side, later bars move right. */
static void widen(struct bar_layout *bl, size_t i, size_t j, double span, double px)
{
	double need = px / bl->unit_px - span;

	for (size_t k = i; need > 0 && k < bl->n; k++)
		bl->x[k] += k < j ? need / 2 : need;
	bl->units += fmax(need, 0);
}

/*
 * Pixels per unit, then room for every group name under its bars and
 * every off-scale underlay value over its case. *top: room over the data
 * area for those values.
 */
static void bar_widths(const struct wgl_plot_data *d, struct bar_layout *bl, double y1,
		       double *top)
{
	size_t i, j, k;
	char buf[64];

	*top = 0;
	bl->unit_px = fmax(14, fmin(40, 900 / bl->units));
	widen(bl, 0, bl->n, bl->units, 240); /* one case alone is not a sliver */
	for (i = 0; i < bl->n; i = j) {
		j = run_end(d, bl, i, true);
		widen(bl, i, j, bl->x[j - 1] + 1 - bl->x[i],
		      text_w(d->groups[d->bars[bl->order[i]].group], FS) + 12);
	}
	for (i = 0; i < d->nbars; i++) {
		if (!is_ref(bl, &d->bars[i]) || d->bars[i].value * bl->scale <= y1)
			continue;
		*top = 16;
		ref_label(d->bars[i].value, buf, sizeof(buf));
		for (j = 0; j < bl->n && d->bars[bl->order[j]].case_no != d->bars[i].case_no; j++)
			;
		if (j == bl->n)
			continue;
		k = run_end(d, bl, j, false);
		widen(bl, j, k, bl->x[k - 1] + 1.5 - bl->x[j], text_w(buf, 10) + 8);
	}
}

/* A case label turns when it is wider than its bars. */
static bool turned(const struct wgl_plot_data *d, const struct bar_layout *bl, size_t i,
		   size_t j)
{
	return text_w(d->bars[bl->order[i]].label, FS_SMALL) + 4 > (double)(j - i) * bl->unit_px;
}

/* Height under the data area taken by the case labels, and the left margin they need. */
static double case_labels_h(const struct wgl_plot_data *d, const struct bar_layout *bl,
			    double *ml)
{
	double h = 14, s = sin(ROT * M_PI / 180), c = cos(ROT * M_PI / 180);
	size_t i, j;

	for (i = 0; i < bl->n; i = j) {
		double w = text_w(d->bars[bl->order[i]].label, FS_SMALL);
		double cx;

		j = run_end(d, bl, i, false);
		if (!turned(d, bl, i, j))
			continue;
		cx = (bl->x[i] + bl->x[j - 1] + 1) / 2 * bl->unit_px;
		h = fmax(h, w * s + FS_SMALL * c + 8);
		*ml = fmax(*ml, w * c - cx + 8);
	}
	return h + 6;
}

static void case_labels(const struct wgl_plot_data *d, const struct bar_layout *bl,
			const struct frame *fr)
{
	double base = fr->mt + fr->ph;
	size_t i, j;

	for (i = 0; i < bl->n; i = j) {
		const char *label = d->bars[bl->order[i]].label;
		double cx;

		j = run_end(d, bl, i, false);
		cx = px(fr, (bl->x[i] + bl->x[j - 1] + 1) / 2);
		if (!turned(d, bl, i, j)) {
			text(fr->f, cx, base + 16, "middle", "class=\"case-label\" font-size=\"11\"",
			     label);
			continue;
		}
		fprintf(fr->f, "<text class=\"case-label\" transform=\"translate(%.1f,%.1f) "
			"rotate(-%d)\" text-anchor=\"end\" font-size=\"%d\">", cx + 4, base + 12,
			ROT, FS_SMALL);
		wgl_fputs_xml(fr->f, label, false);
		fputs("</text>\n", fr->f);
	}
}

static void group_labels(const struct wgl_plot_data *d, const struct bar_layout *bl,
			 const struct frame *fr, double y)
{
	size_t i, j;

	for (i = 0; i < bl->n; i = j) {
		double a, b;

		j = run_end(d, bl, i, true);
		a = px(fr, bl->x[i]), b = px(fr, bl->x[j - 1] + 1);
		fprintf(fr->f, "<path d=\"M%.1f %.1fv5H%.1fv-5\" fill=\"none\" stroke=\"#888\"/>\n",
			a, y, b);
		text(fr->f, (a + b) / 2, y + 19, "middle", "class=\"group\" font-weight=\"bold\"",
		     d->groups[d->bars[bl->order[i]].group]);
	}
}

/* A dashed line over the underlay's own case, or over every bar (bench's "none"). */
static void ref_line(const struct wgl_plot_data *d, const struct bar_layout *bl,
		     const struct frame *fr, const struct wgl_bar *r)
{
	double a = 0, b = bl->units, v = r->value * bl->scale, y;
	char buf[64];
	size_t j;

	for (j = 0; j < bl->n && d->bars[bl->order[j]].case_no != r->case_no; j++)
		;
	if (j < bl->n)
		a = bl->x[j] - 0.25, b = bl->x[run_end(d, bl, j, false) - 1] + 1.25;
	/* Off scale: the line runs along the top edge, its value above the data area. */
	y = v <= fr->y1 ? py(fr, v) : fr->mt;
	fprintf(fr->f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" "
		"stroke-width=\"2\" stroke-dasharray=\"5 3\"><title>", px(fr, a), px(fr, b), y, y);
	wgl_fputs_xml(fr->f, r->label, false);
	fprintf(fr->f, ": underlay %.4g %s</title></line>\n", v, bl->unit);
	if (v > fr->y1) {
		ref_label(r->value, buf, sizeof(buf));
		text(fr->f, (px(fr, a) + px(fr, b)) / 2, fr->mt - 5, "middle", "font-size=\"10\"",
		     buf);
	}
}

static void bar_rect(const struct bar_layout *bl, const struct frame *fr,
		     const struct wgl_bar *b, double x)
{
	double cx = px(fr, x + 0.5), v = b->value * bl->scale;

	fprintf(fr->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\"><title>", px(fr, x + 0.1), py(fr, v), 0.8 * bl->unit_px,
		py(fr, 0) - py(fr, v), wgl_plot_colour(b->metric < 0 ? 0 : b->metric));
	wgl_fputs_xml(fr->f, b->label, false);
	fprintf(fr->f, ": %.4g %s</title></rect>\n", v, bl->unit);
	fprintf(fr->f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
		"stroke-width=\"2\"/>\n", cx, cx, py(fr, b->lo * bl->scale),
		py(fr, b->hi * bl->scale));
}

static void bars(const struct wgl_plot_data *d, struct frame *fr)
{
	struct bar_layout bl;
	const char *title = wgl_plot_title(WGL_PLOT_THROUGHPUT);
	struct legend lg = { .n = 0 };
	char ylabel[64];
	double ml, lh;
	size_t i;
	int m;

	memset(&bl, 0, sizeof(bl));
	bar_order(d, &bl);
	fr->x0 = 0, fr->y0 = 0, fr->y1 = bar_ymax(d, &bl);
	nice_range(&fr->y0, &fr->y1);
	bar_widths(d, &bl, fr->y1, &fr->top);
	fr->x1 = bl.units, fr->pw = bl.units * bl.unit_px, fr->ph = PH;
	ml = left_margin(fr->y0, fr->y1, true);
	lh = case_labels_h(d, &bl, &ml);
	for (m = 0; m < d->nmetrics; m++)
		legend_add(&lg, d->metrics[m], wgl_plot_colour(m), false);
	if (!d->nmetrics)
		legend_add(&lg, "underlay", wgl_plot_colour(0), false);
	if (bl.refs)
		legend_add(&lg, "underlay (\xe2\x96\xb2 = above the scale)", "#555", true);
	frame_layout(fr, &lg, title, ml, lh + 34);
	frame_open(fr, title);
	ticks(fr, false, true);
	snprintf(ylabel, sizeof(ylabel), "%s (median, min..max)", bl.unit);
	ytitle(fr, ylabel);
	for (i = 0; i < bl.n; i++)
		bar_rect(&bl, fr, &d->bars[bl.order[i]], bl.x[i]);
	for (i = 0; i < d->nbars; i++)
		if (is_ref(&bl, &d->bars[i]))
			ref_line(d, &bl, fr, &d->bars[i]);
	case_labels(d, &bl, fr);
	group_labels(d, &bl, fr, fr->mt + fr->ph + lh);
	legend_draw(fr, &lg);
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

static void cdf(const struct wgl_plot_data *d, struct frame *fr)
{
	struct legend lg = { .n = 0 };
	FILE *f = fr->f;
	size_t i, j;

	fr->y0 = 0, fr->y1 = 1;
	series_xrange(d->cdf, d->ncdf, fr);
	for (i = 0; i < d->ncdf; i++)
		legend_add(&lg, d->cdf[i].label, wgl_plot_colour((int)i), false);
	fr->pw = 600, fr->ph = PH;
	frame_layout(fr, &lg, wgl_plot_title(WGL_PLOT_LATENCY_CDF), left_margin(0, 1, true), 50);
	frame_open(fr, wgl_plot_title(WGL_PLOT_LATENCY_CDF));
	ticks(fr, true, true);
	text(f, fr->ml + fr->pw / 2, fr->mt + fr->ph + 38, "middle", "", "latency (ms)");
	ytitle(fr, "fraction of samples");
	for (i = 0; i < d->ncdf; i++) {
		const struct wgl_series *s = &d->cdf[i];

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			wgl_plot_colour((int)i));
		fprintf(f, "%.1f,%.1f", px(fr, s->v[0]), py(fr, 0));
		for (j = 0; j < s->n; j++)
			fprintf(f, " %.1f,%.1f %.1f,%.1f", px(fr, s->v[j]),
				py(fr, (double)j / s->n), px(fr, s->v[j]),
				py(fr, (double)(j + 1) / s->n));
		fputs("\"/>\n", f);
	}
	legend_draw(fr, &lg);
}

static void timeline(const struct wgl_plot_data *d, struct frame *fr)
{
	struct legend lg = { .n = 0 };
	double lw = 0;
	FILE *f = fr->f;
	size_t i, j;

	fr->y0 = 0, fr->y1 = (double)d->nhs + 1;
	series_xrange(d->hs, d->nhs, fr);
	/* Row labels sit inside the data area, so it is at least as wide as the longest. */
	for (i = 0; i < d->nhs; i++)
		lw = fmax(lw, text_w(d->hs[i].label, FS_SMALL));
	fr->pw = fmax(600, lw + 20);
	fr->ph = fmax(120, 36.0 * (double)(d->nhs + 1));
	frame_layout(fr, &lg, wgl_plot_title(WGL_PLOT_HANDSHAKES), 30, 50);
	frame_open(fr, wgl_plot_title(WGL_PLOT_HANDSHAKES));
	ticks(fr, true, false);
	text(f, fr->ml + fr->pw / 2, fr->mt + fr->ph + 38, "middle", "", "time (s)");
	for (i = 0; i < d->nhs; i++) {
		const struct wgl_series *s = &d->hs[i];
		double y = py(fr, (double)(d->nhs - i));

		text(f, fr->ml + 6, y - 8, "start", "font-size=\"11\"", s->label);
		for (j = 0; j < s->n; j++)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n",
				px(fr, s->v[j]), y, wgl_plot_colour((int)i));
	}
}

static void loss_range(const struct wgl_plot_data *d, struct frame *fr)
{
	fr->x0 = 0, fr->x1 = 1, fr->y0 = 0, fr->y1 = 1;
	for (size_t i = 0; i < d->nloss; i++)
		for (int j = 0; j < d->loss[i].n; j++) {
			fr->x1 = fmax(fr->x1, d->loss[i].rate[j]);
			fr->y1 = fmax(fr->y1, d->loss[i].mbit[j]);
		}
	nice_range(&fr->x0, &fr->x1);
	nice_range(&fr->y0, &fr->y1);
}

/*
 * One line per case: TCP throughput against the loss rate asked for. A
 * filled point had its handshake complete; a hollow one on the axis did not.
 */
static void loss_lines(const struct wgl_plot_data *d, struct frame *fr)
{
	struct legend lg = { .n = 0 };
	FILE *f = fr->f;

	loss_range(d, fr);
	for (size_t i = 0; i < d->nloss; i++)
		legend_add(&lg, d->loss[i].label, wgl_plot_colour((int)i), false);
	fr->pw = 600, fr->ph = PH;
	frame_layout(fr, &lg, wgl_plot_title(WGL_PLOT_LOSS), left_margin(fr->y0, fr->y1, true), 50);
	frame_open(fr, wgl_plot_title(WGL_PLOT_LOSS));
	ticks(fr, true, true);
	text(f, fr->ml + fr->pw / 2, fr->mt + fr->ph + 38, "middle", "",
	     "loss asked (%; hollow: no handshake)");
	ytitle(fr, "TCP throughput (Mbit/s)");
	for (size_t i = 0; i < d->nloss; i++) {
		const struct wgl_loss_line *l = &d->loss[i];
		const char *c = wgl_plot_colour((int)i);

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
		for (int j = 0; j < l->n; j++)
			fprintf(f, "%s%.1f,%.1f", j ? " " : "", px(fr, l->rate[j]), py(fr, l->mbit[j]));
		fputs("\"/>\n", f);
		for (int j = 0; j < l->n; j++)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
				"stroke=\"%s\" stroke-width=\"2\"/>\n", px(fr, l->rate[j]),
				py(fr, l->mbit[j]), l->handshake[j] ? c : "white", c);
	}
	legend_draw(fr, &lg);
}

char *wgl_svg_render(const struct wgl_plot_data *d, enum wgl_plot_kind k)
{
	char *buf = NULL;
	size_t len = 0;
	struct frame fr = { .f = open_memstream(&buf, &len) };

	if (!fr.f)
		return NULL;
	if (k == WGL_PLOT_THROUGHPUT)
		bars(d, &fr);
	else if (k == WGL_PLOT_LATENCY_CDF)
		cdf(d, &fr);
	else if (k == WGL_PLOT_LOSS)
		loss_lines(d, &fr);
	else
		timeline(d, &fr);
	fputs("</svg>\n", fr.f);
	if (fclose(fr.f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
