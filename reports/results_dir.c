// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/util.h"
#include "reports/results_dir.h"

static int update_latest(const char *base, const char *name)
{
	char tmp[4096], link[4096];

	snprintf(tmp, sizeof(tmp), "%s/.latest.%ld", base, (long)getpid());
	snprintf(link, sizeof(link), "%s/latest", base);
	unlink(tmp);
	if (symlink(name, tmp) < 0)
		return -errno;
	if (rename(tmp, link) < 0) {
		int ret = -errno;

		unlink(tmp);
		return ret;
	}
	return 0;
}

/* Creates base/name (name gets "-2", "-3".. when taken: one process, two runs a second). */
static int make_run_dir(const char *base, char *name, size_t namelen, char *out, size_t len)
{
	size_t stem = strlen(name);
	int n;

	for (n = 1; n < 100; n++) {
		if (n > 1)
			snprintf(name + stem, namelen - stem, "-%d", n);
		if ((size_t)snprintf(out, len, "%s/%s", base, name) >= len)
			return -ENAMETOOLONG;
		if (mkdir(out, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int wgl_results_dir_new(const char *base, char *out, size_t len)
{
	static const char *const subdirs[] = { "pcaps", "logs" };
	char name[64], sub[4200];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int ret;

	gmtime_r(&now, &tm);
	strftime(name, sizeof(name), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(name + strlen(name), sizeof(name) - strlen(name), "-%ld", (long)getpid());
	ret = wgl_mkdir_p(base);
	if (!ret)
		ret = make_run_dir(base, name, sizeof(name), out, len);
	for (i = 0; !ret && i < WGL_ARRAY_SIZE(subdirs); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", out, subdirs[i]);
		if (mkdir(sub, 0755) < 0)
			ret = -errno;
	}
	if (ret)
		goto err_mkdir;
	return 0;
err_mkdir:
	wgl_err("results: cannot create %s/%s: %s", base, name, strerror(-ret));
	return ret;
}

int wgl_results_dir_latest(const char *base, const char *dir)
{
	const char *name = strrchr(dir, '/');
	int ret = update_latest(base, name ? name + 1 : dir);

	if (ret)
		wgl_err("results: cannot point %s/latest at %s: %s", base, dir, strerror(-ret));
	return ret;
}
