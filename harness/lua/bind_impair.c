// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * node:impair(ifname, {...}): one call for an impaired link direction that
 * works on any kernel. sch_netem when the kernel has it and it can do what
 * is asked; otherwise the NFQUEUE middlebox (netns/mbox.h), with tc tbf for
 * a rate. Which one ran is recorded in the case as a check's detail.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness/lua/lua.h"
#include "netns/mbox.h"
#include "netns/netns.h"

#define IMPAIR_CLASS "wglab.impairment"

struct limpair {
	struct wgl_mbox *mbox;      /* NULL for netem */
	char via[16];
	char ifname[IFNAMSIZ];
	bool root_qdisc;            /* netem or tbf holds the link's root: stop() removes it */
};

/* NFQUEUE numbers are per namespace; one counter keeps them distinct everywhere. */
static int next_queue = 100;

static void parse_reorder(lua_State *L, int idx, struct wgl_mbox_spec *s)
{
	if (lua_getfield(L, idx, "reorder") == LUA_TTABLE) {
		int t = lua_gettop(L);

		s->reorder_every = (int)wgl_lua_optint_in(L, t, "every", 0, 0, 1000000);
		s->reorder_after = (int)wgl_lua_optint_in(L, t, "after", 0, 0, 1000000);
		s->reorder_hold_us = (int)(wgl_lua_optnum_in(L, t, "hold", 0, 0, 60) * 1e6);
	} else if (!lua_isnil(L, -1)) {
		luaL_error(L, "impair: reorder = {every=K, after=N | hold=s} expected");
	}
	lua_pop(L, 1);
}

static void parse_spec(lua_State *L, int idx, struct wgl_mbox_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->loss_pct = wgl_lua_optnum_in(L, idx, "loss", 0, 0, 100);
	s->dup_pct = wgl_lua_optnum_in(L, idx, "dup", 0, 0, 100);
	s->delay_us = (int)(wgl_lua_optnum_in(L, idx, "delay", 0, 0, 60) * 1e6);
	s->jitter_us = (int)(wgl_lua_optnum_in(L, idx, "jitter", 0, 0, 60) * 1e6);
	s->seed = (uint64_t)wgl_lua_optint(L, idx, "seed", 0);
	parse_reorder(L, idx, s);
	if (wgl_mbox_spec_check(s) < 0)
		luaL_error(L, "impair: reorder needs every >= 2 with after (at most %d held at once), "
			   "or every >= 1 with hold", WGL_MBOX_HELD_MAX / 2);
}

/* netem can do it: no count-based reorder, no rate (tbf and netem both want the root). */
static bool netem_fits(const struct wgl_mbox_spec *s, double rate)
{
	return !s->reorder_every && !rate && s->loss_pct <= 49 && s->dup_pct <= 49;
}

static int try_netem(struct wgl_ns *ns, const char *ifname, const struct wgl_mbox_spec *s)
{
	struct wgl_netem n = { .delay_us = s->delay_us, .jitter_us = s->jitter_us,
			       .loss_pct = s->loss_pct, .dup_pct = s->dup_pct };

	return wgl_netem_set(ns, ifname, &n);
}

static void record(lua_State *L, struct wgl_ns *ns, const char *ifname, const char *via,
		   const struct wgl_mbox_spec *s, double rate)
{
	char name[96], detail[256];

	snprintf(name, sizeof(name), "impairment on %s %s", ns->label, ifname);
	snprintf(detail, sizeof(detail),
		 "impairment: %s (loss %g %%, dup %g %%, delay %d us +- %d, reorder every %d "
		 "after %d / hold %d us, rate %g bit/s)", via, s->loss_pct, s->dup_pct, s->delay_us,
		 s->jitter_us, s->reorder_every, s->reorder_after, s->reorder_hold_us, rate);
	lua_getglobal(L, "check");
	lua_pushstring(L, name);
	lua_pushboolean(L, 1);
	lua_pushstring(L, detail);
	lua_call(L, 3, 0);
}

static struct limpair *push_impair(lua_State *L, const char *via)
{
	struct limpair *li = lua_newuserdatauv(L, sizeof(*li), 1);

	memset(li, 0, sizeof(*li));
	snprintf(li->via, sizeof(li->via), "%s", via);
	luaL_setmetatable(L, IMPAIR_CLASS);
	/* The node stays alive (namespace and all) as long as its middlebox. */
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	return li;
}

static struct limpair *start_mbox(lua_State *L, struct wgl_ns *ns, const char *ifname,
				  const struct wgl_mbox_spec *s)
{
	struct limpair *li = push_impair(L, "nfqueue");

	li->mbox = wgl_mbox_start(ns, ifname, next_queue++, s);
	if (!li->mbox)
		wgl_lua_errno(L, errno, "impair: the NFQUEUE middlebox");
	return li;
}

/*
 * node:impair(ifname, {loss=pct, dup=pct, delay=s, jitter=s,
 *   reorder={every=K, after=N | hold=s}, rate=bit/s, seed=, via="netem"|"nfqueue"})
 *   -> impairment {via=, :stats(), :stop()}
 */
static int node_impair(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	const char *via;
	struct wgl_mbox_spec s;
	double rate;
	int err = -EOPNOTSUPP;

	luaL_checktype(L, 3, LUA_TTABLE);
	parse_spec(L, 3, &s);
	rate = wgl_lua_optnum_in(L, 3, "rate", 0, 0, 1e13);
	via = wgl_lua_optstring(L, 3, "via", NULL);
	if (via && strcmp(via, "netem") && strcmp(via, "nfqueue"))
		return luaL_error(L, "impair: via = \"netem\" or \"nfqueue\"");
	if ((!via || !strcmp(via, "netem")) && netem_fits(&s, rate))
		err = try_netem(ns, ifname, &s);
	if (err == 0) {
		push_impair(L, "netem")->root_qdisc = true;
	} else if (via && !strcmp(via, "netem")) {
		return luaL_error(L, "impair: netem on %s: %s", ifname, strerror(-err));
	} else {
		if (rate) {
			err = wgl_tbf_set(ns, ifname, (uint64_t)rate, 50000);
			if (err < 0)
				return wgl_lua_errno(L, err, "impair: tbf rate");
		}
		start_mbox(L, ns, ifname, &s)->root_qdisc = rate > 0;
	}
	snprintf(((struct limpair *)lua_touserdata(L, -1))->ifname, IFNAMSIZ, "%s", ifname);
	record(L, ns, ifname, ((struct limpair *)lua_touserdata(L, -1))->via, &s, rate);
	return 1;
}

/* imp:stats() -> {via=, seen=, dropped=, duplicated=, delayed=, reordered=, sent=, errors=} */
static int imp_stats(lua_State *L)
{
	struct limpair *li = luaL_checkudata(L, 1, IMPAIR_CLASS);
	struct wgl_mbox_stats st;

	lua_newtable(L);
	lua_pushstring(L, li->via);
	lua_setfield(L, -2, "via");
	if (!li->mbox)
		return 1;
	wgl_mbox_get_stats(li->mbox, &st);
	wgl_lua_field_int(L, "seen", (lua_Integer)st.seen);
	wgl_lua_field_int(L, "dropped", (lua_Integer)st.dropped);
	wgl_lua_field_int(L, "duplicated", (lua_Integer)st.duplicated);
	wgl_lua_field_int(L, "delayed", (lua_Integer)st.delayed);
	wgl_lua_field_int(L, "reordered", (lua_Integer)st.reordered);
	wgl_lua_field_int(L, "sent", (lua_Integer)st.sent);
	wgl_lua_field_int(L, "errors", (lua_Integer)st.errors);
	return 1;
}

static int imp_index(lua_State *L)
{
	struct limpair *li = luaL_checkudata(L, 1, IMPAIR_CLASS);
	const char *k = luaL_checkstring(L, 2);

	if (!strcmp(k, "via")) {
		lua_pushstring(L, li->via);
		return 1;
	}
	luaL_getmetatable(L, IMPAIR_CLASS);
	lua_getfield(L, -1, "methods");
	lua_getfield(L, -1, k);
	return 1;
}

/* Collected or closed: held packets leave, the queue rule goes. */
static int imp_gc(lua_State *L)
{
	struct limpair *li = luaL_checkudata(L, 1, IMPAIR_CLASS);

	wgl_mbox_stop(li->mbox);
	li->mbox = NULL;
	return 0;
}

static int clear_root(lua_State *L)
{
	int err = wgl_qdisc_clear(wgl_lua_checknode(L, 1), luaL_checkstring(L, 2));

	return err < 0 ? wgl_lua_errno(L, err, "impair: stop: removing the root qdisc") : 0;
}

/*
 * imp:stop(): held packets leave, the queue rule goes, and netem or tbf
 * leave the link, so a later impairment of the same link starts clean.
 */
static int imp_stop(lua_State *L)
{
	struct limpair *li = luaL_checkudata(L, 1, IMPAIR_CLASS);

	imp_gc(L);
	if (!li->root_qdisc)
		return 0;
	li->root_qdisc = false;
	lua_pushcfunction(L, clear_root);
	lua_getiuservalue(L, 1, 1);
	lua_pushstring(L, li->ifname);
	lua_call(L, 2, 0);
	return 0;
}

void wgl_lua_open_impair(lua_State *L)
{
	static const luaL_Reg methods[] = { { "stats", imp_stats }, { "stop", imp_stop },
					    { NULL, NULL } };
	static const luaL_Reg node_methods[] = { { "impair", node_impair }, { NULL, NULL } };

	luaL_newmetatable(L, IMPAIR_CLASS);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_setfield(L, -2, "methods");
	lua_pushcfunction(L, imp_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, imp_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, imp_stop);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);
	luaL_getmetatable(L, "wglab.node");
	lua_getfield(L, -1, "__index");
	luaL_setfuncs(L, node_methods, 0);
	lua_pop(L, 2);
}
