// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"

static int mkdir_one(const char *path)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* EEXIST also means "a file is in the way", which must not pass for success. */
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int wgl_mkdir_p(const char *dir)
{
	char *tmp, *p;
	int ret = 0;

	if (!dir || !*dir)
		return -EINVAL;
	tmp = strdup(dir);
	if (!tmp)
		return -ENOMEM;
	for (p = strchr(tmp + 1, '/'); p && !ret; p = strchr(p + 1, '/')) {
		/* "a//b" and a trailing '/' name the same directories as "a/b". */
		if (p[-1] == '/')
			continue;
		*p = '\0';
		ret = mkdir_one(tmp);
		*p = '/';
	}
	if (!ret)
		ret = mkdir_one(tmp);
	free(tmp);
	return ret;
}

long wgl_utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	size_t want, i;
	long cp;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		want = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		want = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		want = 4;
	else
		return -1;
	if (want > n)
		return -1;
	cp = s[0] & (0x7f >> want);
	for (i = 1; i < want; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values above U+10FFFF are invalid. */
	if ((want == 3 && cp < 0x800) || (want == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = want;
	return cp;
}

/* strtoll that refuses what a human would not call a decimal number. */
static int parse_ll(const char *s, long long *v, char **end)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, end, 10);
	if (*end == s)
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

static int in_range(long long v, long long lo, long long hi, long long *out)
{
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int wgl_parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;
	int err = parse_ll(s, &v, &end);

	if (err == -EINVAL || (!err && *end))
		return -EINVAL;
	return err ?: in_range(v, lo, hi, out);
}

int wgl_parse_int_si(const char *s, long long lo, long long hi, long long *out)
{
	static const char suffix[] = "kKmMgG";
	static const long long mult[] = { 1000, 1000, 1000000, 1000000, 1000000000,
					  1000000000 };
	char *end, *sx;
	long long v;
	int err = parse_ll(s, &v, &end);

	if (err)
		return err;
	if (!*end)
		return in_range(v, lo, hi, out);
	sx = strchr(suffix, *end);
	if (!sx || end[1])
		return -EINVAL;
	if (__builtin_mul_overflow(v, mult[sx - suffix], &v))
		return -ERANGE;
	return in_range(v, lo, hi, out);
}

int wgl_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	/* 1e999 overflows to inf with ERANGE; a literal "inf" or "nan" is not a number here. */
	if (errno == ERANGE && isinf(v))
		return -ERANGE;
	if (!isfinite(v))
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}
