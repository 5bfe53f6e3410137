// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgl_merge(): a native run (kernel skipped, userspace measured) and a
 * kernel-lab run (everything measured, emulated) become one run whose cases
 * appear once, skips replaced by real results, both real results kept; the
 * merged run survives a save/load round trip, compares against itself, and
 * its summary.md leads with the headline and groups the skips; its JUnit
 * and tracker files carry every source's result of a case. Shards: a
 * missing one is reported, the same run twice is refused.
 */
#include <math.h>

#include "tests/wgl_test.h"
#include "reports/compare.h"
#include "reports/headline.h"
#include "reports/merge.h"
#include "reports/reports.h"

#define NOMOD "kernel backend unavailable: no wireguard kernel module on this host"

static const char *const pairs[][2] = { { "kernel", "kernel" }, { "kernel", "userspace" },
					{ "userspace", "userspace" } };

/* connect on three pairs; kernel skipped unless lab; latency base * (pair + 1) ms. */
static struct wgl_run *connect_run(bool lab, double base, const char *id)
{
	struct wgl_run *run = wgl_result_new();

	free(run->id);
	run->id = strdup(id);
	run->emulated = lab;
	if (lab)
		wgl_result_set_meta(run, "vm", json_pack("{s:b, s:s}", "vm", 1, "accel", "tcg"));
	for (size_t p = 0; p < 3; p++) {
		struct wgl_case_ident ident = { pairs[p][0], pairs[p][1], "ipv4" };
		double v[] = { base * (double)(p + 1), base * (double)(p + 1) + 1 };
		char name[96];
		struct wgl_case *c;

		snprintf(name, sizeof(name), "connect[%s:%s,ipv4]", pairs[p][0], pairs[p][1]);
		c = wgl_case_new(run, "connect", name, &ident);
		if (!lab && !strcmp(pairs[p][0], "kernel"))
			wgl_case_verdict(c, WGL_SKIP, NOMOD);
		else
			wgl_case_metric(c, "connect_latency", "ms", v, 2, "lower");
	}
	wgl_result_finish(run);
	return run;
}

static const struct wgl_case *find(const struct wgl_run *run, const char *pair)
{
	char name[96];

	snprintf(name, sizeof(name), "connect[%s,ipv4]", pair);
	for (size_t i = 0; i < run->ncases; i++)
		if (!strcmp(run->cases[i]->name, name))
			return run->cases[i];
	return NULL;
}

static struct wgl_run *merge_two(struct wgl_run *a, struct wgl_run *b)
{
	struct wgl_run *runs[] = { a, b };
	const char *paths[] = { "native/result.json", "lab/result.json" };
	char err[256] = "";
	struct wgl_run *m = wgl_merge(runs, paths, 2, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL(m);
	if (!m)
		printf("\n  merge: %s", err);
	wgl_result_free(a);
	wgl_result_free(b);
	return m;
}

static void check_merged(const struct wgl_run *m)
{
	const struct wgl_case *kk = find(m, "kernel:kernel"), *uu = find(m, "userspace:userspace");
	const json_t *note = json_object_get(m->extra, "merge");

	CU_ASSERT_EQUAL_FATAL(m->nsources, 2);
	CU_ASSERT_STRING_EQUAL(m->sources[0].label, "native");
	CU_ASSERT_STRING_EQUAL(m->sources[1].label, "lab");
	CU_ASSERT(m->sources[1].emulated && !m->sources[0].emulated);
	CU_ASSERT_EQUAL(m->ncases, 3);
	CU_ASSERT_EQUAL(m->summary.passed, 3);
	CU_ASSERT_EQUAL(m->summary.skipped, 0);
	/* The lab's kernel:kernel replaces the native skip, which is kept in also. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(kk);
	CU_ASSERT_EQUAL(kk->verdict, WGL_PASS);
	CU_ASSERT_EQUAL(kk->source, 1);
	CU_ASSERT_EQUAL_FATAL(kk->nalso, 1);
	CU_ASSERT_EQUAL(kk->also[0]->verdict, WGL_SKIP);
	CU_ASSERT_EQUAL(kk->also[0]->source, 0);
	/* Two real results: the native one is primary, the lab's kept. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(uu);
	CU_ASSERT_EQUAL(uu->source, 0);
	CU_ASSERT_EQUAL_FATAL(uu->nalso, 1);
	CU_ASSERT_EQUAL(uu->also[0]->source, 1);
	CU_ASSERT_EQUAL(uu->also[0]->nmetrics, 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(note, "replaced_skips")), 2);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(note, "duplicates")), 1);
	CU_ASSERT_PTR_NULL(json_object_get(note, "missing"));
}

enum fmt { MD, HTML, JUNIT, TRACKER, BENCHER };

static char *render_as(const struct wgl_run *m, enum fmt fmt)
{
	/* static: GCC takes the stream's pointer to a local for a dangling one. */
	static char *buf;
	static size_t len;
	FILE *f;

	buf = NULL;
	f = open_memstream(&buf, &len);
	switch (fmt) {
	case HTML: wgl_write_html(m, NULL, f); break;
	case MD: wgl_write_markdown(m, NULL, f); break;
	case JUNIT: wgl_write_junit(m, f); break;
	case TRACKER: wgl_write_benchmark(m, "lower", f); break;
	case BENCHER: wgl_write_bencher(m, f); break;
	}
	fclose(f);
	return buf;
}

static char *render(const struct wgl_run *m, bool html)
{
	return render_as(m, html ? HTML : MD);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * JUnit: one testcase per real result, named after its source; the native
 * skips the lab replaced are left out, so no skip stands next to a pass.
 */
static void check_junit(const struct wgl_run *m)
{
	char *x = render_as(m, JUNIT);

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(count(x, "<testcase "), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "<testsuites name=\"wglab\" tests=\"4\" failures=\"0\" "
				      "errors=\"0\" skipped=\"0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "name=\"connect[userspace:userspace,ipv4] (native)\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "name=\"connect[userspace:userspace,ipv4] (lab)\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "name=\"connect[kernel:kernel,ipv4] (lab)\""));
	CU_ASSERT_PTR_NULL(strstr(x, "connect[kernel:kernel,ipv4] (native)"));
	CU_ASSERT_PTR_NULL(strstr(x, "<skipped"));
	CU_ASSERT_EQUAL(count(x, ", emulated (kernel lab)\n"), 3);
	free(x);
}

/* Tracker files: one entry per source's figure, the lab's kept apart from the native. */
static void check_tracker(const struct wgl_run *m)
{
	char *t = render_as(m, TRACKER), *b = render_as(m, BENCHER);

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(count(t, "\"name\":"), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"connect/connect[userspace:userspace,ipv4] (native)/"
				      "connect_latency\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"connect/connect[userspace:userspace,ipv4] (lab)/"
				      "connect_latency\""));
	/* native userspace:userspace: 30 and 31 ms; lab's: 120 and 121. */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"value\": 30.5"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"value\": 120.5"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "\"connect/connect[userspace:userspace,ipv4] (native)\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "\"connect/connect[userspace:userspace,ipv4] (lab)\""));
	CU_ASSERT_PTR_NULL(strstr(b, "connect[kernel:kernel,ipv4] (native)"));
	free(t);
	free(b);
}

/* The HTML page leads with the same headline; no case row is a skip. */
static void check_html(const struct wgl_run *m)
{
	char *html = render(m, true);

	CU_ASSERT_PTR_NOT_NULL_FATAL(html);
	CU_ASSERT(strstr(html, "<h2>Headline") && strstr(html, "<h2>Headline") <
		  strstr(html, "<h2>Cases"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<tr><td>kernel:kernel</td><td>ipv4</td>"
				      "<td><em>lab, emulated</em></td><td class=\"num\">40.5</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<li>kernel: 2 cases skipped: no wireguard"));
	CU_ASSERT_PTR_NULL(strstr(html, "<td class=\"skip\">"));
	free(html);
}

static void test_native_and_lab(void)
{
	struct wgl_run *m = merge_two(connect_run(false, 10, "n1"), connect_run(true, 40, "l1"));
	char path[] = "/tmp/wgl-merge-XXXXXX", err[256], *md;
	struct wgl_run *back;
	struct wgl_compare_report *cmp;
	FILE *f;
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	check_merged(m);
	/* The round trip keeps sources, source and also. */
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	CU_ASSERT_EQUAL(wgl_result_save(m, f), 0);
	fclose(f);
	back = wgl_result_load(path, err, sizeof(err));
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	check_merged(back);
	/* compare reads a merged run like any other. */
	cmp = wgl_compare(m, back, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cmp);
	CU_ASSERT_EQUAL(cmp->regressions, 0);
	CU_ASSERT_EQUAL(cmp->nmetrics, 3);
	CU_ASSERT_EQUAL(cmp->nmissing + cmp->nadded, 0);
	wgl_compare_free(cmp);
	check_html(back);
	check_junit(back);
	check_tracker(back);
	md = render(back, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	/* The headline comes before the cases; the lab row is marked emulated. */
	CU_ASSERT(strstr(md, "## Headline") && strstr(md, "## Headline") < strstr(md, "## Cases"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| kernel:kernel | ipv4 | *lab, emulated* | 40.5 |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| userspace:userspace | ipv4 | native | 30.5 |"));
	/* lab's userspace:userspace (120.5 ms) over its kernel:kernel (40.5 ms): 2.98. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| userspace:userspace | ipv4 | *lab, emulated* | 120.5 "
				      "| 120–121 | 2 | - | 2.98 |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "- kernel: 2 cases skipped: no wireguard kernel module "
				      "on this host (their results come from lab)"));
	CU_ASSERT_PTR_NULL(strstr(md, "⏭️"));
	free(md);
	wgl_result_free(back);
	wgl_result_free(m);
}

/* A real result that failed anywhere fails the merged case, whatever the order. */
static void test_failure_wins(void)
{
	struct wgl_run *lab = connect_run(true, 40, "l1"), *m;

	wgl_case_verdict(lab->cases[2], WGL_FAIL, "lab: boom");
	m = merge_two(connect_run(false, 10, "n1"), lab);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(find(m, "userspace:userspace")->verdict, WGL_FAIL);
	CU_ASSERT_EQUAL(find(m, "userspace:userspace")->source, 1);
	CU_ASSERT_EQUAL(m->summary.failed, 1);
	wgl_result_free(m);
}

/* Cases a source lacks are listed under merge.missing. */
static void test_missing_cases(void)
{
	struct wgl_run *lab = connect_run(true, 40, "l1"), *m;
	const json_t *miss;

	wgl_case_free(lab->cases[2]);
	lab->ncases = 2;
	m = merge_two(connect_run(false, 10, "n1"), lab);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	miss = json_array_get(json_object_get(json_object_get(m->extra, "merge"), "missing"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(miss, "label")), "lab");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(miss, "cases"), 0)),
			       "connect/connect[userspace:userspace,ipv4]");
	wgl_result_free(m);
}

/* A source still running (or stopped early) leaves the merged run marked incomplete. */
static void test_incomplete_source(void)
{
	struct wgl_run *lab = connect_run(true, 40, "l1"), *m;

	m = merge_two(connect_run(false, 10, "n1"), connect_run(true, 40, "l0"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_FALSE(m->incomplete);
	wgl_result_free(m);
	lab->incomplete = true;
	m = merge_two(connect_run(false, 10, "n1"), lab);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_TRUE(m->incomplete);
	wgl_result_free(m);
}

static struct wgl_run *shard(int i, int n, const char *id)
{
	struct wgl_run *run = connect_run(false, 10, id);

	wgl_result_set_meta(run, "shard", json_pack("{s:i, s:i}", "index", i, "count", n));
	return run;
}

static void test_shards_and_refusal(void)
{
	struct wgl_run *m = merge_two(shard(1, 3, "a"), shard(3, 3, "b"));
	struct wgl_run *same[2];
	const char *paths[] = { "x", "y" };
	const json_t *note;
	char err[256] = "", *junit;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	note = json_object_get(m->extra, "merge");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(note,
			       "missing_shards"), 0)), "native 2/3");
	CU_ASSERT_STRING_EQUAL(m->sources[1].shard, "3/3");
	/* Two shards of one run share one environment. */
	CU_ASSERT_STRING_EQUAL(m->sources[1].label, "native");
	/* The same case twice in one environment: told apart by the source's number. */
	junit = render_as(m, JUNIT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(junit);
	CU_ASSERT_PTR_NOT_NULL(strstr(junit, "name=\"connect[userspace:userspace,ipv4] "
				      "(native, source 1)\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(junit, "name=\"connect[userspace:userspace,ipv4] "
				      "(native, source 2)\""));
	free(junit);
	wgl_result_free(m);
	same[0] = connect_run(false, 10, "same");
	same[1] = connect_run(false, 10, "same");
	CU_ASSERT_PTR_NULL(wgl_merge(same, paths, 2, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "same run"));
	wgl_result_free(same[0]);
	wgl_result_free(same[1]);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("merge", NULL, NULL);
	CU_add_test(s, "native + lab: one case each, skips replaced", test_native_and_lab);
	CU_add_test(s, "a failure in any source fails the case", test_failure_wins);
	CU_add_test(s, "cases a source did not run are reported", test_missing_cases);
	CU_add_test(s, "an incomplete source makes the merge incomplete", test_incomplete_source);
	CU_add_test(s, "missing shards reported, same run refused", test_shards_and_refusal);
	return wgl_test_run();
}
