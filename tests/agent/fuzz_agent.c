// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the agent's request parser and its wg_set config parser:
 * agent input is whatever reaches a host's sshd. Mutates the corpus
 * (tests/fixtures/agent/requests.jsonl) at two levels: bytes (flips, cuts,
 * splices, inserted JSON punctuation) and JSON values (a value swapped for
 * one of another type, a key dropped or added). The parsers must return 0 or
 * their documented -errno, never crash or leak (ASan in CI), and an accepted
 * request must parse again the same after being written back out.
 * WGLAB_FUZZ_SEED replays a run; WGLAB_FUZZ_ITERATIONS changes its length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/agent_priv.h"
#include "base/log.h"
#include "tests/wgl_fixture.h"

#define MAX_LINES 64
#define MAX_LINE 4096

static char *lines[MAX_LINES];
static size_t nlines;
static unsigned int seed;
static long failures;

static void fail(const char *what, const char *line)
{
	failures++;
	fprintf(stderr, "FAIL: %s: %.300s\n", what, line);
}

static int load_corpus(void)
{
	size_t len;
	char *all = wgl_fixture_read("agent", "requests.jsonl", 1 << 20, &len), *save, *l;

	if (!all)
		return -1;
	for (l = strtok_r(all, "\n", &save); l && nlines < MAX_LINES; l = strtok_r(NULL, "\n", &save))
		lines[nlines++] = strdup(l);
	free(all);
	return nlines ? 0 : -1;
}

static json_t *random_value(void)
{
	static const char *const strs[] = { "", "wg0", "lo", "198.18.0.1/15", "10.0.0.1/8",
		"[2001:2::1]:1", "x:y", "../../etc", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=",
		"hello", "wg_create", "\xff\xfe", "198.18.0.2:99999" };

	switch (rand_r(&seed) % 8) {
	case 0: return json_string(strs[(size_t)rand_r(&seed) % (sizeof(strs) / sizeof(*strs))]);
	case 1: return json_integer((json_int_t)rand_r(&seed) - RAND_MAX / 2);
	case 2: return json_integer(rand_r(&seed) % 2 ? (json_int_t)1 << 62 : -1);
	case 3: return json_null();
	case 4: return json_boolean(rand_r(&seed) % 2);
	case 5: return json_real(1.5);
	case 6: return json_pack("[i,s]", 1, "198.19.0.1/32");
	default: return json_object();
	}
}

/* Swaps, drops or adds one value somewhere in the tree. */
static void mutate_json(json_t *j, int depth)
{
	const char *key, *pick = NULL;
	size_t n = json_object_size(j), at, i = 0;
	json_t *v;

	if (!json_is_object(j) || !n)
		return;
	at = (size_t)rand_r(&seed) % n;
	json_object_foreach(j, key, v)
		if (i++ == at)
			pick = key;
	v = json_object_get(j, pick);
	if (depth < 4 && (json_is_object(v) || json_is_array(v)) && rand_r(&seed) % 2) {
		if (json_is_array(v) && json_array_size(v))
			v = json_array_get(v, (size_t)rand_r(&seed) % json_array_size(v));
		mutate_json(v, depth + 1);
		return;
	}
	switch (rand_r(&seed) % 3) {
	case 0: json_object_set_new(j, pick, random_value()); break;
	case 1: json_object_del(j, pick); break;
	default: json_object_set_new(j, rand_r(&seed) % 2 ? "extra" : "peers", random_value());
	}
}

static size_t mutate_bytes(char *buf, size_t len, size_t cap)
{
	static const char punct[] = "{}[]\":,\\ \n0-e.";
	int n = 1 + rand_r(&seed) % 6;

	for (int i = 0; i < n && len; i++) {
		size_t at = (size_t)rand_r(&seed) % len;

		switch (rand_r(&seed) % 4) {
		case 0: buf[at] ^= (char)(1 << (rand_r(&seed) % 8)); break;
		case 1: buf[at] = punct[(size_t)rand_r(&seed) % (sizeof(punct) - 1)]; break;
		case 2: len = at; break;
		default: {
			const char *o = lines[(size_t)rand_r(&seed) % nlines];
			size_t olen = strlen(o), from = (size_t)rand_r(&seed) % olen;
			size_t cnt = 1 + (size_t)rand_r(&seed) % 40;

			if (from + cnt > olen)
				cnt = olen - from;
			if (at + cnt > cap)
				cnt = cap - at;
			memcpy(buf + at, o + from, cnt);
			if (at + cnt > len)
				len = at + cnt;
		}
		}
	}
	return len;
}

/* What an accepted request must satisfy, and the config parser on wg_set. */
static void check_accepted(const struct wgl_agent_req *req, const char *line)
{
	struct wgl_agent_req again;
	struct wgl_device *dev = NULL;
	char why[256], *text;
	json_t *j;
	int ret;

	if (req->id < 0 || (unsigned int)req->op >= WGL_AGENT_NOPS || !json_is_object(req->args))
		return fail("accepted request with a bad field", line);
	j = json_pack("{s:I s:s s:O}", "id", (json_int_t)req->id, "op",
		      wgl_agent_op_name(req->op), "args", req->args);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text || wgl_agent_parse(text, strlen(text), &again, why, sizeof(why)) < 0 ||
	    again.op != req->op || again.id != req->id)
		fail("accepted request does not parse again the same", line);
	else
		wgl_agent_req_clear(&again);
	free(text);
	if (req->op != WGL_AGENT_WG_SET)
		return;
	ret = wgl_agent_config_from_json(json_object_get(req->args, "config"), &dev, why,
					 sizeof(why));
	if (ret != 0 && ret != -EINVAL && ret != -EPERM)
		fail("config parser returned an undocumented error", line);
	if ((ret == 0) != (dev != NULL))
		fail("config parser's result and return disagree", line);
	wgl_device_free(dev);
}

static int one(char *buf)
{
	const char *src = lines[(size_t)rand_r(&seed) % nlines];
	struct wgl_agent_req req;
	size_t len;
	char why[256] = "";
	int ret;

	if (rand_r(&seed) % 2) {
		json_t *j = json_loads(src, 0, NULL);
		char *t;

		for (int k = 1 + rand_r(&seed) % 3; k > 0; k--)
			mutate_json(j, 0);
		t = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		len = t ? strlen(t) : 0;
		memcpy(buf, t ? t : "", len < MAX_LINE ? len : MAX_LINE);
		free(t);
	} else {
		len = strlen(src);
		memcpy(buf, src, len);
		len = mutate_bytes(buf, len, MAX_LINE);
	}
	if (len > MAX_LINE)
		len = MAX_LINE;
	buf[len] = '\0';
	ret = wgl_agent_parse(buf, len, &req, why, sizeof(why));
	if (ret == 0) {
		check_accepted(&req, buf);
		wgl_agent_req_clear(&req);
	} else if (ret != -EINVAL || !why[0] || req.args) {
		fail("refusal without -EINVAL, a reason, or with args left", buf);
	}
	return ret == 0;
}

int main(void)
{
	const char *s = getenv("WGLAB_FUZZ_SEED"), *it = getenv("WGLAB_FUZZ_ITERATIONS");
	long n = it ? strtol(it, NULL, 0) : 200000, ok = 0;
	static char buf[MAX_LINE + 1];
	unsigned int seed0;

	seed0 = seed = s ? (unsigned int)strtoul(s, NULL, 0) : (unsigned int)time(NULL);
	wgl_log_verbosity = -1;
	if (load_corpus() < 0) {
		fprintf(stderr, "cannot read tests/fixtures/agent/requests.jsonl\n");
		return 1;
	}
	/* The corpus itself is valid protocol: every line must be accepted. */
	for (size_t i = 0; i < nlines; i++) {
		struct wgl_agent_req req;
		char why[256];

		if (wgl_agent_parse(lines[i], strlen(lines[i]), &req, why, sizeof(why)) < 0)
			fprintf(stderr, "corpus line %zu refused: %s\n", i + 1, why), failures++;
		else
			check_accepted(&req, lines[i]), wgl_agent_req_clear(&req);
	}
	printf("seed %u, %ld iterations over %zu corpus lines\n", seed0, n, nlines);
	for (long i = 0; i < n; i++)
		ok += one(buf);
	printf("%ld requests accepted, %ld refused, %ld failures\n", ok, n - ok, failures);
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	return failures ? 1 : 0;
}
