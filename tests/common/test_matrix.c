// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the backend facade's list and of --backend expansion: every
 * spec form, the order of "all" (it fixes the order and so the ids of a
 * run's cases), the underlay flag of bench, and bad specs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "harness/backends/backend.h"
#include "harness/backends/impl.h"
#include "base/log.h"
#include "tests/wgl_test.h"

#define ALL4 "kernel:kernel userspace:userspace kernel:userspace userspace:kernel"

/* "a:b a:b ..." of the pairs, and "a b ..." of the singles. */
static void render(const struct wgl_backend_matrix *m, char *pairs, char *singles, size_t len)
{
	size_t o = 0;

	pairs[0] = singles[0] = '\0';
	for (size_t i = 0; i < m->npairs && o < len; i++)
		o += (size_t)snprintf(pairs + o, len - o, "%s%s:%s", i ? " " : "", m->pairs[i].a,
				      m->pairs[i].b);
	o = 0;
	for (size_t i = 0; i < m->nsingles && o < len; i++)
		o += (size_t)snprintf(singles + o, len - o, "%s%s", i ? " " : "", m->singles[i]);
}

static void test_specs(void)
{
	static const struct {
		const char *spec;
		unsigned int flags;
		const char *pairs, *singles;
	} t[] = {
		{ "kernel", 0, "kernel:kernel", "kernel" },
		{ "userspace", 0, "userspace:userspace", "userspace" },
		{ "all", 0, ALL4, "kernel userspace" },
		{ "kernel:userspace", 0, "kernel:userspace", "kernel userspace" },
		{ "userspace:kernel,kernel", 0, "userspace:kernel kernel:kernel", "userspace kernel" },
		{ "kernel,,userspace,", 0, "kernel:kernel userspace:userspace", "kernel userspace" },
		{ "userspace,all", 0, "userspace:userspace " ALL4, "userspace kernel" },
		{ "all", WGL_MATRIX_UNDERLAY, "none:none " ALL4, "none kernel userspace" },
		{ "none", WGL_MATRIX_UNDERLAY, "none:none", "none" },
		{ "userspace,none", WGL_MATRIX_UNDERLAY, "userspace:userspace none:none",
		  "userspace none" },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		struct wgl_backend_matrix m;
		char why[256], pairs[512], singles[256];

		CU_ASSERT_EQUAL_FATAL(wgl_backend_matrix(&m, t[i].spec, t[i].flags, why,
							 sizeof(why)), 0);
		render(&m, pairs, singles, sizeof(pairs));
		CU_ASSERT_STRING_EQUAL(pairs, t[i].pairs);
		CU_ASSERT_STRING_EQUAL(singles, t[i].singles);
		if (strcmp(pairs, t[i].pairs) || strcmp(singles, t[i].singles))
			printf("\n  '%s': got '%s' / '%s'\n", t[i].spec, pairs, singles);
		wgl_backend_matrix_free(&m);
		CU_ASSERT_PTR_NULL(m.pairs);
	}
}

static void test_bad_specs(void)
{
	static const struct { const char *spec; unsigned int flags; const char *why; } t[] = {
		{ "", 0, "no backend" }, { ",", 0, "no backend" }, { NULL, 0, "no backend" },
		{ "bogus", 0, "unknown backend 'bogus'" }, { "kernel:", 0, "unknown backend ''" },
		{ ":kernel", 0, "unknown backend ''" }, { "ALL", 0, "unknown backend 'ALL'" },
		{ "kernel ", 0, "unknown backend 'kernel '" },
		{ "kernel:userspace:kernel", 0, "unknown backend 'userspace:kernel'" },
		{ "userspace:nope", 0, "unknown backend 'nope'" },
		{ "none", 0, "unknown backend 'none'" },
		{ "kernel:none", 0, "unknown backend 'none'" },
		{ "kernel,bogus", WGL_MATRIX_UNDERLAY, "known: none, kernel, userspace" },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		struct wgl_backend_matrix m;
		char why[256];

		CU_ASSERT_EQUAL(wgl_backend_matrix(&m, t[i].spec, t[i].flags, why, sizeof(why)),
				-EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, t[i].why));
		if (!strstr(why, t[i].why))
			printf("\n  '%s': why '%s'\n", t[i].spec ? t[i].spec : "(null)", why);
		CU_ASSERT_PTR_NULL(m.pairs);
		CU_ASSERT_EQUAL(m.npairs, 0);
	}
}

/* No fixed limit: a long list expands in full and in order (it used to stop at 64). */
static void test_long_list(void)
{
	static char spec[300 * 17];
	struct wgl_backend_matrix m;
	char why[256];
	size_t o = 0;
	bool ordered = true;

	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(spec + o, sizeof(spec) - o, "%s%s", i ? "," : "",
				      i % 3 ? "kernel:userspace" : "userspace");
	CU_ASSERT_EQUAL_FATAL(wgl_backend_matrix(&m, spec, 0, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(m.npairs, 300);
	CU_ASSERT_EQUAL(m.nsingles, 2);
	for (size_t i = 0; i < m.npairs; i++)
		ordered &= !strcmp(m.pairs[i].a, i % 3 ? "kernel" : "userspace");
	CU_ASSERT(ordered);
	wgl_backend_matrix_free(&m);
}

static void test_list_and_lookup(void)
{
	const struct wgl_backend_ops *b;
	struct wgl_backend_matrix m;
	char why[256], why2[256];
	size_t n = 0;

	for (; (b = wgl_backend_at(n)); n++)
		CU_ASSERT_PTR_EQUAL(wgl_backend_find(b->name), b);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_NULL(wgl_backend_find("none"));
	CU_ASSERT_PTR_NULL(wgl_backend_find(NULL));
	/* Names in a matrix are the facade's own, not copies of the spec. */
	CU_ASSERT_EQUAL_FATAL(wgl_backend_matrix(&m, "kernel:userspace", 0, why, sizeof(why)), 0);
	CU_ASSERT_PTR_EQUAL(m.pairs[0].a, wgl_backend_find("kernel")->name);
	wgl_backend_matrix_free(&m);
	CU_ASSERT_EQUAL(wgl_backend_available(NULL, "bogus", why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "kernel, userspace"));
	/* A cached answer is the same answer. */
	CU_ASSERT_EQUAL(wgl_backend_available(NULL, "userspace", why, sizeof(why)),
			wgl_backend_available(NULL, "userspace", why2, sizeof(why2)));
	CU_ASSERT_STRING_EQUAL(why, why2);
}

static void test_userspace_template(void)
{
	struct wgl_backend_config c = { .userspace = "boringtun -f {ifname}" };

	unsetenv("WGLAB_USERSPACE");
	CU_ASSERT_STRING_EQUAL(wgl_userspace_template(NULL), "wireguard-go -f {ifname}");
	CU_ASSERT_STRING_EQUAL(wgl_userspace_template(&c), "boringtun -f {ifname}");
	setenv("WGLAB_USERSPACE", "/x/wg-go -f {ifname}", 1);
	CU_ASSERT_STRING_EQUAL(wgl_userspace_template(NULL), "/x/wg-go -f {ifname}");
	CU_ASSERT_STRING_EQUAL(wgl_userspace_template(&c), "boringtun -f {ifname}");
	unsetenv("WGLAB_USERSPACE");
}

/* --impl NAME=TEMPLATE: good forms and every refusal, each with its reason. */
static void test_impl_parse(void)
{
	static const struct {
		const char *arg, *why;  /* why NULL: accepted */
	} t[] = {
		{ "base=/opt/wg-base -f {ifname}", NULL },
		{ "k61=kernel:6.1", NULL },
		{ "k=kernel", NULL },
		{ "a_b-1=wireguard-go -f {ifname}", NULL },
		{ "noequals", "expected NAME=TEMPLATE" },
		{ "=kernel", "must be 1 to 16 of [a-z0-9_-]" },
		{ "Base=kernel", "must be 1 to 16 of [a-z0-9_-]" },
		{ "abcdefghijklmnopq=kernel", "must be 1 to 16 of [a-z0-9_-]" },
		{ "kernel=kernel", "is reserved" },
		{ "all=kernel", "is reserved" },
		{ "x=/opt/wg -f wg0", "must contain {ifname}" },
		{ "x=kernel:", "'kernel' or 'kernel:VERSION'" },
		{ "x=kernel:six", "'kernel' or 'kernel:VERSION'" },
		{ "x=kernels", "'kernel' or 'kernel:VERSION'" },
	};
	struct wgl_impl_def d;
	char why[600];

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		int err = wgl_impl_parse(&d, t[i].arg, why, sizeof(why));

		if (!t[i].why) {
			CU_ASSERT_EQUAL(err, 0);
			continue;
		}
		CU_ASSERT_EQUAL(err, -EINVAL);
		if (!strstr(why, t[i].why))
			printf("\n  %s: got '%s'", t[i].arg, why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, t[i].why));
	}
	CU_ASSERT_EQUAL(wgl_impl_parse(&d, "k61=kernel:6.1", why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(d.backend, "kernel");
	CU_ASSERT_STRING_EQUAL(d.kernel_version, "6.1");
	CU_ASSERT_EQUAL(wgl_impl_parse(&d, "pr=/x/wg -f {ifname}", why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(d.name, "pr");
	CU_ASSERT_STRING_EQUAL(d.backend, "userspace");
	CU_ASSERT_STRING_EQUAL(d.tmpl, "/x/wg -f {ifname}");
}

/* kernel:VERSION matches the running release by whole components: 6.1 is not 6.12. */
static void test_impl_kernel_version(void)
{
	struct wgl_impl_def d = { .name = "k", .backend = "kernel" };
	struct utsname u;
	char why[300];

	CU_ASSERT_EQUAL_FATAL(uname(&u), 0);
	CU_ASSERT_EQUAL(wgl_impl_kernel_matches(&d, why, sizeof(why)), 0);
	snprintf(d.kernel_version, sizeof(d.kernel_version), "%.*s",
		 (int)strcspn(u.release, ".-"), u.release);
	CU_ASSERT_EQUAL(wgl_impl_kernel_matches(&d, why, sizeof(why)), 0);
	/* The major number with one more digit ("6" -> "60") must not match "6.x". */
	strncat(d.kernel_version, "0", sizeof(d.kernel_version) - strlen(d.kernel_version) - 1);
	CU_ASSERT_EQUAL(wgl_impl_kernel_matches(&d, why, sizeof(why)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, u.release));
}

/* With named implementations the matrix is over their names; the backends' names are not. */
static void test_impl_matrix(void)
{
	struct wgl_impl_def impls[2];
	struct wgl_backend_matrix m;
	char pairs[256], singles[256], why[256];

	CU_ASSERT_EQUAL(wgl_impl_parse(&impls[0], "base=/a -f {ifname}", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(wgl_impl_parse(&impls[1], "pr=/b -f {ifname}", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(wgl_backend_matrix_impls(&m, "all", 0, impls, 2, why, sizeof(why)), 0);
	render(&m, pairs, singles, sizeof(pairs));
	CU_ASSERT_STRING_EQUAL(pairs, "base:base pr:pr base:pr pr:base");
	CU_ASSERT_STRING_EQUAL(singles, "base pr");
	CU_ASSERT_PTR_EQUAL(m.pairs[0].a, impls[0].name);
	wgl_backend_matrix_free(&m);
	CU_ASSERT_EQUAL(wgl_backend_matrix_impls(&m, "pr,base:pr", 0, impls, 2, why, sizeof(why)),
			0);
	render(&m, pairs, singles, sizeof(pairs));
	CU_ASSERT_STRING_EQUAL(pairs, "pr:pr base:pr");
	wgl_backend_matrix_free(&m);
	CU_ASSERT_EQUAL(wgl_backend_matrix_impls(&m, "kernel", 0, impls, 2, why, sizeof(why)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "unknown implementation 'kernel' (known: base, pr, all, A:B)");
}

int main(void)
{
	CU_pSuite s;

	CU_initialize_registry();
	s = CU_add_suite("backend matrix", NULL, NULL);
	CU_add_test(s, "every spec form", test_specs);
	CU_add_test(s, "bad specs", test_bad_specs);
	CU_add_test(s, "no fixed limit", test_long_list);
	CU_add_test(s, "backend list and lookup", test_list_and_lookup);
	CU_add_test(s, "userspace command template", test_userspace_template);
	CU_add_test(s, "--impl NAME=TEMPLATE", test_impl_parse);
	CU_add_test(s, "kernel:VERSION", test_impl_kernel_version);
	CU_add_test(s, "matrix over named implementations", test_impl_matrix);
	return wgl_test_run();
}
