// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP sockets inside a node, for attackers and probes:
 *   s = node:udp{bind = "198.18.0.9", port = 0}
 *   s:send(dst, port, data); data, src, sport = s:recv(timeout_s)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "harness/lua/lua.h"
#include "harness/lua/sock.h"
#include "netns/netns.h"

union wgl_sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

int wgl_lua_sockaddr(const char *ip, int port, void *out, socklen_t *len)
{
	union wgl_sockaddr_any *a = out;

	memset(a, 0, sizeof(*a));
	if (port < 0 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, ip, &a->in4.sin_addr) == 1) {
		a->in4.sin_family = AF_INET;
		a->in4.sin_port = htons((uint16_t)port);
		*len = sizeof(a->in4);
	} else if (inet_pton(AF_INET6, ip, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port);
		*len = sizeof(a->in6);
	} else {
		return -EINVAL;
	}
	return 0;
}

struct wgl_lua_sock *wgl_lua_checksock(lua_State *L, int idx)
{
	struct wgl_lua_sock *s = luaL_checkudata(L, idx, WGL_SOCK_CLASS);

	if (s->fd < 0)
		luaL_error(L, "socket is closed");
	return s;
}

/* Why bind() failed, in the scenario's terms (errno is bind's). */
static int bind_error(lua_State *L, const char *label, const char *ip, int port)
{
	if (errno == EADDRNOTAVAIL)
		return luaL_error(L, "udp: field 'bind': %s is not an address of node %s (node:addr "
				  "it first)", ip, label);
	if (errno == EADDRINUSE)
		return luaL_error(L, "udp: field 'port': %d on %s is already in use on node %s",
				  port, ip, label);
	return wgl_lua_errno(L, -errno, "udp: bind");
}

static int node_udp(lua_State *L)
{
	struct wgl_ns *ns = wgl_lua_checknode(L, 1);

	return wgl_lua_udp_open(L, ns, ns->label);
}

int wgl_lua_udp_open(lua_State *L, const struct wgl_ns *ns, const char *label)
{
	const char *bind_ip = "0.0.0.0";
	union wgl_sockaddr_any a;
	struct wgl_lua_sock *s;
	socklen_t len;
	int port = 0;

	if (lua_istable(L, 2)) {
		bind_ip = wgl_lua_optstring(L, 2, "bind", bind_ip);
		port = (int)wgl_lua_optint_in(L, 2, "port", 0, 0, 65535);
	}
	if (wgl_lua_sockaddr(bind_ip, port, &a, &len) < 0)
		return luaL_error(L, "udp: bad bind address '%s' or port %d", bind_ip, port);
	if (!wgl_addr_allowed(bind_ip) && strcmp(bind_ip, "0.0.0.0") && strcmp(bind_ip, "::"))
		return luaL_error(L, "udp: field 'bind': '%s' is outside the allowed ranges "
				  "198.18.0.0/15 and 2001:2::/48", bind_ip);
	s = lua_newuserdatauv(L, sizeof(*s), 1);
	s->fd = -1;
	luaL_setmetatable(L, WGL_SOCK_CLASS);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	s->family = a.sa.sa_family;
	s->fd = ns ? wgl_ns_socket(ns, s->family, SOCK_DGRAM, 0)
		   : socket(s->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return wgl_lua_errno(L, ns ? s->fd : -errno, "udp: socket");
	if (bind(s->fd, &a.sa, len) < 0)
		return bind_error(L, label, bind_ip, port);
	return 1;
}

static int sock_send(lua_State *L)
{
	struct wgl_lua_sock *s = wgl_lua_checksock(L, 1);
	const char *dst = luaL_checkstring(L, 2);
	lua_Integer lport = luaL_checkinteger(L, 3);
	int port = (int)lport;
	size_t n;
	const char *data = luaL_checklstring(L, 4, &n);
	union wgl_sockaddr_any a;
	socklen_t len;

	luaL_argcheck(L, lport >= 1 && lport <= 65535, 3, "port must be 1..65535");
	if (wgl_lua_sockaddr(dst, port, &a, &len) < 0)
		return luaL_error(L, "send: bad destination %s:%d", dst, port);
	if (!wgl_addr_allowed(dst))
		return luaL_error(L, "send: %s is outside the benchmarking ranges", dst);
	if (sendto(s->fd, data, n, 0, &a.sa, len) < 0)
		return wgl_lua_errno(L, -errno, "send");
	return 0;
}

static int sock_recv(lua_State *L)
{
	struct wgl_lua_sock *s = wgl_lua_checksock(L, 1);
	double timeout = luaL_optnumber(L, 2, 1.0);
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	union wgl_sockaddr_any from;
	socklen_t flen = sizeof(from);
	char buf[65536], ip[INET6_ADDRSTRLEN];
	ssize_t n;

	luaL_argcheck(L, timeout >= 0 && timeout <= 3600, 2, "timeout must be 0..3600 s");
	if (poll(&p, 1, wgl_lua_deadline_ms(L, timeout * 1000)) <= 0) {
		wgl_lua_deadline_check(L);
		lua_pushnil(L);
		return 1;
	}
	n = recvfrom(s->fd, buf, sizeof(buf), 0, &from.sa, &flen);
	if (n < 0)
		return wgl_lua_errno(L, -errno, "recv");
	lua_pushlstring(L, buf, (size_t)n);
	if (from.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &from.in4.sin_addr, ip, sizeof(ip));
		lua_pushstring(L, ip);
		lua_pushinteger(L, ntohs(from.in4.sin_port));
	} else {
		inet_ntop(AF_INET6, &from.in6.sin6_addr, ip, sizeof(ip));
		lua_pushstring(L, ip);
		lua_pushinteger(L, ntohs(from.in6.sin6_port));
	}
	return 3;
}

static int sock_port(lua_State *L)
{
	struct wgl_lua_sock *s = wgl_lua_checksock(L, 1);
	union wgl_sockaddr_any a;
	socklen_t len = sizeof(a);

	if (getsockname(s->fd, &a.sa, &len) < 0)
		return wgl_lua_errno(L, -errno, "port");
	lua_pushinteger(L, ntohs(a.sa.sa_family == AF_INET ? a.in4.sin_port : a.in6.sin6_port));
	return 1;
}

static int sock_gc(lua_State *L)
{
	struct wgl_lua_sock *s = luaL_checkudata(L, 1, WGL_SOCK_CLASS);

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return 0;
}

static const luaL_Reg sock_methods[] = {
	{ "send", sock_send }, { "recv", sock_recv }, { "port", sock_port },
	{ "close", sock_gc }, { NULL, NULL },
};

void wgl_lua_open_sock(lua_State *L)
{
	wgl_lua_class(L, WGL_SOCK_CLASS, sock_methods, sock_gc);
	/* node:udp{} is a method of the node class. */
	luaL_getmetatable(L, "wglab.node");
	lua_getfield(L, -1, "__index");
	lua_pushcfunction(L, node_udp);
	lua_setfield(L, -2, "udp");
	lua_pop(L, 2);
}
