// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the plots show, chosen by unit and name so scenarios need no plot
 * configuration: throughput = metrics in bit/s .. Gbit/s; latency CDF =
 * metrics in ms or us with at least WGL_CDF_MIN_VALUES samples; handshake
 * timeline = metrics named "handshake_times*" (values: seconds since the
 * case started) or a "handshake_times" artifact (one number per line).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/stats.h"
#include "reports/plot.h"

static const struct {
	const char *unit;
	double to_mbit;
} rate_units[] = {
	{ "bit/s", 1e-6 }, { "bps", 1e-6 }, { "kbit/s", 1e-3 }, { "Mbit/s", 1 }, { "Gbit/s", 1e3 },
};

static double rate_scale(const char *unit)
{
	size_t i;

	for (i = 0; unit && i < WGL_ARRAY_SIZE(rate_units); i++)
		if (!strcmp(unit, rate_units[i].unit))
			return rate_units[i].to_mbit;
	return 0;
}

static double latency_scale(const char *unit)
{
	if (!unit)
		return 0;
	if (!strcmp(unit, "ms"))
		return 1;
	if (!strcmp(unit, "us") || !strcmp(unit, "\xc2\xb5s"))
		return 1e-3;
	return 0;
}

/* The backend (pair) of a case, for grouping and colouring the bars. */
static void case_backend(const json_t *c, char *buf, size_t len)
{
	static const char *const keys[] = { "backend", "pair", "backends", "impl" };
	const json_t *params = json_object_get(c, "params"), *v;
	size_t k;

	for (k = 0; k < WGL_ARRAY_SIZE(keys); k++) {
		v = json_object_get(params, keys[k]);
		if (json_is_string(v)) {
			snprintf(buf, len, "%s", json_string_value(v));
			return;
		}
		if (v && !json_is_null(v)) {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			snprintf(buf, len, "%s", s ? s : "?");
			free(s);
			return;
		}
	}
	snprintf(buf, len, "%s", "all");
}

static int group_index(struct wgl_plot_data *d, const char *name)
{
	int i;

	for (i = 0; i < d->ngroups; i++)
		if (!strcmp(d->groups[i], name))
			return i;
	if (d->ngroups == WGL_PLOT_MAX_GROUPS)
		return WGL_PLOT_MAX_GROUPS - 1; /* the last colour takes the overflow */
	snprintf(d->groups[d->ngroups], sizeof(d->groups[0]), "%s", name);
	return d->ngroups++;
}

static int add_bar(struct wgl_plot_data *d, const json_t *c, const json_t *m, double scale,
		   bool name_metric)
{
	struct wgl_bar *b, *nb = realloc(d->bars, (d->nbars + 1) * sizeof(*nb));
	char backend[64];

	if (!nb)
		return -ENOMEM;
	d->bars = nb;
	b = &nb[d->nbars++];
	if (name_metric)
		snprintf(b->label, sizeof(b->label), "%s:%s", wgl_jstr(c, "name", "?"),
			 wgl_jstr(m, "name", "?"));
	else
		snprintf(b->label, sizeof(b->label), "%s", wgl_jstr(c, "name", "?"));
	case_backend(c, backend, sizeof(backend));
	b->group = group_index(d, backend);
	b->value = wgl_jnum(m, "median", 0) * scale;
	b->lo = wgl_jnum(m, "min", 0) * scale;
	b->hi = wgl_jnum(m, "max", 0) * scale;
	return 0;
}

/* Appends a series (values copied, scaled and sorted); takes ownership of nothing. */
static int add_series(struct wgl_series **list, size_t *n, const char *label,
		      const double *v, size_t count, double scale)
{
	struct wgl_series *nl = realloc(*list, (*n + 1) * sizeof(*nl)), *s;
	size_t i;

	if (!nl)
		return -ENOMEM;
	*list = nl;
	s = &nl[*n];
	s->v = malloc((count ? count : 1) * sizeof(double));
	if (!s->v)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		s->v[i] = v[i] * scale;
	qsort(s->v, count, sizeof(double), wgl_cmp_double);
	s->n = count;
	snprintf(s->label, sizeof(s->label), "%s", label);
	(*n)++;
	return 0;
}

static double *metric_values(const json_t *m, size_t *n)
{
	const json_t *vals = json_object_get(m, "values"), *v;
	double *out = malloc((json_array_size(vals) + 1) * sizeof(double));
	size_t i;

	*n = 0;
	json_array_foreach(vals, i, v)
		if (out && json_is_number(v))
			out[(*n)++] = json_number_value(v);
	return out;
}

/* One number per line; anything else on a line ends that line's number. */
static double *read_times_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "re");
	double *v = NULL, x;
	char line[128];

	*n = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		double *nv;

		if (sscanf(line, "%lf", &x) != 1)
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[(*n)++] = x;
	}
	fclose(f);
	return v;
}

static int collect_series(struct wgl_plot_data *d, const json_t *c, const json_t *m)
{
	const char *name = wgl_jstr(m, "name", "");
	char label[160], id[128];
	double *v, scale;
	size_t n;
	int ret = 0;

	scale = latency_scale(wgl_jstr(m, "unit", NULL));
	v = metric_values(m, &n);
	if (!v)
		return -ENOMEM;
	snprintf(label, sizeof(label), "%s:%s", wgl_case_id(c, id, sizeof(id)), name);
	if (strstr(name, "handshake_times"))
		ret = add_series(&d->hs, &d->nhs, label, v, n, 1);
	else if (scale > 0 && n >= WGL_CDF_MIN_VALUES)
		ret = add_series(&d->cdf, &d->ncdf, label, v, n, scale);
	free(v);
	return ret;
}

static int collect_artifacts(struct wgl_plot_data *d, const json_t *c)
{
	const json_t *a;
	char label[160], id[128];
	size_t i, n;
	int ret = 0;

	json_array_foreach(json_object_get(c, "artifacts"), i, a) {
		double *v;

		if (strcmp(wgl_jstr(a, "kind", ""), "handshake_times"))
			continue;
		v = read_times_file(wgl_jstr(a, "path", ""), &n);
		snprintf(label, sizeof(label), "%s", wgl_case_id(c, id, sizeof(id)));
		if (v && n)
			ret = add_series(&d->hs, &d->nhs, label, v, n, 1);
		free(v);
	}
	return ret;
}

static int collect_case(struct wgl_plot_data *d, const json_t *c)
{
	const json_t *metrics = json_object_get(c, "metrics"), *m;
	size_t i, nrate = 0;
	int ret = 0;

	json_array_foreach(metrics, i, m)
		nrate += rate_scale(wgl_jstr(m, "unit", NULL)) > 0;
	json_array_foreach(metrics, i, m) {
		double scale = rate_scale(wgl_jstr(m, "unit", NULL));

		if (ret)
			break;
		if (scale > 0 && json_is_number(json_object_get(m, "median")))
			ret = add_bar(d, c, m, scale, nrate > 1);
		else
			ret = collect_series(d, c, m);
	}
	return ret ? ret : collect_artifacts(d, c);
}

int wgl_plot_data_collect(const json_t *run, struct wgl_plot_data *d)
{
	const json_t *c;
	size_t i;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	json_array_foreach(json_object_get(run, "cases"), i, c)
		if (!ret)
			ret = collect_case(d, c);
	return ret;
}

void wgl_plot_data_free(struct wgl_plot_data *d)
{
	size_t i;

	for (i = 0; i < d->ncdf; i++)
		free(d->cdf[i].v);
	for (i = 0; i < d->nhs; i++)
		free(d->hs[i].v);
	free(d->cdf);
	free(d->hs);
	free(d->bars);
	memset(d, 0, sizeof(*d));
}

int wgl_plot_has_data(const struct wgl_plot_data *d, enum wgl_plot_kind k)
{
	switch (k) {
	case WGL_PLOT_THROUGHPUT: return d->nbars > 0;
	case WGL_PLOT_LATENCY_CDF: return d->ncdf > 0;
	case WGL_PLOT_HANDSHAKES: return d->nhs > 0;
	default: return 0;
	}
}

const char *wgl_plot_colour(int i)
{
	/* Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
	static const char *const palette[] = { "#0072B2", "#E69F00", "#009E73", "#CC79A7",
					       "#56B4E9", "#D55E00", "#F0E442", "#000000" };

	return palette[(unsigned int)i % WGL_ARRAY_SIZE(palette)];
}

const char *wgl_plot_name(enum wgl_plot_kind k)
{
	static const char *const names[] = { "throughput", "latency_cdf", "handshake_timeline" };

	return (unsigned int)k < WGL_PLOT_N ? names[k] : "plot";
}

const char *wgl_plot_title(enum wgl_plot_kind k)
{
	static const char *const titles[] = { "Throughput per backend", "Latency CDF",
					      "Handshake timeline" };

	return (unsigned int)k < WGL_PLOT_N ? titles[k] : "plot";
}

void wgl_plots_render(const json_t *run, struct wgl_plots *p)
{
	const char *off = getenv("WGLAB_NO_GNUPLOT");
	bool use_gnuplot = !off || !*off || !strcmp(off, "0");
	struct wgl_plot_data d;
	int k;

	memset(p, 0, sizeof(*p));
	if (wgl_plot_data_collect(run, &d) < 0) {
		wgl_warn("report: out of memory collecting plot data; no plots");
		wgl_plot_data_free(&d);
		return;
	}
	for (k = 0; k < WGL_PLOT_N; k++) {
		if (!wgl_plot_has_data(&d, k))
			continue;
		if (use_gnuplot)
			p->svg[k] = wgl_gnuplot_render(&d, k, k);
		/* After one gnuplot failure the others would fail the same way. */
		use_gnuplot = use_gnuplot && p->svg[k];
		if (!p->svg[k])
			p->svg[k] = wgl_svg_render(&d, k);
	}
	wgl_plot_data_free(&d);
}

void wgl_plots_free(struct wgl_plots *p)
{
	int k;

	for (k = 0; k < WGL_PLOT_N; k++) {
		free(p->svg[k]);
		p->svg[k] = NULL;
	}
}
