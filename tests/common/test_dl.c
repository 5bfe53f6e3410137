// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the first-use loader (base/dl.h) on real libraries: libiperf
 * as wglab loads it, libc for an address the test can compare, and a missing
 * library and a missing symbol for the one error each must log.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <iperf_api.h>

#include "base/dl.h"
#include "base/log.h"
#include "tests/wgl_test.h"

static int saved_stderr = -1;

/* Sends stderr (wgl_err) to a file until capture_end(), which returns its text. */
static void capture_begin(void)
{
	char path[] = "/tmp/wglab-test-dl-XXXXXX";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static const char *capture_end(void)
{
	static char buf[4096];
	ssize_t n;

	fflush(stderr);
	n = pread(STDERR_FILENO, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fputs(buf, stderr);
	return buf;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static struct {
	__typeof__(iperf_new_test) *new_test;
	__typeof__(iperf_defaults) *defaults;
	__typeof__(iperf_set_test_duration) *set_duration;
	__typeof__(iperf_get_test_duration) *get_duration;
	__typeof__(iperf_free_test) *free_test;
	int *i_errno;
} ipf;

static const struct wgl_dl_sym ipf_syms[] = {
	{ "iperf_new_test", &ipf.new_test },
	{ "iperf_defaults", &ipf.defaults },
	{ "iperf_set_test_duration", &ipf.set_duration },
	{ "iperf_get_test_duration", &ipf.get_duration },
	{ "iperf_free_test", &ipf.free_test },
	{ "i_errno", &ipf.i_errno },
};

/* The functions loaded from libiperf work; a second load keeps the same pointers. */
static void test_iperf(void)
{
	static struct wgl_dl_lib lib = WGL_DL_LIB("libiperf.so.0", "libiperf0", ipf_syms);
	struct iperf_test *t;
	void *first;

	CU_ASSERT_EQUAL_FATAL(wgl_dl_load(&lib), 0);
	first = (void *)ipf.new_test;
	CU_ASSERT_PTR_NOT_NULL(ipf.i_errno);
	t = ipf.new_test();
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	ipf.defaults(t);
	ipf.set_duration(t, 7);
	CU_ASSERT_EQUAL(ipf.get_duration(t), 7);
	ipf.free_test(t);
	CU_ASSERT_EQUAL(wgl_dl_load(&lib), 0);
	CU_ASSERT_PTR_EQUAL((void *)ipf.new_test, first);
}

/* dlsym finds the very function the dynamic linker bound this program to. */
static void test_libc_address(void)
{
	__typeof__(getpid) *my_getpid = NULL;
	__typeof__(strlen) *my_strlen = NULL;
	const struct wgl_dl_sym syms[] = { { "getpid", &my_getpid }, { "strlen", &my_strlen } };
	struct wgl_dl_lib lib = WGL_DL_LIB("libc.so.6", "libc6", syms);

	CU_ASSERT_EQUAL_FATAL(wgl_dl_load(&lib), 0);
	CU_ASSERT_PTR_EQUAL((void *)my_getpid, (void *)getpid);
	CU_ASSERT_EQUAL(my_getpid(), getpid());
	CU_ASSERT_EQUAL(my_strlen("wireguard"), 9);
}

static void test_missing_symbol(void)
{
	void *a = (void *)1, *b = (void *)1;
	const struct wgl_dl_sym syms[] = { { "iperf_new_test", &a },
					   { "wgl_no_such_function", &b } };
	struct wgl_dl_lib lib = WGL_DL_LIB("libiperf.so.0", "libiperf0", syms);
	const char *err;

	capture_begin();
	CU_ASSERT_EQUAL(wgl_dl_load(&lib), -ENOSYS);
	err = capture_end();
	CU_ASSERT_EQUAL(lines(err), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "libiperf.so.0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "wgl_no_such_function"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "libiperf0"));
	/* A failed load leaves no half-filled table behind. */
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT_PTR_NULL(b);
	/* and is tried again, with its error again, by the next call. */
	capture_begin();
	CU_ASSERT_EQUAL(wgl_dl_load(&lib), -ENOSYS);
	CU_ASSERT_EQUAL(lines(capture_end()), 1);
}

static void test_missing_library(void)
{
	void *a = NULL;
	const struct wgl_dl_sym syms[] = { { "anything", &a } };
	struct wgl_dl_lib lib = WGL_DL_LIB("libwglab-no-such-library.so.0", "wglab-none", syms);
	const char *err;

	capture_begin();
	CU_ASSERT_EQUAL(wgl_dl_load(&lib), -ENOENT);
	err = capture_end();
	CU_ASSERT_EQUAL(lines(err), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "libwglab-no-such-library.so.0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "wglab-none"));
	CU_ASSERT_PTR_NULL(a);
}

int main(void)
{
	CU_pSuite s;

	CU_initialize_registry();
	s = CU_add_suite("dl", NULL, NULL);
	CU_add_test(s, "libiperf loaded and called, twice", test_iperf);
	CU_add_test(s, "libc symbol at its linked address", test_libc_address);
	CU_add_test(s, "missing symbol", test_missing_symbol);
	CU_add_test(s, "missing library", test_missing_library);
	return wgl_test_run();
}
