// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "reports/progress.h"

#define REDRAW_NS 100000000LL
#define PLAIN_HEARTBEAT_NS 30000000000LL

static struct {
	FILE *out;         /* NULL until the first call: stderr */
	bool live, colour, active;
	char scenario[128], name[256];
	long long start_ns, last_ns;
} pr;

static const char *const verdict_colour[] = {
	[WGL_PASS] = "\033[32m", [WGL_FAIL] = "\033[31m", [WGL_SKIP] = "\033[33m",
	[WGL_ERROR] = "\033[1;31m",
};

void wgl_progress_set_output(FILE *f, bool live)
{
	const char *nc = getenv("NO_COLOR");

	pr.out = f;
	pr.live = live;
	pr.colour = live && !(nc && *nc);
}

static FILE *out(void)
{
	if (!pr.out)
		/* The kernel lab's serial console is a tty, but its output is read as a log. */
		wgl_progress_set_output(stderr, isatty(STDERR_FILENO) && !getenv("WGLAB_VM_INFO"));
	return pr.out;
}

static double elapsed_s(void)
{
	return (wgl_now_ns() - pr.start_ns) / 1e9;
}

static void draw_live(void)
{
	fprintf(out(), "\r\033[K%s%s/%s%s  %.1fs", pr.colour ? "\033[1m" : "", pr.scenario,
		pr.name, pr.colour ? "\033[0m" : "", elapsed_s());
	fflush(out());
}

void wgl_progress_case_start(const char *scenario, const char *name)
{
	snprintf(pr.scenario, sizeof(pr.scenario), "%s", scenario ? scenario : "?");
	snprintf(pr.name, sizeof(pr.name), "%s", name ? name : "?");
	pr.start_ns = pr.last_ns = wgl_now_ns();
	pr.active = true;
	if (out() && pr.live)
		draw_live();
	else
		fprintf(out(), "RUN   %s/%s\n", pr.scenario, pr.name);
	fflush(out());
}

void wgl_progress_tick(void)
{
	long long now = wgl_now_ns();

	if (!pr.active)
		return;
	if (pr.live && now - pr.last_ns >= REDRAW_NS) {
		pr.last_ns = now;
		draw_live();
	} else if (!pr.live && now - pr.last_ns >= PLAIN_HEARTBEAT_NS) {
		pr.last_ns = now;
		fprintf(out(), "      %s/%s still running (%.0fs)\n", pr.scenario, pr.name,
			elapsed_s());
		fflush(out());
	}
}

static void print_end(const char *scenario, const char *name, enum wgl_verdict v,
		      const char *msg, double seconds)
{
	const char *vname = wgl_verdict_name(v);
	char upper[8];
	size_t i;

	for (i = 0; vname[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(vname[i] - 'a' + 'A');
	upper[i] = '\0';
	if (out() && pr.live)
		fputs("\r\033[K", out());
	fprintf(out(), "%s%-5s%s %s/%s (%.2fs)%s%s\n", pr.colour ? verdict_colour[v] : "", upper,
		pr.colour ? "\033[0m" : "", scenario, name, seconds, msg && *msg ? ": " : "",
		msg && *msg ? msg : "");
	fflush(out());
}

void wgl_progress_case_end(enum wgl_verdict v, const char *msg)
{
	print_end(pr.scenario, pr.name, v, msg, pr.active ? elapsed_s() : 0.0);
	pr.active = false;
}

void wgl_progress_case_done(const char *scenario, const char *name, enum wgl_verdict v,
			    const char *msg, double seconds)
{
	print_end(scenario ? scenario : "?", name ? name : "?", v, msg, seconds);
	if (!strcmp(pr.scenario, scenario ? scenario : "?") && !strcmp(pr.name, name ? name : "?"))
		pr.active = false;
	else if (pr.active && pr.live)
		draw_live();
}
