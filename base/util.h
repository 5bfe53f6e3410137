/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers every layer needs: creating a directory path, walking UTF-8,
 * and reading numbers from the command line or a file with a range check.
 * Each used to be written out by hand at every site that wanted it.
 */
#ifndef WGL_UTIL_H
#define WGL_UTIL_H

#include <stddef.h>

/*
 * mkdir -p: creates dir and any missing parent with mode 0755. An existing
 * directory is fine. 0 or -errno (-ENOTDIR when a component is a file).
 */
int wgl_mkdir_p(const char *dir);

/*
 * Decodes the UTF-8 sequence at s, reading at most n bytes (n >= 1). Returns
 * its code point and the sequence length in *len; for an invalid sequence
 * (bad lead byte, truncated, overlong, surrogate, above U+10FFFF) returns -1
 * with *len = 1, so a caller can replace one byte and carry on.
 */
long wgl_utf8_next(const unsigned char *s, size_t n, size_t *len);

/*
 * Decimal integer in [lo, hi], the whole string (no blanks, no trailing
 * text). -EINVAL if s is not such a number, -ERANGE if it is out of range.
 */
int wgl_parse_int(const char *s, long long lo, long long hi, long long *out);
/* As wgl_parse_int, with an optional k/M/G suffix (x 1000, 10^6, 10^9), as iperf3's rates. */
int wgl_parse_int_si(const char *s, long long lo, long long hi, long long *out);
/*
 * Finite decimal number in [lo, hi] (strtod syntax), the whole string.
 * -EINVAL if s is not a finite number, -ERANGE if it is out of range.
 */
int wgl_parse_double(const char *s, double lo, double hi, double *out);

#endif
