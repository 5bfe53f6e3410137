/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP socket userdata shared by the socket and probe bindings. */
#ifndef WGL_LUA_SOCK_H
#define WGL_LUA_SOCK_H

#include <sys/socket.h>

#include "harness/lua/lua.h"

struct wgl_ns;
struct wgl_probe_io;
struct wgl_remote_node;

#define WGL_SOCK_CLASS "wglab.udp"

struct wgl_lua_sock {
	int fd;
	int family;
};

struct wgl_lua_sock *wgl_lua_checksock(lua_State *L, int idx);
/* Fills a sockaddr_in/in6 (out must hold a sockaddr_in6) from text; 0 or -EINVAL. */
int wgl_lua_sockaddr(const char *ip, int port, void *out, socklen_t *len);
void wgl_lua_open_sock(lua_State *L);
/*
 * node:udp{bind=, port=} for the node object at index 1 (kept alive by the
 * socket), created in namespace ns, or with ns NULL in the caller's own
 * (a local node whose agent shares it); label names the node in errors.
 * Pushes the socket userdata; Lua errors on bad arguments.
 */
int wgl_lua_udp_open(lua_State *L, const struct wgl_ns *ns, const char *label);
/*
 * node:udp{} for remote node n (index i, the node object at index 1): a
 * socket on that host bound to ip, driven by its agent (bind_rudp.c).
 * Pushes it; Lua errors when the agent refuses.
 */
int wgl_lua_remote_udp(lua_State *L, struct wgl_remote_node *n, int i, const char *ip);
/*
 * True when idx holds such a remote socket: *handle is its number and, with
 * io, the probe I/O that relays through its agent is filled in.
 */
bool wgl_lua_remote_sock(lua_State *L, int idx, int *handle, struct wgl_probe_io *io);
void wgl_lua_open_rudp(lua_State *L);

#endif
