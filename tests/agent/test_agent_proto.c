// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent protocol's pure parts: requests accepted and refused (with the
 * reason naming what is wrong), reply lines, the wg_set config parser, and
 * the NTP-style clock arithmetic.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/agent_priv.h"
#include "harness/remote.h"
#include "base/log.h"
#include "base/util.h"
#include "tests/wgl_test.h"

static int parse(const char *line, struct wgl_agent_req *req, char *why, size_t len)
{
	return wgl_agent_parse(line, strlen(line), req, why, len);
}

static void test_accepted(void)
{
	struct wgl_agent_req req;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(parse("{\"id\":7,\"op\":\"wg_create\",\"args\":{\"ifname\":\"wg0\","
				    "\"backend\":\"kernel\"}}", &req, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(req.id, 7);
	CU_ASSERT_EQUAL(req.op, WGL_AGENT_WG_CREATE);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(req.args, "backend")), "kernel");
	wgl_agent_req_clear(&req);
	/* args may be left out for ops without arguments: an empty object then */
	CU_ASSERT_EQUAL_FATAL(parse("{\"op\":\"facts\",\"id\":0}", &req, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(req.op, WGL_AGENT_FACTS);
	CU_ASSERT_EQUAL(json_object_size(req.args), 0);
	wgl_agent_req_clear(&req);
	CU_ASSERT_EQUAL(parse("{\"id\":1,\"op\":\"link_up\",\"args\":{\"ifname\":\"a.b-c_9\"}}",
			      &req, why, sizeof(why)), 0);
	wgl_agent_req_clear(&req);
	CU_ASSERT_EQUAL_FATAL(parse("{\"id\":2,\"op\":\"ping\",\"args\":{\"addr\":\"198.19.0.2\","
				    "\"timeout_ms\":500}}", &req, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(req.op, WGL_AGENT_PING);
	wgl_agent_req_clear(&req);
	CU_ASSERT_EQUAL_FATAL(parse("{\"id\":3,\"op\":\"udp_send\",\"args\":{\"handle\":0,"
				    "\"addr\":\"198.18.0.2\",\"port\":51820,\"data\":\"AQ==\"}}", &req,
				    why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(req.op, WGL_AGENT_UDP_SEND);
	wgl_agent_req_clear(&req);
}

static void test_refused(void)
{
	static const struct { const char *line; long long id; const char *why; } t[] = {
		{ "", -1, "not JSON" },
		{ "[1]", -1, "integer id" },
		{ "{\"op\":\"facts\"}", -1, "integer id" },
		{ "{\"id\":-1,\"op\":\"facts\"}", -1, "integer id" },
		{ "{\"id\":\"1\",\"op\":\"facts\"}", -1, "integer id" },
		{ "{\"id\":3,\"op\":\"nope\"}", 3, "unknown op" },
		{ "{\"id\":3,\"op\":7}", 3, "unknown op" },
		{ "{\"id\":3,\"op\":\"facts\",\"x\":1}", 3, "only the keys" },
		{ "{\"id\":3,\"op\":\"facts\",\"args\":[]}", 3, "args must be an object" },
		{ "{\"id\":3,\"op\":\"facts\",\"args\":{\"a\":1}}", 3, "unknown argument 'a'" },
		{ "{\"id\":4,\"op\":\"wg_get\",\"args\":{}}", 4, "missing argument 'ifname'" },
		{ "{\"id\":4,\"op\":\"ping\",\"args\":{}}", 4, "missing argument 'addr'" },
		{ "{\"id\":4,\"op\":\"ping\",\"args\":{\"addr\":\"198.19.0.2\",\"timeout_ms\":-1}}", 4,
		  "timeout_ms" },
		{ "{\"id\":4,\"op\":\"wg_create\",\"args\":{\"ifname\":\"wg0\"}}", 4,
		  "missing argument 'backend'" },
		{ "{\"id\":4,\"op\":\"wg_get\",\"args\":{\"ifname\":1}}", 4, "must be a string" },
		{ "{\"id\":4,\"op\":\"wg_get\",\"args\":{\"ifname\":\"../x\"}}", 4, "bad interface" },
		{ "{\"id\":4,\"op\":\"wg_get\",\"args\":{\"ifname\":\"abcdefghijklmnop\"}}", 4,
		  "bad interface" },
		{ "{\"id\":4,\"op\":\"wg_get\",\"args\":{\"ifname\":\"\"}}", 4, "bad interface" },
		{ "{\"id\":5,\"op\":\"stop\",\"args\":{\"handle\":-1}}", 5, "integer 0.." },
		{ "{\"id\":5,\"op\":\"stop\",\"args\":{\"handle\":4294967296}}", 5, "integer 0.." },
		{ "{\"id\":5,\"op\":\"link_up\",\"args\":{\"ifname\":\"wg0\",\"up\":1}}", 5,
		  "must be a boolean" },
		{ "{\"id\":6,\"id\":7,\"op\":\"facts\"}", -1, "not JSON" },
		{ "{\"id\":8,\"op\":\"udp_send\",\"args\":{\"handle\":0,\"addr\":\"198.18.0.2\","
		  "\"port\":1}}", 8, "missing argument 'data'" },
		{ "{\"id\":8,\"op\":\"udp_recv\",\"args\":{\"handle\":0,\"timeout_ms\":1.5}}", 8,
		  "timeout_ms" },
	};

	for (size_t i = 0; i < WGL_ARRAY_SIZE(t); i++) {
		struct wgl_agent_req req;
		char why[256] = "";

		CU_ASSERT_EQUAL(parse(t[i].line, &req, why, sizeof(why)), -EINVAL);
		CU_ASSERT_EQUAL(req.id, t[i].id);
		CU_ASSERT_PTR_NULL(req.args);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, t[i].why));
		if (!strstr(why, t[i].why) || req.id != t[i].id)
			printf("\n  %s: id %lld why '%s'\n", t[i].line, req.id, why);
	}
}

static void test_reply(void)
{
	char *ok = wgl_agent_reply(3, 0, json_pack("{s:i}", "handle", 2), NULL);
	char *no = wgl_agent_reply(-1, -EPERM, NULL, "lo: \"not\" ours");

	CU_ASSERT_STRING_EQUAL(ok, "{\"id\":3,\"ok\":true,\"result\":{\"handle\":2}}\n");
	CU_ASSERT_STRING_EQUAL(no, "{\"id\":null,\"ok\":false,\"error\":\"EPERM\",\"message\":"
			       "\"lo: \\\"not\\\" ours\"}\n");
	CU_ASSERT_EQUAL(wgl_agent_errno("EPERM"), EPERM);
	CU_ASSERT_EQUAL(wgl_agent_errno("EPROTO"), EPROTO);
	CU_ASSERT_EQUAL(wgl_agent_errno("ENOSUCH"), EIO);
	free(ok);
	free(no);
}

#define KEY_A "kEGDtmGpbnEmLMImKDYTx7Y8QrXqUYJbnKjnkzTTC2k="
#define KEY_B "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

static void test_config(void)
{
	json_t *j = json_pack("{s:s s:i s:b s:[{s:s s:s s:[s,s] s:i}]}", "private_key", KEY_A,
			      "listen_port", 51820, "replace_peers", 1, "peers", "public_key",
			      KEY_B, "endpoint", "198.18.0.2:51821", "allowed_ips",
			      "198.19.0.2/32", "2001:2::2/128", "keepalive", 25);
	struct wgl_device *dev = NULL;
	json_t *back;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(wgl_agent_config_from_json(j, &dev, why, sizeof(why)), 0);
	CU_ASSERT(dev->flags & WGL_DEV_HAS_PRIVATE_KEY && dev->flags & WGL_DEV_REPLACE_PEERS);
	CU_ASSERT_EQUAL(dev->listen_port, 51820);
	CU_ASSERT_EQUAL(dev->first_peer->keepalive_interval, 25);
	back = wgl_agent_config_to_json(dev);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
		json_array_get(json_object_get(back, "peers"), 0), "endpoint")), "198.18.0.2:51821");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(
		json_array_get(json_object_get(back, "peers"), 0), "allowed_ips"), 1)),
		"2001:2::2/128");
	json_decref(back);
	wgl_device_free(dev);

	/* no traffic outside the benchmarking ranges, no unknown fields, keys must be keys */
	json_object_set_new(json_array_get(json_object_get(j, "peers"), 0), "endpoint",
			    json_string("10.1.2.3:51820"));
	CU_ASSERT_EQUAL(wgl_agent_config_from_json(j, &dev, why, sizeof(why)), -EPERM);
	CU_ASSERT_PTR_NULL(dev);
	json_object_set_new(json_array_get(json_object_get(j, "peers"), 0), "endpoint",
			    json_string("198.18.0.2:51820"));
	json_object_set_new(j, "fwmark", json_integer(1));
	CU_ASSERT_EQUAL(wgl_agent_config_from_json(j, &dev, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "'fwmark'"));
	json_object_del(j, "fwmark");
	json_object_set_new(j, "private_key", json_string("short"));
	CU_ASSERT_EQUAL(wgl_agent_config_from_json(j, &dev, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "'private_key'"));
	json_decref(j);
}

/* Agent 5 s ahead, 10 ms each way, 1 ms inside the agent. */
static void test_clock(void)
{
	const long long s = 1000000000LL, ms = 1000000LL;
	long long off, rtt;

	wgl_agent_clock_sample(100 * s, 105 * s + 10 * ms, 105 * s + 11 * ms, 100 * s + 21 * ms,
			       &off, &rtt);
	CU_ASSERT_EQUAL(off, 5 * s);
	CU_ASSERT_EQUAL(rtt, 20 * ms);
	/* an asymmetric path shifts the estimate by half the asymmetry, within rtt/2 */
	wgl_agent_clock_sample(0, 5 * s + 2 * ms, 5 * s + 2 * ms, 20 * ms, &off, &rtt);
	CU_ASSERT_EQUAL(off, 5 * s - 8 * ms);
	CU_ASSERT(off >= 5 * s - rtt / 2 && off <= 5 * s + rtt / 2);
}

static void test_ssh_url(void)
{
	static const struct { const char *url, *user, *host; int port; } ok[] = {
		{ "ssh://h", "", "h", 0 }, { "ssh://root@b.example:2222", "root", "b.example", 2222 },
		{ "ssh://[2001:2::2]:22", "", "2001:2::2", 22 }, { "ssh://u_1@198.18.0.2", "u_1",
		"198.18.0.2", 0 },
	};
	static const char *const bad[] = { "h", "ssh://", "ssh://-oProxyCommand=sh", "ssh://u@",
		"ssh://-u@h", "ssh://h:0", "ssh://h:65536", "ssh://h:22x", "ssh://h/x",
		"ssh://h;id", "ssh://a b", "ssh://[::1", "ssh://[a;b]", "ssh://u:p@h", "ssh://h:",
		"ssh://$(id)" };
	struct wgl_agent_ssh s;
	char why[256];

	for (size_t i = 0; i < WGL_ARRAY_SIZE(ok); i++) {
		CU_ASSERT_EQUAL(wgl_agent_ssh_parse(ok[i].url, &s, why, sizeof(why)), 0);
		CU_ASSERT_STRING_EQUAL(s.user, ok[i].user);
		CU_ASSERT_STRING_EQUAL(s.host, ok[i].host);
		CU_ASSERT_EQUAL(s.port, ok[i].port);
	}
	for (size_t i = 0; i < WGL_ARRAY_SIZE(bad); i++) {
		int ret = wgl_agent_ssh_parse(bad[i], &s, why, sizeof(why));

		CU_ASSERT_EQUAL(ret, -EINVAL);
		if (ret != -EINVAL)
			printf("\n  accepted '%s'\n", bad[i]);
	}
}

/* --node a=URL: strict, and the underlay addresses only in the benchmarking ranges. */
static void test_node_spec(void)
{
	static const struct { const char *spec, *host, *a4, *a6, *dev; } ok[] = {
		{ "a=ssh://root@h1?addr=198.18.5.1/24&dev=eth1", "h1", "198.18.5.1", "", "eth1" },
		{ "b=ssh://h2:2222?addr=2001:2::2&addr=198.19.0.9", "h2", "198.19.0.9", "2001:2::2",
		  "" },
		{ "b=ssh://[2001:2::5]:22?addr=198.18.0.2", "2001:2::5", "198.18.0.2", "", "" },
		{ "a=local?addr=198.18.5.1&dev=eth1", "local", "198.18.5.1", "", "eth1" },
		{ "b=local?addr=2001:2::9", "local", "", "2001:2::9", "" },
	};
	static const char *const bad[] = { "ssh://h?addr=198.18.0.1", "c=ssh://h?addr=198.18.0.1",
		"ab=ssh://h?addr=198.18.0.1", "a=ssh://h", "a=ssh://h?", "a=ssh://h?addr=10.0.0.1",
		"a=ssh://h?addr=192.0.2.1", "a=ssh://h?addr=2001:db8::1", "a=ssh://h?addr=198.17.255.1",
		"a=ssh://h?addr=198.20.0.1", "a=ssh://h?addr=x", "a=ssh://h?addr=198.18.0.1&dev=a;b",
		"a=ssh://h?addr=198.18.0.1&dev=$(id)", "a=ssh://h?addr=198.18.0.1&dev=",
		"a=ssh://h?addr=198.18.0.1&dev=averyveryverylongname",
		"a=ssh://h?addr=198.18.0.1&addr=198.18.0.2", "a=ssh://h?addr=198.18.0.1&port=1",
		"a=ssh://h?addr=198.18.0.1&dev=e1&dev=e2", "a=ssh://-oProxyCommand=x?addr=198.18.0.1",
		"a=h?addr=198.18.0.1", "a=local", "a=local?", "a=localhost?addr=198.18.0.1",
		"a=local:22?addr=198.18.0.1", "a=local?addr=10.0.0.1", "a=local?dev=eth1",
		"a=ssh://local?addr=198.18.0.1&dev=;" };
	struct wgl_remote_node n;
	char why[256];

	for (size_t i = 0; i < WGL_ARRAY_SIZE(ok); i++) {
		CU_ASSERT_EQUAL(wgl_remote_parse(ok[i].spec, &n, why, sizeof(why)), 0);
		CU_ASSERT_STRING_EQUAL(n.ssh.host, ok[i].host);
		CU_ASSERT_STRING_EQUAL(n.addr4, ok[i].a4);
		CU_ASSERT_STRING_EQUAL(n.addr6, ok[i].a6);
		CU_ASSERT_STRING_EQUAL(n.dev, ok[i].dev);
		CU_ASSERT_EQUAL(n.kind, strcmp(ok[i].host, "local") ? WGL_NODE_SSH : WGL_NODE_LOCAL);
	}
	for (size_t i = 0; i < WGL_ARRAY_SIZE(bad); i++) {
		int ret = wgl_remote_parse(bad[i], &n, why, sizeof(why));

		CU_ASSERT_EQUAL(ret, -EINVAL);
		if (ret != -EINVAL)
			printf("\n  accepted '%s'\n", bad[i]);
	}
}

/* --userspace reaches an ssh node inside '...' of its shell command: no way out of the quotes. */
static void test_userspace_template(void)
{
	CU_ASSERT_EQUAL(wgl_remote_set_userspace("/opt/wg/wireguard-go -f {ifname}"), 0);
	CU_ASSERT_EQUAL(wgl_remote_set_userspace(NULL), 0);
	CU_ASSERT_EQUAL(wgl_remote_set_userspace("wireguard-go '{ifname}'"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_remote_set_userspace("wireguard-go\n{ifname}"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_remote_set_userspace(""), -EINVAL);
}

/* Host key checking comes first (ssh keeps the first value) and the host after --. */
static void test_ssh_argv(void)
{
	struct wgl_agent_ssh s;
	char *opts[] = { "StrictHostKeyChecking=no", "IdentityFile=/k" }, why[256], **av;
	char joined[512] = "";

	CU_ASSERT_EQUAL_FATAL(wgl_agent_ssh_parse("ssh://root@h:2222", &s, why, sizeof(why)), 0);
	av = wgl_agent_ssh_argv(&s, opts, 2, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(av);
	for (size_t i = 0; av[i]; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? "|" : "", av[i]);
	CU_ASSERT_STRING_EQUAL(joined, "ssh|-o|StrictHostKeyChecking=yes|-o|BatchMode=yes|-o|"
			       "StrictHostKeyChecking=no|-o|IdentityFile=/k|-p|2222|--|root@h|"
			       "wglab agent");
	wgl_agent_argv_free(av);
}

int main(void)
{
	CU_pSuite s;

	wgl_log_verbosity = -1;
	CU_initialize_registry();
	s = CU_add_suite("agent protocol", NULL, NULL);
	CU_add_test(s, "requests accepted", test_accepted);
	CU_add_test(s, "requests refused, with the reason", test_refused);
	CU_add_test(s, "reply lines", test_reply);
	CU_add_test(s, "wg_set config", test_config);
	CU_add_test(s, "clock offset arithmetic", test_clock);
	CU_add_test(s, "node URLs", test_ssh_url);
	CU_add_test(s, "ssh command line", test_ssh_argv);
	CU_add_test(s, "userspace template for the nodes", test_userspace_template);
	CU_add_test(s, "run --node specs", test_node_spec);
	return wgl_test_run();
}
