// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for result.json, which `wglab compare` and `wglab report` read
 * from anywhere (a baseline from another machine, an older wglab, a hand
 * edit). Mutated copies of a real run (bytes flipped, values swapped for other
 * JSON types, fields dropped), in schema 2 and in the old schema 1 layout,
 * go through wgl_result_load(); whatever loads is
 * compared against the original and rendered as JUnit and Markdown. Nothing
 * may crash or leak (CI runs this under ASan). WGLAB_FUZZ_SEED replays a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/result.h"
#include "reports/compare.h"
#include "reports/reports.h"
#include "tests/reports/fixture.h"

#define ITERATIONS 3000

static const char *const tokens[] = {
	"null", "\"x\"", "-1", "1e308", "[]", "{}", "true", "0", "\"wglab-result/0\"", "[1,\"a\",null]",
};

/*
 * One mutation of text (len bytes, NUL-terminated, room for cap) in place;
 * returns the new length and keeps the terminator.
 */
static size_t mutate(char *text, size_t len, size_t cap, unsigned int *seed)
{
	size_t at = len ? (size_t)rand_r(seed) % len : 0;

	switch (rand_r(seed) % 4) {
	case 0: /* flip a byte (never to NUL: the text stays a C string) */
		if (len)
			text[at] = (char)(1 + rand_r(seed) % 255);
		return len;
	case 1: { /* a value of another type after the next ':' */
		char *colon = memchr(text + at, ':', len - at);
		const char *tok = tokens[rand_r(seed) % WGL_ARRAY_SIZE(tokens)];
		size_t tl = strlen(tok), end, start;

		if (!colon)
			return len;
		start = (size_t)(colon - text) + 1;
		end = start + strcspn(text + start, ",}]\n");
		if (end > len || len - (end - start) + tl >= cap)
			return len;
		memmove(text + start + tl, text + end, len - end + 1);
		memcpy(text + start, tok, tl);
		return len - (end - start) + tl;
	}
	case 2: { /* drop a line (a field or a bracket) */
		char *nl = memchr(text + at, '\n', len - at), *next;

		if (!nl || !(next = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - text))))
			return len;
		memmove(nl, next, len - (size_t)(next - text) + 1);
		return len - (size_t)(next - nl);
	}
	default: /* truncate */
		text[at] = '\0';
		return at;
	}
}

/* Returns 1 if the file loaded (and was compared and rendered), else 0. */
static int exercise(const struct wgl_run *base, const char *path)
{
	char err[512];
	struct wgl_run *run = wgl_result_load(path, err, sizeof(err));
	struct wgl_compare_report *cmp;
	json_t *doc;
	FILE *null;

	if (!run) {
		if (!err[0])
			fprintf(stderr, "FAIL: load failed without saying why\n"), exit(1);
		return 0;
	}
	cmp = wgl_compare(base, run, 5);
	doc = cmp ? wgl_compare_to_json(cmp) : NULL;
	json_decref(doc);
	wgl_compare_free(cmp);
	cmp = wgl_compare(run, base, 5);
	null = fopen("/dev/null", "w");
	if (cmp)
		wgl_compare_print(cmp, null);
	wgl_compare_free(cmp);
	wgl_write_junit(run, null);
	wgl_write_markdown(run, NULL, null);
	wgl_write_html(run, NULL, null);
	wgl_write_benchmark(run, "higher", null);
	wgl_write_bencher(run, null);
	fclose(null);
	doc = wgl_result_to_json(run);
	json_decref(doc);
	wgl_result_free(run);
	return 1;
}

/* The same run as an old "wglab-result/1" file: the identity sat in params. */
static char *as_v1(const json_t *doc)
{
	static const char *const keys[] = { "backend_a", "backend_b", "family" };
	json_t *old = json_deep_copy(doc), *c;
	char *text;
	size_t i;

	json_object_set_new(old, "schema", json_string("wglab-result/1"));
	json_array_foreach(json_object_get(old, "cases"), i, c) {
		for (size_t k = 0; k < WGL_ARRAY_SIZE(keys); k++) {
			json_object_set(json_object_get(c, "params"), keys[k],
					json_object_get(c, keys[k]));
			json_object_del(c, keys[k]);
		}
	}
	text = json_dumps(old, JSON_INDENT(1));
	json_decref(old);
	return text;
}

int main(void)
{
	const char *s = getenv("WGLAB_FUZZ_SEED");
	unsigned int seed = s ? (unsigned int)strtoul(s, NULL, 0) : (unsigned int)time(NULL) ^ getpid();
	unsigned int seed0 = seed;
	struct wgl_run *base = fixture_run(20);
	json_t *doc = wgl_result_to_json(base);
	char *origs[2] = { json_dumps(doc, JSON_INDENT(1)), as_v1(doc) }, *buf, path[64];
	size_t l0 = strlen(origs[0]), l1 = strlen(origs[1]), cap = (l0 > l1 ? l0 : l1) * 2 + 256;
	int fd, loaded = 0;

	wgl_log_verbosity = -1;
	printf("seed %u, %d iterations\n", seed0, ITERATIONS);
	snprintf(path, sizeof(path), "/tmp/wglab-fuzz-result-XXXXXX");
	fd = mkstemp(path);
	buf = malloc(cap);
	if (fd < 0 || !buf)
		return 1;
	close(fd);
	for (int i = 0; i < ITERATIONS; i++) {
		const char *orig = origs[i % 2]; /* schema 2 and schema 1 files alike */
		size_t len = strlen(orig);
		FILE *f;

		memcpy(buf, orig, len + 1);
		for (int m = 1 + rand_r(&seed) % 4; m > 0; m--)
			len = mutate(buf, len, cap, &seed);
		f = fopen(path, "w");
		if (!f || fwrite(buf, 1, len, f) != len)
			return 1;
		fclose(f);
		loaded += exercise(base, path);
	}
	printf("%d of %d mutated files loaded and went through compare and rendering\n",
	       loaded, ITERATIONS);
	unlink(path);
	free(buf);
	free(origs[0]);
	free(origs[1]);
	json_decref(doc);
	wgl_result_free(base);
	return 0;
}
