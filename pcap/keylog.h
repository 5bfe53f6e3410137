/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key log files for Wireshark's WireGuard dissector (preference
 * wg.keylog_file): lines "LOCAL_STATIC_PRIVATE_KEY = <base64>" and so on.
 * With the responder's static private key Wireshark decrypts the initiator's
 * static key in initiations; with an ephemeral private key (and the PSK if
 * one is used) it decrypts the whole session.
 *
 * The file holds secrets: it is created 0600 and only appended to.
 */
#ifndef WGL_KEYLOG_H
#define WGL_KEYLOG_H

#include <stdio.h>

#include "base/wgconfig.h"

/* The keys one side knows; NULL members are skipped. */
struct wgl_keylog_keys {
	const uint8_t *local_static_private;
	const uint8_t *remote_static_public;
	const uint8_t *local_ephemeral_private;
	const uint8_t *preshared;
};

/*
 * Writes one block of key lines to f (Wireshark applies a PRESHARED_KEY to
 * the ephemeral key before it, so the order is fixed). Returns the number
 * of lines written or -errno.
 */
int wgl_keylog_write(FILE *f, const struct wgl_keylog_keys *k);
/* Appends the block to path, creating it 0600. Returns lines written or -errno. */
int wgl_keylog_append(const char *path, const struct wgl_keylog_keys *k);

#endif
