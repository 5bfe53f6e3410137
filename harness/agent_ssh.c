// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From a node URL (ssh://[user@]host[:port]) to the ssh command line that
 * starts the agent, and the node's facts for the result. Pure but for the
 * allocation: the URL is outside input (command line, topology file) and
 * ends up in an argv, so a host that ssh would read as an option, or any
 * character a shell or ssh_config token would treat specially, is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/agent.h"
#include "base/util.h"

static bool name_ok(const char *s, size_t n, const char *extra)
{
	if (n == 0 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || strchr(extra, c)) || c == '\0')
			return false;
	}
	return true;
}

int wgl_agent_ssh_parse(const char *url, struct wgl_agent_ssh *out, char *why, size_t len)
{
	const char *p, *at, *host, *end;
	long long port = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "ssh://", 6)) {
		snprintf(why, len, "'%.64s': a node URL is ssh://[user@]host[:port]", url);
		return -EINVAL;
	}
	p = url + 6;
	at = strchr(p, '@');
	if (at && !name_ok(p, (size_t)(at - p), "")) {
		snprintf(why, len, "'%.64s': bad user name", url);
		return -EINVAL;
	}
	if (at)
		snprintf(out->user, sizeof(out->user), "%.*s", (int)(at - p), p);
	host = at ? at + 1 : p;
	if (*host == '[') { /* [IPv6]:port */
		end = strchr(host, ']');
		if (!end || !name_ok(host + 1, (size_t)(end - host - 1), ":")) {
			snprintf(why, len, "'%.64s': bad host", url);
			return -EINVAL;
		}
		snprintf(out->host, sizeof(out->host), "%.*s", (int)(end - host - 1), host + 1);
		end++;
	} else {
		end = host + strcspn(host, ":");
		if (!name_ok(host, (size_t)(end - host), "") || (size_t)(end - host) >= sizeof(out->host)) {
			snprintf(why, len, "'%.64s': bad host", url);
			return -EINVAL;
		}
		snprintf(out->host, sizeof(out->host), "%.*s", (int)(end - host), host);
	}
	if (*end == ':' && wgl_parse_int(end + 1, 1, 65535, &port) < 0) {
		snprintf(why, len, "'%.64s': bad port", url);
		return -EINVAL;
	}
	if (*end && *end != ':') {
		snprintf(why, len, "'%.64s': unexpected '%.16s' after the host", url, end);
		return -EINVAL;
	}
	out->port = (int)port;
	return 0;
}

/*
 * StrictHostKeyChecking=yes comes first: ssh keeps the first value it gets
 * for an option, so no extra option (nor ~/.ssh/config) can turn host key
 * checking off. BatchMode: never a password prompt on a run's terminal.
 */
char **wgl_agent_ssh_argv(const struct wgl_agent_ssh *s, char *const *opts, size_t nopts,
			  const char *remote_cmd)
{
	size_t n = 0, max = 12 + 2 * nopts;
	char **argv = calloc(max, sizeof(*argv));
	char dest[sizeof(s->user) + sizeof(s->host) + 2], port[16];

	if (!argv)
		return NULL;
	snprintf(dest, sizeof(dest), "%s%s%s", s->user, s->user[0] ? "@" : "", s->host);
	snprintf(port, sizeof(port), "%d", s->port);
	argv[n++] = strdup("ssh");
	argv[n++] = strdup("-o");
	argv[n++] = strdup("StrictHostKeyChecking=yes");
	argv[n++] = strdup("-o");
	argv[n++] = strdup("BatchMode=yes");
	for (size_t i = 0; i < nopts; i++) {
		argv[n++] = strdup("-o");
		argv[n++] = strdup(opts[i]);
	}
	if (s->port) {
		argv[n++] = strdup("-p");
		argv[n++] = strdup(port);
	}
	argv[n++] = strdup("--");
	argv[n++] = strdup(dest);
	argv[n++] = strdup(remote_cmd ? remote_cmd : "wglab agent");
	for (size_t i = 0; i < n; i++) {
		if (!argv[i]) {
			wgl_agent_argv_free(argv);
			return NULL;
		}
	}
	return argv;
}

void wgl_agent_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

json_t *wgl_agent_node_meta(struct wgl_agent_client *c, int clock_samples)
{
	struct wgl_agent_clock k;
	json_t *facts = NULL, *meta;
	char why[256];

	if (wgl_agent_call(c, "facts", NULL, 10000, &facts, why, sizeof(why)) < 0)
		facts = json_pack("{s:s}", "error", why);
	meta = json_pack("{s:O s:o}", "agent", wgl_agent_hello(c), "facts", facts);
	if (meta && wgl_agent_clock_offset(c, clock_samples, &k) == 0)
		json_object_set_new(meta, "clock", json_pack("{s:I s:I s:I s:i}", "offset_ns",
			(json_int_t)k.offset_ns, "error_ns", (json_int_t)k.error_ns, "min_rtt_ns",
			(json_int_t)k.min_rtt_ns, "samples", k.samples));
	return meta;
}
