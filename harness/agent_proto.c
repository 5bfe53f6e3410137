// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent protocol's grammar: the request envelope, the ops and their
 * arguments. Pure functions only, so the fuzz target drives exactly what the
 * agent runs on its input; docs/AGENT-PROTOCOL.md describes the same table.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/agent.h"

/*
 * Arguments of each op as "name:T" words, T one of s (string), i (integer
 * 0..INT_MAX), n (a number >= 0, for figures past INT_MAX such as bit
 * rates), b (boolean), o (object); a trailing ? makes it optional.
 */
static const struct {
	const char *name;
	const char *args;
} ops[WGL_AGENT_NOPS] = {
	[WGL_AGENT_HELLO] = { "hello", "protocol:i wglab:s" },
	[WGL_AGENT_BYE] = { "bye", "" },
	[WGL_AGENT_FACTS] = { "facts", "" },
	[WGL_AGENT_CLOCK] = { "clock", "" },
	[WGL_AGENT_WG_CREATE] = { "wg_create", "ifname:s backend:s" },
	[WGL_AGENT_WG_DELETE] = { "wg_delete", "ifname:s" },
	[WGL_AGENT_WG_SET] = { "wg_set", "ifname:s config:o" },
	[WGL_AGENT_WG_GET] = { "wg_get", "ifname:s" },
	[WGL_AGENT_LINK_UP] = { "link_up", "ifname:s up:b?" },
	[WGL_AGENT_ADDR_ADD] = { "addr_add", "ifname:s addr:s" },
	[WGL_AGENT_ROUTE_ADD] = { "route_add", "dst:s ifname:s gateway:s?" },
	[WGL_AGENT_CAPTURE_START] = { "capture_start", "ifname:s filter:s? snaplen:i?" },
	[WGL_AGENT_CAPTURE_STOP] = { "capture_stop", "handle:i" },
	[WGL_AGENT_CAPTURE_FETCH] = { "capture_fetch", "handle:i" },
	[WGL_AGENT_ECHO_SERVER] = { "echo_server", "addr:s port:i?" },
	[WGL_AGENT_ECHO_PROBE] = { "echo_probe",
				   "addr:s port:i? count:i? interval_us:i? payload:i? wait_ms:i?" },
	[WGL_AGENT_IPERF_SERVER] = { "iperf_server", "addr:s port:i?" },
	[WGL_AGENT_IPERF_CLIENT] = { "iperf_client",
				     "addr:s port:i? udp:b? streams:i? reverse:b? bidir:b? "
				     "duration_s:i? omit_s:i? bitrate:n? size:i? background:b?" },
	[WGL_AGENT_STOP] = { "stop", "handle:i" },
	[WGL_AGENT_COUNTERS] = { "counters", "" },
	[WGL_AGENT_PING] = { "ping", "addr:s timeout_ms:i? interval_ms:i?" },
	[WGL_AGENT_IPERF_WAIT] = { "iperf_wait", "handle:i timeout_ms:i?" },
	[WGL_AGENT_UDP_OPEN] = { "udp_open", "addr:s port:i?" },
	[WGL_AGENT_UDP_SEND] = { "udp_send", "handle:i addr:s port:i data:s" },
	[WGL_AGENT_UDP_RECV] = { "udp_recv", "handle:i timeout_ms:i?" },
};

const char *wgl_agent_op_name(enum wgl_agent_op op)
{
	return (unsigned int)op < WGL_AGENT_NOPS ? ops[op].name : NULL;
}

static int refuse(char *why, size_t len, const char *fmt, const char *a, const char *b)
{
	snprintf(why, len, fmt, a, b);
	return -EINVAL;
}

/* Interface names go into netlink and into file names: a narrow alphabet. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return strcmp(s, ".") && strcmp(s, "..");
}

static bool type_ok(const json_t *v, char t)
{
	switch (t) {
	case 's': return json_is_string(v);
	case 'b': return json_is_boolean(v);
	case 'o': return json_is_object(v);
	case 'n': return json_is_number(v) && json_number_value(v) >= 0;
	case 'i':
		return json_is_integer(v) && json_integer_value(v) >= 0 &&
		       json_integer_value(v) <= INT_MAX;
	}
	return false;
}

static const char *type_name(char t)
{
	return t == 's' ? "a string" : t == 'b' ? "a boolean" : t == 'o' ? "an object" :
	       t == 'n' ? "a number >= 0" : "an integer 0..2147483647";
}

/* Finds "key:" in spec as a whole word; the type letter, '?' for optional in *opt. */
static char spec_type(const char *spec, const char *key, bool *opt)
{
	size_t kl = strlen(key);

	for (const char *p = spec; *p;) {
		const char *colon = strchr(p, ':');

		if (!colon)
			break;
		if ((size_t)(colon - p) == kl && !strncmp(p, key, kl)) {
			*opt = colon[2] == '?';
			return colon[1];
		}
		p = strchr(colon, ' ');
		if (!p)
			break;
		p++;
	}
	return 0;
}

static int check_args(const char *op, const char *spec, json_t *args, char *why, size_t len)
{
	const char *key;
	json_t *v;
	char name[64];
	bool opt;

	json_object_foreach(args, key, v) {
		char t = spec_type(spec, key, &opt);

		if (!t)
			return refuse(why, len, "%s: unknown argument '%s'", op, key);
		if (!type_ok(v, t)) {
			snprintf(why, len, "%s: argument '%s' must be %s", op, key, type_name(t));
			return -EINVAL;
		}
		if (!strcmp(key, "ifname") && !ifname_ok(json_string_value(v)))
			return refuse(why, len, "%s: bad interface name '%.20s'", op,
				      json_string_value(v));
	}
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ":");

		if (!p[n] || n >= sizeof(name))
			break;
		memcpy(name, p, n);
		name[n] = '\0';
		if (p[n + 2] != '?' && !json_object_get(args, name))
			return refuse(why, len, "%s: missing argument '%s'", op, name);
		p += n + strcspn(p + n, " ");
		p += *p == ' ';
	}
	return 0;
}

static int find_op(const char *name)
{
	for (int i = 0; i < WGL_AGENT_NOPS; i++)
		if (!strcmp(ops[i].name, name))
			return i;
	return -1;
}

int wgl_agent_parse(const char *line, size_t len, struct wgl_agent_req *req, char *why,
		    size_t whylen)
{
	json_error_t jerr;
	json_t *root, *id, *op, *args;
	int err = -EINVAL, i;

	memset(req, 0, sizeof(*req));
	req->id = -1;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(why, whylen, "not JSON: %s at column %d", jerr.text, jerr.column);
		return -EINVAL;
	}
	id = json_object_get(root, "id");
	if (!json_is_object(root) || !json_is_integer(id) || json_integer_value(id) < 0) {
		snprintf(why, whylen, "a request is an object with an integer id >= 0");
		goto done;
	}
	req->id = json_integer_value(id);
	op = json_object_get(root, "op");
	args = json_object_get(root, "args");
	if (json_object_size(root) != 2u + (args != NULL)) {
		snprintf(why, whylen, "a request has only the keys id, op and args");
		goto done;
	}
	if (!json_is_string(op) || (i = find_op(json_string_value(op))) < 0) {
		snprintf(why, whylen, "unknown op");
		goto done;
	}
	if (args && !json_is_object(args)) {
		snprintf(why, whylen, "%s: args must be an object", ops[i].name);
		goto done;
	}
	req->args = args ? json_incref(args) : json_object();
	err = req->args ? check_args(ops[i].name, ops[i].args, req->args, why, whylen) : -ENOMEM;
	if (err < 0) {
		json_decref(req->args);
		req->args = NULL;
		goto done;
	}
	req->op = (enum wgl_agent_op)i;
done:
	json_decref(root);
	return err;
}

void wgl_agent_req_clear(struct wgl_agent_req *req)
{
	json_decref(req->args);
	req->args = NULL;
}

static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EINVAL, "EINVAL" }, { ENOENT, "ENOENT" }, { EPERM, "EPERM" },
		{ EEXIST, "EEXIST" }, { EPROTO, "EPROTO" }, { ENOMEM, "ENOMEM" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EBUSY, "EBUSY" },
		{ EFBIG, "EFBIG" }, { ENODEV, "ENODEV" }, { EIO, "EIO" }, { ENOSPC, "ENOSPC" },
		{ ECHILD, "ECHILD" }, { EACCES, "EACCES" }, { ENOTCONN, "ENOTCONN" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return "EIO";
}

/* The inverse, for the client; unknown names read as EIO. */
int wgl_agent_errno(const char *name)
{
	static const int all[] = { EINVAL, ENOENT, EPERM, EEXIST, EPROTO, ENOMEM, ETIMEDOUT,
				   EOPNOTSUPP, EBUSY, EFBIG, ENODEV, EIO, ENOSPC, ECHILD,
				   EACCES, ENOTCONN };

	for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(errno_name(all[i]), name))
			return all[i];
	return EIO;
}

char *wgl_agent_reply(long long id, int err, json_t *result, const char *msg)
{
	json_t *r, *jid = id < 0 ? json_null() : json_integer(id);
	char *text, *line = NULL;

	if (err)
		r = json_pack("{s:o s:b s:s s:s}", "id", jid, "ok", 0, "error",
			      errno_name(err < 0 ? -err : err), "message", msg ? msg : "");
	else
		r = json_pack("{s:o s:b s:o}", "id", jid, "ok", 1, "result",
			      result ? result : json_object());
	if (!r)
		return NULL;
	text = json_dumps(r, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(r);
	if (text && asprintf(&line, "%s\n", text) < 0)
		line = NULL;
	free(text);
	return line;
}
