// SPDX-License-Identifier: GPL-2.0-or-later
/* Scenario parameter declarations and the checks of -D values against them. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lua/params.h"

struct spec {
	const json_t *def;      /* the default */
	const char *type;       /* integer, number, string, boolean, list, table */
	const json_t *min, *max, *one_of;
};

static const char *type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "table";
	}
}

/* A declaration table has a default; any other value is a plain default. */
static void spec_of(const json_t *entry, struct spec *s)
{
	const json_t *t;

	memset(s, 0, sizeof(*s));
	s->def = entry;
	if (json_is_object(entry) && json_object_get(entry, "default")) {
		s->def = json_object_get(entry, "default");
		s->min = json_object_get(entry, "min");
		s->max = json_object_get(entry, "max");
		s->one_of = json_object_get(entry, "one_of");
		t = json_object_get(entry, "type");
		s->type = json_string_value(t);
		if (t && !s->type)
			s->type = "?";
	}
	if (!s->type)
		s->type = type_of(s->def);
}

/* What a value must be, e.g. "an integer in 1..1000", "one of link, addr". */
static void describe(const struct spec *s, char *buf, size_t len)
{
	size_t n, i;
	const json_t *v;
	bool integer = !strcmp(s->type, "integer");

	if (s->one_of) {
		n = (size_t)snprintf(buf, len, "one of ");
		json_array_foreach(s->one_of, i, v) {
			char *one = json_dumps(v, JSON_ENCODE_ANY);

			if (n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
						      json_is_string(v) ? json_string_value(v) :
						      one ? one : "?");
			free(one);
		}
		return;
	}
	if (!strcmp(s->type, "boolean")) {
		snprintf(buf, len, "true or false");
		return;
	}
	if (!strcmp(s->type, "list"))
		n = (size_t)snprintf(buf, len, "a comma-separated list of numbers");
	else
		n = (size_t)snprintf(buf, len, "%s %s", integer ? "an" : "a", s->type);
	if (n >= len || (!s->min && !s->max))
		return;
	if (s->min && s->max)
		snprintf(buf + n, len - n, " in %.12g..%.12g", json_number_value(s->min),
			 json_number_value(s->max));
	else if (s->min)
		snprintf(buf + n, len - n, " >= %.12g", json_number_value(s->min));
	else
		snprintf(buf + n, len - n, " <= %.12g", json_number_value(s->max));
}

static bool in_one_of(const json_t *one_of, const json_t *v)
{
	size_t i;
	const json_t *o;

	json_array_foreach(one_of, i, o)
		if (json_equal(o, v))
			return true;
	return false;
}

static bool in_range(const struct spec *s, double x)
{
	return isfinite(x) && (!s->min || x >= json_number_value(s->min)) &&
	       (!s->max || x <= json_number_value(s->max));
}

/* "0,1,5.5": at least one number, each in range (a single number may come as one). */
static bool list_fits(const struct spec *s, const json_t *v)
{
	const char *p = json_string_value(v);
	char *end;

	if (json_is_number(v))
		return in_range(s, json_number_value(v));
	/* strtod alone would take signs, spaces, "inf" and hex. */
	if (!p || !*p || strspn(p, "0123456789.,") != strlen(p))
		return false;
	for (;;) {
		if (!in_range(s, strtod(p, &end)) || end == p)
			return false;
		if (!*end)
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
}

static bool fits(const struct spec *s, const json_t *v)
{
	double x;

	if (!strcmp(s->type, "list"))
		return list_fits(s, v);
	if (!strcmp(s->type, "table"))
		return false; /* a -D value cannot be a table */
	if (!strcmp(s->type, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(s->type, "string") && !json_is_string(v))
		return false;
	if (s->one_of && !in_one_of(s->one_of, v))
		return false;
	if (!strcmp(s->type, "string"))
		return true;
	if (!json_is_number(v))
		return false;
	x = json_number_value(v);
	if (!strcmp(s->type, "integer") && x != floor(x))
		return false;
	return in_range(s, x);
}

json_t *wgl_params_defaults(const json_t *decl)
{
	json_t *out = json_object();
	const char *key;
	json_t *entry;
	struct spec s;

	json_object_foreach((json_t *)decl, key, entry) {
		spec_of(entry, &s);
		json_object_set_new(out, key, json_deep_copy(s.def));
	}
	return out;
}

static int decl_error(char *err, size_t len, const char *key, const char *why)
{
	snprintf(err, len, "parameter '%s': %s", key, why);
	return -EINVAL;
}

int wgl_params_check_decl(const json_t *decl, char *err, size_t len)
{
	static const char *const types[] = { "integer", "number", "string", "boolean", "list",
					     "table" };
	const char *key;
	json_t *entry;
	struct spec s;
	char want[256];
	bool known;

	if (decl && !json_is_object(decl))
		return decl_error(err, len, "params", "must be a table of name = default");
	json_object_foreach((json_t *)decl, key, entry) {
		spec_of(entry, &s);
		known = false;
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			known |= !strcmp(s.type, types[i]);
		if (!known)
			return decl_error(err, len, key, "type must be integer, number, string, "
					  "boolean or list");
		if ((s.min && !json_is_number(s.min)) || (s.max && !json_is_number(s.max)) ||
		    (s.min && s.max && json_number_value(s.min) > json_number_value(s.max)))
			return decl_error(err, len, key, "min and max must be numbers, min <= max");
		if (!strcmp(s.type, "integer") &&
		    ((s.min && json_is_real(s.min) &&
		      json_real_value(s.min) != floor(json_real_value(s.min))) ||
		     (s.max && json_is_real(s.max) &&
		      json_real_value(s.max) != floor(json_real_value(s.max)))))
			return decl_error(err, len, key, "an integer's min and max must be whole "
					  "(type = \"number\" for a fractional one)");
		if (s.one_of && (!json_is_array(s.one_of) || !json_array_size(s.one_of)))
			return decl_error(err, len, key, "one_of must be a list of values");
		describe(&s, want, sizeof(want));
		if (strcmp(s.type, "table") && !fits(&s, s.def)) {
			snprintf(err, len, "parameter '%s': the default is not %s", key, want);
			return -EINVAL;
		}
	}
	return 0;
}

int wgl_params_check(const json_t *decl, const char *key, const json_t *value, char *err,
		     size_t len)
{
	const json_t *entry = json_object_get(decl, key);
	struct spec s;

	if (!entry)
		return -ENOENT;
	spec_of(entry, &s);
	if (fits(&s, value))
		return 0;
	if (!strcmp(s.type, "table")) {
		snprintf(err, len, "a table (not settable with -D)");
		return -EINVAL;
	}
	describe(&s, err, len);
	return -EINVAL;
}

bool wgl_params_bounded(const json_t *entry)
{
	struct spec s;

	spec_of(entry, &s);
	if (!strcmp(s.type, "boolean") || s.one_of)
		return true;
	return (!strcmp(s.type, "integer") || !strcmp(s.type, "number") ||
		!strcmp(s.type, "list")) && s.min && s.max;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void wgl_params_print(FILE *f, const json_t *decl)
{
	const char *key, *keys[64];
	json_t *entry;
	size_t n = 0;
	char text[512];

	json_object_foreach((json_t *)decl, key, entry)
		if (n < sizeof(keys) / sizeof(keys[0]))
			keys[n++] = key;
	qsort(keys, n, sizeof(keys[0]), cmp_key);
	for (size_t i = 0; i < n; i++) {
		wgl_params_describe(json_object_get(decl, keys[i]), text, sizeof(text));
		fprintf(f, "    -D %-14s %s\n", keys[i], text);
	}
}

void wgl_params_describe(const json_t *entry, char *buf, size_t len)
{
	struct spec s;
	char *def, want[256];
	const char *text = json_string_value(json_object_get(entry, "description"));

	spec_of(entry, &s);
	def = json_dumps(s.def, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
	describe(&s, want, sizeof(want));
	snprintf(buf, len, "default %s, %s%s%s", def ? def : "?", want, text ? ": " : "",
		 text ? text : "");
	free(def);
}
