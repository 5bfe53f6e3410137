// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the base helpers: mkdir -p, the UTF-8 decoder and the
 * range-checked number parsers that every command-line flag goes through.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "tests/wgl_test.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_mkdir_p(void)
{
	static const struct { const char *rel; int ret; } t[] = {
		{ "a", 0 }, { "a", 0 }, { "b/c/d", 0 }, { "b/c/d/", 0 }, { "e//f", 0 },
		{ "file", -ENOTDIR }, { "file/x", -ENOTDIR }, { "b/c/d/e/f/g/h", 0 },
	};
	char root[] = "/tmp/wglab-test-util-XXXXXX", path[PATH_MAX];
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/file", root);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, t[i].rel);
		CU_ASSERT_EQUAL(wgl_mkdir_p(path), t[i].ret);
		if (!t[i].ret)
			CU_ASSERT(is_dir(path));
	}
	CU_ASSERT_EQUAL(wgl_mkdir_p(""), -EINVAL);
	CU_ASSERT_EQUAL(wgl_mkdir_p(root), 0);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(path), 0);
}

static void test_utf8_next(void)
{
	static const struct { const char *in; size_t n; long cp; size_t len; } t[] = {
		{ "A", 1, 'A', 1 }, { "\x7f", 1, 0x7f, 1 },
		{ "\xc2\x80", 2, 0x80, 2 }, { "\xdf\xbf", 2, 0x7ff, 2 },
		{ "\xe0\xa0\x80", 3, 0x800, 3 }, { "\xef\xbf\xbd", 3, 0xfffd, 3 },
		{ "\xf0\x90\x80\x80", 4, 0x10000, 4 }, { "\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4 },
		/* overlong forms */
		{ "\xc0\xaf", 2, -1, 1 }, { "\xc1\xbf", 2, -1, 1 }, { "\xe0\x9f\xbf", 3, -1, 1 },
		{ "\xf0\x8f\xbf\xbf", 4, -1, 1 },
		/* surrogates, above U+10FFFF, bad lead bytes */
		{ "\xed\xa0\x80", 3, -1, 1 }, { "\xed\xbf\xbf", 3, -1, 1 },
		{ "\xf4\x90\x80\x80", 4, -1, 1 }, { "\xf5\x80\x80\x80", 4, -1, 1 },
		{ "\x80", 1, -1, 1 }, { "\xbf", 1, -1, 1 }, { "\xff", 1, -1, 1 },
		/* bad continuation, truncated by the terminator or by n */
		{ "\xc2\x41", 2, -1, 1 }, { "\xe2\x82", 2, -1, 1 }, { "\xe2\x82\xac", 2, -1, 1 },
		{ "\xe2\x82\xac", 3, 0x20ac, 3 }, { "\xf0\x9f\x98", 3, -1, 1 },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		size_t len = 99;
		long cp = wgl_utf8_next((const unsigned char *)t[i].in, t[i].n, &len);

		CU_ASSERT_EQUAL(cp, t[i].cp);
		CU_ASSERT_EQUAL(len, t[i].len);
		if (cp != t[i].cp || len != t[i].len)
			printf("\n  case %zu: cp %ld len %zu\n", i, cp, len);
	}
}

/*
 * Every 1..3-byte sequence against a naive reference: encode each valid
 * code point and check the decoder gives it back, and that nothing else
 * decodes with the same length.
 */
static size_t naive_encode(long cp, unsigned char *b)
{
	if (cp < 0x80)
		return b[0] = (unsigned char)cp, 1;
	if (cp < 0x800)
		return b[0] = 0xc0 | (cp >> 6), b[1] = 0x80 | (cp & 0x3f), 2;
	if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	b[0] = 0xf0 | (cp >> 18);
	b[1] = 0x80 | ((cp >> 12) & 0x3f);
	b[2] = 0x80 | ((cp >> 6) & 0x3f);
	b[3] = 0x80 | (cp & 0x3f);
	return 4;
}

static void test_utf8_against_encoder(void)
{
	size_t bad = 0;

	for (long cp = 0; cp <= 0x10ffff; cp++) {
		unsigned char b[4];
		size_t n = naive_encode(cp, b), len;
		long got = wgl_utf8_next(b, n, &len);
		bool surrogate = cp >= 0xd800 && cp <= 0xdfff;

		if (surrogate ? got != -1 : got != cp || len != n)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Every 2-byte string: valid exactly when it is the encoding of its code point. */
	for (unsigned int x = 0; x < 0x10000; x++) {
		unsigned char b[2] = { (unsigned char)(x >> 8), (unsigned char)x }, e[4];
		size_t len;
		long got = wgl_utf8_next(b, 2, &len);

		if (got >= 0 && (naive_encode(got, e) != len || memcmp(e, b, len)))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_parse_int(void)
{
	static const struct { const char *in; long long lo, hi; int ret; long long v; } t[] = {
		{ "0", 0, 10, 0, 0 }, { "10", 0, 10, 0, 10 }, { "-5", -10, 10, 0, -5 },
		{ "+7", 0, 10, 0, 7 }, { "11", 0, 10, -ERANGE, 0 }, { "-1", 0, 10, -ERANGE, 0 },
		{ "", 0, 10, -EINVAL, 0 }, { "x", 0, 10, -EINVAL, 0 }, { "5x", 0, 10, -EINVAL, 0 },
		{ "5 ", 0, 10, -EINVAL, 0 }, { " 5", 0, 10, -EINVAL, 0 }, { "5.0", 0, 10, -EINVAL, 0 },
		{ "1k", 0, 100000, -EINVAL, 0 },
		{ "9223372036854775807", 0, LLONG_MAX, 0, LLONG_MAX },
		{ "9223372036854775808", 0, LLONG_MAX, -ERANGE, 0 },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		long long v = -999;

		CU_ASSERT_EQUAL(wgl_parse_int(t[i].in, t[i].lo, t[i].hi, &v), t[i].ret);
		CU_ASSERT_EQUAL(v, t[i].ret ? -999 : t[i].v);
	}
	CU_ASSERT_EQUAL(wgl_parse_int(NULL, 0, 1, &(long long){ 0 }), -EINVAL);
}

static void test_parse_int_si(void)
{
	static const struct { const char *in; long long hi; int ret; long long v; } t[] = {
		{ "100", 1000000000000LL, 0, 100 }, { "1k", 1000000000000LL, 0, 1000 },
		{ "2K", 1000000000000LL, 0, 2000 }, { "3m", 1000000000000LL, 0, 3000000 },
		{ "4M", 1000000000000LL, 0, 4000000 }, { "5G", 1000000000000LL, 0, 5000000000LL },
		{ "1kk", 1000000000000LL, -EINVAL, 0 }, { "1T", 1000000000000LL, -EINVAL, 0 },
		{ "k", 1000000000000LL, -EINVAL, 0 }, { "2k", 1999, -ERANGE, 0 },
		{ "9223372036854775807G", LLONG_MAX, -ERANGE, 0 },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		long long v = -999;

		CU_ASSERT_EQUAL(wgl_parse_int_si(t[i].in, 0, t[i].hi, &v), t[i].ret);
		CU_ASSERT_EQUAL(v, t[i].ret ? -999 : t[i].v);
	}
}

static void test_parse_double(void)
{
	static const struct { const char *in; double lo, hi; int ret; double v; } t[] = {
		{ "0", 0, 1, 0, 0 }, { "0.5", 0, 1, 0, 0.5 }, { "1e-3", 0, 1, 0, 0.001 },
		{ "1", 0, 1, 0, 1 }, { "1.0001", 0, 1, -ERANGE, 0 }, { "-0.1", 0, 1, -ERANGE, 0 },
		{ "", 0, 1, -EINVAL, 0 }, { "abc", 0, 1, -EINVAL, 0 }, { "0.5s", 0, 1, -EINVAL, 0 },
		{ " 0.5", 0, 1, -EINVAL, 0 }, { "nan", 0, 1, -EINVAL, 0 },
		{ "inf", 0, DBL_MAX, -EINVAL, 0 }, { "-inf", -DBL_MAX, 0, -EINVAL, 0 },
		{ "1e999", 0, DBL_MAX, -ERANGE, 0 }, { "1e300", 0, DBL_MAX, 0, 1e300 },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		double v = -999;

		CU_ASSERT_EQUAL(wgl_parse_double(t[i].in, t[i].lo, t[i].hi, &v), t[i].ret);
		CU_ASSERT_DOUBLE_EQUAL(v, t[i].ret ? -999 : t[i].v, 1e-12);
	}
}

int main(void)
{
	CU_pSuite s;

	CU_initialize_registry();
	s = CU_add_suite("util", NULL, NULL);
	CU_add_test(s, "mkdir -p", test_mkdir_p);
	CU_add_test(s, "UTF-8 decoding table", test_utf8_next);
	CU_add_test(s, "UTF-8 against a naive encoder", test_utf8_against_encoder);
	CU_add_test(s, "integer flags", test_parse_int);
	CU_add_test(s, "integer flags with k/M/G", test_parse_int_si);
	CU_add_test(s, "number flags", test_parse_double);
	return wgl_test_run();
}
