/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wglab merge: several runs (a native run and a kernel-lab run, the shards
 * of a sharded run) become one run, rendered like any other. The rules are
 * in docs/result-schema.md ("Merged runs"):
 *   - a case (scenario, name) appears once; its results from every source
 *     are kept: the primary one in the case, the others in case->also;
 *   - a skip never stands next to a real result: the primary result is a
 *     real one whenever any source has one (the worst verdict among them,
 *     a native one before an emulated one, then the order given);
 *   - duplicates (a case with real results from two sources), cases some
 *     source did not run and missing shards are recorded in the run's
 *     "merge" object.
 */
#ifndef WGL_MERGE_H
#define WGL_MERGE_H

#include <stddef.h>

#include "base/result.h"

/*
 * Merges runs[0..n-1], read from paths[] (recorded in the sources). The
 * cases are moved out of the inputs, which are left without cases but must
 * still be freed by the caller. Returns the new run, or NULL with the
 * problem in err (the same run given twice, no memory).
 */
struct wgl_run *wgl_merge(struct wgl_run **runs, const char *const *paths, size_t n,
			  char *err, size_t errlen);

#endif
