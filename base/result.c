// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The result model (schema "wglab-result/1", docs/result-schema.md). Every
 * string that enters the model goes through json_text(): jansson refuses
 * invalid UTF-8, and a check detail quoting a peer's garbage must still be
 * recorded, so bad bytes become U+FFFD instead of a silently lost field.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "base/log.h"
#include "base/result.h"
#include "base/util.h"

#define WGL_RESULT_SCHEMA "wglab-result/1"

static const char *const verdict_names[] = {
	[WGL_PASS] = "pass", [WGL_FAIL] = "fail", [WGL_SKIP] = "skip", [WGL_ERROR] = "error",
};

/* How bad a verdict is: a case's verdict only moves up this scale. */
static const int verdict_rank[] = {
	[WGL_PASS] = 0, [WGL_SKIP] = 1, [WGL_FAIL] = 2, [WGL_ERROR] = 3,
};

/* A JSON string of s with invalid UTF-8 replaced by U+FFFD; NULL s gives null. */
static json_t *json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i = 0, o = 0;
	json_t *j;
	char *buf;

	if (!s)
		return json_null();
	n = strlen(s);
	buf = malloc(n * 3 + 1);
	if (!buf)
		return NULL;
	while (i < n) {
		size_t l;

		if (wgl_utf8_next(p + i, n - i, &l) >= 0) {
			memcpy(buf + o, p + i, l);
			o += l, i += l;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

static void utc_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "model name" from /proc/cpuinfo; other architectures name it differently. */
static json_t *cpu_model(void)
{
	static const char *const keys[] = { "model name", "Model", "cpu model", "uarch" };
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];
	json_t *ret = NULL;

	if (!f)
		return json_null();
	while (!ret && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		size_t k;

		if (!colon)
			continue;
		for (k = 0; k < WGL_ARRAY_SIZE(keys) && !ret; k++) {
			if (strncmp(line, keys[k], strlen(keys[k])))
				continue;
			colon += strspn(colon + 1, " \t") + 1;
			colon[strcspn(colon, "\n")] = '\0';
			ret = json_text(colon);
		}
	}
	fclose(f);
	return ret ? ret : json_null();
}

static void run_id(char *buf, size_t len)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), "-%ld", (long)getpid());
}

/*
 * Inside the kernel lab, `wglab vm` passes the VM's facts in WGLAB_VM_INFO:
 * every run made there says so, and figures measured under emulation are
 * labelled emulated in every report.
 */
static void add_vm_info(json_t *run)
{
	const char *env = getenv("WGLAB_VM_INFO");
	json_t *vm = env ? json_loads(env, 0, NULL) : NULL;

	if (!vm)
		return;
	json_object_set_new(run, "emulated",
			    json_boolean(json_is_true(json_object_get(vm, "emulated"))));
	json_object_set_new(run, "vm", vm);
}

json_t *wgl_result_new(void)
{
	struct utsname u;
	char now[32], id[48];
	json_t *run;

	run = json_object();
	if (!run) {
		errno = ENOMEM;
		return NULL;
	}
	utc_now(now, sizeof(now));
	run_id(id, sizeof(id));
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	json_object_set_new(run, "schema", json_string(WGL_RESULT_SCHEMA));
	json_object_set_new(run, "id", json_string(id));
	json_object_set_new(run, "started", json_string(now));
	json_object_set_new(run, "finished", json_null());
	json_object_set_new(run, "host", json_text(u.nodename));
	json_object_set_new(run, "kernel", json_text(u.release));
	json_object_set_new(run, "arch", json_text(u.machine));
	json_object_set_new(run, "cpu_model", cpu_model());
	json_object_set_new(run, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(run, "wglab_version", json_string(WGLAB_VERSION));
	json_object_set_new(run, "seed", json_null());
	json_object_set_new(run, "emulated", json_false());
	add_vm_info(run);
	json_object_set_new(run, "implementations", json_object());
	json_object_set_new(run, "cases", json_array());
	json_object_set_new(run, "summary", json_object());
	wgl_result_finish(run);
	json_object_set_new(run, "finished", json_null());
	return run;
}

void wgl_result_set_meta(json_t *run, const char *key, json_t *value)
{
	if (!value) {
		wgl_warn("result: no value for run metadata '%s'", key);
		return;
	}
	json_object_set_new(run, key, value);
}

void wgl_result_add_impl(json_t *run, const char *backend, const char *command,
			 const char *binary, const char *version)
{
	json_t *impls = json_object_get(run, "implementations");
	json_t *impl;

	if (!json_is_object(impls)) {
		impls = json_object();
		json_object_set_new(run, "implementations", impls);
	}
	impl = json_pack("{s:o, s:o, s:o}", "command", json_text(command),
			 "binary", json_text(binary), "version", json_text(version));
	if (!impl)
		return;
	/* Same backend with different values (a second binary) is worth a warning. */
	if (json_object_get(impls, backend) && !json_equal(json_object_get(impls, backend), impl))
		wgl_warn("result: implementation of %s changed during the run", backend);
	json_object_set_new(impls, backend, impl);
}

json_t *wgl_case_new(json_t *run, const char *scenario, const char *name, json_t *params)
{
	json_t *cases = json_object_get(run, "cases");
	json_t *c;

	if (!params || !json_is_object(params)) {
		json_decref(params);
		params = json_object();
	}
	c = json_pack("{s:o, s:o, s:o, s:s, s:n, s:f, s:[], s:[], s:[]}",
		      "scenario", json_text(scenario), "name", json_text(name),
		      "params", params, "verdict", "pass", "message", "duration_s", 0.0,
		      "checks", "metrics", "artifacts");
	if (!c || json_array_append_new(cases, c) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void wgl_case_verdict(json_t *c, enum wgl_verdict v, const char *message)
{
	enum wgl_verdict cur = wgl_case_get_verdict(c);

	if (verdict_rank[v] < verdict_rank[cur])
		return;
	json_object_set_new(c, "verdict", json_string(verdict_names[v]));
	if (message)
		json_object_set_new(c, "message", json_text(message));
}

void wgl_case_check(json_t *c, const char *name, bool ok, const char *fmt, ...)
{
	char *detail = NULL;
	va_list ap;
	json_t *check;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);
	check = json_pack("{s:o, s:b, s:o}", "name", json_text(name), "ok", ok,
			  "detail", json_text(detail ? detail : ""));
	if (check)
		json_array_append_new(json_object_get(c, "checks"), check);
	/* The first failed check explains the case; later ones are in checks[]. */
	if (!ok && json_is_null(json_object_get(c, "message"))) {
		char *msg = NULL;

		if (asprintf(&msg, "%s: %s", name, detail ? detail : "") >= 0)
			wgl_case_verdict(c, WGL_FAIL, msg);
		free(msg);
	} else if (!ok) {
		wgl_case_verdict(c, WGL_FAIL, NULL);
	}
	free(detail);
}

/* A finite number, or null: JSON has no NaN or infinity. */
static json_t *json_num(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

/*
 * Fills median/min/max/spread from the finite values; non-finite ones are
 * not numbers JSON can hold, so they are counted in "dropped" instead.
 */
static void metric_stats(json_t *m, const double *values, size_t n)
{
	json_t *arr = json_array();
	double *fin = malloc((n ? n : 1) * sizeof(*fin));
	double lo = INFINITY, hi = -INFINITY, med = NAN;
	size_t i, k = 0;

	for (i = 0; fin && i < n; i++) {
		if (!isfinite(values[i]))
			continue;
		fin[k++] = values[i];
		json_array_append_new(arr, json_real(values[i]));
		lo = values[i] < lo ? values[i] : lo;
		hi = values[i] > hi ? values[i] : hi;
	}
	if (k)
		med = wgl_median(fin, k);
	json_object_set_new(m, "values", arr);
	json_object_set_new(m, "median", json_num(med));
	json_object_set_new(m, "min", json_num(lo));
	json_object_set_new(m, "max", json_num(hi));
	json_object_set_new(m, "spread", k ? json_real(hi - lo) : json_null());
	if (k < n)
		json_object_set_new(m, "dropped", json_integer((json_int_t)(n - k)));
	free(fin);
}

void wgl_case_metric(json_t *c, const char *name, const char *unit,
		     const double *values, size_t n, const char *better)
{
	json_t *metrics = json_object_get(c, "metrics");
	json_t *m, *old;
	size_t i;

	if (better && strcmp(better, "higher") && strcmp(better, "lower")) {
		wgl_warn("result: metric %s: better must be higher or lower, not '%s'", name,
			 better);
		better = NULL;
	}
	m = json_pack("{s:o, s:o, s:o}", "name", json_text(name), "unit", json_text(unit),
		      "better", json_text(better));
	if (!m)
		return;
	metric_stats(m, values, n);
	/* Names are unique within a case: compare matches metrics by name. */
	json_array_foreach(metrics, i, old) {
		if (json_equal(json_object_get(old, "name"), json_object_get(m, "name"))) {
			json_array_set_new(metrics, i, m);
			return;
		}
	}
	json_array_append_new(metrics, m);
}

void wgl_case_artifact(json_t *c, const char *kind, const char *path)
{
	json_t *a = json_pack("{s:o, s:o}", "kind", json_text(kind), "path", json_text(path));

	if (a)
		json_array_append_new(json_object_get(c, "artifacts"), a);
}

void wgl_case_duration(json_t *c, double seconds)
{
	json_object_set_new(c, "duration_s", json_real(isfinite(seconds) ? seconds : 0));
}

enum wgl_verdict wgl_case_get_verdict(const json_t *c)
{
	const char *s = json_string_value(json_object_get(c, "verdict"));
	size_t i;

	for (i = 0; s && i < WGL_ARRAY_SIZE(verdict_names); i++)
		if (!strcmp(s, verdict_names[i]))
			return (enum wgl_verdict)i;
	/* An unreadable verdict must never read as a pass. */
	return WGL_ERROR;
}

void wgl_result_finish(json_t *run)
{
	json_int_t count[WGL_ARRAY_SIZE(verdict_names)] = { 0 };
	json_t *c;
	char now[32];
	size_t i;

	json_array_foreach(json_object_get(run, "cases"), i, c)
		count[wgl_case_get_verdict(c)]++;
	utc_now(now, sizeof(now));
	json_object_set_new(run, "finished", json_string(now));
	json_object_set_new(run, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I}", "total",
				      (json_int_t)json_array_size(json_object_get(run, "cases")),
				      "passed", count[WGL_PASS], "failed", count[WGL_FAIL],
				      "skipped", count[WGL_SKIP], "errors", count[WGL_ERROR]));
}

const char *wgl_verdict_name(enum wgl_verdict v)
{
	return (unsigned int)v < WGL_ARRAY_SIZE(verdict_names) ? verdict_names[v] : "error";
}

/* Checks one case of a loaded result; the problem goes into err. */
static int check_case(const json_t *c, size_t i, char *err, size_t len)
{
	static const char *const arrays[] = { "checks", "metrics", "artifacts" };
	const char *verdict = json_string_value(json_object_get(c, "verdict"));
	const json_t *m;
	size_t k, j;

	if (!json_is_object(c))
		return snprintf(err, len, "cases[%zu] is not an object", i), -EINVAL;
	if (!json_is_string(json_object_get(c, "scenario")) ||
	    !json_is_string(json_object_get(c, "name")))
		return snprintf(err, len, "cases[%zu] has no string \"scenario\" and \"name\"", i),
		       -EINVAL;
	if (!verdict || (wgl_case_get_verdict(c) == WGL_ERROR && strcmp(verdict, "error")))
		return snprintf(err, len, "cases[%zu].verdict is not pass|fail|skip|error", i),
		       -EINVAL;
	for (k = 0; k < WGL_ARRAY_SIZE(arrays); k++)
		if (!json_is_array(json_object_get(c, arrays[k])))
			return snprintf(err, len, "cases[%zu].%s is not an array", i, arrays[k]),
			       -EINVAL;
	json_array_foreach(json_object_get(c, "metrics"), j, m) {
		const json_t *med = json_object_get(m, "median");

		if (!json_is_string(json_object_get(m, "name")) ||
		    !(json_is_number(med) || json_is_null(med)))
			return snprintf(err, len, "cases[%zu].metrics[%zu] needs a string \"name\" "
					"and a numeric or null \"median\"", i, j), -EINVAL;
	}
	return 0;
}

static int check_run(const json_t *run, char *err, size_t len)
{
	const char *schema = json_string_value(json_object_get(run, "schema"));
	const json_t *c;
	size_t i;

	if (!json_is_object(run))
		return snprintf(err, len, "not a wglab result: the top level is not an object"),
		       -EINVAL;
	if (!schema)
		return snprintf(err, len, "not a wglab result: no \"schema\" field"), -EINVAL;
	if (strcmp(schema, WGL_RESULT_SCHEMA))
		return snprintf(err, len, "schema is \"%s\", this wglab reads \"%s\"", schema,
				WGL_RESULT_SCHEMA), -EINVAL;
	if (!json_is_array(json_object_get(run, "cases")))
		return snprintf(err, len, "\"cases\" is not an array"), -EINVAL;
	json_array_foreach(json_object_get(run, "cases"), i, c)
		if (check_case(c, i, err, len) < 0)
			return -EINVAL;
	return 0;
}

json_t *wgl_result_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	char why[256];
	json_t *run = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (!run) {
		if (je.line > 0)
			snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		else
			snprintf(err, errlen, "%s: %s", path, je.text);
		errno = EINVAL;
		return NULL;
	}
	if (check_run(run, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		json_decref(run);
		errno = EINVAL;
		return NULL;
	}
	return run;
}
