/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by wglab's CUnit tests: run the registry in basic
 * mode, print the totals, exit non-zero on failure; skip (exit 77) with a
 * printed reason when the environment cannot run the test.
 */
#ifndef WGL_TEST_H
#define WGL_TEST_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#define WGL_TEST_SKIP 77

static inline void wgl_test_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(WGL_TEST_SKIP);
}

static inline void wgl_test_require_root(void)
{
	if (geteuid() != 0)
		wgl_test_skip("needs root (CAP_NET_ADMIN) for network namespaces");
}

/* Runs all registered suites; returns the process exit code. */
static inline int wgl_test_run(void)
{
	unsigned int failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
	if (CU_get_error() != CUE_SUCCESS)
		failed++;
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/*
 * A test's scratch directory: removed when the test passed (ret 0), kept
 * with its logs as the evidence of a failure otherwise. Returns ret.
 */
static inline int wgl_test_workdir_done(const char *work, int ret)
{
	char cmd[PATH_MAX + 16];

	if (ret != 0) {
		fprintf(stderr, "logs kept in %s\n", work);
		return ret;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", work);
	return ret;
}

/* Path of a file in the source tree's tests/ directory. */
static inline const char *wgl_test_path(char *buf, size_t len, const char *rel)
{
	const char *src = getenv("WGLAB_SRCDIR");

	snprintf(buf, len, "%s/tests/%s", src ? src : WGLAB_SRCDIR, rel);
	return buf;
}

#endif
