// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-case host figures of runs with remote nodes (struct
 * wgl_case_host): built, freed, written to and read from a case's "hosts".
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/result_priv.h"

int wgl_case_host(struct wgl_case *c, const struct wgl_case_host *h)
{
	struct wgl_case_host *v = NULL;

	for (size_t i = 0; i < c->nhosts && !v; i++)
		if (!strcmp(c->hosts[i].node, h->node ? h->node : ""))
			v = &c->hosts[i];
	if (v) {
		free(v->node);
	} else {
		v = wgl_result_grow(c->hosts, &c->nhosts, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->hosts = v;
		v = &v[c->nhosts - 1];
	}
	*v = *h;
	v->node = wgl_result_text_dup(h->node ? h->node : "");
	return v->node ? 0 : -ENOMEM;
}

void wgl_result_hosts_free(struct wgl_case *c)
{
	for (size_t i = 0; i < c->nhosts; i++)
		free(c->hosts[i].node);
	free(c->hosts);
}

static json_t *jnum(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

void wgl_result_hosts_json(const struct wgl_case *c, json_t *o)
{
	json_t *a;

	if (!c->nhosts)
		return;
	a = json_array();
	for (size_t i = 0; a && i < c->nhosts; i++) {
		const struct wgl_case_host *h = &c->hosts[i];

		json_array_append_new(a, json_pack("{s:s s:o s:o s:o s:o s:o s:o s:o}", "node",
			h->node, "wall_s", jnum(h->wall_s), "cpus", jnum(h->cpus), "cpu_busy_pct",
			jnum(h->busy_pct), "cpu_kernel_pct", jnum(h->kernel_pct), "daemon_cpu_s",
			jnum(h->daemon_cpu_s), "daemon_max_rss", jnum(h->daemon_max_rss),
			"mem_available", jnum(h->mem_available)));
	}
	json_object_set_new(o, "hosts", a);
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

void wgl_result_hosts_load(struct wgl_case *c, const json_t *a)
{
	const json_t *o;
	size_t i;

	json_array_foreach(a, i, o) {
		struct wgl_case_host h = {
			.node = (char *)json_string_value(json_object_get(o, "node")),
			.wall_s = num(o, "wall_s"), .cpus = num(o, "cpus"),
			.busy_pct = num(o, "cpu_busy_pct"), .kernel_pct = num(o, "cpu_kernel_pct"),
			.daemon_cpu_s = num(o, "daemon_cpu_s"),
			.daemon_max_rss = num(o, "daemon_max_rss"),
			.mem_available = num(o, "mem_available"),
		};

		if (h.node)
			wgl_case_host(c, &h);
	}
}
