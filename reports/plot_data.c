// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the plots show, chosen by unit and name so scenarios need no plot
 * configuration: throughput = metrics in bit/s .. Gbit/s; latency CDF =
 * metrics in ms or us with at least WGL_CDF_MIN_VALUES samples; handshake
 * timeline = metrics named "handshake_times*" (values: seconds since the
 * case started) or a "handshake_times" artifact (one number per line).
 * Throughput bars are grouped by the case's backend pair and coloured by
 * metric; underlay figures are marked so the writer draws them as lines.
 */
#include <errno.h>
#include <math.h>
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

/* The index of name in names[*n], added if new; the last slot takes the overflow. */
static int name_index(char names[][64], int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return i;
	if (*n == WGL_PLOT_MAX_GROUPS)
		return WGL_PLOT_MAX_GROUPS - 1;
	snprintf(names[*n], sizeof(names[0]), "%s", name);
	return (*n)++;
}

/* Within its backend-pair group a case needs only its scenario and family. */
static void bar_label(const struct wgl_case *c, char *buf, size_t len)
{
	if (c->family && c->backend_a)
		snprintf(buf, len, "%s %s", c->scenario, c->family);
	else
		snprintf(buf, len, "%s", c->name);
}

static int add_bar(struct wgl_plot_data *d, const struct wgl_case *c, size_t case_no,
		   const struct wgl_metric *m, double scale)
{
	struct wgl_bar *b, *nb = realloc(d->bars, (d->nbars + 1) * sizeof(*nb));
	char backend[64];

	if (!nb)
		return -ENOMEM;
	d->bars = nb;
	b = &nb[d->nbars++];
	bar_label(c, b->label, sizeof(b->label));
	/* Bars group by backend pair, the comparison the plot exists for. */
	wgl_case_backends(c, "no backend", backend, sizeof(backend));
	b->group = name_index(d->groups, &d->ngroups, backend);
	b->case_no = case_no;
	b->underlay = !strncmp(m->name, "underlay", 8) || !strcmp(backend, "none");
	b->metric = b->underlay ? -1 : name_index(d->metrics, &d->nmetrics, m->name);
	b->value = m->median * scale;
	b->lo = (isfinite(m->min) ? m->min : m->median) * scale;
	b->hi = (isfinite(m->max) ? m->max : m->median) * scale;
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

static int collect_series(struct wgl_plot_data *d, const struct wgl_case *c,
			  const struct wgl_metric *m)
{
	char label[160], id[128];
	double scale = latency_scale(m->unit);

	/* "throughput/throughput[kernel:kernel,ipv4]" says the scenario twice. */
	if (!strncmp(c->name, c->scenario, strlen(c->scenario)))
		snprintf(label, sizeof(label), "%s:%s", c->name, m->name);
	else
		snprintf(label, sizeof(label), "%s:%s", wgl_case_id(c, id, sizeof(id)), m->name);
	if (strstr(m->name, "handshake_times"))
		return add_series(&d->hs, &d->nhs, label, m->values, m->n, 1);
	if (scale > 0 && m->n >= WGL_CDF_MIN_VALUES)
		return add_series(&d->cdf, &d->ncdf, label, m->values, m->n, scale);
	return 0;
}

static int collect_artifacts(struct wgl_plot_data *d, const struct wgl_case *c)
{
	char label[160], id[128];
	size_t n;
	int ret = 0;

	for (size_t i = 0; i < c->nartifacts && !ret; i++) {
		double *v;

		if (strcmp(c->artifacts[i].kind, "handshake_times"))
			continue;
		v = read_times_file(c->artifacts[i].path, &n);
		snprintf(label, sizeof(label), "%s", wgl_case_id(c, id, sizeof(id)));
		if (v && n)
			ret = add_series(&d->hs, &d->nhs, label, v, n, 1);
		free(v);
	}
	return ret;
}

static const struct wgl_metric *find_metric(const struct wgl_case *c, const char *prefix,
					    const char *rate)
{
	char name[96];

	snprintf(name, sizeof(name), "%s%s", prefix, rate);
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name) && isfinite(c->metrics[i].median))
			return &c->metrics[i];
	return NULL;
}

/* Inserts point i of l in rate order. */
static void loss_point(struct wgl_loss_line *l, double rate, double mbit, bool hs)
{
	int j = l->n++;

	for (; j > 0 && l->rate[j - 1] > rate; j--) {
		l->rate[j] = l->rate[j - 1];
		l->mbit[j] = l->mbit[j - 1];
		l->handshake[j] = l->handshake[j - 1];
	}
	l->rate[j] = rate, l->mbit[j] = mbit, l->handshake[j] = hs;
}

/* loss-connect's sweep: loss_asked_R, tcp_at_loss_R and connect_at_loss_R per rate R. */
static int collect_loss(struct wgl_plot_data *d, const struct wgl_case *c)
{
	struct wgl_loss_line *nl, *l;
	char backend[64];

	if (strcmp(c->scenario, "loss-connect"))
		return 0;
	nl = realloc(d->loss, (d->nloss + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	d->loss = nl;
	l = memset(&nl[d->nloss], 0, sizeof(*l));
	wgl_case_backends(c, "no backend", backend, sizeof(backend));
	snprintf(l->label, sizeof(l->label), "%s%s%s", backend, c->family ? " " : "",
		 c->family ? c->family : "");
	for (size_t i = 0; i < c->nmetrics && l->n < WGL_LOSS_MAX_RATES; i++) {
		const char *r = c->metrics[i].name + 11;
		const struct wgl_metric *tcp;

		if (strncmp(c->metrics[i].name, "loss_asked_", 11) || !isfinite(c->metrics[i].median))
			continue;
		tcp = find_metric(c, "tcp_at_loss_", r);
		loss_point(l, c->metrics[i].median, tcp ? tcp->median * rate_scale(tcp->unit) : 0,
			   find_metric(c, "connect_at_loss_", r) != NULL);
	}
	if (l->n)
		d->nloss++;
	return 0;
}

static int collect_case(struct wgl_plot_data *d, const struct wgl_case *c, size_t case_no)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < c->nmetrics && !ret; i++) {
		const struct wgl_metric *m = &c->metrics[i];
		double scale = rate_scale(m->unit);

		if (scale > 0 && isfinite(m->median))
			ret = add_bar(d, c, case_no, m, scale);
		else
			ret = collect_series(d, c, m);
	}
	ret = ret ? ret : collect_loss(d, c);
	return ret ? ret : collect_artifacts(d, c);
}

int wgl_plot_data_collect(const struct wgl_run *run, struct wgl_plot_data *d)
{
	int ret = 0;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < run->ncases && !ret; i++)
		ret = collect_case(d, run->cases[i], i);
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
	free(d->loss);
	memset(d, 0, sizeof(*d));
}

int wgl_plot_has_data(const struct wgl_plot_data *d, enum wgl_plot_kind k)
{
	switch (k) {
	case WGL_PLOT_THROUGHPUT: return d->nbars > 0;
	case WGL_PLOT_LATENCY_CDF: return d->ncdf > 0;
	case WGL_PLOT_HANDSHAKES: return d->nhs > 0;
	case WGL_PLOT_LOSS: return d->nloss > 0;
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
	static const char *const names[] = { "throughput", "latency_cdf", "handshake_timeline",
					     "loss" };

	return (unsigned int)k < WGL_PLOT_N ? names[k] : "plot";
}

const char *wgl_plot_title(enum wgl_plot_kind k)
{
	static const char *const titles[] = { "Throughput per backend", "Latency CDF",
					      "Handshake timeline",
					      "Throughput and handshakes against loss" };

	return (unsigned int)k < WGL_PLOT_N ? titles[k] : "plot";
}

void wgl_plots_render(const struct wgl_run *run, struct wgl_plots *p)
{
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
		p->svg[k] = wgl_svg_render(&d, k);
		if (!p->svg[k])
			wgl_warn("report: out of memory drawing the %s plot", wgl_plot_name(k));
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
