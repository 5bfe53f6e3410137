// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's request handlers. Each checks that the objects it is asked
 * about are the agent's own (its devices, its handles) before touching
 * anything: a request naming another link or process is refused with EPERM
 * or ENOENT, whatever the host has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness/agent_priv.h"
#include "harness/ping.h"
#include "harness/traffic/cpu.h"
#include "base/log.h"
#include "base/result.h"

/* A capture the agent sends back whole; bigger ones are refused (EFBIG). */
#define MAX_FETCH (64L * 1024 * 1024)

#define S(args, key) json_string_value(json_object_get(args, key))
#define I(args, key, dflt) (json_object_get(args, key) ? \
	(int)json_integer_value(json_object_get(args, key)) : (dflt))
#define B(args, key, dflt) (json_object_get(args, key) ? \
	json_is_true(json_object_get(args, key)) : (dflt))

long long wgl_agent_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int fail(char *why, size_t len, int err, const char *fmt, const char *arg)
{
	snprintf(why, len, fmt, arg);
	return err;
}

static struct wgl_wgdev **dev_slot(const char *ifname)
{
	for (int i = 0; i < WGL_AGENT_MAX_DEVS; i++)
		if (wgl_agent.devs[i] && !strcmp(wgl_agent.devs[i]->ifname, ifname))
			return &wgl_agent.devs[i];
	return NULL;
}

/* The agent's own device by name, or the refusal in why. */
static struct wgl_wgdev *own_dev(const char *ifname, char *why, size_t len)
{
	struct wgl_wgdev **d = dev_slot(ifname);

	if (!d)
		snprintf(why, len, "%s: not a device this agent created", ifname);
	return d ? *d : NULL;
}

static struct wgl_agent_handle *own_handle(const json_t *args, enum wgl_agent_handle_kind k,
					   char *why, size_t len)
{
	int h = I(args, "handle", -1);

	if (h < 0 || h >= WGL_AGENT_MAX_HANDLES || wgl_agent.handles[h].kind == WGL_AH_FREE ||
	    (k != WGL_AH_FREE && wgl_agent.handles[h].kind != k)) {
		snprintf(why, len, "handle %d: not one of this agent's (of that kind)", h);
		return NULL;
	}
	return &wgl_agent.handles[h];
}

static int new_handle(enum wgl_agent_handle_kind k)
{
	for (int i = 0; i < WGL_AGENT_MAX_HANDLES; i++) {
		if (wgl_agent.handles[i].kind == WGL_AH_FREE) {
			memset(&wgl_agent.handles[i], 0, sizeof(wgl_agent.handles[i]));
			wgl_agent.handles[i].kind = k;
			wgl_agent.handles[i].iperf.fd = -1;
			wgl_agent.handles[i].udp_fd = -1;
			return i;
		}
	}
	return -ENOSPC;
}

void wgl_agent_handle_release(struct wgl_agent_handle *h)
{
	char *js = NULL;

	switch (h->kind) {
	case WGL_AH_CAPTURE:
		if (h->cap)
			wgl_capture_stop(h->cap, NULL);
		if (h->path[0] && unlink(h->path) == 0)
			wgl_destroyed("file", h->path);
		break;
	case WGL_AH_ECHO:
		wgl_echo_server_stop(&h->echo);
		break;
	case WGL_AH_IPERF:
		if (h->iperf.pid > 0)
			wgl_iperf_collect(&h->iperf, wgl_now_ns(), &js);
		free(js);
		break;
	case WGL_AH_UDP:
		if (h->udp_fd >= 0)
			close(h->udp_fd);
		break;
	case WGL_AH_FREE:
		return;
	}
	memset(h, 0, sizeof(*h));
}

static char *read_first(const char *path, const char *key)
{
	char line[512], *val = NULL;
	FILE *f = fopen(path, "re");
	size_t kl = strlen(key);

	while (f && !val && fgets(line, sizeof(line), f)) {
		char *p = line + kl;

		if (strncmp(line, key, kl))
			continue;
		p += strspn(p, " \t:");
		p[strcspn(p, "\n")] = '\0';
		val = strdup(p);
	}
	if (f)
		fclose(f);
	return val;
}

static int op_facts(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_run *run = wgl_result_new();
	char kwhy[256] = "", uwhy[256] = "";
	int kern = wgl_backend_available(&wgl_agent.bcfg, "kernel", kwhy, sizeof(kwhy));
	int user = wgl_backend_available(&wgl_agent.bcfg, "userspace", uwhy, sizeof(uwhy));
	char *mem = read_first("/proc/meminfo", "MemTotal");

	(void)args;
	if (!run) {
		free(mem);
		return fail(why, len, -ENOMEM, "%s", "out of memory");
	}
	*res = json_pack("{s:s? s:s? s:s? s:s? s:i s:s s:{s:b s:s} s:{s:b s:s} s:s? s:b}",
			 "host", run->host, "kernel", run->kernel, "arch", run->arch,
			 "cpu_model", run->cpu_model, "cores", run->cores, "wglab", WGLAB_VERSION,
			 "kernel_module", "available", kern == 0, "note", kwhy,
			 "userspace", "available", user == 0, "note", uwhy,
			 "mem_total", mem, "here", wgl_agent.here);
	free(mem);
	wgl_result_free(run);
	return *res ? 0 : -ENOMEM;
}

static int op_clock(const json_t *args, json_t **res, char *why, size_t len)
{
	(void)args, (void)why, (void)len;
	*res = json_pack("{s:I}", "t_recv_ns", (json_int_t)wgl_agent.rx_ns);
	return *res ? 0 : -ENOMEM;
}

static int op_wg_create(const json_t *args, json_t **res, char *why, size_t len)
{
	const char *ifname = S(args, "ifname");
	struct wgl_wgdev *dev, **slot = NULL;

	if (dev_slot(ifname))
		return fail(why, len, -EEXIST, "%s: this agent already has that device", ifname);
	if (wgl_link_index(wgl_agent.ns, ifname) >= 0)
		return fail(why, len, -EEXIST, "%s: a link of that name exists and is not "
			    "this agent's", ifname);
	for (int i = 0; i < WGL_AGENT_MAX_DEVS && !slot; i++)
		if (!wgl_agent.devs[i])
			slot = &wgl_agent.devs[i];
	if (!slot)
		return fail(why, len, -ENOSPC, "%s: too many devices", ifname);
	dev = wgl_wg_create(S(args, "backend"), wgl_agent.ns, ifname, &wgl_agent.bcfg);
	if (!dev)
		return fail(why, len, -errno, "%s: cannot create (see the agent's log)", ifname);
	*slot = dev;
	*res = json_pack("{s:s s:s s:s s:I}", "impl", dev->impl, "impl_version",
			 dev->impl_version, "command", dev->command, "pid",
			 (json_int_t)wgl_wg_pid(dev));
	return *res ? 0 : -ENOMEM;
}

static int op_wg_delete(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_wgdev **d = dev_slot(S(args, "ifname"));

	(void)res;
	if (!d)
		return fail(why, len, -ENOENT, "%s: not a device this agent created",
			    S(args, "ifname"));
	wgl_wg_destroy(*d);
	*d = NULL;
	return 0;
}

static int op_wg_set(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_wgdev *dev = own_dev(S(args, "ifname"), why, len);
	struct wgl_device *cfg;
	int err;

	(void)res;
	if (!dev)
		return -ENOENT;
	err = wgl_agent_config_from_json(json_object_get(args, "config"), &cfg, why, len);
	if (err < 0)
		return err;
	err = wgl_wg_set(dev, cfg);
	wgl_device_free(cfg);
	return err < 0 ? fail(why, len, err, "%s: the backend refused the config",
			      dev->ifname) : 0;
}

static int op_wg_get(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_wgdev *dev = own_dev(S(args, "ifname"), why, len);
	struct wgl_device *cfg = NULL;
	int err;

	if (!dev)
		return -ENOENT;
	err = wgl_wg_get(dev, &cfg);
	if (err < 0)
		return fail(why, len, err, "%s: cannot read the device", dev->ifname);
	*res = wgl_agent_config_to_json(cfg);
	wgl_device_free(cfg);
	return *res ? 0 : -ENOMEM;
}

static int op_link_up(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_wgdev *dev = own_dev(S(args, "ifname"), why, len);
	int err;

	(void)res;
	if (!dev)
		return -EPERM;
	err = wgl_link_set_up(wgl_agent.ns, dev->ifname, B(args, "up", true));
	return err < 0 ? fail(why, len, err, "%s: cannot change the link state", dev->ifname) : 0;
}

static int op_addr_add(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_wgdev *dev = own_dev(S(args, "ifname"), why, len);
	const char *addr = S(args, "addr");
	int err;

	(void)res;
	if (!dev)
		return -EPERM;
	if (!wgl_addr_allowed(addr))
		return fail(why, len, -EPERM, "%.64s: outside 198.18.0.0/15 and 2001:2::/48",
			    addr);
	err = wgl_addr_add(wgl_agent.ns, dev->ifname, addr);
	return err < 0 ? fail(why, len, err, "%.64s: cannot add the address", addr) : 0;
}

static int op_route_add(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_wgdev *dev = own_dev(S(args, "ifname"), why, len);
	const char *dst = S(args, "dst"), *gw = S(args, "gateway");
	int err;

	(void)res;
	if (!dev)
		return -EPERM;
	if (!wgl_addr_allowed(dst) || (gw && !wgl_addr_allowed(gw)))
		return fail(why, len, -EPERM, "%.64s: outside 198.18.0.0/15 and 2001:2::/48",
			    dst);
	err = wgl_route_add(wgl_agent.ns, dst, gw, dev->ifname);
	return err < 0 ? fail(why, len, err, "%.64s: cannot add the route", dst) : 0;
}

static int op_capture_start(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_capture_opts co = WGL_CAPTURE_OPTS_INIT;
	const char *ifname = S(args, "ifname");
	struct wgl_agent_handle *h;
	int id;

	/* The operator's underlay NIC (--capture-dev) is read, never changed. */
	if (!(wgl_agent.capture_dev[0] && !strcmp(ifname, wgl_agent.capture_dev)) &&
	    !own_dev(ifname, why, len))
		return -EPERM;
	id = new_handle(WGL_AH_CAPTURE);
	if (id < 0)
		return fail(why, len, id, "%s", "too many handles");
	h = &wgl_agent.handles[id];
	snprintf(h->path, sizeof(h->path), "%s/%d-%s.pcap", wgl_agent.dir, id, ifname);
	co.filter = S(args, "filter");
	co.snaplen = I(args, "snaplen", 0);
	h->cap = wgl_capture_start(wgl_agent.ns, ifname, h->path, &co);
	if (!h->cap) {
		int err = -errno;

		h->path[0] = '\0';
		wgl_agent_handle_release(h);
		return fail(why, len, err, "%s: cannot capture (see the agent's log)", ifname);
	}
	wgl_created("file", h->path);
	*res = json_pack("{s:i}", "handle", id);
	return *res ? 0 : -ENOMEM;
}

static int op_capture_stop(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h = own_handle(args, WGL_AH_CAPTURE, why, len);
	struct wgl_capture_stats st = { 0 };
	int err;

	if (!h)
		return -ENOENT;
	if (!h->cap)
		return fail(why, len, -EINVAL, "%s", "capture already stopped");
	err = wgl_capture_stop(h->cap, &st);
	h->cap = NULL;
	if (err < 0)
		return fail(why, len, err, "%s", "the capture failed");
	*res = json_pack("{s:I s:I s:I s:i}", "packets", (json_int_t)st.packets, "received",
			 (json_int_t)st.received, "dropped", (json_int_t)st.dropped,
			 "linktype", st.linktype);
	return *res ? 0 : -ENOMEM;
}

static int op_capture_fetch(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h = own_handle(args, WGL_AH_CAPTURE, why, len);
	unsigned char *data = NULL;
	char *b64 = NULL;
	struct stat st;
	size_t blen;
	FILE *f;
	int err = -ENOMEM;

	if (!h)
		return -ENOENT;
	if (h->cap)
		return fail(why, len, -EBUSY, "%s", "stop the capture first");
	f = fopen(h->path, "rbe");
	if (!f || fstat(fileno(f), &st) < 0 || st.st_size > MAX_FETCH) {
		err = f ? -EFBIG : -errno;
		if (f)
			fclose(f);
		return fail(why, len, err, "%s", "cannot send the capture file");
	}
	blen = sodium_base64_encoded_len((size_t)st.st_size, sodium_base64_VARIANT_ORIGINAL);
	data = malloc((size_t)st.st_size + 1);
	b64 = malloc(blen);
	if (data && b64 && fread(data, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
		sodium_bin2base64(b64, blen, data, (size_t)st.st_size,
				  sodium_base64_VARIANT_ORIGINAL);
		*res = json_pack("{s:I s:s}", "bytes", (json_int_t)st.st_size, "pcap_base64", b64);
		err = *res ? 0 : -ENOMEM;
	}
	fclose(f);
	free(data);
	free(b64);
	return err;
}

static int op_echo_server(const json_t *args, json_t **res, char *why, size_t len)
{
	const char *addr = S(args, "addr");
	int id, err;

	if (!wgl_addr_allowed(addr))
		return fail(why, len, -EPERM, "%.64s: outside the benchmarking ranges", addr);
	id = new_handle(WGL_AH_ECHO);
	if (id < 0)
		return fail(why, len, id, "%s", "too many handles");
	err = wgl_echo_server_start(&wgl_agent.handles[id].echo, wgl_agent.ns, addr,
				    (uint16_t)I(args, "port", WGL_ECHO_PORT));
	if (err < 0) {
		wgl_agent.handles[id].kind = WGL_AH_FREE;
		return fail(why, len, err, "%.64s: cannot start the echo server", addr);
	}
	*res = json_pack("{s:i}", "handle", id);
	return *res ? 0 : -ENOMEM;
}

/* JSON has no NaN: statistics of zero answers are null. */
static json_t *num(double v)
{
	return v == v ? json_real(v) : json_null();
}

/* Every RTT that came back, in send order: the scenario's samples, not only a summary. */
static json_t *samples_json(const double *v, unsigned int n)
{
	json_t *a = json_array();

	for (unsigned int i = 0; a && i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static int op_echo_probe(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_echo_opts o = { .addr = S(args, "addr") };
	struct wgl_echo_result r;
	unsigned int n = 0;
	int err;

	if (!wgl_addr_allowed(o.addr))
		return fail(why, len, -EPERM, "%.64s: outside the benchmarking ranges", o.addr);
	o.port = (uint16_t)I(args, "port", 0);
	o.count = I(args, "count", 0);
	o.interval_us = I(args, "interval_us", 0);
	o.payload = I(args, "payload", 0);
	o.wait_ms = I(args, "wait_ms", 0);
	if (o.count > 100000 || o.payload > 65000 || o.wait_ms > 60000 || o.interval_us > 10000000)
		return fail(why, len, -EINVAL, "%s", "count, payload, wait_ms or interval_us too big");
	o.samples_ms = malloc(sizeof(double) * (size_t)(o.count ? o.count : 100));
	o.nsamples = &n;
	if (!o.samples_ms)
		return fail(why, len, -ENOMEM, "%s", "out of memory");
	err = wgl_echo_probe(wgl_agent.ns, &o, &r);
	if (err < 0) {
		free(o.samples_ms);
		return fail(why, len, err, "%.64s: cannot probe", o.addr);
	}
	*res = json_pack("{s:i s:i s:f s:o s:o s:o s:o s:o s:o s:o}", "sent", r.sent, "received",
			 r.received, "loss_pct", r.loss_pct, "min_ms", num(r.min_ms), "p50_ms",
			 num(r.p50_ms), "p90_ms", num(r.p90_ms), "p99_ms", num(r.p99_ms), "max_ms",
			 num(r.max_ms), "mean_ms", num(r.mean_ms), "rtt_ms",
			 samples_json(o.samples_ms, n));
	free(o.samples_ms);
	return *res ? 0 : -ENOMEM;
}

static int iperf_opts(const json_t *args, struct wgl_iperf_opts *o, char *why, size_t len)
{
	double bitrate = json_number_value(json_object_get(args, "bitrate"));

	memset(o, 0, sizeof(*o));
	o->server_addr = S(args, "addr");
	o->port = (uint16_t)I(args, "port", 0);
	o->udp = B(args, "udp", false);
	o->streams = I(args, "streams", 0);
	o->reverse = B(args, "reverse", false);
	o->bidir = B(args, "bidir", false);
	o->duration_s = I(args, "duration_s", 0);
	o->omit_s = I(args, "omit_s", 0);
	o->blksize = I(args, "size", 0);
	if (!wgl_addr_allowed(o->server_addr))
		return fail(why, len, -EPERM, "%.64s: outside the benchmarking ranges",
			    o->server_addr);
	if (o->streams > 128 || o->duration_s > 3600 || o->omit_s > 600 || o->blksize > 1 << 20 ||
	    bitrate > 1e13)
		return fail(why, len, -EINVAL, "%s", "streams, duration_s, omit_s, size or bitrate "
			    "too big");
	o->bitrate = (uint64_t)bitrate;
	return 0;
}

static int op_iperf_server(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_iperf_opts o;
	int id, err = iperf_opts(args, &o, why, len);

	if (err < 0)
		return err;
	id = new_handle(WGL_AH_IPERF);
	if (id < 0)
		return fail(why, len, id, "%s", "too many handles");
	err = wgl_iperf_server_start(&wgl_agent.handles[id].iperf, wgl_agent.ns, &o);
	if (err < 0) {
		wgl_agent.handles[id].kind = WGL_AH_FREE;
		return fail(why, len, err, "%.64s: the iperf server did not start", o.server_addr);
	}
	*res = json_pack("{s:i}", "handle", id);
	return *res ? 0 : -ENOMEM;
}

/* The whole test's end as iperf itself would allow it: duration + omit + 20 s. */
static long long client_deadline(const struct wgl_iperf_opts *o)
{
	return wgl_now_ns() + ((o->duration_s ? o->duration_s : 10) + o->omit_s + 20) *
	       1000000000LL;
}

static int client_json(struct wgl_iperf_proc *p, long long deadline_ns, const char *addr,
		       json_t **res, char *why, size_t len)
{
	char *js = NULL;
	int err = wgl_iperf_collect(p, deadline_ns, &js);

	if (err < 0)
		return fail(why, len, err, "%.64s: iperf client failed", addr);
	*res = json_loads(js, 0, NULL);
	free(js);
	return *res ? 0 : fail(why, len, -EIO, "%s", "iperf wrote no JSON");
}

/*
 * A background client (the controller probes latency meanwhile, and the
 * agent answers one request at a time) is a handle; iperf_wait collects it.
 */
static int op_iperf_client(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h;
	struct wgl_iperf_proc p;
	struct wgl_iperf_opts o;
	int id = -1, err = iperf_opts(args, &o, why, len);

	if (err < 0)
		return err;
	if (B(args, "background", false) && (id = new_handle(WGL_AH_IPERF)) < 0)
		return fail(why, len, id, "%s", "too many handles");
	h = id >= 0 ? &wgl_agent.handles[id] : NULL;
	err = wgl_iperf_client_start(h ? &h->iperf : &p, wgl_agent.ns, &o);
	if (err < 0) {
		if (h)
			h->kind = WGL_AH_FREE;
		return fail(why, len, err, "%.64s: iperf client failed", o.server_addr);
	}
	if (!h)
		return client_json(&p, client_deadline(&o), o.server_addr, res, why, len);
	h->deadline_ns = client_deadline(&o);
	*res = json_pack("{s:i}", "handle", id);
	return *res ? 0 : -ENOMEM;
}

/* Until a background client (or a server) ends: its JSON, and the handle is released. */
static int op_iperf_wait(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h = own_handle(args, WGL_AH_IPERF, why, len);
	long long deadline;
	int err;

	if (!h)
		return -ENOENT;
	if (h->iperf.pid <= 0)
		return fail(why, len, -EINVAL, "%s", "that iperf was already collected");
	deadline = h->deadline_ns ? h->deadline_ns : wgl_now_ns() + 20000000000LL;
	if (json_object_get(args, "timeout_ms"))
		deadline = wgl_now_ns() + I(args, "timeout_ms", 0) * 1000000LL;
	err = client_json(&h->iperf, deadline, "(background)", res, why, len);
	wgl_agent_handle_release(h);
	return err;
}

static int op_stop(const json_t *args, json_t **res, char *why, size_t len)
{
	struct wgl_agent_handle *h = own_handle(args, WGL_AH_FREE, why, len);
	char *js = NULL;

	if (!h)
		return -ENOENT;
	if (h->kind == WGL_AH_IPERF && h->iperf.pid > 0) {
		/* The server ends after its one test; its JSON is the result. */
		if (wgl_iperf_collect(&h->iperf, wgl_now_ns() + 2000000000LL, &js) == 0)
			*res = json_loads(js, 0, NULL);
		free(js);
	}
	wgl_agent_handle_release(h);
	return 0;
}

/* "1234 kB" of a /proc status or meminfo line in bytes; -1 when unknown. */
static json_int_t kb_bytes(const char *v)
{
	return v ? strtoll(v, NULL, 10) * 1024 : -1;
}

/* Host-wide busy and total CPU seconds of a sample, for a busy share between two. */
static void host_totals(const struct wgl_cpu_sample *s, double *busy, double *total)
{
	*busy = (double)(s->user + s->nice + s->system + s->irq + s->softirq) / wgl_cpu_hz();
	*total = *busy + (double)(s->idle + s->iowait + s->steal) / wgl_cpu_hz();
}

/* Each daemon's CPU seconds and peak RSS (VmHWM), by its device's name. */
static void procs_json(const struct wgl_cpu_sample *s, const char *const *names, int n,
		       json_t *cpu, json_t *hwm)
{
	for (int i = 0; i < n; i++) {
		char path[64], *v;

		json_object_set_new(cpu, names[i], json_real(wgl_cpu_proc_s(s, i)));
		snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid[i]);
		v = read_first(path, "VmHWM");
		json_object_set_new(hwm, names[i], json_integer(kb_bytes(v)));
		free(v);
	}
}

static int op_counters(const json_t *args, json_t **res, char *why, size_t len)
{
	pid_t pids[WGL_CPU_PROCS] = { 0 };
	const char *names[WGL_CPU_PROCS];
	struct wgl_cpu_sample s;
	char *avail = read_first("/proc/meminfo", "MemAvailable");
	char *rss = read_first("/proc/self/status", "VmRSS");
	json_t *procs = json_object(), *hwm = json_object();
	double busy, total;
	int n = 0, err;

	(void)args;
	for (int i = 0; i < WGL_AGENT_MAX_DEVS && n < WGL_CPU_PROCS; i++)
		if (wgl_agent.devs[i] && wgl_wg_pid(wgl_agent.devs[i]) > 0) {
			names[n] = wgl_agent.devs[i]->ifname;
			pids[n++] = wgl_wg_pid(wgl_agent.devs[i]);
		}
	err = wgl_cpu_sample(&s, pids);
	if (err < 0) {
		free(avail), free(rss), json_decref(procs), json_decref(hwm);
		return fail(why, len, err, "%s", "cannot read /proc/stat");
	}
	procs_json(&s, names, n, procs, hwm);
	/* A kernel device has no daemon: null says so, where 0 would claim an idle one. */
	for (int i = 0; i < WGL_AGENT_MAX_DEVS; i++)
		if (wgl_agent.devs[i] && wgl_wg_pid(wgl_agent.devs[i]) <= 0) {
			json_object_set_new(procs, wgl_agent.devs[i]->ifname, json_null());
			json_object_set_new(hwm, wgl_agent.devs[i]->ifname, json_null());
		}
	host_totals(&s, &busy, &total);
	*res = json_pack("{s:I s:f s:f s:f s:f s:f s:o s:o s:s? s:s? s:I s:I}", "wall_ns",
			 (json_int_t)s.wall_ns, "host_kernel_s", wgl_cpu_host_kernel_s(&s),
			 "host_idle_s", (double)s.idle / wgl_cpu_hz(), "host_busy_s", busy,
			 "host_total_s", total, "hz", wgl_cpu_hz(), "procs_s", procs,
			 "procs_max_rss", hwm, "mem_available", avail, "agent_rss", rss,
			 "mem_available_bytes", kb_bytes(avail), "agent_rss_bytes", kb_bytes(rss));
	free(avail), free(rss);
	return *res ? 0 : -ENOMEM;
}

/* ICMP echo until the first reply: a timeout is an outcome ("ok": false), not a failure. */
static int op_ping(const json_t *args, json_t **res, char *why, size_t len)
{
	const char *addr = S(args, "addr");
	double elapsed = 0, rtt = 0;
	int err;

	if (!wgl_addr_allowed(addr))
		return fail(why, len, -EPERM, "%.64s: outside the benchmarking ranges", addr);
	err = wgl_ping(wgl_agent.ns, addr, I(args, "timeout_ms", 5000), I(args, "interval_ms", 100),
		       &elapsed, &rtt);
	if (err < 0 && err != -ETIMEDOUT)
		return fail(why, len, err, "%.64s: cannot ping", addr);
	*res = err ? json_pack("{s:b}", "ok", 0)
		   : json_pack("{s:b s:f s:f}", "ok", 1, "elapsed_ms", elapsed, "rtt_ms", rtt);
	return *res ? 0 : -ENOMEM;
}

static int op_bye(const json_t *args, json_t **res, char *why, size_t len)
{
	(void)args, (void)res, (void)why, (void)len;
	return 0;
}

int wgl_agent_new_handle(enum wgl_agent_handle_kind k)
{
	return new_handle(k);
}

struct wgl_agent_handle *wgl_agent_own_handle(const json_t *args, enum wgl_agent_handle_kind k,
					      char *why, size_t len)
{
	return own_handle(args, k, why, len);
}

int wgl_agent_dispatch(const struct wgl_agent_req *req, json_t **res, char *why, size_t len)
{
	static int (*const handlers[WGL_AGENT_NOPS])(const json_t *, json_t **, char *, size_t) = {
		[WGL_AGENT_BYE] = op_bye, [WGL_AGENT_FACTS] = op_facts,
		[WGL_AGENT_CLOCK] = op_clock, [WGL_AGENT_WG_CREATE] = op_wg_create,
		[WGL_AGENT_WG_DELETE] = op_wg_delete, [WGL_AGENT_WG_SET] = op_wg_set,
		[WGL_AGENT_WG_GET] = op_wg_get, [WGL_AGENT_LINK_UP] = op_link_up,
		[WGL_AGENT_ADDR_ADD] = op_addr_add, [WGL_AGENT_ROUTE_ADD] = op_route_add,
		[WGL_AGENT_CAPTURE_START] = op_capture_start,
		[WGL_AGENT_CAPTURE_STOP] = op_capture_stop,
		[WGL_AGENT_CAPTURE_FETCH] = op_capture_fetch,
		[WGL_AGENT_ECHO_SERVER] = op_echo_server, [WGL_AGENT_ECHO_PROBE] = op_echo_probe,
		[WGL_AGENT_IPERF_SERVER] = op_iperf_server,
		[WGL_AGENT_IPERF_CLIENT] = op_iperf_client, [WGL_AGENT_STOP] = op_stop,
		[WGL_AGENT_COUNTERS] = op_counters, [WGL_AGENT_PING] = op_ping,
		[WGL_AGENT_IPERF_WAIT] = op_iperf_wait,
		[WGL_AGENT_UDP_OPEN] = wgl_agent_op_udp_open,
		[WGL_AGENT_UDP_SEND] = wgl_agent_op_udp_send,
		[WGL_AGENT_UDP_RECV] = wgl_agent_op_udp_recv,
	};

	*res = NULL;
	if (!handlers[req->op])
		return fail(why, len, -EPROTO, "%s", "hello was already said");
	return handlers[req->op](req->args, res, why, len);
}
