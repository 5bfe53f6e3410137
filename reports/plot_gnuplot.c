// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plots drawn by gnuplot (`set terminal svg`) run as a child process on
 * data and a script written to a private temporary directory. The SVG is
 * trimmed to its <svg> element and its ids are prefixed per plot, because
 * several gnuplot SVGs inlined into one HTML page would otherwise share ids
 * ("gpPt0", clip paths) and draw each other's markers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "reports/plot.h"

#define GNUPLOT_TIMEOUT_MS 30000

/* A gnuplot single-quoted string: '' is a quote, controls become spaces. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("''", f);
		else
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* A double-quoted label in a data file: no escapes there, so drop the quotes. */
static void gp_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || (unsigned char)*s < 0x20 ? '\'' : *s, f);
	fputc('"', f);
}

static void bars_script(const struct wgl_plot_data *d, FILE *data, FILE *gp)
{
	const char *sep = "plot ";
	size_t i;
	int g;

	for (g = 0; g < d->ngroups; g++) {
		for (i = 0; i < d->nbars; i++) {
			if (d->bars[i].group != g)
				continue;
			fprintf(data, "%zu %.17g %.17g %.17g ", i, d->bars[i].value, d->bars[i].lo,
				d->bars[i].hi);
			gp_label(data, d->bars[i].label);
			fputc('\n', data);
		}
		fputs("\n\n", data);
	}
	fprintf(gp, "set style fill solid 0.85 border -1\nset boxwidth 0.7\n"
		"set xrange [-0.6:%zu.4]\nset yrange [0:*]\nset xtics rotate by 35 right\n"
		"set bmargin 11\nset lmargin 18\nset key inside top right box opaque\n"
		"set ylabel 'Mbit/s (median, min..max)'\nset grid ytics\n", d->nbars - 1);
	for (g = 0; g < d->ngroups; g++, sep = ", ") {
		fprintf(gp, "%s'bars.dat' index %d using 1:2:3:4:(0.7):xtic(5) with boxerrorbars "
			"lc rgb '%s' title ", sep, g, wgl_plot_colour(g));
		gp_str(gp, d->groups[g]);
	}
	fputc('\n', gp);
}

static void cdf_script(const struct wgl_plot_data *d, FILE *data, FILE *gp)
{
	const char *sep = "plot ";
	size_t i, j;

	for (i = 0; i < d->ncdf; i++) {
		const struct wgl_series *s = &d->cdf[i];

		fprintf(data, "%.17g 0\n", s->v[0]);
		for (j = 0; j < s->n; j++)
			fprintf(data, "%.17g %.17g\n", s->v[j], (double)(j + 1) / s->n);
		fputs("\n\n", data);
	}
	fputs("set xlabel 'latency (ms)'\nset ylabel 'fraction of samples'\n"
	      "set yrange [0:1.02]\nset grid\nset key inside bottom right box opaque\n", gp);
	for (i = 0; i < d->ncdf; i++, sep = ", ") {
		fprintf(gp, "%s'data.dat' index %zu using 1:2 with steps lw 2 lc rgb '%s' title ",
			sep, i, wgl_plot_colour((int)i));
		gp_str(gp, d->cdf[i].label);
	}
	fputc('\n', gp);
}

static void timeline_script(const struct wgl_plot_data *d, FILE *data, FILE *gp)
{
	const char *sep = "plot ";
	size_t i, j;

	for (i = 0; i < d->nhs; i++) {
		for (j = 0; j < d->hs[i].n; j++)
			fprintf(data, "%.17g\n", d->hs[i].v[j]);
		fputs("\n\n", data);
	}
	fprintf(gp, "set xlabel 'time (s)'\nset yrange [0:%zu]\nunset ytics\nset grid xtics\n"
		"set xrange [0:*]\nset key below\n", d->nhs + 1);
	for (i = 0; i < d->nhs; i++, sep = ", ") {
		fprintf(gp, "%s'data.dat' index %zu using 1:(%zu) with points pt 7 ps 1.2 "
			"lc rgb '%s' title ", sep, i, d->nhs - i, wgl_plot_colour((int)i));
		gp_str(gp, d->hs[i].label);
	}
	fputc('\n', gp);
}

/* Writes data and script into dir; gnuplot runs with dir as its working directory. */
static int write_inputs(const char *dir, const struct wgl_plot_data *d, enum wgl_plot_kind k)
{
	char path[512];
	FILE *data, *gp;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir,
		 k == WGL_PLOT_THROUGHPUT ? "bars.dat" : "data.dat");
	data = fopen(path, "we");
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	gp = fopen(path, "we");
	if (!data || !gp) {
		ret = -errno;
		goto out;
	}
	fprintf(gp, "set terminal svg size 900,420 fixed noenhanced font 'sans,11' "
		"background rgb 'white'\nset output 'out.svg'\nset title ");
	gp_str(gp, wgl_plot_title(k));
	fputc('\n', gp);
	if (k == WGL_PLOT_THROUGHPUT)
		bars_script(d, data, gp);
	else if (k == WGL_PLOT_LATENCY_CDF)
		cdf_script(d, data, gp);
	else
		timeline_script(d, data, gp);
	if (ferror(data) || ferror(gp))
		ret = -EIO;
out:
	if (data && fclose(data) && !ret)
		ret = -errno;
	if (gp && fclose(gp) && !ret)
		ret = -errno;
	return ret;
}

static int chdir_child(void *arg)
{
	char *argv[] = { "gnuplot", "plot.gp", NULL };

	if (chdir(arg) < 0)
		return 126;
	execvp(argv[0], argv);
	return 127;
}

/* Runs gnuplot in dir; its stderr goes to dir/err. 0, -ENOENT (not installed) or -EIO. */
static int run_gnuplot(const char *dir)
{
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	char path[512];
	FILE *err;
	pid_t pid;
	int st = 0, ret;

	snprintf(path, sizeof(path), "%s/err", dir);
	err = fopen(path, "we");
	if (!err)
		return -errno;
	o.stderr_fd = fileno(err);
	pid = wgl_child_run(&o, "gnuplot", chdir_child, (void *)dir);
	fclose(err);
	if (pid < 0)
		return (int)pid;
	ret = wgl_child_wait(pid, GNUPLOT_TIMEOUT_MS, &st);
	if (ret == -ETIMEDOUT)
		st = wgl_child_stop(pid, 100);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	return ret || !WIFEXITED(st) || WEXITSTATUS(st) ? -EIO : 0;
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *m;
	char chunk[8192];
	size_t n;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	if (m)
		fclose(m);
	return buf;
}

/*
 * The <svg> element of gnuplot's output with every id and #reference
 * prefixed. gnuplot escapes '<' and '&' in labels but not '>', so a case
 * named "a ]]> b" would make the SVG ill-formed: '>' outside a tag becomes
 * &gt;. (Outside a tag a raw '<' is always a tag: gnuplot escaped the rest.)
 */
static char *trim_and_prefix(const char *svg, int seq)
{
	static const char *const pats[] = { " id='", " id=\"", "url(#", "href='#", "href=\"#" };
	const char *p = svg ? strstr(svg, "<svg") : NULL;
	char *buf = NULL, quote = 0;
	bool in_tag = false;
	size_t len = 0, k;
	FILE *m;

	if (!p || !(m = open_memstream(&buf, &len)))
		return NULL;
	while (*p) {
		for (k = 0; in_tag && k < WGL_ARRAY_SIZE(pats); k++)
			if (!strncmp(p, pats[k], strlen(pats[k])) && (!quote || k == 2))
				break;
		if (in_tag && k < WGL_ARRAY_SIZE(pats)) {
			/* The pattern opened a quoted value, except url(# inside one. */
			if (k != 2)
				quote = strchr(pats[k], '\'') ? '\'' : '"';
			fprintf(m, "%swgl%d_", pats[k], seq);
			p += strlen(pats[k]);
			continue;
		}
		if (!in_tag && *p == '>') {
			fputs("&gt;", m);
		} else {
			if (in_tag && (*p == '"' || *p == '\''))
				quote = !quote ? *p : quote == *p ? 0 : quote;
			else if (!quote && *p == '<')
				in_tag = true;
			else if (!quote && *p == '>')
				in_tag = false;
			fputc(*p, m);
		}
		p++;
	}
	fclose(m);
	return buf;
}

static void remove_dir(const char *dir)
{
	static const char *const files[] = { "bars.dat", "data.dat", "plot.gp", "out.svg", "err" };
	char path[512];
	size_t i;

	for (i = 0; i < WGL_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	if (rmdir(dir) == 0)
		wgl_destroyed("tmpdir", dir);
}

char *wgl_gnuplot_render(const struct wgl_plot_data *d, enum wgl_plot_kind k, int seq)
{
	char dir[] = "/tmp/wglab-plot-XXXXXX", path[512], *raw, *svg = NULL;
	int ret;

	if (!mkdtemp(dir)) {
		wgl_warn("report: cannot create a directory for gnuplot: %s", strerror(errno));
		return NULL;
	}
	wgl_created("tmpdir", dir);
	ret = write_inputs(dir, d, k);
	if (!ret)
		ret = run_gnuplot(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, ret ? "err" : "out.svg");
	raw = slurp(path);
	if (ret == -ENOENT)
		wgl_info("report: gnuplot not installed; drawing the plots without it");
	else if (ret)
		wgl_warn("report: gnuplot failed on the %s plot: %.300s", wgl_plot_name(k),
			 raw ? raw : strerror(-ret));
	else
		svg = trim_and_prefix(raw, seq);
	free(raw);
	remove_dir(dir);
	return svg;
}
