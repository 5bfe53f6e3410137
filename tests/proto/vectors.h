/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading tests/vectors/wireguard-handshake.json for the proto tests: the
 * JSON is read with jansson, hex strings are decoded on demand. The tests
 * own the returned json_t and json_decref() it.
 */
#ifndef WGL_TEST_PROTO_VECTORS_H
#define WGL_TEST_PROTO_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tests/wgl_test.h"

static inline json_t *vec_load(void)
{
	char path[4096];
	json_error_t err;
	json_t *root;

	wgl_test_path(path, sizeof(path), "vectors/wireguard-handshake.json");
	root = json_load_file(path, 0, &err);
	if (!root)
		fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
	return root;
}

/* Decodes hex into out; returns the byte count, or -1 if too long or not hex. */
static inline int vec_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	unsigned int byte;

	if (strlen(hex) % 2 || n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (uint8_t)byte;
	}
	return (int)n;
}

/* obj.key decoded from hex; -1 if absent or malformed. */
static inline int vec_bytes(const json_t *obj, const char *key, uint8_t *out, size_t cap)
{
	const char *hex = json_string_value(json_object_get(obj, key));

	return hex ? vec_unhex(hex, out, cap) : -1;
}

/* Like vec_bytes but demands exactly len bytes; returns 0 or -1. */
static inline int vec_exact(const json_t *obj, const char *key, uint8_t *out, size_t len)
{
	return vec_bytes(obj, key, out, len) == (int)len ? 0 : -1;
}

#endif
