// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The controller's side of the agent protocol: one child (ssh, or the agent
 * itself) with a pipe each way. Requests are answered in order, but a
 * request that timed out may still be answered later, so replies are matched
 * by id and stale ones dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/agent_priv.h"
#include "base/child.h"
#include "base/log.h"

struct wgl_agent_client {
	pid_t pid;
	int to_fd, from_fd;
	long long next_id;
	char *buf;
	size_t len, cap;
	json_t *hello;
	bool dead;
};

/* One reply line into *line (malloc'd, no newline) before deadline_ns. */
static int read_line(struct wgl_agent_client *c, long long deadline_ns, char **line)
{
	for (;;) {
		char *nl = c->buf ? memchr(c->buf, '\n', c->len) : NULL;
		long long left_ms = (deadline_ns - wgl_now_ns()) / 1000000;
		struct pollfd p = { .fd = c->from_fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);

			*line = strndup(c->buf, l);
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return *line ? 0 : -ENOMEM;
		}
		if (c->len == c->cap) {
			char *nb = realloc(c->buf, c->cap ? c->cap * 2 : 65536);

			if (!nb)
				return -ENOMEM;
			c->buf = nb;
			c->cap = c->cap ? c->cap * 2 : 65536;
		}
		if (left_ms < 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)(left_ms > 60000 ? 60000 : left_ms));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		n = read(c->from_fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->dead = true;
			return -EPIPE;
		}
		c->len += (size_t)n;
	}
}

static int send_request(struct wgl_agent_client *c, long long id, const char *op, json_t *args)
{
	json_t *req = json_pack("{s:I s:s s:o}", "id", (json_int_t)id, "op", op, "args",
				args ? args : json_object());
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t len, done = 0;
	int err = 0;

	json_decref(req);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: the NUL becomes the newline */
	while (done < len && !err) {
		ssize_t n = write(c->to_fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = -EPIPE;
		else
			done += (size_t)n;
	}
	free(text);
	if (err)
		c->dead = true;
	return err;
}

/* Reads replies until the one for id; 0 with *reply, or -errno. */
static int await(struct wgl_agent_client *c, long long id, long long deadline_ns,
		 json_t **reply, char *why, size_t len)
{
	for (;;) {
		char *line = NULL;
		json_t *r;
		int err = read_line(c, deadline_ns, &line);

		if (err < 0) {
			snprintf(why, len, "%s", err == -EPIPE ? "the agent went away" :
				 err == -ETIMEDOUT ? "no reply in time" : strerror(-err));
			return err;
		}
		r = json_loads(line, 0, NULL);
		free(line);
		if (r && json_integer_value(json_object_get(r, "id")) == id &&
		    json_is_integer(json_object_get(r, "id"))) {
			*reply = r;
			return 0;
		}
		/* A late answer to a request that timed out, or an unnumbered refusal. */
		if (r && json_is_null(json_object_get(r, "id"))) {
			snprintf(why, len, "agent: %s",
				 json_string_value(json_object_get(r, "message")) ?: "?");
			json_decref(r);
			return -EPROTO;
		}
		json_decref(r);
	}
}

int wgl_agent_call(struct wgl_agent_client *c, const char *op, json_t *args, int timeout_ms,
		   json_t **result, char *why, size_t whylen)
{
	long long id = c->next_id++;
	json_t *reply = NULL;
	int err;

	if (result)
		*result = NULL;
	if (c->dead) {
		json_decref(args);
		snprintf(why, whylen, "the agent went away");
		return -EPIPE;
	}
	err = send_request(c, id, op, args);
	if (err == 0)
		err = await(c, id, wgl_now_ns() + timeout_ms * 1000000LL, &reply, why, whylen);
	else
		snprintf(why, whylen, "the agent went away");
	if (err < 0)
		return err;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		err = -wgl_agent_errno(json_string_value(json_object_get(reply, "error")));
		snprintf(why, whylen, "%s", json_string_value(json_object_get(reply, "message")) ?:
			 "refused");
	} else if (result) {
		*result = json_incref(json_object_get(reply, "result"));
	}
	json_decref(reply);
	return err;
}

static int spawn_agent(struct wgl_agent_client *c, char *const argv[], bool beside)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		goto err_pipe;
	co.stdin_fd = in[0];
	co.stdout_fd = out[1];
	co.stderr_fd = STDERR_FILENO;
	c->pid = beside ? wgl_child_exec_beside(&co, "agent", argv)
		        : wgl_child_exec(&co, "agent", argv);
	if (c->pid < 0) {
		errno = -c->pid;
		goto err_pipe;
	}
	close(in[0]);
	close(out[1]);
	c->to_fd = in[1];
	c->from_fd = out[0];
	return 0;

err_pipe:;
	int err = -errno;

	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return err;
}

static struct wgl_agent_client *connect_agent(char *const argv[], bool beside, int timeout_ms,
					     char *why, size_t whylen)
{
	struct wgl_agent_client *c = calloc(1, sizeof(*c));
	json_t *args;
	int err;

	if (!c)
		return NULL;
	/* A dead agent must show as EPIPE on write, not kill the controller. */
	signal(SIGPIPE, SIG_IGN);
	c->to_fd = c->from_fd = -1;
	err = spawn_agent(c, argv, beside);
	if (err < 0) {
		snprintf(why, whylen, "cannot start %s: %s", argv[0], strerror(-err));
		free(c);
		errno = -err;
		return NULL;
	}
	args = json_pack("{s:i s:s}", "protocol", WGL_AGENT_PROTOCOL, "wglab", WGLAB_VERSION);
	err = wgl_agent_call(c, "hello", args, timeout_ms, &c->hello, why, whylen);
	if (err < 0) {
		wgl_agent_close(c, 1000);
		errno = -err;
		return NULL;
	}
	return c;
}

struct wgl_agent_client *wgl_agent_connect(char *const argv[], int timeout_ms, char *why,
					   size_t whylen)
{
	return connect_agent(argv, false, timeout_ms, why, whylen);
}

struct wgl_agent_client *wgl_agent_connect_local(char *const argv[], int timeout_ms, char *why,
						 size_t whylen)
{
	return connect_agent(argv, true, timeout_ms, why, whylen);
}

const json_t *wgl_agent_hello(const struct wgl_agent_client *c)
{
	return c->hello;
}

pid_t wgl_agent_pid(const struct wgl_agent_client *c)
{
	return c->pid;
}

void wgl_agent_clock_sample(long long t0, long long t1, long long t2, long long t3,
			    long long *offset_ns, long long *rtt_ns)
{
	*offset_ns = ((t1 - t0) + (t2 - t3)) / 2;
	*rtt_ns = (t3 - t0) - (t2 - t1);
}

int wgl_agent_clock_offset(struct wgl_agent_client *c, int n, struct wgl_agent_clock *out)
{
	char why[256];

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		long long t0 = wgl_agent_realtime_ns(), t3, off, rtt;
		json_t *r = NULL;
		int err = wgl_agent_call(c, "clock", NULL, 5000, &r, why, sizeof(why));

		t3 = wgl_agent_realtime_ns();
		if (err < 0)
			return err;
		wgl_agent_clock_sample(t0, json_integer_value(json_object_get(r, "t_recv_ns")),
				       json_integer_value(json_object_get(r, "t_send_ns")), t3,
				       &off, &rtt);
		json_decref(r);
		if (out->samples++ == 0 || rtt < out->min_rtt_ns) {
			out->min_rtt_ns = rtt;
			out->offset_ns = off;
			out->error_ns = rtt / 2;
		}
	}
	return out->samples ? 0 : -EINVAL;
}

void wgl_agent_hangup(struct wgl_agent_client *c)
{
	if (!c || c->to_fd < 0)
		return;
	close(c->to_fd);
	c->to_fd = -1;
	c->dead = true;
}

int wgl_agent_close(struct wgl_agent_client *c, int timeout_ms)
{
	char why[256];
	int st = 0, ret;

	if (!c)
		return 0;
	if (!c->dead && c->hello)
		wgl_agent_call(c, "bye", NULL, timeout_ms, NULL, why, sizeof(why));
	if (c->to_fd >= 0)
		close(c->to_fd);
	ret = wgl_child_wait(c->pid, timeout_ms, &st);
	if (ret < 0)
		st = wgl_child_stop(c->pid, 1000);
	if (c->from_fd >= 0)
		close(c->from_fd);
	json_decref(c->hello);
	free(c->buf);
	free(c);
	return st;
}
