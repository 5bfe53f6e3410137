// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>

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
		 json_number_value(json_object_get(f, "mem_total")) / (1024.0 * 1024 * 1024), clk,
		 str(json_object_get(n, "agent"), "wglab"));
	return true;
}
