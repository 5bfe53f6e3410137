// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab run`'s scenarios: where they are found, which a run takes, their
 * listing, and the checks of their declarations and of -D before anything
 * is built.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_priv.h"
#include "harness/lua/params.h"
#include "harness/lua/runner.h"

static bool find_in(const char *dir, const char *name, char *out, size_t len)
{
	struct stat st;

	if (!dir || !*dir)
		return false;
	snprintf(out, len, "%s/%s.lua", dir, name);
	return stat(out, &st) == 0;
}

/* The scenarios directory: $WGLAB_SCENARIOS, next to the binary, or the source tree. */
static const char *scenario_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("WGLAB_SCENARIOS");
	char exe[PATH_MAX - 64];
	struct stat st;
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s/scenarios", exe);
		if (stat(dir, &st) == 0)
			return dir;
		snprintf(dir, sizeof(dir), "%s/../share/wglab/scenarios", exe);
		if (stat(dir, &st) == 0)
			return dir;
	}
	return WGLAB_SRCDIR "/scenarios";
}

static int resolve(const char *arg, char *out, size_t len)
{
	struct stat st;

	/* Never NULL; the check keeps gcc's sanitizer build from guessing otherwise. */
	if (!arg)
		return -EINVAL;
	if (strchr(arg, '/') || strstr(arg, ".lua")) {
		snprintf(out, len, "%s", arg);
		return stat(out, &st) == 0 ? 0 : -ENOENT;
	}
	return find_in(scenario_dir(), arg, out, len) ? 0 : -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every scenario file in the scenarios directory, sorted, into *names; the count or -ENOMEM. */
static int list_dir(char ***names)
{
	DIR *d = opendir(scenario_dir());
	struct dirent *e;
	int n = 0, cap = 0;

	*names = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l <= 4 || strcmp(e->d_name + l - 4, ".lua") || e->d_name[0] == '_')
			continue;
		if (n == cap) {
			char **v = realloc(*names, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!v)
				break;
			*names = v;
		}
		if (!((*names)[n] = strndup(e->d_name, l - 4)))
			break;
		n++;
	}
	closedir(d);
	if (e) {
		while (n > 0)
			free((*names)[--n]);
		free(*names);
		*names = NULL;
		return -ENOMEM;
	}
	qsort(*names, (size_t)n, sizeof(**names), cmp_str);
	return n;
}

static bool in_suite(const json_t *meta, const char *suite)
{
	const char *s = json_string_value(json_object_get(meta, "suite"));

	return !strcmp(suite, "all") || !strcmp(s ? s : "default", suite);
}

void wgl_run_free_scenarios(struct scenario *v, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(v[i].meta);
	free(v);
}

/* Appends path with its declaration (NULL if the script does not load: reported already). */
static int add_scenario(struct scenario **v, int *n, const char *path)
{
	struct scenario *nv = realloc(*v, (size_t)(*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].path, sizeof(nv[*n].path), "%s", path);
	nv[*n].meta = wgl_scenario_meta(path);
	(*n)++;
	return 0;
}

static int collect_named(struct run_opts *o, struct scenario **v, int *n)
{
	char path[PATH_MAX];

	for (int i = 0; i < o->nscenarios; i++) {
		if (resolve(o->scenarios[i], path, sizeof(path)) < 0) {
			fprintf(stderr, "wglab run: no scenario '%s' (looked in %s; "
				"'wglab run --list')\n", o->scenarios[i], scenario_dir());
			return -EINVAL;
		}
		if (add_scenario(v, n, path) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The scenarios to run, each with its declaration loaded once: the named
 * ones, else every one of the suite. -EINVAL after reporting a bad name.
 */
int wgl_run_collect(struct run_opts *o, struct scenario **v, int *n)
{
	char path[PATH_MAX], **names;
	int count, err = 0;

	*v = NULL;
	*n = 0;
	if (o->nscenarios)
		return collect_named(o, v, n);
	count = list_dir(&names);
	if (count < 0)
		return count;
	for (int i = 0; i < count; i++) {
		if (!err && resolve(names[i], path, sizeof(path)) == 0) {
			err = add_scenario(v, n, path);
			/* A script that does not load stays in: wgl_run_validate() refuses the run. */
			if (!err && (*v)[*n - 1].meta &&
			    !in_suite((*v)[*n - 1].meta, o->suite ? o->suite : "default"))
				json_decref((*v)[--*n].meta);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int wgl_run_list_scenarios(struct run_opts *o)
{
	struct scenario *v;
	int n;

	o->suite = o->suite ? o->suite : "all";
	if (wgl_run_collect(o, &v, &n) < 0) {
		wgl_run_free_scenarios(v, n);
		return WGL_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		json_t *m = v[i].meta;

		if (m) {
			printf("%-16s %-8s %s\n", json_string_value(json_object_get(m, "name")),
			       json_string_value(json_object_get(m, "suite")) ?: "default",
			       json_string_value(json_object_get(m, "description")) ?: "");
			wgl_params_print(stdout, json_object_get(m, "params"));
		}
	}
	wgl_run_free_scenarios(v, n);
	return WGL_EXIT_OK;
}

static void define_text(const json_t *v, char *buf, size_t len)
{
	char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);

	snprintf(buf, len, "%s", s ? s : json_string_value(v));
	free(s);
}

/*
 * Every -D value fits each selected scenario that declares its key, and
 * every key is declared by one of them: one line and exit 2 otherwise.
 */
static int check_defines(const json_t *defines, const struct scenario *v, int n)
{
	char why[256], text[128];
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)defines, key, val) {
		bool declared = false;

		define_text(val, text, sizeof(text));
		for (int i = 0; i < n; i++) {
			int err = wgl_params_check(json_object_get(v[i].meta, "params"), key, val,
						   why, sizeof(why));

			declared |= err != -ENOENT;
			if (err == -EINVAL) {
				fprintf(stderr, "wglab run: -D %s=%s: %s's %s must be %s\n", key,
					text, json_string_value(json_object_get(v[i].meta, "name")),
					key, why);
				return -EINVAL;
			}
		}
		if (!declared) {
			fprintf(stderr, "wglab run: -D %s=%s: no selected scenario has a parameter "
				"'%s' ('wglab run --list' shows the scenarios)\n", key, text, key);
			return -EINVAL;
		}
	}
	return 0;
}

/* Every script must load and declare itself before anything is built. */
int wgl_run_validate(const struct run_opts *o, const struct scenario *v, int n)
{
	char why[256];

	for (int i = 0; i < n; i++) {
		const char *topo;

		if (!v[i].meta)
			return -EINVAL;
		if (wgl_params_check_decl(json_object_get(v[i].meta, "params"), why,
					  sizeof(why)) < 0) {
			fprintf(stderr, "wglab: %s: %s\n", v[i].path, why);
			return -EINVAL;
		}
		if (json_object_get(v[i].meta, "benchmark") &&
		    !json_is_boolean(json_object_get(v[i].meta, "benchmark"))) {
			fprintf(stderr, "wglab: %s: benchmark must be true or false\n", v[i].path);
			return -EINVAL;
		}
		topo = json_string_value(json_object_get(v[i].meta, "topology"));
		if (topo && strcmp(topo, "pair") && strcmp(topo, "single")) {
			fprintf(stderr, "wglab: %s: topology must be \"pair\" or \"single\", not '%s'\n",
				v[i].path, topo);
			return -EINVAL;
		}
	}
	return check_defines(o->defines, v, n);
}
