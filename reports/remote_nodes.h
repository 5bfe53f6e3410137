/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The remote nodes of a run (its "remote_nodes" metadata) as rows of a report's header. */
#ifndef WGL_REMOTE_NODES_H
#define WGL_REMOTE_NODES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/result.h"

/*
 * Row i (from 0) of the run's remote nodes: name "node a" and what the run
 * recorded of the host (name, kernel, CPU, cores, memory, clock offset with
 * its error bar, agent). false past the last row or without remote nodes.
 */
bool wgl_report_remote_node(const struct wgl_run *run, size_t i, char *name, size_t nlen,
			    char *value, size_t vlen);

/*
 * What host h spent during its case, as one line: "node b: CPU 43% busy of
 * 2 CPUs (kernel 12%) over 9.8 s; WireGuard daemon 0.83 CPU-s (8% of one
 * CPU), peak RSS 12.3 MiB; 1.2 GiB available".
 */
void wgl_report_case_host(const struct wgl_case_host *h, char *buf, size_t len);

#endif
