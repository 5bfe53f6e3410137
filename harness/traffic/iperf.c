// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libiperf children: one process per iperf endpoint, in the node's namespace.
 *
 * Why children and not threads: libiperf assumes one test per process
 * (static timers, i_errno, cpu_util state; esnet/iperf#1587, #1785) and can
 * exit() on some paths. A child also gives iperf's getrusage-based CPU figure
 * a meaning: it is the CPU of that endpoint alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <iperf_api.h>
#include <jansson.h>

#include "base/child.h"
#include "base/dl.h"
#include "base/log.h"
#include "harness/traffic/iperf.h"
#include "netns/netns.h"

#define CONNECT_TIMEOUT_MS 5000
#define READY_TIMEOUT_MS 5000
#define STOP_GRACE_MS 1000
/* After the client is done the server has already sent its results; it only has to exit. */
#define SERVER_TAIL_MS 5000

/*
 * libiperf, loaded on first use (base/dl.h). The slots carry the library's own
 * prototypes, so the calls below are checked as if it were linked. spawn() loads
 * it in the parent before forking, so the children inherit the mapping.
 */
static struct {
	__typeof__(iperf_new_test) *new_test;
	__typeof__(iperf_defaults) *defaults;
	__typeof__(iperf_free_test) *free_test;
	__typeof__(iperf_run_client) *run_client;
	__typeof__(iperf_run_server) *run_server;
	__typeof__(iperf_strerror) *errstr;
	__typeof__(iperf_get_test_json_output_string) *get_test_json_output_string;
	__typeof__(iperf_set_test_role) *set_test_role;
	__typeof__(iperf_set_test_server_hostname) *set_test_server_hostname;
	__typeof__(iperf_set_test_server_port) *set_test_server_port;
	__typeof__(iperf_set_test_duration) *set_test_duration;
	__typeof__(iperf_set_test_omit) *set_test_omit;
	__typeof__(iperf_set_test_num_streams) *set_test_num_streams;
	__typeof__(iperf_set_test_reverse) *set_test_reverse;
	__typeof__(iperf_set_test_bidirectional) *set_test_bidirectional;
	__typeof__(iperf_set_test_connect_timeout) *set_test_connect_timeout;
	__typeof__(iperf_set_test_get_server_output) *set_test_get_server_output;
	__typeof__(set_protocol) *set_protocol;
	__typeof__(iperf_set_test_blksize) *set_test_blksize;
	__typeof__(iperf_set_test_rate) *set_test_rate;
	__typeof__(iperf_set_test_json_output) *set_test_json_output;
	__typeof__(iperf_set_test_logfile) *set_test_logfile;
	__typeof__(iperf_set_test_bind_address) *set_test_bind_address;
	int *i_errno; /* libiperf's error code, a global int */
} ipf;

static const struct wgl_dl_sym iperf_syms[] = {
	{ "iperf_new_test", &ipf.new_test },
	{ "iperf_defaults", &ipf.defaults },
	{ "iperf_free_test", &ipf.free_test },
	{ "iperf_run_client", &ipf.run_client },
	{ "iperf_run_server", &ipf.run_server },
	{ "iperf_strerror", &ipf.errstr },
	{ "iperf_get_test_json_output_string", &ipf.get_test_json_output_string },
	{ "iperf_set_test_role", &ipf.set_test_role },
	{ "iperf_set_test_server_hostname", &ipf.set_test_server_hostname },
	{ "iperf_set_test_server_port", &ipf.set_test_server_port },
	{ "iperf_set_test_duration", &ipf.set_test_duration },
	{ "iperf_set_test_omit", &ipf.set_test_omit },
	{ "iperf_set_test_num_streams", &ipf.set_test_num_streams },
	{ "iperf_set_test_reverse", &ipf.set_test_reverse },
	{ "iperf_set_test_bidirectional", &ipf.set_test_bidirectional },
	{ "iperf_set_test_connect_timeout", &ipf.set_test_connect_timeout },
	{ "iperf_set_test_get_server_output", &ipf.set_test_get_server_output },
	{ "set_protocol", &ipf.set_protocol },
	{ "iperf_set_test_blksize", &ipf.set_test_blksize },
	{ "iperf_set_test_rate", &ipf.set_test_rate },
	{ "iperf_set_test_json_output", &ipf.set_test_json_output },
	{ "iperf_set_test_logfile", &ipf.set_test_logfile },
	{ "iperf_set_test_bind_address", &ipf.set_test_bind_address },
	{ "i_errno", &ipf.i_errno },
};

static struct wgl_dl_lib iperf_lib = WGL_DL_LIB("libiperf.so.0", "libiperf0", iperf_syms);

struct child_ctx {
	const struct wgl_iperf_opts *o;
	bool server;
	int wfd;
	int rfd;
};

static void apply_client_opts(struct iperf_test *t, const struct wgl_iperf_opts *o)
{
	ipf.set_test_role(t, 'c');
	ipf.set_test_server_hostname(t, o->server_addr);
	ipf.set_test_server_port(t, o->port ? o->port : WGL_IPERF_PORT);
	ipf.set_test_duration(t, o->duration_s > 0 ? o->duration_s : 10);
	ipf.set_test_omit(t, o->omit_s);
	ipf.set_test_num_streams(t, o->streams > 0 ? o->streams : 1);
	ipf.set_test_reverse(t, o->reverse);
	ipf.set_test_bidirectional(t, o->bidir);
	ipf.set_test_connect_timeout(t, wgl_deadline_clamp_ms(CONNECT_TIMEOUT_MS) ?: 1);
	/* The server's JSON carries the sender's RTT in reverse mode. */
	ipf.set_test_get_server_output(t, 1);
	if (o->udp) {
		/*
		 * iperf_defaults() leaves the TCP block size and no rate; the UDP
		 * defaults are only applied by iperf_parse_arguments().
		 */
		ipf.set_protocol(t, Pudp);
		ipf.set_test_blksize(t, o->blksize > 0 ? o->blksize : WGL_IPERF_UDP_BLKSIZE);
	} else if (o->blksize > 0) {
		ipf.set_test_blksize(t, o->blksize);
	}
	ipf.set_test_rate(t, o->bitrate);
}

/* JSON of the form iperf writes on failure, for failures before iperf could write any. */
static char *error_json(const char *what)
{
	json_t *doc = json_pack("{s:s}", "error", what);
	char *s = json_dumps(doc, 0);

	json_decref(doc);
	return s;
}

/* Body of both children: run the test, send whatever JSON there is back. */
static int child_body(void *arg)
{
	struct child_ctx *c = arg;
	struct iperf_test *t;
	char *own = NULL;
	const char *js;
	int rc;

	close(c->rfd);
	signal(SIGPIPE, SIG_IGN);
	t = ipf.new_test();
	if (!t) {
		own = error_json("iperf_new_test failed");
		return wgl_frame_write(c->wfd, own, strlen(own)) ? 2 : 1;
	}
	ipf.defaults(t);
	ipf.set_test_json_output(t, 1);
	/* Keeps stdout clean; iperf prints its JSON there too (iperf_json_finish). */
	ipf.set_test_logfile(t, "/dev/null");
	if (c->server) {
		/* The client pushes protocol, streams, direction and time to the server. */
		ipf.set_test_role(t, 's');
		ipf.set_test_server_port(t, c->o->port ? c->o->port : WGL_IPERF_PORT);
		ipf.set_test_bind_address(t, c->o->server_addr);
		rc = ipf.run_server(t);
	} else {
		apply_client_opts(t, c->o);
		rc = ipf.run_client(t);
	}
	js = ipf.get_test_json_output_string(t);
	if (!js || !*js)
		js = own = error_json(rc < 0 ? ipf.errstr(*ipf.i_errno) : "iperf wrote no JSON");
	rc = wgl_frame_write(c->wfd, js, strlen(js));
	free(own);
	ipf.free_test(t);
	return rc ? 2 : 0;
}

static int spawn(struct wgl_iperf_proc *p, struct wgl_ns *ns, const char *name,
		 const struct wgl_iperf_opts *o, bool server)
{
	struct wgl_child_opts co = WGL_CHILD_OPTS_INIT;
	struct child_ctx ctx = { .o = o, .server = server };
	int pfd[2], err = wgl_dl_load(&iperf_lib); /* here, so that the child inherits it */
	pid_t pid;

	if (err < 0)
		return err;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	ctx.rfd = pfd[0];
	ctx.wfd = pfd[1];
	co.netns_fd = ns->fd;
	co.keep_fd = pfd[1];
	pid = wgl_child_run(&co, name, child_body, &ctx);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return (int)pid;
	}
	p->pid = pid;
	p->fd = pfd[0];
	snprintf(p->name, sizeof(p->name), "%s", name);
	return 0;
}

static void proc_kill(struct wgl_iperf_proc *p)
{
	if (p->pid > 0)
		wgl_child_stop(p->pid, STOP_GRACE_MS);
	if (p->fd >= 0)
		close(p->fd);
	p->pid = 0;
	p->fd = -1;
}

/* Reads the child's JSON and reaps it. On timeout the child is killed. */
int wgl_iperf_collect(struct wgl_iperf_proc *p, long long deadline_ns, char **json)
{
	int ret, st = 0;

	*json = NULL;
	if (p->fd < 0 || p->pid <= 0)
		return -EBADF;
	ret = wgl_frame_read(p->fd, deadline_ns, json);

	if (ret == -ETIMEDOUT) {
		wgl_err("%s did not finish in time; stopping it", p->name);
		proc_kill(p);
		return ret;
	}
	close(p->fd);
	p->fd = -1;
	if (wgl_child_wait(p->pid, STOP_GRACE_MS, &st) < 0)
		wgl_child_stop(p->pid, STOP_GRACE_MS);
	p->pid = 0;
	if (ret == -EPIPE) {
		wgl_err("%s died without results (wait status 0x%x)", p->name, st);
		return -ECHILD;
	}
	return ret;
}

/* The server is not listening: say why, with iperf's own words when it left any. */
static void server_failed(struct wgl_iperf_run *run, struct wgl_ns *ns, int why)
{
	uint16_t port = run->opts.port ? run->opts.port : WGL_IPERF_PORT;
	struct wgl_iperf_result r;
	char *js = NULL;

	if (why == -ECHILD) {
		/* Already reaped by wgl_wait_listening(); only its output is left. */
		run->server.pid = 0;
		if (wgl_frame_read(run->server.fd, wgl_now_ns() + 100000000LL, &js) == 0 &&
		    wgl_iperf_parse(js, &r) < 0) {
			wgl_err("iperf server in %s on %s port %u: %s", ns->name,
				run->opts.server_addr, port, r.error);
			free(js);
			return;
		}
		free(js);
	}
	wgl_err("iperf server in %s is not listening on %s port %u: %s", ns->name,
		run->opts.server_addr, port, strerror(-why));
}

int wgl_iperf_client_start(struct wgl_iperf_proc *p, struct wgl_ns *ns,
			   const struct wgl_iperf_opts *opts)
{
	p->pid = 0;
	p->fd = -1;
	return spawn(p, ns, "iperf-client", opts, false);
}

int wgl_iperf_server_start(struct wgl_iperf_proc *p, struct wgl_ns *ns,
			   const struct wgl_iperf_opts *opts)
{
	int ret;

	p->pid = 0;
	p->fd = -1;
	ret = spawn(p, ns, "iperf-server", opts, true);
	if (ret < 0)
		return ret;
	ret = wgl_wait_listening(p->pid, opts->port ? opts->port : WGL_IPERF_PORT,
				 READY_TIMEOUT_MS);
	if (ret == -ECHILD)
		p->pid = 0; /* already reaped */
	if (ret < 0)
		proc_kill(p);
	return ret;
}

int wgl_iperf_begin(struct wgl_iperf_run *run, struct wgl_ns *server_ns,
		    struct wgl_ns *client_ns, const struct wgl_iperf_opts *opts)
{
	uint16_t port = opts->port ? opts->port : WGL_IPERF_PORT;
	long long budget_ms = opts->timeout_ms;
	int ret;

	memset(run, 0, sizeof(*run));
	run->server.fd = run->client.fd = -1;
	run->opts = *opts;
	ret = spawn(&run->server, server_ns, "iperf-server", &run->opts, true);
	if (ret < 0) {
		wgl_err("cannot start the iperf server in %s: %s", server_ns->name, strerror(-ret));
		return ret;
	}
	ret = wgl_wait_listening(run->server.pid, port, wgl_deadline_clamp_ms(READY_TIMEOUT_MS));
	if (ret < 0) {
		server_failed(run, server_ns, ret);
		goto fail_ready;
	}
	ret = spawn(&run->client, client_ns, "iperf-client", &run->opts, false);
	if (ret < 0) {
		wgl_err("cannot start the iperf client in %s: %s", client_ns->name, strerror(-ret));
		goto fail_ready;
	}
	if (!budget_ms)
		budget_ms = ((opts->duration_s > 0 ? opts->duration_s : 10) + opts->omit_s + 20) *
			    1000LL;
	run->deadline_ns = wgl_now_ns() + budget_ms * 1000000LL;
	return 0;

fail_ready:
	proc_kill(&run->server);
	return ret;
}

int wgl_iperf_end(struct wgl_iperf_run *run, struct wgl_iperf_result *r, char **json_out)
{
	char *cjs = NULL, *sjs = NULL;
	int ret, sret;

	ret = wgl_iperf_collect(&run->client, run->deadline_ns, &cjs);
	if (ret < 0) {
		memset(r, 0, sizeof(*r));
		snprintf(r->error, sizeof(r->error), "iperf client: %s", strerror(-ret));
	} else if ((ret = wgl_iperf_parse(cjs, r)) < 0) {
		wgl_err("iperf to %s port %u failed: %s", run->opts.server_addr,
			run->opts.port ? run->opts.port : WGL_IPERF_PORT, r->error);
	}
	/* A server whose test never started would wait forever in accept(). */
	if (ret < 0) {
		proc_kill(&run->server);
	} else if ((sret = wgl_iperf_collect(&run->server,
					     wgl_now_ns() + SERVER_TAIL_MS * 1000000LL, &sjs)) < 0) {
		wgl_warn("iperf server: no results (%s); the client's are used", strerror(-sret));
	}
	if (json_out)
		*json_out = cjs;
	else
		free(cjs);
	free(sjs);
	return ret;
}

void wgl_iperf_abort(struct wgl_iperf_run *run)
{
	proc_kill(&run->client);
	proc_kill(&run->server);
}

int wgl_iperf_measure(struct wgl_ns *server_ns, struct wgl_ns *client_ns,
		      const struct wgl_iperf_opts *opts, struct wgl_iperf_result *r)
{
	struct wgl_iperf_run run;
	int ret = wgl_iperf_begin(&run, server_ns, client_ns, opts);

	if (ret < 0) {
		memset(r, 0, sizeof(*r));
		snprintf(r->error, sizeof(r->error), "iperf could not start: %s", strerror(-ret));
		return ret;
	}
	return wgl_iperf_end(&run, r, NULL);
}

/* true if a /proc/net/tcp{,6} table lists a LISTEN socket (state 0A) on port. */
static bool table_listens(const char *path, uint16_t port)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned int lport, state;
		char *colon = strchr(line, ':');

		/* "  sl  local_address rem_address st": local is HEXADDR:HEXPORT. */
		if (!colon || !(colon = strchr(colon + 1, ':')))
			continue;
		if (sscanf(colon + 1, "%x %*s %x", &lport, &state) == 2)
			found = lport == port && state == 0x0A;
	}
	fclose(f);
	return found;
}

int wgl_wait_listening(pid_t pid, uint16_t port, int timeout_ms)
{
	long long deadline = wgl_now_ns() + (long long)timeout_ms * 1000000LL;
	char p4[64], p6[64];

	/* /proc/PID/net shows the network namespace of PID, not ours. */
	snprintf(p4, sizeof(p4), "/proc/%d/net/tcp", (int)pid);
	snprintf(p6, sizeof(p6), "/proc/%d/net/tcp6", (int)pid);
	for (;;) {
		if (table_listens(p4, port) || table_listens(p6, port))
			return 0;
		if (!wgl_child_alive(pid, NULL))
			return -ECHILD;
		if (wgl_now_ns() >= deadline)
			return -ETIMEDOUT;
		wgl_sleep_ms(2);
	}
}

/* Reads exactly len bytes before deadline_ns. */
static int read_full(int fd, void *buf, size_t len, long long deadline_ns)
{
	size_t got = 0;

	while (got < len) {
		long long left_ms = (deadline_ns - wgl_now_ns()) / 1000000LL;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int pr;

		if (left_ms <= 0)
			return -ETIMEDOUT;
		pr = poll(&pfd, 1, left_ms > 1000 ? 1000 : (int)left_ms);
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr <= 0)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

/* Sanity cap: iperf JSON for hours of 1-second intervals stays far below this. */
#define FRAME_MAX (64u << 20)

int wgl_frame_read(int fd, long long deadline_ns, char **out)
{
	uint64_t len;
	char *buf;
	int ret;

	*out = NULL;
	ret = read_full(fd, &len, sizeof(len), deadline_ns);
	if (ret < 0)
		return ret;
	if (len > FRAME_MAX)
		return -EMSGSIZE;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	ret = read_full(fd, buf, len, deadline_ns);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

int wgl_frame_write(int fd, const char *buf, size_t len)
{
	uint64_t l = len;
	int ret = write_full(fd, &l, sizeof(l));

	return ret ? ret : write_full(fd, buf, len);
}
