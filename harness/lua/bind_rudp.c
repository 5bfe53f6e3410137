// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * node:udp{} on a remote node reached over ssh: the socket lives on that
 * host, opened and driven by its agent (udp_open, udp_send, udp_recv in
 * docs/AGENT-PROTOCOL.md), one datagram per request. The Lua object has the
 * local socket's methods (send, recv, port, close), and a probe given it
 * sends and receives through the agent (wgl_probe_io), so what the probe
 * measures happened on the remote host's wire, not on the controller's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lua/lua.h"
#include "harness/lua/sock.h"
#include "harness/probe.h"
#include "harness/remote.h"

#define RUDP_CLASS "wglab.rudp"
#define CALL_MS 30000
#define MAX_DATAGRAM 65535

struct rudp {
	int i;                  /* node index: 0 a, 1 b */
	int handle;             /* the agent's; -1 once closed */
	int port;
};

static struct rudp *check_rudp(lua_State *L, int idx)
{
	struct rudp *u = luaL_checkudata(L, idx, RUDP_CLASS);

	if (u->handle < 0)
		luaL_error(L, "socket is closed");
	wgl_lua_rnode(L, u->i);
	return u;
}

static int relay_send(struct wgl_remote_node *n, int handle, const char *ip, int port,
		      const void *buf, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);
	int err;

	if (!b64)
		return -ENOMEM;
	sodium_bin2base64(b64, cap, buf, len, sodium_base64_VARIANT_ORIGINAL);
	err = wgl_remote_call(n, "udp_send", json_pack("{s:i s:s s:i s:s}", "handle", handle,
			      "addr", ip, "port", port, "data", b64), CALL_MS, NULL);
	free(b64);
	return err;
}

/* One datagram (or none: 0) within timeout_ms; the sender's ip and port filled. */
static ssize_t relay_recv(struct wgl_remote_node *n, int handle, void *buf, size_t cap,
			  int timeout_ms, char ip[INET6_ADDRSTRLEN], int *port)
{
	json_t *res = NULL;
	const char *b64;
	size_t len = 0;
	int err = wgl_remote_call(n, "udp_recv", json_pack("{s:i s:i}", "handle", handle,
				  "timeout_ms", timeout_ms), timeout_ms + CALL_MS, &res);

	if (err < 0)
		return err;
	b64 = json_string_value(json_object_get(res, "data"));
	if (b64 && sodium_base642bin(buf, cap, b64, strlen(b64), NULL, &len, NULL,
				     sodium_base64_VARIANT_ORIGINAL) < 0)
		err = -EPROTO;
	snprintf(ip, INET6_ADDRSTRLEN, "%s", json_string_value(json_object_get(res, "addr")) ?: "");
	*port = (int)json_integer_value(json_object_get(res, "port"));
	json_decref(res);
	return err < 0 ? err : b64 ? (ssize_t)len : 0;
}

/* ---- the probe's I/O through the agent (ctx: the node index) ----------- */

static int io_send(void *ctx, int fd, const void *buf, size_t len, const struct sockaddr *to,
		   socklen_t tolen)
{
	struct wgl_remote_node *n = wgl_remote_node((int)(intptr_t)ctx);
	const struct sockaddr_in *a4 = (const void *)to;
	const struct sockaddr_in6 *a6 = (const void *)to;
	char ip[INET6_ADDRSTRLEN];
	bool v4 = to->sa_family == AF_INET;

	(void)tolen;
	if (!n)
		return -ENOTCONN;
	inet_ntop(to->sa_family, v4 ? (const void *)&a4->sin_addr : (const void *)&a6->sin6_addr,
		  ip, sizeof(ip));
	return relay_send(n, fd, ip, ntohs(v4 ? a4->sin_port : a6->sin6_port), buf, len);
}

static ssize_t io_recv(void *ctx, int fd, void *buf, size_t cap, int timeout_ms,
		       struct sockaddr_storage *from)
{
	struct wgl_remote_node *n = wgl_remote_node((int)(intptr_t)ctx);
	char ip[INET6_ADDRSTRLEN];
	socklen_t len;
	int port = 0;
	ssize_t got;

	if (!n)
		return -ENOTCONN;
	got = relay_recv(n, fd, buf, cap, timeout_ms, ip, &port);
	if (got > 0 && wgl_lua_sockaddr(ip, port, from, &len) < 0)
		return -EPROTO;
	return got;
}

bool wgl_lua_remote_sock(lua_State *L, int idx, int *handle, struct wgl_probe_io *io)
{
	struct rudp *u = luaL_testudata(L, idx, RUDP_CLASS);

	if (!u)
		return false;
	u = check_rudp(L, idx);
	*handle = u->handle;
	if (io)
		*io = (struct wgl_probe_io){ .send = io_send, .recv = io_recv,
					     .ctx = (void *)(intptr_t)u->i };
	return true;
}

/* ---- the Lua object ----------------------------------------------------- */

int wgl_lua_remote_udp(lua_State *L, struct wgl_remote_node *n, int i, const char *ip)
{
	struct rudp *u = lua_newuserdatauv(L, sizeof(*u), 1);
	int port = lua_istable(L, 2) ? (int)wgl_lua_optint_in(L, 2, "port", 0, 0, 65535) : 0;
	json_t *res = NULL;
	int err;

	u->i = i;
	u->handle = -1;
	luaL_setmetatable(L, RUDP_CLASS);
	lua_pushvalue(L, 1); /* the node (and its pair) lives as long as the socket */
	lua_setiuservalue(L, -2, 1);
	err = wgl_remote_call(n, "udp_open", json_pack("{s:s s:i}", "addr", ip, "port", port),
			      CALL_MS, &res);
	if (err < 0)
		return wgl_lua_errno(L, err, "udp (remote)");
	u->handle = (int)json_integer_value(json_object_get(res, "handle"));
	u->port = (int)json_integer_value(json_object_get(res, "port"));
	json_decref(res);
	return 1;
}

static int rudp_send(lua_State *L)
{
	struct rudp *u = check_rudp(L, 1);
	const char *dst = luaL_checkstring(L, 2);
	lua_Integer port = luaL_checkinteger(L, 3);
	size_t n;
	const char *data = luaL_checklstring(L, 4, &n);
	int err;

	luaL_argcheck(L, port >= 1 && port <= 65535, 3, "port must be 1..65535");
	luaL_argcheck(L, n <= MAX_DATAGRAM, 4, "longer than a datagram");
	err = relay_send(wgl_remote_node(u->i), u->handle, dst, (int)port, data, n);
	if (err < 0)
		return wgl_lua_errno(L, err, "send (remote)");
	return 0;
}

static int rudp_recv(lua_State *L)
{
	struct rudp *u = check_rudp(L, 1);
	double timeout = luaL_optnumber(L, 2, 1.0);
	char ip[INET6_ADDRSTRLEN], *buf;
	int port = 0;
	ssize_t n;

	luaL_argcheck(L, timeout >= 0 && timeout <= 3600, 2, "timeout must be 0..3600 s");
	buf = lua_newuserdatauv(L, MAX_DATAGRAM, 0); /* freed by Lua, even on an error */
	n = relay_recv(wgl_remote_node(u->i), u->handle, buf, MAX_DATAGRAM,
		       wgl_lua_deadline_ms(L, timeout * 1000), ip, &port);
	wgl_lua_deadline_check(L);
	if (n < 0)
		return wgl_lua_errno(L, (int)n, "recv (remote)");
	if (n == 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushlstring(L, buf, (size_t)n);
	lua_pushstring(L, ip);
	lua_pushinteger(L, port);
	return 3;
}

static int rudp_port(lua_State *L)
{
	lua_pushinteger(L, check_rudp(L, 1)->port);
	return 1;
}

static int rudp_close(lua_State *L)
{
	struct rudp *u = luaL_checkudata(L, 1, RUDP_CLASS);
	struct wgl_remote_node *n = wgl_remote_node(u->i);

	if (u->handle >= 0 && n)
		wgl_remote_call(n, "stop", json_pack("{s:i}", "handle", u->handle), CALL_MS, NULL);
	u->handle = -1;
	return 0;
}

void wgl_lua_open_rudp(lua_State *L)
{
	static const luaL_Reg m[] = {
		{ "send", rudp_send }, { "recv", rudp_recv }, { "port", rudp_port },
		{ "close", rudp_close }, { NULL, NULL },
	};

	wgl_lua_class(L, RUDP_CLASS, m, rudp_close);
}
