/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside netns/: the owner marker of a visible namespace (netns/owner.c). */
#ifndef WGL_NETNS_OWNER_H
#define WGL_NETNS_OWNER_H

#include <stddef.h>

#define WGL_NS_OWNER_DIR "/run/wglab/netns"

/* Writes WGL_NS_OWNER_DIR/<name> ("PID STARTTIME") and its path into path. 0 or -errno. */
int wgl_ns_owner_mark(const char *name, char *path, size_t len);

#endif
