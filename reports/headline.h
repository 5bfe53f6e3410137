/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The headline comparison: for each metric the scenarios record that
 * answers "kernel or userspace?" (TCP/UDP throughput, idle and loaded
 * latency, connect latency, handshake rate, CPU per GB, memory per peer),
 * one table across backend pairs and families. A cell is the median,
 * min-max and n of every value measured in that (pair, family,
 * environment), its ratio to the underlay (the bare link measured in the
 * same cases) and to kernel:kernel in the same environment; figures from
 * the kernel lab under emulation are marked. Ratios never mix
 * environments. Skipped cases follow as one line per reason.
 *
 * Markdown and HTML put it at the top of summary.md and report.html (whose
 * case tables then leave the skipped cases out); the console version ends
 * `wglab run` and `wglab merge`. Both print nothing for a run without
 * headline metrics and skips.
 */
#ifndef WGL_HEADLINE_H
#define WGL_HEADLINE_H

#include <stdio.h>

#include "base/result.h"

void wgl_headline_markdown(const struct wgl_run *run, FILE *f);
void wgl_headline_html(const struct wgl_run *run, FILE *f);
void wgl_headline_print(const struct wgl_run *run, FILE *f);

#endif
