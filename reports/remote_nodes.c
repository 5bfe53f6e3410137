// SPDX-License-Identifier: GPL-2.0-or-later
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "reports/remote_nodes.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "?";
}

/* A cross-host timing is only as good as this error bar. */
static void clock_text(const json_t *clk, char *buf, size_t len)
{
	if (!clk) {
		snprintf(buf, len, "clock offset unknown");
		return;
	}
	snprintf(buf, len, "clock offset %+.3f ms ± %.3f ms",
		 json_number_value(json_object_get(clk, "offset_ns")) / 1e6,
		 json_number_value(json_object_get(clk, "error_ns")) / 1e6);
}

/* Bytes of a facts value: a number, or /proc/meminfo's text "16342876 kB". */
static double bytes(const json_t *v)
{
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL) * 1024;
	return json_number_value(v);
}

bool wgl_report_remote_node(const struct wgl_run *run, size_t i, char *name, size_t nlen,
			    char *value, size_t vlen)
{
	const json_t *nodes = json_object_get(run->extra, "remote_nodes");
	const char *label = NULL;
	const json_t *n = NULL, *f;
	char clk[96];
	size_t k = 0;

	json_object_foreach((json_t *)nodes, label, n)
		if (k++ == i)
			break;
	if (!json_is_object(nodes) || k != i + 1 || !json_is_object(n))
		return false;
	f = json_object_get(n, "facts");
	clock_text(json_object_get(n, "clock"), clk, sizeof(clk));
	snprintf(name, nlen, "node %s", label);
	snprintf(value, vlen, "%s (%s): kernel %s, %s × %lld cores, %.1f GiB; %s; wglab %s",
		 str(n, "url"), str(f, "host"), str(f, "kernel"), str(f, "cpu_model"),
		 (long long)json_integer_value(json_object_get(f, "cores")),
		 bytes(json_object_get(f, "mem_total")) / (1024.0 * 1024 * 1024), clk,
		 str(json_object_get(n, "agent"), "wglab"));
	return true;
}

void wgl_report_case_host(const struct wgl_case_host *h, char *buf, size_t len)
{
	int n = snprintf(buf, len, "node %s: CPU %.1f%% busy of %.0f CPUs (kernel %.1f%%) over "
			 "%.1f s", h->node, h->busy_pct, h->cpus, h->kernel_pct, h->wall_s);

	if (n > 0 && (size_t)n < len && isfinite(h->daemon_cpu_s))
		n += snprintf(buf + n, len - (size_t)n, "; WireGuard daemon %.2f CPU-s (%.1f%% of "
			      "one CPU)", h->daemon_cpu_s, h->wall_s > 0 ? 100 * h->daemon_cpu_s /
			      h->wall_s : NAN);
	if (n > 0 && (size_t)n < len && isfinite(h->daemon_max_rss))
		n += snprintf(buf + n, len - (size_t)n, ", peak RSS %.1f MiB",
			      h->daemon_max_rss / (1024.0 * 1024));
	if (n > 0 && (size_t)n < len && isfinite(h->mem_available))
		snprintf(buf + n, len - (size_t)n, "; %.2f GiB available",
			 h->mem_available / (1024.0 * 1024 * 1024));
}
