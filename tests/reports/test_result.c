// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The result model: verdict rules, metric statistics, UTF-8 hygiene, the
 * JSON round trip, schema 1 files still read, and docs/result-schema.md
 * naming exactly the keys the code writes.
 */
#include <ctype.h>
#include <math.h>
#include <unistd.h>

#include "base/log.h"
#include "tests/wgl_test.h"
#include "tests/reports/fixture.h"

/* Naive reference median: selection by counting, no sorting. */
static double ref_median(const double *v, size_t n)
{
	double lo = NAN, hi = NAN;
	size_t i, j;

	for (i = 0; i < n; i++) {
		size_t below = 0, equal = 0;

		for (j = 0; j < n; j++)
			below += v[j] < v[i], equal += v[j] == v[i];
		if (below <= (n - 1) / 2 && (n - 1) / 2 < below + equal)
			lo = v[i];
		if (below <= n / 2 && n / 2 < below + equal)
			hi = v[i];
	}
	return (lo + hi) / 2;
}

static void test_median_random(void)
{
	double v[41], copy[41];
	int round;

	srand(7);
	for (round = 0; round < 2000; round++) {
		size_t n = 1 + (size_t)rand() % 40, i;

		for (i = 0; i < n; i++)
			v[i] = copy[i] = (double)(rand() % 50) - 25; /* duplicates on purpose */
		CU_ASSERT_DOUBLE_EQUAL(wgl_median(v, n), ref_median(v, n), 1e-12);
		CU_ASSERT(memcmp(v, copy, n * sizeof(double)) == 0);
	}
	CU_ASSERT(isnan(wgl_median(v, 0)));
}

static void test_verdict_monotonic(void)
{
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c = wgl_case_new(run, "s", "c", NULL);

	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_PASS);
	wgl_case_verdict(c, WGL_SKIP, "skipped");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_SKIP);
	wgl_case_verdict(c, WGL_FAIL, "boom");
	wgl_case_verdict(c, WGL_PASS, "all fine");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_FAIL);
	CU_ASSERT_STRING_EQUAL(c->message, "boom");
	wgl_case_verdict(c, WGL_ERROR, "crash");
	wgl_case_verdict(c, WGL_FAIL, NULL);
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_ERROR);
	wgl_result_free(run);
}

static void test_check_fails_case(void)
{
	static const struct wgl_case_ident id = { "kernel", "userspace", "ipv6" };
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c = wgl_case_new(run, "s", "c", &id);
	json_t *params = json_pack("{s:i, s:s, s:s}", "streams", 4, "backend_a", "x",
				   "mode", "fast");

	CU_ASSERT_EQUAL(wgl_case_params_json(c, params), 0);
	json_decref(params);
	wgl_case_check(c, "a", true, "fine %d", 1);
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_PASS);
	wgl_case_check(c, "b", false, "got %d, want %d", 3, 4);
	wgl_case_check(c, "c", false, "second");
	CU_ASSERT_EQUAL(wgl_case_get_verdict(c), WGL_FAIL);
	/* The first failed check explains the case. */
	CU_ASSERT_STRING_EQUAL(c->message, "b: got 3, want 4");
	CU_ASSERT_EQUAL(c->nchecks, 3);
	CU_ASSERT(!c->checks[1].ok);
	/* Identity keys in params never override the typed identity. */
	CU_ASSERT_STRING_EQUAL(c->backend_a, "kernel");
	CU_ASSERT_STRING_EQUAL(c->backend_b, "userspace");
	CU_ASSERT_EQUAL(c->nparams, 2);
	CU_ASSERT_STRING_EQUAL(wgl_case_get_param(c, "streams")->value, "4");
	CU_ASSERT(!wgl_case_get_param(c, "streams")->is_string);
	CU_ASSERT(wgl_case_get_param(c, "mode")->is_string);
	wgl_result_finish(run);
	CU_ASSERT_EQUAL(run->summary.failed, 1);
	CU_ASSERT_EQUAL(run->summary.total, 1);
	wgl_result_free(run);
}

static void test_metric_stats(void)
{
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c = wgl_case_new(run, "s", "c", NULL);
	double v[] = { 5, NAN, 1, INFINITY, 3, 4 };
	struct wgl_metric *m;

	wgl_case_metric(c, "x", "ms", v, 6, "lower");
	m = &c->metrics[0];
	CU_ASSERT_EQUAL(m->n, 4);
	CU_ASSERT_DOUBLE_EQUAL(m->median, 3.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->min, 1, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->max, 5, 1e-12);
	CU_ASSERT_EQUAL(m->dropped, 2);
	CU_ASSERT_EQUAL(m->better, WGL_BETTER_LOWER);
	/* Same name again replaces: compare matches metrics by name. */
	wgl_case_metric(c, "x", "ms", v, 1, "sideways");
	CU_ASSERT_EQUAL(c->nmetrics, 1);
	CU_ASSERT_EQUAL(c->metrics[0].better, WGL_BETTER_NONE);
	wgl_case_metric(c, "nothing", "ms", v + 1, 1, NULL);
	CU_ASSERT(isnan(c->metrics[1].median));
	CU_ASSERT_EQUAL(c->metrics[1].n, 0);
	wgl_result_free(run);
}

static void test_invalid_utf8_kept(void)
{
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *c = wgl_case_new(run, "s\xff", "c\xc3", NULL);

	wgl_case_check(c, "n", false, "bad \xed\xa0\x80 surrogate, ok \xc3\xa9");
	CU_ASSERT_STRING_EQUAL(c->scenario, "s\xef\xbf\xbd");
	CU_ASSERT_STRING_EQUAL(c->name, "c\xef\xbf\xbd");
	CU_ASSERT_STRING_EQUAL(c->checks[0].detail,
			       "bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate, ok \xc3\xa9");
	wgl_result_free(run);
}

static void test_impl_and_meta(void)
{
	struct wgl_run *run = wgl_result_new();
	json_t *doc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(run->kernel);
	CU_ASSERT(run->cores >= 1);
	CU_ASSERT(!run->emulated);
	wgl_result_add_impl(run, "userspace", "wireguard-go wg0", "/usr/bin/wireguard-go", "0.0.1");
	wgl_result_add_impl(run, "userspace", "wireguard-go wg0", "/usr/bin/wireguard-go", "0.0.1");
	CU_ASSERT_EQUAL(run->nimpls, 1);
	CU_ASSERT_STRING_EQUAL(run->impls[0].version, "0.0.1");
	wgl_result_set_meta(run, "command", json_string("run"));
	wgl_result_set_meta(run, "seed", json_integer(99));
	wgl_result_set_meta(run, "governor", json_string("performance"));
	CU_ASSERT_STRING_EQUAL(run->command, "run");
	CU_ASSERT(run->has_seed && run->seed == 99);
	CU_ASSERT(wgl_result_has_meta(run, "governor") && !wgl_result_has_meta(run, "mtu"));
	doc = wgl_result_to_json(run);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "schema")), "wglab-result/2");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "governor")), "performance");
	json_decref(doc);
	wgl_result_free(run);
}

static struct wgl_run *save_and_load(const struct wgl_run *run, char *dir, size_t len)
{
	char path[128], err[512];
	struct wgl_run *back;
	FILE *f;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, len) != NULL);
	snprintf(path, sizeof(path), "%s/result.json", dir);
	f = fopen(path, "w");
	CU_ASSERT_EQUAL_FATAL(wgl_result_save(run, f), 0);
	fclose(f);
	back = wgl_result_load(path, err, sizeof(err));
	if (!back)
		printf("\n%s\n", err);
	return back;
}

static void test_json_round_trip(void)
{
	char dir[64];
	struct wgl_run *run = fixture_run(40), *back;
	json_t *a, *b;

	wgl_result_set_meta(run, "offloads", json_pack("{s:{s:b}}", "veth0", "tso", 1));
	back = save_and_load(run, dir, sizeof(dir));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	a = wgl_result_to_json(run);
	b = wgl_result_to_json(back);
	CU_ASSERT(json_equal(a, b));
	CU_ASSERT_EQUAL(back->summary.total, 4);
	CU_ASSERT_STRING_EQUAL(back->cases[0]->backend_b, "kernel");
	CU_ASSERT_PTR_NULL(back->cases[2]->backend_b);
	CU_ASSERT_STRING_EQUAL(wgl_case_get_param(back->cases[0], "streams")->value, "4");
	json_decref(a), json_decref(b);
	wgl_result_free(back);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

static struct wgl_run *load_text(const char *content, char *dir, size_t len, char *err,
				 size_t errlen)
{
	char path[128];
	FILE *f;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, len) != NULL);
	snprintf(path, sizeof(path), "%s/in.json", dir);
	f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	err[0] = '\0';
	return wgl_result_load(path, err, errlen);
}

/* A run saved before its end stays marked incomplete; files without the field are complete. */
static void test_incomplete(void)
{
	char dir[64], err[256];
	struct wgl_run *run = fixture_run(40), *back;
	json_t *j;

	run->incomplete = true;
	j = wgl_result_to_json(run);
	CU_ASSERT(json_is_false(json_object_get(j, "complete")));
	json_decref(j);
	back = save_and_load(run, dir, sizeof(dir));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT(back->incomplete);
	wgl_result_finish(back);
	CU_ASSERT(!back->incomplete);
	j = wgl_result_to_json(back);
	CU_ASSERT(json_is_true(json_object_get(j, "complete")));
	json_decref(j);
	wgl_result_free(back);
	wgl_result_free(run);
	fixture_rmdir(dir);
	back = load_text("{\"schema\": \"wglab-result/2\", \"cases\": []}", dir, sizeof(dir),
			 err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT(!back->incomplete);
	wgl_result_free(back);
	fixture_rmdir(dir);
}

/* A schema 1 file: backends and family sat in params, "backend" for single ones. */
static void test_load_v1(void)
{
	static const char v1[] =
		"{\"schema\": \"wglab-result/1\", \"id\": \"old\", \"host\": \"h\", \"cores\": 2,"
		" \"mtu\": 1500, \"vm\": {\"accel\": \"tcg\"}, \"emulated\": true,"
		" \"implementations\": {\"kernel\": {\"command\": \"kernel\", \"binary\": \"linux 6\","
		" \"version\": null}}, \"summary\": {\"total\": 9},"
		" \"cases\": [{\"scenario\": \"connect\", \"name\": \"connect[kernel:userspace,ipv6]\","
		" \"params\": {\"scenario\": \"connect\", \"family\": \"ipv6\", \"backend_a\": \"kernel\","
		" \"backend_b\": \"userspace\", \"count\": 3}, \"verdict\": \"fail\", \"message\": \"m\","
		" \"duration_s\": 1.5, \"checks\": [{\"name\": \"c\", \"ok\": false, \"detail\": \"d\"}],"
		" \"metrics\": [{\"name\": \"rtt\", \"unit\": \"ms\", \"values\": [1, 2, 3],"
		" \"median\": 2, \"min\": 1, \"max\": 3, \"better\": \"lower\"}], \"artifacts\": []},"
		" {\"scenario\": \"replay\", \"name\": \"replay[userspace,ipv4]\", \"params\":"
		" {\"backend\": \"userspace\", \"family\": \"ipv4\"}, \"verdict\": \"pass\","
		" \"checks\": [], \"metrics\": [{\"name\": \"x\", \"median\": 5}], \"artifacts\": []}]}";
	char dir[64], err[512];
	struct wgl_run *run = load_text(v1, dir, sizeof(dir), err, sizeof(err));
	const struct wgl_case *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	CU_ASSERT_EQUAL_FATAL(run->ncases, 2);
	CU_ASSERT(run->emulated && run->mtu == 1500 && run->cores == 2);
	CU_ASSERT_EQUAL(run->summary.total, 2); /* recounted, not copied */
	CU_ASSERT_STRING_EQUAL(run->impls[0].binary, "linux 6");
	CU_ASSERT(json_is_object(json_object_get(run->extra, "vm")));
	c = run->cases[0];
	CU_ASSERT_STRING_EQUAL(c->backend_a, "kernel");
	CU_ASSERT_STRING_EQUAL(c->backend_b, "userspace");
	CU_ASSERT_STRING_EQUAL(c->family, "ipv6");
	CU_ASSERT_EQUAL(c->nparams, 1);
	CU_ASSERT_STRING_EQUAL(c->params[0].key, "count");
	CU_ASSERT_EQUAL(c->verdict, WGL_FAIL);
	CU_ASSERT_EQUAL(c->metrics[0].better, WGL_BETTER_LOWER);
	CU_ASSERT_DOUBLE_EQUAL(c->metrics[0].median, 2, 1e-12);
	c = run->cases[1];
	CU_ASSERT_STRING_EQUAL(c->backend_a, "userspace");
	CU_ASSERT_PTR_NULL(c->backend_b);
	CU_ASSERT_EQUAL(c->nparams, 0);
	CU_ASSERT(isnan(c->metrics[0].min) && c->metrics[0].median == 5);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

static void load_expect(const char *content, const char *want)
{
	char dir[64], err[512];

	CU_ASSERT_PTR_NULL(load_text(content, dir, sizeof(dir), err, sizeof(err)));
	CU_ASSERT(strstr(err, dir) == err);
	if (!strstr(err, want))
		printf("\nerror '%s' lacks '%s'\n", err, want);
	CU_ASSERT(strstr(err, want) != NULL);
	CU_ASSERT(strchr(err, '\n') == NULL);
	fixture_rmdir(dir);
}

static void test_load_errors(void)
{
	char err[256];

	load_expect("{\"schema\": \"wglab-result/2\",\n  \"cases\": [1,]}", ":2:");
	load_expect("[]", "not an object");
	load_expect("{\"cases\": []}", "no \"schema\"");
	load_expect("{\"schema\": \"wglab-result/9\", \"cases\": []}", "wglab-result/9");
	load_expect("{\"schema\": \"wglab-result/2\", \"cases\": [{\"scenario\": \"s\", "
		    "\"name\": \"n\", \"verdict\": \"maybe\", \"checks\": [], \"metrics\": [], "
		    "\"artifacts\": []}]}", "cases[0].verdict");
	load_expect("{\"schema\": \"wglab-result/1\", \"cases\": [{\"scenario\": \"s\", "
		    "\"name\": \"n\", \"verdict\": \"pass\", \"checks\": [], \"metrics\": "
		    "[{\"name\": \"x\", \"median\": \"fast\"}], \"artifacts\": []}]}",
		    "cases[0].metrics[0]");
	CU_ASSERT_PTR_NULL(wgl_result_load("/nonexistent/r.json", err, sizeof(err)));
	CU_ASSERT(strstr(err, "/nonexistent/r.json") != NULL);
}

/* ---- docs/result-schema.md against the code ---- */

enum { DOC_RUN, DOC_CASE, DOC_CHECK, DOC_METRIC, DOC_ARTIFACT, DOC_IMPL, DOC_SUMMARY,
       DOC_SOURCE, DOC_NODE, DOC_COMPARISON, DOC_GATE, DOC_HOST, DOC_N };
static const char *const doc_sections[DOC_N] = { "Run", "Case", "Check", "Metric", "Artifact",
						 "Implementation", "Summary", "Source", "Node",
						 "Comparison", "Gate", "Host" };

struct doc_keys {
	char *keys[DOC_N][64];
	size_t n[DOC_N];
};

/* The `names` in the first cell of a table row, into the section's list. */
static void doc_row(struct doc_keys *d, int sec, const char *line)
{
	const char *end = strchr(line + 1, '|'), *p = line;

	while (end && (p = strchr(p, '`')) && p < end) {
		const char *q = strchr(p + 1, '`');

		if (!q || d->n[sec] == WGL_ARRAY_SIZE(d->keys[0]))
			return;
		d->keys[sec][d->n[sec]++] = strndup(p + 1, (size_t)(q - p - 1));
		p = q + 1;
	}
}

static void doc_parse(struct doc_keys *d, const char *text)
{
	int sec = -1;

	memset(d, 0, sizeof(*d));
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
		if (!strncmp(line, "## ", 3)) {
			sec = -1;
			for (int k = 0; k < DOC_N; k++)
				if (!strncmp(line + 3, doc_sections[k], strlen(doc_sections[k])) &&
				    !isalpha((unsigned char)line[3 + strlen(doc_sections[k])]))
					sec = k;
		} else if (sec >= 0 && line[0] == '|' && strncmp(line, "|---", 4) &&
			   strncmp(line, "| field", 7)) {
			doc_row(d, sec, line);
		}
	}
}

static bool doc_has(const struct doc_keys *d, int sec, const char *key)
{
	for (size_t i = 0; i < d->n[sec]; i++)
		if (!strcmp(d->keys[sec][i], key))
			return true;
	return false;
}

/* Every key of o is documented in sec, and every documented key is in o. */
static void doc_match(const struct doc_keys *d, int sec, const json_t *o)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		if (!doc_has(d, sec, key))
			printf("\n  written but not in the doc's %s table: %s", doc_sections[sec],
			       key);
		CU_ASSERT(doc_has(d, sec, key));
	}
	for (size_t i = 0; i < d->n[sec]; i++) {
		if (!json_object_get(o, d->keys[sec][i]))
			printf("\n  in the doc's %s table but not written: %s", doc_sections[sec],
			       d->keys[sec][i]);
		CU_ASSERT(json_object_get(o, d->keys[sec][i]) != NULL);
	}
}

/*
 * A run with every optional field present: the kernel lab's vm, mtu, a
 * dropped value, a shard, --jobs, case times, and what a merge adds
 * (sources, source, also).
 */
static struct wgl_run *full_run(void)
{
	static const struct wgl_source src = { .label = "lab", .id = "r1", .shard = "1/2",
					       .emulated = true };
	struct wgl_run *run;
	struct wgl_case *other;
	double v[] = { 1, NAN };
	double ab[] = { 10, 11 }, bb[] = { 9, 10 };
	const struct wgl_comparison cmp = { .scenario = "throughput", .family = "ipv4",
		.metric = "tcp_throughput", .unit = "bit/s", .impl_a = "base", .impl_b = "pr",
		.case_a = "throughput[base:base,ipv4]", .case_b = "throughput[pr:pr,ipv4]",
		.better = WGL_BETTER_HIGHER, .a = ab, .b = bb, .n = 2 };
	/* A kernel-backend host: no daemon, so its daemon figures are null. */
	const struct wgl_case_host host = { .node = "b", .wall_s = 9.5, .cpus = 2,
		.busy_pct = 43.5, .kernel_pct = 12.25, .daemon_cpu_s = NAN,
		.daemon_max_rss = NAN, .mem_available = 1.5e9 };

	setenv("WGLAB_VM_INFO", "{\"vm\": true, \"accel\": \"tcg\", \"emulated\": true}", 1);
	run = fixture_run(20);
	unsetenv("WGLAB_VM_INFO");
	wgl_result_set_meta(run, "command", json_string("run"));
	wgl_result_set_meta(run, "mtu", json_integer(1500));
	wgl_result_set_meta(run, "offloads", json_pack("{s:{s:b}}", "veth0", "tso", 1));
	wgl_case_metric(run->cases[0], "with_nan", "ms", v, 2, "lower");
	wgl_result_set_meta(run, "shard", json_pack("{s:i, s:i}", "index", 1, "count", 2));
	wgl_result_set_meta(run, "merge", json_pack("{s:i}", "replaced_skips", 0));
	wgl_result_set_meta(run, "jobs", json_pack("{s:i, s:[s]}", "count", 2,
						   "benchmarks_alone", "throughput"));
	wgl_case_times(run->cases[0], 1.7e9, 1.7e9 + 2.5);
	CU_ASSERT_EQUAL(wgl_result_add_source(run, &src), 0);
	CU_ASSERT_EQUAL(wgl_result_add_source(run, &src), 1);
	other = wgl_case_alloc(run->cases[0]->scenario, run->cases[0]->name, NULL);
	other->source = 1;
	run->cases[0]->source = 0;
	CU_ASSERT_EQUAL(wgl_case_add_also(run->cases[0], other), 0);
	wgl_case_node(run->cases[0], "a", "base", "/usr/bin/wireguard-go", "0.0.2");
	CU_ASSERT_EQUAL(wgl_case_host(run->cases[0], &host), 0);
	CU_ASSERT_EQUAL(wgl_result_add_comparison(run, &cmp), 0);
	CU_ASSERT_EQUAL(wgl_result_add_gate(run, "tcp_throughput<-5%", WGL_FAIL, "x"), 0);
	wgl_result_finish(run);
	return run;
}

static void test_schema_doc(void)
{
	char path[512];
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(wgl_test_path(path, sizeof(path), "../docs/result-schema.md"), "r");
	struct wgl_run *run = full_run();
	json_t *doc = wgl_result_to_json(run), *c;
	struct doc_keys d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(text, "`" WGL_RESULT_SCHEMA "`"));
	doc_parse(&d, text);
	for (int k = 0; k < DOC_N; k++)
		CU_ASSERT(d.n[k] > 0);
	doc_match(&d, DOC_RUN, doc);
	doc_match(&d, DOC_SUMMARY, json_object_get(doc, "summary"));
	doc_match(&d, DOC_IMPL, json_object_get(json_object_get(doc, "implementations"), "kernel"));
	c = json_array_get(json_object_get(doc, "cases"), 0);
	doc_match(&d, DOC_CASE, c);
	doc_match(&d, DOC_CHECK, json_array_get(json_object_get(c, "checks"), 0));
	doc_match(&d, DOC_METRIC, json_array_get(json_object_get(c, "metrics"), 2));
	doc_match(&d, DOC_ARTIFACT, json_array_get(json_object_get(c, "artifacts"), 0));
	doc_match(&d, DOC_SOURCE, json_array_get(json_object_get(doc, "sources"), 0));
	doc_match(&d, DOC_NODE, json_array_get(json_object_get(c, "nodes"), 0));
	doc_match(&d, DOC_COMPARISON, json_array_get(json_object_get(doc, "comparisons"), 0));
	doc_match(&d, DOC_GATE, json_array_get(json_object_get(doc, "gates"), 0));
	doc_match(&d, DOC_HOST, json_array_get(json_object_get(c, "hosts"), 0));
	for (int k = 0; k < DOC_N; k++)
		for (size_t i = 0; i < d.n[k]; i++)
			free(d.keys[k][i]);
	json_decref(doc);
	wgl_result_free(run);
	free(text);
}

/* A case's host figures survive result.json, an unknown one (null) staying unknown. */
static void test_hosts_round_trip(void)
{
	const struct wgl_case_host u = { .node = "a", .wall_s = 3, .cpus = 4, .busy_pct = 90,
		.kernel_pct = 30, .daemon_cpu_s = 2.5, .daemon_max_rss = 20e6,
		.mem_available = NAN };
	struct wgl_run *run = full_run(), *back;
	const struct wgl_case_host *h;
	json_t *a, *b;
	char dir[64];

	CU_ASSERT_EQUAL(wgl_case_host(run->cases[0], &u), 0);
	CU_ASSERT_EQUAL(run->cases[0]->nhosts, 2);
	back = save_and_load(run, dir, sizeof(dir));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	a = wgl_result_to_json(run);
	b = wgl_result_to_json(back);
	CU_ASSERT(json_equal(a, b));
	CU_ASSERT_EQUAL_FATAL(back->cases[0]->nhosts, 2);
	h = &back->cases[0]->hosts[1];
	CU_ASSERT_STRING_EQUAL(h->node, "a");
	CU_ASSERT_DOUBLE_EQUAL(h->daemon_cpu_s, 2.5, 1e-9);
	CU_ASSERT(isnan(h->mem_available));
	CU_ASSERT(isnan(back->cases[0]->hosts[0].daemon_cpu_s));
	CU_ASSERT_EQUAL(back->cases[1]->nhosts, 0);
	CU_ASSERT_PTR_NULL(json_object_get(json_array_get(json_object_get(b, "cases"), 1),
					   "hosts"));
	json_decref(a), json_decref(b);
	wgl_result_free(back);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("result", NULL, NULL);
	CU_add_test(s, "median vs naive reference", test_median_random);
	CU_add_test(s, "verdict only gets worse", test_verdict_monotonic);
	CU_add_test(s, "failed check fails the case", test_check_fails_case);
	CU_add_test(s, "metric statistics", test_metric_stats);
	CU_add_test(s, "invalid UTF-8 becomes U+FFFD", test_invalid_utf8_kept);
	CU_add_test(s, "implementations and metadata", test_impl_and_meta);
	CU_add_test(s, "JSON round trip", test_json_round_trip);
	CU_add_test(s, "incomplete runs stay marked", test_incomplete);
	CU_add_test(s, "schema 1 files load into the typed identity", test_load_v1);
	CU_add_test(s, "load errors name file and problem", test_load_errors);
	CU_add_test(s, "docs/result-schema.md names every key written", test_schema_doc);
	CU_add_test(s, "per-case hosts survive a round trip", test_hosts_round_trip);
	return wgl_test_run();
}
