// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emitters, checked by real parsers: JUnit by libxml2 against
 * tests/reports/junit.xsd, JSON by jansson, SVG by libxml2; plus the
 * results directory layout and the progress line.
 */
#include <errno.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "base/log.h"
#include "tests/wgl_test.h"
#include "reports/plot.h"
#include "tests/reports/fixture.h"
#include "reports/progress.h"
#include "reports/results_dir.h"

/*
 * Naive reference of what a string must read as after the XML round trip:
 * invalid UTF-8 bytes -> U+FFFD, controls other than tab/LF/CR -> "\xNN".
 * Only handles what NASTY contains.
 */
static void expect_xml_text(const char *in, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	while (*p && o + 8 < len) {
		if ((*p == 0xff || *p == 0xfe) || (*p == 0xc3 && (p[1] & 0xc0) != 0x80)) {
			memcpy(out + o, "\xef\xbf\xbd", 3), o += 3, p++;
		} else if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f) {
			o += (size_t)snprintf(out + o, len - o, "\\x%02X", *p++);
		} else {
			out[o++] = (char)*p++;
		}
	}
	out[o] = '\0';
}

static xmlDocPtr write_and_parse(char *dir, size_t len, struct wgl_run *run)
{
	char path[256];

	CU_ASSERT_FATAL(fixture_tmpdir(dir, len) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	return xmlReadFile(path, NULL, XML_PARSE_NONET);
}

static int validate(xmlDocPtr doc)
{
	char xsd[512];
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(wgl_test_path(xsd, sizeof(xsd),
									  "reports/junit.xsd"));
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	xmlSchemaValidCtxtPtr vc;
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	ret = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return ret;
}

static xmlChar *xpath_str(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlChar *s = NULL;

	if (o && o->nodesetval && o->nodesetval->nodeNr > 0)
		s = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return s;
}

static double xpath_num(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	double d = o ? xmlXPathCastToNumber(o) : -1;

	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return d;
}

static void test_junit_schema_and_strings(void)
{
	char dir[64], want[1024], msg[1024];
	struct wgl_run *run = fixture_run(40);
	xmlDocPtr doc = write_and_parse(dir, sizeof(dir), run);
	xmlChar *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(validate(doc), 0);
	CU_ASSERT_EQUAL(xpath_num(doc, "count(//testcase)"), 4);
	CU_ASSERT_EQUAL(xpath_num(doc, "count(//testsuite)"), 3);
	CU_ASSERT_EQUAL(xpath_num(doc, "number(/testsuites/@failures)"), 1);
	CU_ASSERT_EQUAL(xpath_num(doc, "number(/testsuites/@errors)"), 1);
	CU_ASSERT_EQUAL(xpath_num(doc, "number(/testsuites/@skipped)"), 1);
	CU_ASSERT_EQUAL(xpath_num(doc, "count(//testcase[@classname='throughput'])"), 2);
	CU_ASSERT_EQUAL(xpath_num(doc, "number(//testcase[@name='kernel-kernel tcp']/@time)"), 12.5);
	/* The failure message survives quoting exactly, attribute and body. */
	snprintf(msg, sizeof(msg), "min rate %s: %s", NASTY, NASTY);
	expect_xml_text(msg, want, sizeof(want));
	s = xpath_str(doc, "//failure/@message");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL((char *)s, want);
	xmlFree(s);
	s = xpath_str(doc, "//failure");
	CU_ASSERT(s && !strncmp((char *)s, want, strlen(want)));
	xmlFree(s);
	snprintf(msg, sizeof(msg), "kernel %s", NASTY);
	expect_xml_text(msg, want, sizeof(want));
	s = xpath_str(doc, "//testcase[skipped]/@name");
	CU_ASSERT(s && !strcmp((char *)s, want));
	xmlFree(s);
	s = xpath_str(doc, "//testcase[error]/error/@message");
	CU_ASSERT(s && !strcmp((char *)s, "script error: flood.lua:12: boom"));
	xmlFree(s);
	s = xpath_str(doc, "//testcase[@name='kernel-kernel tcp']/system-out");
	CU_ASSERT(s && strstr((char *)s, "metric throughput = 941200000 bit/s"));
	CU_ASSERT(s && strstr((char *)s, "artifact pcap /results/x/pcaps/wg0.pcap"));
	xmlFree(s);
	xmlFreeDoc(doc);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

/* The schema must reject what a broken emitter would write: the test can fail. */
static void test_junit_schema_rejects(void)
{
	static const char *const bad[] = {
		"<testsuites name='x' tests='1' failures='0' errors='0' skipped='0' time='1'/>",
		"<testsuites name='x' tests='-1' failures='0' errors='0' skipped='0' time='1' "
		"timestamp='2024-01-01T00:00:00Z'/>",
		"<testsuites name='x' tests='1' failures='0' errors='0' skipped='0' time='1' "
		"timestamp='2024-01-01T00:00:00Z'><testsuite name='s' tests='1' failures='0' "
		"errors='0' skipped='0' time='0' timestamp='2024-01-01T00:00:00Z' hostname='h'>"
		"<testcase name='c' time='0'/></testsuite></testsuites>",
	};
	size_t i;

	for (i = 0; i < WGL_ARRAY_SIZE(bad); i++) {
		xmlDocPtr doc = xmlReadMemory(bad[i], (int)strlen(bad[i]), "bad.xml", NULL,
					      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT_NOT_EQUAL(validate(doc), 0);
		xmlFreeDoc(doc);
	}
}

static void check_svg_file(const char *dir, const char *file)
{
	char path[256];
	xmlDocPtr doc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL((const char *)xmlDocGetRootElement(doc)->name, "svg");
	xmlFreeDoc(doc);
}

static void test_plots(void)
{
	char dir[64];
	struct wgl_run *run = fixture_run(40);
	char *html, *md;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	html = fixture_slurp(dir, "report.html");
	md = fixture_slurp(dir, "summary.md");
	CU_ASSERT_PTR_NOT_NULL_FATAL(html);
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_EQUAL(fixture_count(html, "<svg"), 3);
	CU_ASSERT_EQUAL(fixture_count(html, "</svg>"), 3);
	CU_ASSERT(strstr(html, "id=\"plot-throughput\"") && strstr(html, "id=\"plot-latency_cdf\"") &&
		  strstr(html, "id=\"plot-handshake_timeline\""));
	CU_ASSERT(strstr(html, "http://") == NULL || fixture_count(html, "http://") ==
		  fixture_count(html, "xmlns=\"http://www.w3.org/") +
		  fixture_count(html, "xmlns:xlink=\"http://www.w3.org/"));
	CU_ASSERT(strstr(html, "<script") == NULL);
	CU_ASSERT(strstr(md, "](plots/throughput.svg)") && strstr(md, "](plots/latency_cdf.svg)") &&
		  strstr(md, "](plots/handshake_timeline.svg)"));
	check_svg_file(dir, "plots/throughput.svg");
	check_svg_file(dir, "plots/latency_cdf.svg");
	check_svg_file(dir, "plots/handshake_timeline.svg");
	/* Markdown table cells: the nasty string may not open a new cell. */
	CU_ASSERT(strstr(md, "<tag") == NULL);
	free(html);
	free(md);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

static void test_no_plot_data(void)
{
	char dir[64];
	struct wgl_run *run = wgl_result_new();
	char *html;

	wgl_case_new(run, "s", "c", NULL);
	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	html = fixture_slurp(dir, "report.html");
	CU_ASSERT_EQUAL(fixture_count(html, "<svg"), 0);
	CU_ASSERT_EQUAL(fixture_count(html, "No data for this plot"), 3);
	free(html);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

/* The mtu and impairment tables: one row per case (per impairment), in both formats. */
static void test_scenario_tables(void)
{
	const struct wgl_case_ident id = { "userspace", "userspace", "ipv4" };
	const struct wgl_case_ident odd = { "a|<b>", "kernel", "ipv6" };
	struct wgl_run *run = wgl_result_new();
	struct wgl_case *m = wgl_case_new(run, "mtu", "m", &id);
	struct wgl_case *o = wgl_case_new(run, "mtu", "o", &odd);
	struct wgl_case *c = wgl_case_new(run, "impairment", "i", &id);
	double big = 1340, one = 1, zero = 0, five = 5, got = 5.25, ms = 20, mms = 23.5;
	char dir[64], *html, *md;

	wgl_case_metric(m, "largest_inner", "bytes", &big, 1, "higher");
	wgl_case_metric(m, "pmtu_recovered", "bool", &one, 1, NULL);
	wgl_case_metric(o, "pmtu_recovered", "bool", &zero, 1, NULL);
	wgl_case_check(c, "impairment on r eth1", true, "impairment: netem (loss 5 %%)");
	wgl_case_check(c, "impairment on r eth1", true, "impairment: nfqueue (delay)");
	wgl_case_metric(c, "impair_loss_asked", "%", &five, 1, NULL);
	wgl_case_metric(c, "impair_loss_measured", "%", &got, 1, NULL);
	wgl_case_metric(c, "impair_dup_asked", "%", &five, 1, NULL);
	wgl_case_metric(c, "impair_delay_asked", "ms", &ms, 1, NULL);
	wgl_case_metric(c, "impair_delay_measured", "ms", &mms, 1, NULL);
	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	md = fixture_slurp(dir, "summary.md");
	html = fixture_slurp(dir, "report.html");
	CU_ASSERT_FATAL(md && html);
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| userspace:userspace | ipv4 | 1340 | yes |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| ipv6 | - | no |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| userspace:userspace | ipv4 | loss | netem | 5 | 5.25 | % |"));
	/* dup ran second: the second impair call's mechanism; nothing measured. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| dup | nfqueue | 5 | - | % |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| delay | - | 20 | 23.5 | ms |"));
	CU_ASSERT_PTR_NULL(strstr(md, "| reorder |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td>loss</td><td>netem</td><td>5</td><td>5.25</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "a|&lt;b&gt;"));
	CU_ASSERT_PTR_NULL(strstr(html, "<b>:kernel"));
	free(md);
	free(html);
	fixture_rmdir(dir);
	wgl_result_free(run);
	/* A run without those scenarios has no such tables. */
	run = wgl_result_new();
	wgl_case_new(run, "s", "c", NULL);
	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	md = fixture_slurp(dir, "summary.md");
	CU_ASSERT(md && !strstr(md, "asked vs measured") && !strstr(md, "small-MTU"));
	free(md);
	fixture_rmdir(dir);
	wgl_result_free(run);
}

/* Throughput bars group by backend pair, never all under one "all" group. */
static void test_plot_groups_by_pair(void)
{
	static const struct wgl_case_ident ku = { "kernel", "userspace", "ipv4" };
	static const struct wgl_case_ident none = { "none", NULL, "ipv4" };
	struct wgl_run *run = fixture_run(0);
	struct wgl_plot_data d;
	double v[] = { 5e8, 6e8 };
	int g[4];

	wgl_case_metric(wgl_case_new(run, "throughput", "mixed", &ku), "tcp", "bit/s", v, 2,
			"higher");
	wgl_case_metric(wgl_case_new(run, "bench", "underlay", &none), "tcp", "bit/s", v, 2,
			"higher");
	CU_ASSERT_EQUAL_FATAL(wgl_plot_data_collect(run, &d), 0);
	CU_ASSERT_EQUAL_FATAL(d.nbars, 4);
	CU_ASSERT_EQUAL(d.ngroups, 4);
	for (int i = 0; i < 4; i++)
		g[i] = d.bars[i].group;
	CU_ASSERT_STRING_EQUAL(d.groups[g[0]], "kernel:kernel");
	CU_ASSERT_STRING_EQUAL(d.groups[g[1]], "userspace:userspace");
	CU_ASSERT_STRING_EQUAL(d.groups[g[2]], "kernel:userspace");
	CU_ASSERT_STRING_EQUAL(d.groups[g[3]], "none");
	wgl_plot_data_free(&d);
	wgl_result_free(run);
}

static void test_benchmark_json(void)
{
	char dir[64], path[128];
	struct wgl_run *run = fixture_run(40);
	json_t *big, *small, *bencher, *e;
	json_error_t je;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	snprintf(path, sizeof(path), "%s/benchmark.json", dir);
	big = json_load_file(path, 0, &je);
	snprintf(path, sizeof(path), "%s/benchmark-smaller.json", dir);
	small = json_load_file(path, 0, &je);
	snprintf(path, sizeof(path), "%s/bencher.json", dir);
	bencher = json_load_file(path, 0, &je);
	CU_ASSERT_FATAL(json_is_array(big) && json_is_array(small) && json_is_object(bencher));
	CU_ASSERT_EQUAL(json_array_size(big), 2);  /* the two throughputs */
	CU_ASSERT_EQUAL(json_array_size(small), 1); /* the latency */
	e = json_array_get(big, 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "name")),
			       "throughput/kernel-kernel tcp/throughput");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "unit")), "bit/s");
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(e, "value")), 941.2e6, 1);
	CU_ASSERT(json_is_string(json_object_get(e, "range")) && json_is_string(json_object_get(e, "extra")));
	e = json_object_get(json_object_get(bencher, "throughput/kernel-kernel tcp"), "rtt-under-load");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(json_number_value(json_object_get(e, "lower_value")) <=
		  json_number_value(json_object_get(e, "value")));
	CU_ASSERT(json_number_value(json_object_get(e, "value")) <=
		  json_number_value(json_object_get(e, "upper_value")));
	json_decref(big);
	json_decref(small);
	json_decref(bencher);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

static void test_results_dir(void)
{
	char base[64], a[256], b[256], sub[300], link[256], target[256];
	struct stat st;
	ssize_t n;

	CU_ASSERT_FATAL(fixture_tmpdir(base, sizeof(base)) != NULL);
	strcat(base, "/deep/results");
	CU_ASSERT_EQUAL_FATAL(wgl_results_dir_new(base, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(wgl_results_dir_new(base, b, sizeof(b)), 0);
	CU_ASSERT(strcmp(a, b) != 0);
	snprintf(sub, sizeof(sub), "%s/pcaps", b);
	CU_ASSERT(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(sub, sizeof(sub), "%s/logs", a);
	CU_ASSERT(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(link, sizeof(link), "%s/latest", base);
	/* latest waits for a result: a new folder alone does not move it */
	CU_ASSERT(readlink(link, target, sizeof(target) - 1) < 0 && errno == ENOENT);
	CU_ASSERT_EQUAL(wgl_results_dir_latest(base, a), 0);
	CU_ASSERT_EQUAL(wgl_results_dir_latest(base, b), 0);
	n = readlink(link, target, sizeof(target) - 1);
	CU_ASSERT_FATAL(n > 0);
	target[n] = '\0';
	CU_ASSERT(strchr(target, '/') == NULL); /* relative: the tree can move */
	CU_ASSERT_STRING_EQUAL(strrchr(b, '/') + 1, target);
	base[strlen(base) - strlen("/deep/results")] = '\0';
	fixture_rmdir(base);
}

static void test_progress(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	unsetenv("NO_COLOR");
	wgl_progress_set_output(f, false);
	wgl_progress_case_start("roam", "v4");
	wgl_progress_tick();
	wgl_progress_case_end(WGL_FAIL, "gap too long");
	fflush(f);
	CU_ASSERT(strstr(buf, "RUN   roam/v4\n") != NULL);
	CU_ASSERT(strstr(buf, "FAIL  roam/v4 (") != NULL && strstr(buf, "): gap too long\n"));
	CU_ASSERT(strchr(buf, '\r') == NULL && strchr(buf, '\033') == NULL);
	fclose(f);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	wgl_progress_set_output(f, true);
	wgl_progress_case_start("roam", "v6");
	wgl_progress_case_end(WGL_PASS, NULL);
	fclose(f);
	CU_ASSERT(strstr(buf, "\r\033[K") != NULL);
	CU_ASSERT(strstr(buf, "\033[32mPASS") != NULL);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	setenv("NO_COLOR", "1", 1);
	wgl_progress_set_output(f, true);
	wgl_progress_case_start("roam", "v6");
	wgl_progress_case_end(WGL_SKIP, "no v6");
	fclose(f);
	CU_ASSERT(strstr(buf, "\033[3") == NULL && strstr(buf, "SKIP  roam/v6"));
	free(buf);
	unsetenv("NO_COLOR");
}

int main(void)
{
	CU_pSuite s;

	LIBXML_TEST_VERSION;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("reports", NULL, NULL);
	CU_add_test(s, "JUnit validates, nasty strings survive", test_junit_schema_and_strings);
	CU_add_test(s, "JUnit schema rejects broken files", test_junit_schema_rejects);
	CU_add_test(s, "plots in HTML, Markdown and SVG files", test_plots);
	CU_add_test(s, "no plot data, no empty plots", test_no_plot_data);
	CU_add_test(s, "benchmark and bencher JSON", test_benchmark_json);
	CU_add_test(s, "plots group by backend pair", test_plot_groups_by_pair);
	CU_add_test(s, "results directory and latest", test_results_dir);
	CU_add_test(s, "progress lines", test_progress);
	CU_add_test(s, "mtu and impairment tables", test_scenario_tables);
	return wgl_test_run();
}
