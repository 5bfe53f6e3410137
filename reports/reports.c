// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgl_reports_write(): every report of a run, rendered from the one model.
 * Each file is written to a temporary name and renamed into place, so a
 * reader (CI uploading artifacts, a browser) never sees half a report.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/result.h"
#include "base/util.h"
#include "reports/write.h"
#include "reports/reports.h"

const char *wgl_case_id(const struct wgl_case *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->scenario, c->name);
	return buf;
}

size_t wgl_case_results(const struct wgl_case *c, const struct wgl_case **out, size_t max)
{
	size_t n = 0;

	if (max)
		out[n++] = c;
	for (size_t i = 0; i < c->nalso && n < max; i++)
		if (c->also[i]->verdict != WGL_SKIP || c->verdict == WGL_SKIP)
			out[n++] = c->also[i];
	return n;
}

const struct wgl_source *wgl_result_source(const struct wgl_run *run, const struct wgl_case *r)
{
	return r->source >= 0 && (size_t)r->source < run->nsources ? &run->sources[r->source] :
	       NULL;
}

const char *wgl_result_name(const struct wgl_run *run, const struct wgl_case *c,
			    const struct wgl_case *r, char *buf, size_t len)
{
	const struct wgl_source *src = wgl_result_source(run, r), *o;
	bool shared = false;

	if (!src) {
		snprintf(buf, len, "%s", r->name);
		return buf;
	}
	for (size_t i = 0; i <= c->nalso; i++) {
		const struct wgl_case *x = i < c->nalso ? c->also[i] : c;

		o = wgl_result_source(run, x);
		shared |= x != r && o && !strcmp(o->label ? o->label : "", src->label ? src->label : "");
	}
	if (shared)
		snprintf(buf, len, "%s (%s, source %ld)", r->name, src->label ? src->label : "?",
			 r->source + 1);
	else
		snprintf(buf, len, "%s (%s)", r->name, src->label ? src->label : "?");
	return buf;
}

const char *wgl_case_backends(const struct wgl_case *c, const char *dflt, char *buf, size_t len)
{
	if (!c->backend_a || !*c->backend_a)
		snprintf(buf, len, "%s", dflt);
	else if (c->backend_b && *c->backend_b)
		snprintf(buf, len, "%s:%s", c->backend_a, c->backend_b);
	else
		snprintf(buf, len, "%s", c->backend_a);
	return buf;
}

/* Appends " key=value" to buf (NUL-terminated, len bytes) if value is set. */
static void append_kv(char *buf, size_t len, const char *key, const char *value)
{
	size_t at = strlen(buf);

	if (value && at < len)
		snprintf(buf + at, len - at, "%s%s=%s", at ? " " : "", key, value);
}

const char *wgl_fmt_params(const struct wgl_case *c, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	append_kv(buf, len, "backend_a", c->backend_a);
	append_kv(buf, len, "backend_b", c->backend_b);
	append_kv(buf, len, "family", c->family);
	for (size_t i = 0; i < c->nparams; i++)
		append_kv(buf, len, c->params[i].key, c->params[i].value);
	return buf;
}

const char *wgl_fmt_num(double d, char *buf, size_t len)
{
	if (!isfinite(d))
		return "-";
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, len, "%.0f", d);
	else
		snprintf(buf, len, "%.4g", d);
	return buf;
}

const char *wgl_reports_jobs_text(const struct wgl_run *run, char *buf, size_t len)
{
	const json_t *jobs = json_object_get(run->extra, "jobs"), *v;
	json_int_t n = json_integer_value(json_object_get(jobs, "count"));
	const json_t *alone = json_object_get(jobs, "benchmarks_alone");
	size_t i, o;

	if (!json_is_object(jobs) || n < 1)
		return NULL;
	if (n == 1) {
		snprintf(buf, len, "1 (one case at a time)");
		return buf;
	}
	o = (size_t)snprintf(buf, len, "%lld functional cases at a time; ", (long long)n);
	if (!json_array_size(alone)) {
		snprintf(buf + (o < len ? o : len), o < len ? len - o : 0,
			 "no benchmark case in this run");
		return buf;
	}
	o += (size_t)snprintf(buf + (o < len ? o : len), o < len ? len - o : 0,
			      "benchmark cases ran alone (");
	json_array_foreach(alone, i, v)
		o += (size_t)snprintf(buf + (o < len ? o : len), o < len ? len - o : 0, "%s%s",
				      i ? ", " : "", json_string_value(v) ?: "?");
	snprintf(buf + (o < len ? o : len), o < len ? len - o : 0, ")");
	return buf;
}

void wgl_fputs_xml(FILE *f, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	const unsigned char *end = p + strlen((const char *)p);

	while (*p) {
		size_t n;
		long cp = wgl_utf8_next(p, (size_t)(end - p), &n);

		if (cp == '<')
			fputs("&lt;", f);
		else if (cp == '>')
			fputs("&gt;", f);
		else if (cp == '&')
			fputs("&amp;", f);
		else if (cp == '"' && attr)
			fputs("&quot;", f);
		else if (cp == '\'' && attr)
			fputs("&apos;", f);
		else if (cp == '\r' || ((cp == '\n' || cp == '\t') && attr))
			fprintf(f, "&#%ld;", cp); /* a raw one would be normalised away */
		else if (cp == '\n' || cp == '\t')
			fputc((int)cp, f);
		else if (cp < 0)
			fputs("\xef\xbf\xbd", f);
		else if (cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff)
			fprintf(f, cp > 0xff ? "\\u%04lX" : "\\x%02lX", cp);
		else
			fwrite(p, 1, n, f);
		p += n;
	}
}

struct emitter {
	const char *file;
	int (*write)(const struct wgl_run *run, const struct wgl_plots *p, const void *arg,
		     FILE *f);
	const void *arg;
};

static int emit_json(const struct wgl_run *run, const struct wgl_plots *p,
		     const void *arg, FILE *f)
{
	return wgl_result_save(run, f);
}

static int emit_junit(const struct wgl_run *run, const struct wgl_plots *p,
		      const void *arg, FILE *f)
{
	return wgl_write_junit(run, f);
}

static int emit_md(const struct wgl_run *run, const struct wgl_plots *p,
		   const void *arg, FILE *f)
{
	return wgl_write_markdown(run, p, f);
}

static int emit_html(const struct wgl_run *run, const struct wgl_plots *p,
		     const void *arg, FILE *f)
{
	return wgl_write_html(run, p, f);
}

static int emit_bench(const struct wgl_run *run, const struct wgl_plots *p,
		      const void *arg, FILE *f)
{
	return wgl_write_benchmark(run, arg, f);
}

static int emit_bencher(const struct wgl_run *run, const struct wgl_plots *p,
		        const void *arg, FILE *f)
{
	return wgl_write_bencher(run, f);
}

static int emit_svg(const struct wgl_run *run, const struct wgl_plots *p,
		    const void *arg, FILE *f)
{
	fputs(arg, f);
	fputc('\n', f);
	return 0;
}

/* Writes dir/file through a temporary name; reports the error with the path. */
static int write_one(const char *dir, const struct emitter *e, const struct wgl_run *run,
		     const struct wgl_plots *p)
{
	char path[4096], tmp[4200];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, e->file);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "we");
	if (!f) {
		ret = -errno;
		goto err_open;
	}
	ret = e->write(run, p, e->arg, f);
	/* The flush's errno (ENOSPC, EDQUOT) says more than the emitter's -EIO. */
	if (fflush(f))
		ret = -errno;
	else if (ferror(f) && !ret)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		return 0;
err_open:
	wgl_err("report: cannot write %s: %s", path, strerror(-ret));
	return ret;
}

static int write_plot_files(const char *dir, const struct wgl_run *run, const struct wgl_plots *p)
{
	char sub[4096], file[64];
	int k, ret = 0;

	snprintf(sub, sizeof(sub), "%s/plots", dir);
	for (k = 0; k < WGL_PLOT_N && !ret; k++) {
		struct emitter e = { file, emit_svg, p->svg[k] };

		if (!p->svg[k])
			continue;
		ret = wgl_mkdir_p(sub);
		snprintf(file, sizeof(file), "plots/%s.svg", wgl_plot_name(k));
		if (!ret)
			ret = write_one(dir, &e, run, p);
	}
	return ret;
}

int wgl_reports_write(struct wgl_run *run, const char *dir)
{
	const struct emitter emitters[] = {
		{ "result.json", emit_json, NULL },
		{ "junit.xml", emit_junit, NULL },
		{ "summary.md", emit_md, NULL },
		{ "report.html", emit_html, NULL },
		{ "benchmark.json", emit_bench, "higher" },
		{ "benchmark-smaller.json", emit_bench, "lower" },
		{ "bencher.json", emit_bencher, NULL },
	};
	struct wgl_plots plots = { { NULL } };
	size_t i;
	int ret;

	ret = wgl_mkdir_p(dir);
	if (ret) {
		wgl_err("report: cannot create %s: %s", dir, strerror(-ret));
		return ret;
	}
	/* An incomplete run (stopped early) is rendered as it is, and says so. */
	if (run->incomplete)
		wgl_result_count(run);
	else if (!run->finished)
		wgl_result_finish(run);
	wgl_plots_render(run, &plots);
	ret = write_plot_files(dir, run, &plots);
	for (i = 0; i < WGL_ARRAY_SIZE(emitters) && !ret; i++)
		ret = write_one(dir, &emitters[i], run, &plots);
	wgl_plots_free(&plots);
	return ret;
}

int wgl_reports_write_result(struct wgl_run *run, const char *dir)
{
	const struct emitter e = { "result.json", emit_json, NULL };

	wgl_result_count(run);
	return write_one(dir, &e, run, NULL);
}
