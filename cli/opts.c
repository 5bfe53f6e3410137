// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct wgl_opt *find_long(const struct wgl_opt *t, const char *name, size_t len)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && !strncmp(t->name, name, len))
			return t;
	return NULL;
}

static const struct wgl_opt *find_short(const struct wgl_opt *t, char c)
{
	for (; t->name; t++)
		if (t->short_name && t->short_name == c)
			return t;
	return NULL;
}

static int apply(const char *cmd, const struct wgl_opt *o, void *ctx, const char *arg)
{
	int err = o->handle(ctx, arg);

	if (err < 0) {
		fprintf(stderr, "wglab %s: invalid value for --%s: '%s'%s\n", cmd, o->name,
			arg ? arg : "", err == -ERANGE ? " (out of range)" : "");
		return -EINVAL;
	}
	return 0;
}

int wgl_opts_parse(const struct wgl_opt *table, void *ctx, int argc, char **argv, int *npos)
{
	const char *cmd = argv[0];
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const struct wgl_opt *o = NULL;
		char *a = argv[i], *val = NULL;

		if (!strcmp(a, "--")) {
			while (++i < argc)
				argv[++n] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1]) {
			argv[++n] = a;
			continue;
		}
		if (a[1] == '-') {
			char *eq = strchr(a + 2, '=');

			o = find_long(table, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (eq)
				val = eq + 1;
		} else if (!a[2]) {
			o = find_short(table, a[1]);
		} else if ((o = find_short(table, a[1])) && o->has_arg) {
			val = a + 2; /* -Dkey=value */
		} else {
			o = NULL;
		}
		if (!o) {
			fprintf(stderr, "wglab %s: unknown option '%s' (try 'wglab %s --help')\n",
				cmd, a, cmd);
			return -EINVAL;
		}
		if (o->has_arg && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "wglab %s: option '--%s' needs a value\n", cmd, o->name);
				return -EINVAL;
			}
			val = argv[++i];
		} else if (!o->has_arg && val) {
			fprintf(stderr, "wglab %s: option '--%s' takes no value\n", cmd, o->name);
			return -EINVAL;
		}
		if (apply(cmd, o, ctx, val) < 0)
			return -EINVAL;
	}
	*npos = n;
	return 0;
}

void wgl_opts_usage(const char *cmd, const char *synopsis, const struct wgl_opt *table)
{
	printf("usage: wglab %s %s\n\noptions:\n", cmd, synopsis);
	for (; table->name; table++) {
		char flag[64];

		if (table->short_name)
			snprintf(flag, sizeof(flag), "-%c, --%s%s", table->short_name, table->name,
				 table->has_arg ? " ARG" : "");
		else
			snprintf(flag, sizeof(flag), "    --%s%s", table->name,
				 table->has_arg ? " ARG" : "");
		printf("  %-28s %s\n", flag, table->help);
	}
}
