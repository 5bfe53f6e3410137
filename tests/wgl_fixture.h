/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading fixture files of tests/fixtures/ (fuzz corpora, captured outputs). */
#ifndef WGL_FIXTURE_H
#define WGL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

/*
 * Reads tests/fixtures/<dir>/<name> (at most max bytes) into a malloc'd,
 * NUL-terminated buffer and its length into *len. NULL if it cannot be read
 * or is empty.
 */
static inline char *wgl_fixture_read(const char *dir, const char *name, size_t max, size_t *len)
{
	const char *src = getenv("WGLAB_SRCDIR");
	char path[512];
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s/%s", src ? src : WGLAB_SRCDIR, dir,
		 name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = calloc(1, max + 1);
	*len = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (!*len) {
		free(buf);
		return NULL;
	}
	return buf;
}

#endif
