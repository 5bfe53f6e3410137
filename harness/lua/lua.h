/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal interface between the scenario runner and the Lua bindings of
 * each area. docs/SCENARIO-API.md is the contract scenario authors see.
 *
 * Conventions for bindings: C objects are full userdata with a named
 * metatable (class) and a __gc that releases them, so closing the case's
 * lua_State tears everything down in reverse creation order. An object that
 * depends on another keeps it alive through its user value. Bindings raise
 * Lua errors for misuse and for setup failures (the case then fails with
 * file:line); outcomes a scenario may want to assert on (a ping timing out,
 * a peer not answering) are returned as values instead.
 */
#ifndef WGL_LUA_H
#define WGL_LUA_H

#include <stdbool.h>
#include <jansson.h>
#include <lua.h>
#include <lauxlib.h>

struct wgl_backend_config;
#include "base/result.h"

struct wgl_lua_case {
	struct wgl_run *run;    /* the run's result model */
	struct wgl_case *result; /* this case's entry in it */
	json_t *params;         /* the case's parameters */
	const struct wgl_backend_config *wg;  /* the run's backend settings; NULL: defaults */
	char dir[512];          /* artifacts directory of this case (exists) */
	int negative_depth;     /* > 0 inside expect_fail(): checks are collected, not recorded */
	int negative_failed;    /* failed checks seen at the current negative depth */
	bool skipped;
	char skip_reason[256];
	long long deadline_ns;  /* wgl_now_ns() time the case must end by; 0: none */
	double timeout_s;       /* the limit deadline_ns came from, for messages */
	bool timed_out;         /* the deadline error was raised */
	/* Where the case's wall time went waiting (see wgl_lua_waited()). */
	double sleep_s;         /* inside wglab.sleep() */
	double waits_timeout_s; /* waiting out timeouts that expired: silence expected or not */
};

/*
 * Books seconds that a binding spent waiting out a timeout that expired (a
 * ping nobody answered, a recv that saw nothing): the case reports the sum
 * as its "time_timeouts" metric next to "time_sleeping" and its wall time.
 */
void wgl_lua_waited(lua_State *L, double seconds);

/* The case context of L (set by the runner before the script runs). */
struct wgl_lua_case *wgl_lua_ctx(lua_State *L);

/* Sets wglab.<name> = fn in the global "wglab" table. */
void wgl_lua_setfn(lua_State *L, const char *name, lua_CFunction fn);
/*
 * Sets the functions fns in the table on top of the stack, each bounded by the
 * case's deadline (checked before and after the call), as wgl_lua_setfn and
 * wgl_lua_class do.
 */
void wgl_lua_setfuncs(lua_State *L, const luaL_Reg *fns);
/* Creates metatable tname with methods as __index and gc as __gc (may be NULL). */
void wgl_lua_class(lua_State *L, const char *tname, const luaL_Reg *methods, lua_CFunction gc);
/* Raises "what: strerror(-err)". Never returns. */
int wgl_lua_errno(lua_State *L, int err, const char *what);
/*
 * Path for an artifact of the current case ("<case dir>/<name>") into buf;
 * records it in the result under kind when kind is not NULL.
 */
const char *wgl_lua_artifact(lua_State *L, const char *kind, const char *name,
			     char *buf, size_t len);
/*
 * The string argument arg as a path a binding writes: it must be a file of
 * the case folder (what wglab.artifact() returns); raises otherwise.
 */
const char *wgl_lua_case_path(lua_State *L, int arg);
/*
 * Optional string / integer / number / boolean field of the table at idx; a
 * value of another type raises "fn: field 'key': string expected, got
 * boolean". The _in forms
 * also raise when a value other than def is outside min..max (NaN included).
 */
const char *wgl_lua_optstring(lua_State *L, int idx, const char *key, const char *def);
lua_Integer wgl_lua_optint(lua_State *L, int idx, const char *key, lua_Integer def);
lua_Integer wgl_lua_optint_in(lua_State *L, int idx, const char *key, lua_Integer def,
			      lua_Integer min, lua_Integer max);
lua_Number wgl_lua_optnum(lua_State *L, int idx, const char *key, lua_Number def);
lua_Number wgl_lua_optnum_in(lua_State *L, int idx, const char *key, lua_Number def,
			     lua_Number min, lua_Number max);
bool wgl_lua_optbool(lua_State *L, int idx, const char *key, bool def);
/*
 * The userdata of class tname in field key of the table at idx, left on the
 * stack (raises "fn: field 'key': tname expected, got T" otherwise).
 */
void *wgl_lua_checkfield_udata(lua_State *L, int idx, const char *key, const char *tname);
/* Raises "fn: field 'key': <fmt>" for the field key of the table at idx. Never returns. */
int wgl_lua_field_error(lua_State *L, int idx, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* t[key] = value for the table on top of the stack. */
void wgl_lua_field_str(lua_State *L, const char *key, const char *value);
void wgl_lua_field_int(lua_State *L, const char *key, lua_Integer value);
void wgl_lua_field_num(lua_State *L, const char *key, lua_Number value);
/* Pushes a jansson value as a Lua value (objects -> tables, arrays -> sequences). */
void wgl_lua_push_json(lua_State *L, const json_t *v);

/*
 * Network arguments and failures, each raised as one line "fn: argument
 * 'value': cause" (harness/lua/net_errors.c). check_ifname: a usable link
 * name. check_cidr: an address (with a /prefix when need_len) inside the
 * allowed ranges. net_error: err (-errno) of a call on node ns explained
 * from the node's state (no such link, already there, link down...); arg
 * names the argument that val is ("cidr", "link", "kind", "dst").
 */
struct wgl_ns;
void wgl_lua_check_ifname(lua_State *L, const char *fn, const char *ifname);
void wgl_lua_check_cidr(lua_State *L, const char *fn, const char *arg, const char *cidr,
			bool need_len);
int wgl_lua_net_error(lua_State *L, int err, const char *fn, struct wgl_ns *ns,
		      const char *ifname, const char *arg, const char *val);

/* The node class: struct wgl_ns * of a node userdata at idx (raises if not a node). */
struct wgl_ns *wgl_lua_checknode(lua_State *L, int idx);
/* Sets t[field] = {a, b} on the table at the top of the stack (a pair's two sides). */
void wgl_lua_set_pair_strings(lua_State *L, const char *field, const char *a, const char *b);
/* The wg class: struct wgl_wgdev * of a device userdata at idx. */
struct wgl_wgdev *wgl_lua_checkwg(lua_State *L, int idx);

/*
 * The case's deadline (harness/lua/sandbox.c). A blocking binding asks for
 * its wait clamped to the time left (raises the deadline error when none is
 * left), and calls wgl_lua_deadline_check() after waiting, so a wait never
 * outlives the case and its "timed out" outcome is never mistaken for the
 * script's own. The deadline error cannot be caught from Lua: see sandbox.c.
 */
int wgl_lua_deadline_ms(lua_State *L, double want_ms);
void wgl_lua_deadline_check(lua_State *L);
int wgl_lua_deadline_raise(lua_State *L);
/* Restricts the standard library of a case's state (after luaL_openlibs). */
void wgl_lua_open_sandbox(lua_State *L);

/* Area bindings; each registers its functions and classes. */
void wgl_lua_open_core(lua_State *L);
void wgl_lua_open_net(lua_State *L);
/* Routers and NAT (bind_topo.c); called by wgl_lua_open_net once the node class exists. */
void wgl_lua_open_topo(lua_State *L);
/* node:impair() (bind_impair.c): netem or the NFQUEUE middlebox; called by wgl_lua_open_topo. */
void wgl_lua_open_impair(lua_State *L);
void wgl_lua_open_pcap(lua_State *L);
void wgl_lua_open_probe(lua_State *L);
void wgl_lua_open_stats(lua_State *L);
void wgl_lua_open_traffic(lua_State *L);

/*
 * Remote nodes (bind_remote.c, harness/remote.h). wgl_lua_open_net() opens
 * them; wglab.pair hands over to wgl_lua_remote_pair() when the run has
 * remote nodes, wglab.capture to wgl_lua_remote_capture() for a remote
 * node. wgl_lua_remote_unsupported() skips the case, naming what a remote
 * node cannot do; never returns.
 */
void wgl_lua_open_remote(lua_State *L);
int wgl_lua_remote_pair(lua_State *L);
bool wgl_lua_is_remote_node(lua_State *L, int idx);
int wgl_lua_remote_capture(lua_State *L);
struct wgl_remote_node;
/* Remote node i (0 a, 1 b) of the run; a Lua error when it is not connected. */
struct wgl_remote_node *wgl_lua_rnode(lua_State *L, int i);
int wgl_lua_remote_unsupported(lua_State *L, const char *what);
/* The same, naming the running binding (a local-node one handed a remote node). */
int wgl_lua_remote_unsupported_caller(lua_State *L);
/*
 * Traffic with remote nodes (bind_rtraffic.c). wglab.iperf, iperf_start and
 * echo hand over to these when the table at idx names a remote server or
 * client (wgl_lua_remote_traffic). node_index: the remote node (0 a, 1 b)
 * of the value at idx, -1 when it is not one. The case hooks sample the
 * agents' counters at a case's start and before its pair is torn down, and
 * record each host's CPU and memory in the case (no-ops without remote nodes).
 */
int wgl_lua_remote_node_index(lua_State *L, int idx);
bool wgl_lua_remote_traffic(lua_State *L, int idx);
int wgl_lua_remote_iperf(lua_State *L);
int wgl_lua_remote_iperf_start(lua_State *L);
int wgl_lua_remote_echo(lua_State *L);
void wgl_lua_open_rtraffic(lua_State *L);
void wgl_lua_remote_case_begin(void);
void wgl_lua_remote_case_end(struct wgl_case *c);
/* Pushes an iperf result table ({ok, error} or the figures), as wglab.iperf returns it. */
struct wgl_iperf_result;
void wgl_lua_push_iperf(lua_State *L, int err, const struct wgl_iperf_result *r);
/* Analyses the pcap at path (options table at opts_idx) and pushes the summary. */
int wgl_lua_analyze_push(lua_State *L, const char *path, int opts_idx);
/*
 * Pushes the handle of a running capture into path (cap:stop(), cap:path())
 * that takes cap over; the value at owner (its node or pair) is kept alive.
 */
struct wgl_capture;
void wgl_lua_push_capture(lua_State *L, struct wgl_capture *cap, const char *path, int owner);
/*
 * Checks pair{capture = {a = FILE, b = FILE}} (arguments at index 1) and
 * leaves the table on the stack: false (nothing pushed) without one.
 */
bool wgl_lua_pair_capture_spec(lua_State *L);

#endif
