// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --backend specs into the interop matrix. The order of the pairs is the
 * order of the cases in a run (and so of their ids), so "all" must keep
 * expanding the way it always has.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/log.h"

static const char *const underlay = "none";

static int grow(void **v, size_t n, size_t size)
{
	void *p;

	/* The capacity is kept at the next power of two: full exactly when n is 0 or one. */
	if (n & (n - 1))
		return 0;
	p = realloc(*v, (n ? 2 * n : 1) * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	return 0;
}

static int add_single(struct wgl_backend_matrix *m, const char *name)
{
	for (size_t i = 0; i < m->nsingles; i++)
		if (m->singles[i] == name)
			return 0;
	if (grow((void **)&m->singles, m->nsingles, sizeof(*m->singles)) < 0)
		return -ENOMEM;
	m->singles[m->nsingles++] = name;
	return 0;
}

static int add_pair(struct wgl_backend_matrix *m, const char *a, const char *b)
{
	if (grow((void **)&m->pairs, m->npairs, sizeof(*m->pairs)) < 0)
		return -ENOMEM;
	m->pairs[m->npairs++] = (struct wgl_backend_pair){ a, b };
	return add_single(m, a) ?: add_single(m, b);
}

/* The names a spec may use: the backends', or the run's named implementations. */
struct names {
	const struct wgl_impl_def *impls;
	size_t nimpls;
};

/* The i-th name; NULL past the end. */
static const char *name_at(const struct names *nl, size_t i)
{
	const struct wgl_backend_ops *o;

	if (nl->nimpls)
		return i < nl->nimpls ? nl->impls[i].name : NULL;
	o = wgl_backend_at(i);
	return o ? o->name : NULL;
}

static int add_all(struct wgl_backend_matrix *m, const struct names *nl, unsigned int flags)
{
	const char *x, *y;
	int err = 0;

	if (flags & WGL_MATRIX_UNDERLAY)
		err = add_pair(m, underlay, underlay);
	for (size_t i = 0; !err && (x = name_at(nl, i)); i++)
		err = add_pair(m, x, x);
	for (size_t i = 0; !err && (x = name_at(nl, i)); i++)
		for (size_t j = i + 1; !err && (y = name_at(nl, j)); j++)
			err = add_pair(m, x, y);
	for (size_t i = 0; !err && (x = name_at(nl, i)); i++)
		for (size_t j = i + 1; !err && (y = name_at(nl, j)); j++)
			err = add_pair(m, y, x);
	return err;
}

/* The facade's (or the impl table's) own copy of a name, NULL if unknown. */
static const char *known(const struct names *nl, const char *name, size_t n, unsigned int flags)
{
	const char *o;

	if ((flags & WGL_MATRIX_UNDERLAY) && strlen(underlay) == n && !strncmp(name, underlay, n))
		return underlay;
	for (size_t i = 0; (o = name_at(nl, i)); i++)
		if (strlen(o) == n && !strncmp(name, o, n))
			return o;
	return NULL;
}

static void unknown(const struct names *nl, const char *tok, size_t n, unsigned int flags,
		    char *why, size_t len)
{
	const char *o;
	size_t used;

	used = (size_t)snprintf(why, len, "unknown %s '%.*s' (known: ",
				nl->nimpls ? "implementation" : "backend", (int)n, tok);
	if (flags & WGL_MATRIX_UNDERLAY)
		used += (size_t)snprintf(why + used, used < len ? len - used : 0, "%s, ", underlay);
	for (size_t i = 0; (o = name_at(nl, i)); i++)
		used += (size_t)snprintf(why + used, used < len ? len - used : 0, "%s, ", o);
	if (used < len)
		snprintf(why + used, len - used, "all, A:B)");
}

/* One comma-separated token: "all", "NAME" or "A:B". */
static int add_token(struct wgl_backend_matrix *m, const struct names *nl, const char *tok,
		     size_t n, unsigned int flags, char *why, size_t len)
{
	const char *colon = memchr(tok, ':', n), *a, *b;
	size_t na = colon ? (size_t)(colon - tok) : n;

	if (n == 3 && !strncmp(tok, "all", 3))
		return add_all(m, nl, flags);
	a = known(nl, tok, na, flags);
	if (!a) {
		unknown(nl, tok, na, flags, why, len);
		return -EINVAL;
	}
	b = colon ? known(nl, colon + 1, n - na - 1, flags) : a;
	if (!b) {
		unknown(nl, colon + 1, n - na - 1, flags, why, len);
		return -EINVAL;
	}
	return add_pair(m, a, b);
}

int wgl_backend_matrix_impls(struct wgl_backend_matrix *m, const char *spec, unsigned int flags,
			     const struct wgl_impl_def *impls, size_t nimpls, char *why,
			     size_t len)
{
	const struct names nl = { impls, nimpls };
	const char *p = spec ? spec : "";
	int err = 0;

	memset(m, 0, sizeof(*m));
	snprintf(why, len, "%s", "");
	while (*p && !err) {
		size_t n = strcspn(p, ",");

		/* Empty items ("a,,b", a trailing comma) are ignored, as they always were. */
		if (n)
			err = add_token(m, &nl, p, n, flags, why, len);
		p += n + (p[n] == ',');
	}
	if (!err && !m->npairs) {
		snprintf(why, len, "no backend named");
		err = -EINVAL;
	}
	if (err == -ENOMEM)
		snprintf(why, len, "out of memory");
	if (err)
		wgl_backend_matrix_free(m);
	return err;
}

int wgl_backend_matrix(struct wgl_backend_matrix *m, const char *spec, unsigned int flags,
		       char *why, size_t len)
{
	return wgl_backend_matrix_impls(m, spec, flags, NULL, 0, why, len);
}

void wgl_backend_matrix_free(struct wgl_backend_matrix *m)
{
	free(m->pairs);
	free(m->singles);
	memset(m, 0, sizeof(*m));
}
