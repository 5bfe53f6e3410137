// SPDX-License-Identifier: GPL-2.0-or-later
/* The run's remote nodes: URL parsing, the two agent connections, their meta. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "harness/remote.h"
#include "netns/netns.h"

static struct {
	struct wgl_remote_node node[2];
	bool have[2];
	char *ssh_opts[WGL_REMOTE_MAX_SSH_OPTS];
	size_t nopts;
	const char *wglab;
	const char *userspace;
} R = { .wglab = "wglab" };

static int bad(char *why, size_t len, const char *fmt, const char *arg)
{
	snprintf(why, len, fmt, arg);
	return -EINVAL;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 16 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789-_.") == n && strcmp(s, ".") && strcmp(s, "..");
}

/* addr=A: an address of the host in the benchmarking ranges, one per family. */
static int parse_addr(struct wgl_remote_node *n, const char *v, char *why, size_t len)
{
	char a[64], bin[16];
	char *slash;
	bool six;

	if (strlen(v) >= sizeof(a))
		return bad(why, len, "addr=%.80s: too long", v);
	snprintf(a, sizeof(a), "%s", v);
	slash = strchr(a, '/');
	if (slash)
		*slash = '\0';
	six = strchr(a, ':') != NULL;
	if (inet_pton(six ? AF_INET6 : AF_INET, a, bin) != 1)
		return bad(why, len, "addr=%.80s: not an IP address", v);
	if (!wgl_addr_allowed(a))
		return bad(why, len, "addr=%.80s: outside 198.18.0.0/15 and 2001:2::/48", v);
	if (*(six ? n->addr6 : n->addr4))
		return bad(why, len, "addr=%.80s: one address per family", v);
	snprintf(six ? n->addr6 : n->addr4, sizeof(n->addr4), "%s", a);
	return 0;
}

static int parse_query(struct wgl_remote_node *n, char *q, char *why, size_t len)
{
	for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		int err = 0;

		if (!strncmp(kv, "addr=", 5))
			err = parse_addr(n, kv + 5, why, len);
		else if (!strncmp(kv, "dev=", 4) && ifname_ok(kv + 4) && !n->dev[0])
			snprintf(n->dev, sizeof(n->dev), "%s", kv + 4);
		else
			err = bad(why, len, "%.80s: expected addr=ADDRESS or dev=IFNAME (once)", kv);
		if (err)
			return err;
	}
	if (!n->addr4[0] && !n->addr6[0])
		return bad(why, len, "%s: addr= (the host's underlay address) is required", n->url);
	return 0;
}

/* local[?QUERY]: this host, its agent our child; anything else must be ssh://. */
static int parse_kind(struct wgl_remote_node *n, const char *url, char *why, size_t len)
{
	if (!strcmp(url, "local")) {
		n->kind = WGL_NODE_LOCAL;
		snprintf(n->ssh.host, sizeof(n->ssh.host), "local");
		return 0;
	}
	if (strncmp(url, "ssh://", 6))
		return bad(why, len, "'%.64s': a node is ssh://[user@]host[:port] or local (this "
			   "host), then ?addr=...", url);
	n->kind = WGL_NODE_SSH;
	return wgl_agent_ssh_parse(url, &n->ssh, why, len) < 0 ? -EINVAL : 0;
}

int wgl_remote_parse(const char *spec, struct wgl_remote_node *n, char *why, size_t len)
{
	char url[512], *q;
	const char *eq = strchr(spec, '=');

	memset(n, 0, sizeof(*n));
	if (!eq || eq - spec != 1 || (spec[0] != 'a' && spec[0] != 'b'))
		return bad(why, len, "%.80s: expected a=URL or b=URL (the pair's nodes)", spec);
	n->label[0] = spec[0];
	if (strlen(eq + 1) >= sizeof(url))
		return bad(why, len, "%.80s: too long", spec);
	snprintf(n->url, sizeof(n->url), "%s", eq + 1);
	snprintf(url, sizeof(url), "%s", eq + 1);
	q = strchr(url, '?');
	if (q)
		*q++ = '\0';
	if (parse_kind(n, url, why, len) < 0)
		return -EINVAL;
	return parse_query(n, q ? q : (char[]){ "" }, why, len);
}

int wgl_remote_add(const char *spec, char *why, size_t len)
{
	struct wgl_remote_node n;
	int i;

	if (wgl_remote_parse(spec, &n, why, len) < 0)
		return -EINVAL;
	i = n.label[0] == 'b';
	if (R.have[i])
		return bad(why, len, "node %s given twice", n.label);
	R.node[i] = n;
	R.have[i] = true;
	return 0;
}

int wgl_remote_add_ssh_option(const char *opt)
{
	if (R.nopts == WGL_REMOTE_MAX_SSH_OPTS || !*opt || opt[0] == '-')
		return -EINVAL;
	R.ssh_opts[R.nopts++] = (char *)opt;
	return 0;
}

void wgl_remote_set_wglab(const char *path)
{
	R.wglab = path;
}

/* It ends up inside '...' of the ssh command line: no quote, nothing unprintable. */
int wgl_remote_set_userspace(const char *tmpl)
{
	if (tmpl && (!*tmpl || strlen(tmpl) > 400 || strchr(tmpl, '\'')))
		return -EINVAL;
	for (const char *p = tmpl; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	R.userspace = tmpl;
	return 0;
}

const char *wgl_remote_kind_name(enum wgl_node_kind kind)
{
	return kind == WGL_NODE_LOCAL ? "local" : "ssh";
}

bool wgl_remote_active(void)
{
	return R.have[0] || R.have[1];
}

bool wgl_remote_complete(void)
{
	return R.have[0] && R.have[1];
}

struct wgl_remote_node *wgl_remote_node(int i)
{
	return (i == 0 || i == 1) && R.have[i] && R.node[i].c ? &R.node[i] : NULL;
}

/* ssh HOST 'wglab agent --here ...' (the remote shell reads that line). */
static char **ssh_argv(const struct wgl_remote_node *n)
{
	char cmd[1100];

	/* dev passed ifname_ok() and the template has no quote: no shell syntax gets in. */
	snprintf(cmd, sizeof(cmd), "%s agent --here%s%s%s%s%s", R.wglab,
		 n->dev[0] ? " --capture-dev " : "", n->dev, R.userspace ? " --userspace '" : "",
		 R.userspace ? R.userspace : "", R.userspace ? "'" : "");
	return wgl_agent_ssh_argv(&n->ssh, R.ssh_opts, R.nopts, cmd);
}

/* This very wglab, `agent --here ...`, exec'd directly (no shell, no ssh). */
static char **local_argv(const struct wgl_remote_node *n)
{
	char exe[PATH_MAX], **argv = calloc(9, sizeof(*argv));
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t k = 0;

	if (!argv || len <= 0) {
		free(argv);
		return NULL;
	}
	exe[len] = '\0';
	argv[k++] = strdup(exe);
	argv[k++] = strdup("agent");
	argv[k++] = strdup("--here");
	if (n->dev[0]) {
		argv[k++] = strdup("--capture-dev");
		argv[k++] = strdup(n->dev);
	}
	if (R.userspace) {
		argv[k++] = strdup("--userspace");
		argv[k++] = strdup(R.userspace);
	}
	for (size_t i = 0; i < k; i++)
		if (!argv[i]) {
			wgl_agent_argv_free(argv);
			return NULL;
		}
	return argv;
}

/*
 * Whether a local node's agent works in our network namespace: its pid as
 * our child (the numbers of our /proc), compared by namespace inode.
 */
static bool agent_shares_netns(const struct wgl_remote_node *n)
{
	pid_t pid = wgl_agent_pid(n->c);
	char path[64];
	struct stat self, other;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return n->kind == WGL_NODE_LOCAL && pid > 0 && stat("/proc/self/ns/net", &self) == 0 &&
	       stat(path, &other) == 0 && self.st_dev == other.st_dev &&
	       self.st_ino == other.st_ino;
}

static int connect_one(struct wgl_remote_node *n, int samples)
{
	char why[512], **argv = n->kind == WGL_NODE_LOCAL ? local_argv(n) : ssh_argv(n);

	if (!argv)
		return -ENOMEM;
	n->c = n->kind == WGL_NODE_LOCAL ? wgl_agent_connect_local(argv, 30000, why, sizeof(why))
					 : wgl_agent_connect(argv, 30000, why, sizeof(why));
	wgl_agent_argv_free(argv);
	if (!n->c) {
		int err = -errno;

		wgl_err("node %s (%s): %s", n->label, n->url, why);
		return err ? err : -EIO;
	}
	n->shares_netns = agent_shares_netns(n);
	n->meta = wgl_agent_node_meta(n->c, samples);
	if (n->meta) {
		json_object_set_new(n->meta, "url", json_string(n->url));
		json_object_set_new(n->meta, "kind", json_string(wgl_remote_kind_name(n->kind)));
	}
	wgl_info("node %s: agent on %s ready", n->label, n->ssh.host);
	return 0;
}

int wgl_remote_connect(int samples)
{
	int err = 0;

	if (!R.have[0] || !R.have[1]) {
		wgl_err("remote nodes: give both --node a=... and --node b=... (each ssh://HOST "
			"or local; the controller builds no node outside an agent)");
		return -EINVAL;
	}
	for (int i = 0; i < 2 && !err; i++)
		err = connect_one(&R.node[i], samples);
	if (err)
		wgl_remote_close();
	return err;
}

json_t *wgl_remote_meta(void)
{
	json_t *m;

	if (!wgl_remote_node(0) || !wgl_remote_node(1))
		return NULL;
	m = json_object();
	for (int i = 0; m && i < 2; i++)
		json_object_set(m, R.node[i].label, R.node[i].meta ? R.node[i].meta : json_null());
	return m;
}

void wgl_remote_close(void)
{
	for (int i = 0; i < 2; i++) {
		if (R.node[i].c)
			wgl_agent_close(R.node[i].c, 15000);
		R.node[i].c = NULL;
		R.node[i].shares_netns = false;
		json_decref(R.node[i].meta);
		R.node[i].meta = NULL;
	}
}

int wgl_remote_call(struct wgl_remote_node *n, const char *op, json_t *args, int timeout_ms,
		    json_t **result)
{
	char why[512];
	int err = wgl_agent_call(n->c, op, args, timeout_ms, result, why, sizeof(why));

	if (err < 0)
		wgl_err("node %s (%s): %s: %s", n->label, n->ssh.host, op, why);
	return err;
}

const char *wgl_remote_underlay(const struct wgl_remote_node *n, int family)
{
	const char *a = family == AF_INET6 ? n->addr6 : n->addr4;

	return a[0] ? a : NULL;
}
