// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Named implementations (--impl NAME=TEMPLATE): parsing, and the check
 * that a kernel:VERSION implementation is the kernel that runs here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "harness/backends/backend.h"
#include "harness/backends/impl.h"

/* Words that already mean something in a --backend spec or a case name. */
static const char *const reserved[] = { "kernel", "userspace", "none", "all" };

static int parse_name(struct wgl_impl_def *d, const char *arg, size_t n, char *why, size_t len)
{
	if (n == 0 || n > WGL_IMPL_NAME_MAX ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") < n) {
		snprintf(why, len, "the name '%.*s' must be 1 to %d of [a-z0-9_-]", (int)n, arg,
			 WGL_IMPL_NAME_MAX);
		return -EINVAL;
	}
	snprintf(d->name, sizeof(d->name), "%.*s", (int)n, arg);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(d->name, reserved[i])) {
			snprintf(why, len, "the name '%s' is reserved (kernel, userspace, none, "
				 "all)", d->name);
			return -EINVAL;
		}
	return 0;
}

static int parse_kernel(struct wgl_impl_def *d, const char *t, char *why, size_t len)
{
	const char *v = t[6] == ':' ? t + 7 : "";

	if ((t[6] && t[6] != ':') || (t[6] == ':' && !*v) ||
	    strspn(v, "0123456789.") != strlen(v) || strlen(v) >= sizeof(d->kernel_version)) {
		snprintf(why, len, "'%s': a kernel is 'kernel' or 'kernel:VERSION' (e.g. "
			 "kernel:6.1)", t);
		return -EINVAL;
	}
	d->backend = "kernel";
	snprintf(d->kernel_version, sizeof(d->kernel_version), "%s", v);
	return 0;
}

int wgl_impl_parse(struct wgl_impl_def *d, const char *arg, char *why, size_t len)
{
	const char *eq = strchr(arg, '=');
	int err;

	memset(d, 0, sizeof(*d));
	if (!eq) {
		snprintf(why, len, "expected NAME=TEMPLATE (e.g. base='/opt/wg -f {ifname}' or "
			 "k61=kernel:6.1)");
		return -EINVAL;
	}
	err = parse_name(d, arg, (size_t)(eq - arg), why, len);
	if (err < 0)
		return err;
	if (!strncmp(eq + 1, "kernel", 6))
		return parse_kernel(d, eq + 1, why, len);
	if (!strstr(eq + 1, "{ifname}") || strlen(eq + 1) >= sizeof(d->tmpl)) {
		snprintf(why, len, "the template '%s' must contain {ifname} (or be 'kernel' or "
			 "'kernel:VERSION')", eq + 1);
		return -EINVAL;
	}
	d->backend = "userspace";
	snprintf(d->tmpl, sizeof(d->tmpl), "%s", eq + 1);
	return 0;
}

int wgl_impl_kernel_matches(const struct wgl_impl_def *d, char *why, size_t len)
{
	size_t n = strlen(d->kernel_version);
	struct utsname u;

	if (!n)
		return 0;
	if (uname(&u) < 0)
		return -errno;
	/* 6.1 is 6.1.0-27-cloud-amd64 or 6.1-rc1, never 6.12.5. */
	if (!strncmp(u.release, d->kernel_version, n) &&
	    (!u.release[n] || u.release[n] == '.' || u.release[n] == '-'))
		return 0;
	snprintf(why, len, "%s wants kernel %s, this host runs %s (the kernel lab boots others: "
		 "wglab vm)", d->name, d->kernel_version, u.release);
	return -ENOENT;
}
