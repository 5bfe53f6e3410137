// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the on-disk version cache (harness/backends/vcache.h): an
 * entry holds for the very file it was asked of, and for nothing else.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/backends/vcache.h"
#include "tests/wgl_test.h"

static char dir[64], bin[128], other[128];

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/wglab-test-vcache.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(bin, sizeof(bin), "%s/wireguard-go", dir);
	snprintf(other, sizeof(other), "%s/other-build", dir);
	return write_file(bin, "one build\n") || write_file(other, "another build\n") ? -1 : 0;
}

static int teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_miss_then_hit(void)
{
	struct stat st;
	char v[128] = "";

	CU_ASSERT_FATAL(stat(bin, &st) == 0);
	CU_ASSERT_FALSE(wgl_vcache_get(dir, bin, &st, v, sizeof(v)));
	wgl_vcache_put(dir, bin, &st, "wireguard-go v0.0.20220316");
	CU_ASSERT_TRUE(wgl_vcache_get(dir, bin, &st, v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "wireguard-go v0.0.20220316");
}

/* A rebuilt or touched binary is a different file: its old answer does not hold. */
static void test_changed_file_misses(void)
{
	struct timespec later[2] = { { .tv_nsec = UTIME_OMIT }, { 0 } };
	struct stat st;
	char v[128];

	CU_ASSERT_FATAL(stat(bin, &st) == 0);
	wgl_vcache_put(dir, bin, &st, "v1");
	later[1].tv_sec = st.st_mtim.tv_sec + 1;
	later[1].tv_nsec = st.st_mtim.tv_nsec;
	CU_ASSERT_FATAL(utimensat(AT_FDCWD, bin, later, 0) == 0);
	CU_ASSERT_FATAL(stat(bin, &st) == 0);
	CU_ASSERT_FALSE(wgl_vcache_get(dir, bin, &st, v, sizeof(v)));
	/* Same file, another path: the path is part of the key. */
	wgl_vcache_put(dir, bin, &st, "v2");
	CU_ASSERT_FALSE(wgl_vcache_get(dir, other, &st, v, sizeof(v)));
}

/* One entry per path: the newest answer replaces the older; other paths stay. */
static void test_one_entry_per_binary(void)
{
	char path[160], v[128];
	struct stat sb, so;

	CU_ASSERT_FATAL(stat(bin, &sb) == 0 && stat(other, &so) == 0);
	wgl_vcache_put(dir, other, &so, "other v9");
	wgl_vcache_put(dir, bin, &sb, "v3");
	wgl_vcache_put(dir, bin, &sb, "v4");
	snprintf(path, sizeof(path), "%s/impl-versions", dir);
	CU_ASSERT_EQUAL(count_lines(path), 2);
	CU_ASSERT_TRUE(wgl_vcache_get(dir, bin, &sb, v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "v4");
	CU_ASSERT_TRUE(wgl_vcache_get(dir, other, &so, v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "other v9");
}

/* The file stays small: the oldest entries go. */
static void test_bounded(void)
{
	char path[160], name[160];
	struct stat st;

	CU_ASSERT_FATAL(stat(bin, &st) == 0);
	for (int i = 0; i < 80; i++) {
		snprintf(name, sizeof(name), "%s/build-%d", dir, i);
		wgl_vcache_put(dir, name, &st, "v");
	}
	snprintf(path, sizeof(path), "%s/impl-versions", dir);
	CU_ASSERT_EQUAL(count_lines(path), 64);
	snprintf(name, sizeof(name), "%s/build-79", dir);
	CU_ASSERT_TRUE(wgl_vcache_get(dir, name, &st, path, sizeof(path)));
	snprintf(name, sizeof(name), "%s/build-0", dir);
	CU_ASSERT_FALSE(wgl_vcache_get(dir, name, &st, path, sizeof(path)));
}

/* What a line could not hold, and a cache dir that cannot be made, are no cache. */
static void test_uncacheable(void)
{
	char notdir[160], v[128];
	struct stat st;

	CU_ASSERT_FATAL(stat(bin, &st) == 0);
	wgl_vcache_put(dir, "/tmp/a\tb", &st, "v");
	CU_ASSERT_FALSE(wgl_vcache_get(dir, "/tmp/a\tb", &st, v, sizeof(v)));
	wgl_vcache_put(dir, bin, &st, "two\nlines");
	CU_ASSERT_FALSE(wgl_vcache_get(dir, bin, &st, v, sizeof(v)) &&
			!strcmp(v, "two\nlines"));
	snprintf(notdir, sizeof(notdir), "%s/sub", bin); /* below a regular file */
	wgl_vcache_put(notdir, bin, &st, "v");
	CU_ASSERT_FALSE(wgl_vcache_get(notdir, bin, &st, v, sizeof(v)));
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("version cache", setup, teardown);
	CU_add_test(s, "a miss, then the stored answer", test_miss_then_hit);
	CU_add_test(s, "a changed file misses", test_changed_file_misses);
	CU_add_test(s, "one entry per binary", test_one_entry_per_binary);
	CU_add_test(s, "at most 64 entries", test_bounded);
	CU_add_test(s, "tabs, newlines and no dir: no cache", test_uncacheable);
	return wgl_test_run();
}
