// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a reader needs from the plots, checked on the SVG files a report
 * writes: throughput groups are named after backend pairs, no text is
 * clipped (every <text>'s estimated box, rotation included, lies inside the
 * viewBox) and none reaches into the title, the legend box does not overlap the data area, and a ~10 Gbit/s
 * underlay does not flatten ~0.1 Gbit/s tunnel bars.
 *
 * The box estimate is this test's own (code points x font size x 0.62,
 * ascent 0.8, descent 0.25 of the font size), not the writer's.
 */
#include <math.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/log.h"
#include "reports/plot.h"
#include "tests/wgl_test.h"
#include "tests/reports/fixture.h"

struct box {
	double x0, y0, x1, y1;
};

struct svg_facts {
	struct box view, area, legend;
	bool has_legend;
	size_t ntext, nclipped;
	double title_bottom;      /* the first text is the title: nothing else reaches it */
	size_t nover_title;
	double tallest_bar;       /* height of the tallest bar with a <title> */
	char groups[16][64];
	int ngroups;
};

static double num_attr(xmlNodePtr n, const char *name, double dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	double d = v ? strtod((const char *)v, NULL) : dflt;

	xmlFree(v);
	return d;
}

static bool has_class(xmlNodePtr n, const char *cls)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)"class");
	bool yes = v && !strcmp((const char *)v, cls);

	xmlFree(v);
	return yes;
}

/* The font size in effect at n: its own, or the nearest ancestor's. */
static double font_size(xmlNodePtr n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (xmlHasProp(n, (const xmlChar *)"font-size"))
			return num_attr(n, "font-size", 12);
	return 16;
}

static size_t code_points(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/*
 * True if the text's estimated box, rotated about its anchor, lies within
 * view; its top and bottom into *top, *bottom.
 */
static bool text_fits(xmlNodePtr n, const struct box *view, double *top, double *bottom)
{
	xmlChar *content = xmlNodeGetContent(n), *anchor, *tr;
	double fs = font_size(n), x = num_attr(n, "x", 0), y = num_attr(n, "y", 0), rot = 0;
	double w = (double)code_points((const char *)content) * fs * 0.62, left;
	double cx[4], cy[4];
	bool ok = true;

	*top = INFINITY, *bottom = -INFINITY;
	anchor = xmlGetProp(n, (const xmlChar *)"text-anchor");
	tr = xmlGetProp(n, (const xmlChar *)"transform");
	if (tr)
		CU_ASSERT(sscanf((const char *)tr, "translate(%lf,%lf) rotate(%lf)", &x, &y,
				 &rot) == 3);
	left = !anchor || !strcmp((const char *)anchor, "start") ? 0 :
	       !strcmp((const char *)anchor, "middle") ? -w / 2 : -w;
	cx[0] = cx[3] = left, cx[1] = cx[2] = left + w;
	cy[0] = cy[1] = -0.8 * fs, cy[2] = cy[3] = 0.25 * fs;
	for (int i = 0; i < 4; i++) {
		double a = rot * M_PI / 180;
		double px = x + cx[i] * cos(a) - cy[i] * sin(a);
		double py = y + cx[i] * sin(a) + cy[i] * cos(a);

		*top = fmin(*top, py), *bottom = fmax(*bottom, py);
		ok = ok && px >= view->x0 - 0.5 && px <= view->x1 + 0.5 && py >= view->y0 - 0.5 &&
		     py <= view->y1 + 0.5;
	}
	if (!ok)
		printf("\n    clipped: \"%s\" (font %g at %g,%g rotated %g)", content, fs, x, y, rot);
	xmlFree(content);
	xmlFree(anchor);
	xmlFree(tr);
	return ok;
}

static struct box rect_box(xmlNodePtr n)
{
	double x = num_attr(n, "x", 0), y = num_attr(n, "y", 0);

	return (struct box){ x, y, x + num_attr(n, "width", 0), y + num_attr(n, "height", 0) };
}

static void walk(xmlNodePtr n, struct svg_facts *s)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(n->name, (const xmlChar *)"text")) {
			double top, bottom;

			s->nclipped += !text_fits(n, &s->view, &top, &bottom);
			if (!s->ntext++)
				s->title_bottom = bottom;
			else
				s->nover_title += top < s->title_bottom;
			if (has_class(n, "group") && s->ngroups < 16) {
				xmlChar *t = xmlNodeGetContent(n);

				snprintf(s->groups[s->ngroups++], sizeof(s->groups[0]), "%s", t);
				xmlFree(t);
			}
		} else if (has_class(n, "plot-area")) {
			s->area = rect_box(n);
		} else if (has_class(n, "legend-box")) {
			s->legend = rect_box(n);
			s->has_legend = true;
		} else if (!xmlStrcmp(n->name, (const xmlChar *)"rect") && n->children) {
			s->tallest_bar = fmax(s->tallest_bar, num_attr(n, "height", 0));
		}
		walk(n->children, s);
	}
}

static void svg_facts(const char *dir, const char *file, struct svg_facts *s)
{
	char path[256];
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlChar *vb;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/plots/%s", dir, file);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	root = xmlDocGetRootElement(doc);
	vb = xmlGetProp(root, (const xmlChar *)"viewBox");
	CU_ASSERT_FATAL(vb && sscanf((const char *)vb, "%lf %lf %lf %lf", &s->view.x0,
				     &s->view.y0, &s->view.x1, &s->view.y1) == 4);
	xmlFree(vb);
	walk(root, s);
	xmlFreeDoc(doc);
	printf("\n    %s: %zu texts, %zu clipped, %zu over the title, legend %s", file, s->ntext,
	       s->nclipped, s->nover_title, s->has_legend ? "present" : "none");
}

static bool overlap(const struct box *a, const struct box *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* Every plot of run: labels within the canvas, legend clear of the data area. */
static void check_run(struct wgl_run *run, char *dir, size_t dirlen)
{
	static const char *const files[] = { "throughput.svg", "latency_cdf.svg",
					     "handshake_timeline.svg" };
	struct svg_facts s;

	CU_ASSERT_FATAL(fixture_tmpdir(dir, dirlen) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	for (size_t i = 0; i < WGL_ARRAY_SIZE(files); i++) {
		svg_facts(dir, files[i], &s);
		CU_ASSERT(s.ntext > 5);
		CU_ASSERT_EQUAL(s.nclipped, 0);
		CU_ASSERT_EQUAL(s.nover_title, 0);
		CU_ASSERT(s.area.x1 > s.area.x0 && s.area.y1 > s.area.y0);
		if (s.has_legend)
			CU_ASSERT(!overlap(&s.legend, &s.area));
	}
}

static bool has_group(const struct svg_facts *s, const char *name)
{
	for (int i = 0; i < s->ngroups; i++)
		if (!strcmp(s->groups[i], name))
			return true;
	return false;
}

static void test_pairs(void)
{
	struct wgl_run *run = fixture_pairs_run();
	struct svg_facts s;
	char dir[64], *html;

	check_run(run, dir, sizeof(dir));
	svg_facts(dir, "throughput.svg", &s);
	CU_ASSERT(s.has_legend);
	CU_ASSERT(has_group(&s, "kernel:kernel"));
	CU_ASSERT(has_group(&s, "userspace:userspace"));
	CU_ASSERT(has_group(&s, "kernel:userspace"));
	CU_ASSERT(has_group(&s, "userspace"));
	CU_ASSERT_EQUAL(s.ngroups, 4);
	/* The 0.17 Gbit/s bar is not flattened by the 10 Gbit/s underlay. */
	CU_ASSERT(s.tallest_bar > 0.5 * (s.area.y1 - s.area.y0));
	html = fixture_slurp(dir, "report.html");
	CU_ASSERT(html && strstr(html, ">userspace:userspace</text>") &&
		  strstr(html, ">kernel:userspace</text>"));
	free(html);
	fixture_rmdir(dir);
	wgl_result_free(run);
}

/* The sample run's hostile case names and long CDF labels fit too. */
static void test_nasty(void)
{
	struct wgl_run *run = fixture_run(40);
	char dir[64];

	check_run(run, dir, sizeof(dir));
	fixture_rmdir(dir);
	wgl_result_free(run);
}

/* loss-connect's sweep: one line per case, points in rate order, handshakes marked. */
static struct wgl_run *loss_run(void)
{
	struct wgl_run *run = wgl_result_new();
	const struct wgl_case_ident ids[] = { { "kernel", "kernel", "ipv4" },
					      { "userspace", "userspace", "ipv6" } };
	static const char *const rates[] = { "10", "0", "5" };

	for (size_t k = 0; k < 2; k++) {
		struct wgl_case *c = wgl_case_new(run, "loss-connect", k ? "b" : "a", &ids[k]);

		for (size_t i = 0; i < 3; i++) {
			char name[64];
			double r = atof(rates[i]), bps = (100 - 9 * r) * 1e6 / (double)(k + 1), s = 0.1;

			snprintf(name, sizeof(name), "loss_asked_%s", rates[i]);
			wgl_case_metric(c, name, "%", &r, 1, NULL);
			snprintf(name, sizeof(name), "tcp_at_loss_%s", rates[i]);
			wgl_case_metric(c, name, "bit/s", &bps, 1, "higher");
			/* The second case's handshake failed at 10 %. */
			snprintf(name, sizeof(name), "connect_at_loss_%s", rates[i]);
			if (!(k && r == 10))
				wgl_case_metric(c, name, "s", &s, 1, "lower");
		}
	}
	return run;
}

static void test_loss(void)
{
	struct wgl_run *run = loss_run();
	struct wgl_plot_data d;
	struct svg_facts s;
	char dir[64], *svg;

	CU_ASSERT_EQUAL_FATAL(wgl_plot_data_collect(run, &d), 0);
	CU_ASSERT_EQUAL_FATAL(d.nloss, 2);
	CU_ASSERT_STRING_EQUAL(d.loss[0].label, "kernel:kernel ipv4");
	CU_ASSERT_EQUAL(d.loss[1].n, 3);
	CU_ASSERT(d.loss[1].rate[0] == 0 && d.loss[1].rate[1] == 5 && d.loss[1].rate[2] == 10);
	CU_ASSERT_DOUBLE_EQUAL(d.loss[1].mbit[1], 27.5, 1e-9);
	CU_ASSERT(d.loss[0].handshake[2] && d.loss[1].handshake[1] && !d.loss[1].handshake[2]);
	svg = wgl_svg_render(&d, WGL_PLOT_LOSS);
	CU_ASSERT(svg && strstr(svg, "fill=\"white\""));
	free(svg);
	wgl_plot_data_free(&d);
	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	svg_facts(dir, "loss.svg", &s);
	CU_ASSERT(s.ntext > 5);
	CU_ASSERT_EQUAL(s.nclipped, 0);
	CU_ASSERT(s.has_legend && !overlap(&s.legend, &s.area));
	fixture_rmdir(dir);
	wgl_result_free(run);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("plot layout", NULL, NULL);
	CU_add_test(s, "backend pairs, underlay, labels and legends", test_pairs);
	CU_add_test(s, "loss sweep", test_loss);
	CU_add_test(s, "hostile labels fit", test_nasty);
	return wgl_test_run();
}
