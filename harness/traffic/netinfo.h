/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a throughput figure depends on besides the code: an interface's MTU
 * and its offloads (TSO/GSO/GRO, checksums), read inside its namespace.
 */
#ifndef WGL_NETINFO_H
#define WGL_NETINFO_H

#include <stddef.h>
#include <jansson.h>

struct wgl_ns;

/*
 * Offload state of ifname in ns through the ethtool ioctl (the per-feature
 * ETHTOOL_G* requests, which the kernel answers from the device's feature
 * bits for every driver). Returns a new object { "tso": true, ... } with the
 * features that could be read, or NULL with errno.
 */
json_t *wgl_offloads(struct wgl_ns *ns, const char *ifname);

#endif
