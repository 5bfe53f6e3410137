// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `wglab agent`: the node side of a remote run. Reads request lines, runs
 * them against the objects it created, writes one reply line each.
 *
 * Lifetime: the agent owns a namespace (or, with --here, a handle on the one
 * it runs in), the WireGuard devices it created and the captures and servers
 * it started. agent_teardown() removes them all; it runs after bye, on EOF
 * (the SSH connection dropped) and, as a cleanup hook, on SIGHUP/SIGTERM/
 * SIGINT. Children carry PDEATHSIG and live in wglab's reaper namespace, so a
 * SIGKILL of the agent takes them along too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness/agent_priv.h"
#include "base/child.h"
#include "base/log.h"
#include "base/util.h"

struct wgl_agent_state wgl_agent;

static void remove_dir(void)
{
	if (!wgl_agent.dir[0])
		return;
	for (int i = 0; i < WGL_AGENT_MAX_HANDLES; i++)
		if (wgl_agent.handles[i].path[0])
			unlink(wgl_agent.handles[i].path);
	if (rmdir(wgl_agent.dir) == 0)
		wgl_destroyed("dir", wgl_agent.dir);
	else
		wgl_warn("agent: cannot remove %s: %s", wgl_agent.dir, strerror(errno));
	wgl_agent.dir[0] = '\0';
}

/* Idempotent: the cleanup hook may run after a normal teardown. */
static void agent_teardown(void)
{
	for (int i = 0; i < WGL_AGENT_MAX_HANDLES; i++)
		wgl_agent_handle_release(&wgl_agent.handles[i]);
	for (int i = 0; i < WGL_AGENT_MAX_DEVS; i++) {
		wgl_wg_destroy(wgl_agent.devs[i]);
		wgl_agent.devs[i] = NULL;
	}
	remove_dir();
	wgl_ns_free(wgl_agent.ns);
	wgl_agent.ns = NULL;
}

static int agent_setup(const struct wgl_agent_opts *o)
{
	static bool hooked;

	memset(&wgl_agent, 0, sizeof(wgl_agent));
	wgl_agent.bcfg.userspace = o->userspace;
	wgl_agent.here = o->here;
	snprintf(wgl_agent.capture_dev, sizeof(wgl_agent.capture_dev), "%s",
		 o->capture_dev ? o->capture_dev : "");
	snprintf(wgl_agent.dir, sizeof(wgl_agent.dir), "/tmp/wglab-agent-XXXXXX");
	if (!mkdtemp(wgl_agent.dir)) {
		wgl_agent.dir[0] = '\0';
		return -errno;
	}
	wgl_created("dir", wgl_agent.dir);
	if (!hooked) {
		wgl_cleanup_register(agent_teardown);
		hooked = true;
	}
	wgl_agent.ns = o->here ? wgl_ns_here("agent") : wgl_ns_new("agent", false);
	if (!wgl_agent.ns) {
		int err = -errno;

		agent_teardown();
		return err;
	}
	return 0;
}

/* The whole line or nothing: a reply must never interleave with another. */
static int write_line(int fd, const char *line)
{
	size_t len = strlen(line), done = 0;

	while (done < len) {
		ssize_t n = write(fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

static int send_reply(int fd, long long id, int err, json_t *result, const char *msg)
{
	char *line = wgl_agent_reply(id, err, result, msg);
	int ret;

	if (!line)
		return -ENOMEM;
	ret = write_line(fd, line);
	free(line);
	return ret;
}

/*
 * The greeting: both ends must be the same wglab, since the protocol has
 * no negotiation and an agent of another version could mean other
 * scenarios' semantics. The refusal names both versions so the operator
 * knows which host to upgrade.
 */
static int greet(const struct wgl_agent_req *req, int out_fd)
{
	long long proto = json_integer_value(json_object_get(req->args, "protocol"));
	const char *ver = json_string_value(json_object_get(req->args, "wglab"));
	char msg[512];
	json_t *res;

	if (proto != WGL_AGENT_PROTOCOL || strcmp(ver, WGLAB_VERSION)) {
		snprintf(msg, sizeof(msg), "version mismatch: this agent is wglab %s (protocol %d), "
			 "the controller is wglab %.100s (protocol %lld); install the same wglab "
			 "on both hosts", WGLAB_VERSION, WGL_AGENT_PROTOCOL, ver, proto);
		wgl_err("agent: %s", msg);
		send_reply(out_fd, req->id, -EPROTO, NULL, msg);
		return -EPROTO;
	}
	res = json_pack("{s:i s:s s:I s:b s:s}", "protocol", WGL_AGENT_PROTOCOL, "wglab",
			WGLAB_VERSION, "pid", (json_int_t)getpid(), "here", wgl_agent.here,
			"dir", wgl_agent.dir);
	return send_reply(out_fd, req->id, 0, res, NULL);
}

/*
 * One line: parse, dispatch, reply. Returns 1 to go on, 0 after bye, or
 * -errno when the agent must stop (a failed greeting, a dead output).
 */
static int handle_line(const char *line, size_t len, int out_fd, bool *greeted)
{
	struct wgl_agent_req req;
	json_t *res = NULL;
	char why[512] = "";
	int err, ret;

	err = wgl_agent_parse(line, len, &req, why, sizeof(why));
	if (err < 0)
		return send_reply(out_fd, req.id, err, NULL, why) < 0 ? -EPIPE : 1;
	if (!*greeted) {
		if (req.op != WGL_AGENT_HELLO) {
			ret = send_reply(out_fd, req.id, -EPROTO, NULL,
					 "the first request must be hello");
			wgl_agent_req_clear(&req);
			return ret < 0 ? -EPIPE : 1;
		}
		ret = greet(&req, out_fd);
		wgl_agent_req_clear(&req);
		*greeted = ret == 0;
		return ret < 0 ? ret : 1;
	}
	err = wgl_agent_dispatch(&req, &res, why, sizeof(why));
	if (err == 0 && req.op == WGL_AGENT_CLOCK)
		json_object_set_new(res, "t_send_ns", json_integer(wgl_agent_realtime_ns()));
	ret = send_reply(out_fd, req.id, err, err ? NULL : res, why);
	if (err)
		json_decref(res);
	err = req.op == WGL_AGENT_BYE ? 0 : 1;
	wgl_agent_req_clear(&req);
	return ret < 0 ? -EPIPE : err;
}

/* Lines longer than the limit are refused once and skipped up to their newline. */
static int serve_loop(int in_fd, int out_fd)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap), *nl;
	bool greeted = false, skipping = false;
	int ret = 1;

	if (!buf)
		return -ENOMEM;
	while (ret > 0) {
		ssize_t n;

		while (ret > 0 && (nl = memchr(buf, '\n', len))) {
			size_t line = (size_t)(nl - buf);

			wgl_agent.rx_ns = wgl_agent_realtime_ns();
			if (!skipping && line > 0)
				ret = handle_line(buf, line, out_fd, &greeted);
			skipping = false;
			memmove(buf, nl + 1, len - line - 1);
			len -= line + 1;
		}
		if (ret <= 0)
			break;
		if (len == cap) {
			if (cap >= WGL_AGENT_MAX_LINE) {
				if (!skipping && send_reply(out_fd, -1, -EFBIG, NULL,
							    "request line too long") < 0)
					break;
				skipping = true;
				len = 0;
			} else {
				char *nb = realloc(buf, cap * 2);

				if (!nb)
					break;
				buf = nb;
				cap *= 2;
			}
		}
		n = read(in_fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the controller or its connection is gone */
		len += (size_t)n;
	}
	free(buf);
	return ret < 0 ? ret : 0;
}

int wgl_agent_serve(int in_fd, int out_fd, const struct wgl_agent_opts *o)
{
	int ret;

	/* A dropped connection shows as EPIPE on write, then teardown, not as a kill. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Our parent's death (a local node's controller, an ssh session) is a
	 * hang-up, so teardown runs: a SIGKILL inherited from a wglab parent
	 * would leave our directory behind.
	 */
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	ret = agent_setup(o);
	if (ret < 0) {
		wgl_err("agent: cannot set up: %s", strerror(-ret));
		send_reply(out_fd, -1, ret, NULL, "agent setup failed");
		return ret;
	}
	ret = serve_loop(in_fd, out_fd);
	agent_teardown();
	return ret;
}
