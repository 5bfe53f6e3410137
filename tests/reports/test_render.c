// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Renders report.html in headless Chromium and checks the screenshot: with
 * plots the page below the run table must hold many saturated, distinct
 * colours (bars, curves, markers); the same page without plottable metrics
 * must not. Drawn from the sample run and from the run with several
 * backend pairs and an underlay. (The plot layout itself is checked on the
 * SVG in test_plot_layout.c.)
 */
#include <png.h>
#include <sys/wait.h>

#include "base/child.h"
#include "tests/wgl_test.h"
#include "tests/reports/fixture.h"

#define CHROMIUM "/usr/bin/chromium"
#define SHOT_W 1200
#define SHOT_H 2000
#define PLOT_TOP 450 /* below the title, summary and run metadata table */

struct colour_stats {
	size_t saturated;  /* pixels with max-min channel spread > 60 */
	size_t distinct;   /* distinct saturated colours (quantised to 5 bits) */
};

static int png_stats(const char *path, struct colour_stats *st)
{
	png_image img;
	png_bytep buf;
	static unsigned char seen[1 << 15];
	size_t x, y;

	memset(&img, 0, sizeof(img));
	memset(st, 0, sizeof(*st));
	memset(seen, 0, sizeof(seen));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path))
		return -1;
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		free(buf);
		return -1;
	}
	for (y = PLOT_TOP; y < img.height; y++) {
		for (x = 0; x < img.width; x++) {
			png_bytep p = buf + (y * img.width + x) * 3;
			int hi = p[0] > p[1] ? (p[0] > p[2] ? p[0] : p[2]) : (p[1] > p[2] ? p[1] : p[2]);
			int lo = p[0] < p[1] ? (p[0] < p[2] ? p[0] : p[2]) : (p[1] < p[2] ? p[1] : p[2]);
			unsigned int q = (unsigned int)(p[0] >> 3) << 10 | (p[1] >> 3) << 5 | p[2] >> 3;

			if (hi - lo <= 60)
				continue;
			st->saturated++;
			st->distinct += !seen[q];
			seen[q] = 1;
		}
	}
	free(buf);
	return 0;
}

static int screenshot(const char *html, const char *png)
{
	char url[512], shot[512], profile[] = "/tmp/wglab-chromium-XXXXXX", size[64];
	struct wgl_child_opts o = WGL_CHILD_OPTS_INIT;
	int st = 0;
	pid_t pid;

	if (!mkdtemp(profile))
		return -1;
	snprintf(url, sizeof(url), "file://%s", html);
	snprintf(shot, sizeof(shot), "--screenshot=%s", png);
	snprintf(size, sizeof(size), "--window-size=%d,%d", SHOT_W, SHOT_H);
	{
		char pdir[128];
		char *argv[] = { CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
				 "--disable-quic", "--no-first-run", "--disable-background-networking",
				 "--disable-component-update", "--disable-sync", pdir, shot, size,
				 url, NULL };

		snprintf(pdir, sizeof(pdir), "--user-data-dir=%s", profile);
		pid = wgl_child_exec(&o, "chromium", argv);
		if (pid < 0)
			return -1;
		if (wgl_child_wait(pid, 120000, &st) < 0)
			st = wgl_child_stop(pid, 1000);
	}
	fixture_rmdir(profile);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void render(struct wgl_run *run, const char *what, struct colour_stats *st)
{
	char dir[64], html[128], png[128];

	CU_ASSERT_FATAL(fixture_tmpdir(dir, sizeof(dir)) != NULL);
	CU_ASSERT_EQUAL_FATAL(wgl_reports_write(run, dir), 0);
	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(png, sizeof(png), "%s/shot.png", dir);
	CU_ASSERT_EQUAL_FATAL(screenshot(html, png), 0);
	CU_ASSERT_EQUAL_FATAL(png_stats(png, st), 0);
	printf("\n    %s: %zu saturated pixels, %zu distinct colours", what, st->saturated,
	       st->distinct);
	wgl_result_free(run);
	fixture_rmdir(dir);
}

static void check(struct wgl_run *with_plots, const char *what)
{
	struct wgl_run *none = wgl_result_new();
	struct colour_stats with, without;

	wgl_case_new(none, "throughput", "kernel", NULL);
	render(with_plots, what, &with);
	render(none, "no plots", &without);
	CU_ASSERT(with.saturated > 5000);
	CU_ASSERT(with.distinct > 20);
	CU_ASSERT(without.saturated < 500);
	CU_ASSERT(with.saturated > 10 * (without.saturated + 1));
}

static void test_sample(void)
{
	check(fixture_run(60), "sample run");
}

static void test_pairs(void)
{
	check(fixture_pairs_run(), "backend pairs with underlay");
}

int main(void)
{
	CU_pSuite s;

	if (access(CHROMIUM, X_OK) != 0)
		wgl_test_skip(CHROMIUM " not installed (apt-get install chromium): "
			      "report.html not rendered");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("render", NULL, NULL);
	CU_add_test(s, "report.html of the sample run", test_sample);
	CU_add_test(s, "report.html of several backend pairs", test_pairs);
	return wgl_test_run();
}
