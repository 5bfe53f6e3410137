// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Integration: a router namespace with NAT between two nodes.
 *
 *   [client: eth0 198.18.64.1] --- [r: eth0 .64.2, eth1 198.18.65.1] --- [server: eth0 .65.2]
 *
 * The server has no route back to the client's subnet: what it receives
 * shows the source the router wrote. Checks masquerade (and its absence as
 * the control), the conntrack dump and flush, a port-range rebinding, the
 * per-namespace sysctl policy, and that the root namespace is untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "netns/netns.h"
#include "netns/router.h"
#include "tests/wgl_net3.h"
#include "tests/wgl_test.h"

/* Client sends one datagram; returns the source the server saw (0 on success). */
static int seen_source(int cfd, int sfd, char *addr, uint16_t *port)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9999) }, src;
	socklen_t len = sizeof(src);
	char buf[16];

	inet_pton(AF_INET, "198.18.65.2", &dst.sin_addr);
	if (sendto(cfd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return -errno;
	if (recvfrom(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&src, &len) < 0)
		return -errno;
	inet_ntop(AF_INET, &src.sin_addr, addr, INET_ADDRSTRLEN);
	*port = ntohs(src.sin_port);
	return 0;
}

static void test_masquerade_and_rebind(void)
{
	struct wgl_nat nat = { .oifname = "eth1" };
	struct wgl_net3 n = { 0 };
	int live = wgl_live_objects(), cfd = -1, sfd = -1;
	char addr[INET_ADDRSTRLEN] = "";
	uint16_t port = 0, ports[4] = { 0 };

	CU_ASSERT_EQUAL_FATAL(wgl_net3_build(&n), 0);
	cfd = wgl_net3_udp(n.client, "198.18.64.1", 40000, 2);
	sfd = wgl_net3_udp(n.server, "198.18.65.2", 9999, 2);
	CU_ASSERT_FATAL(cfd >= 0 && sfd >= 0);
	/* Control: no NAT, the server sees the client itself. */
	CU_ASSERT_EQUAL(seen_source(cfd, sfd, addr, &port), 0);
	CU_ASSERT_STRING_EQUAL(addr, "198.18.64.1");
	CU_ASSERT_EQUAL(wgl_nat_set(n.r, &nat), 0);
	CU_ASSERT_EQUAL(wgl_conntrack_flush(n.r), 0);
	CU_ASSERT_EQUAL(wgl_conntrack_udp_timeouts(n.r, 7, 9), 0);
	CU_ASSERT_EQUAL(seen_source(cfd, sfd, addr, &port), 0);
	CU_ASSERT_STRING_EQUAL(addr, "198.18.65.1");
	CU_ASSERT_EQUAL(port, 40000); /* masquerade keeps a free source port */
	CU_ASSERT_EQUAL(wgl_conntrack_udp_ports(n.r, ports, 4), 1);
	CU_ASSERT_EQUAL(ports[0], 40000);
	/* Rebinding: a new window, then a flush; the next mapping moves. */
	nat.port_lo = 20000;
	nat.port_hi = 20009;
	CU_ASSERT_EQUAL(wgl_nat_set(n.r, &nat), 0);
	CU_ASSERT_EQUAL(wgl_conntrack_flush(n.r), 0);
	CU_ASSERT_EQUAL(wgl_conntrack_udp_ports(n.r, ports, 4), 0);
	CU_ASSERT_EQUAL(seen_source(cfd, sfd, addr, &port), 0);
	CU_ASSERT(port >= 20000 && port <= 20009);
	CU_ASSERT_EQUAL(wgl_conntrack_udp_ports(n.r, ports, 4), 1);
	CU_ASSERT_EQUAL(ports[0], port);
	CU_ASSERT_EQUAL(wgl_nat_clear(n.r), 0);
	close(cfd);
	close(sfd);
	wgl_net3_free(&n);
	CU_ASSERT_EQUAL(wgl_live_objects(), live);
}

static void test_sysctl_policy(void)
{
	struct wgl_ns *ns = wgl_ns_new("sysctl", false);
	char buf[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
	CU_ASSERT_EQUAL(wgl_ns_sysctl(ns, "kernel/hostname", "x"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_ns_sysctl(ns, "net/../kernel/hostname", "x"), -EINVAL);
	CU_ASSERT_EQUAL(wgl_router_forwarding(ns, true), 0);
	CU_ASSERT_EQUAL(wgl_ns_sysctl_get(ns, "net/ipv4/ip_forward", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "1");
	wgl_ns_free(ns);
}

static void read_root(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Routers change their own namespace only: wglab's namespace keeps its settings. */
static void test_root_untouched(void)
{
	char fwd0[8], fwd1[8], to0[16], to1[16];
	struct wgl_net3 n = { 0 };
	struct wgl_nat nat = { .oifname = "eth1" };

	read_root("/proc/sys/net/ipv4/ip_forward", fwd0, sizeof(fwd0));
	read_root("/proc/sys/net/netfilter/nf_conntrack_udp_timeout", to0, sizeof(to0));
	CU_ASSERT_EQUAL_FATAL(wgl_net3_build(&n), 0);
	CU_ASSERT_EQUAL(wgl_nat_set(n.r, &nat), 0);
	CU_ASSERT_EQUAL(wgl_conntrack_udp_timeouts(n.r, 3, 3), 0);
	read_root("/proc/sys/net/ipv4/ip_forward", fwd1, sizeof(fwd1));
	read_root("/proc/sys/net/netfilter/nf_conntrack_udp_timeout", to1, sizeof(to1));
	CU_ASSERT_STRING_EQUAL(fwd0, fwd1);
	CU_ASSERT_STRING_EQUAL(to0, to1);
	wgl_net3_free(&n);
}

static void test_nat_format(void)
{
	struct wgl_nat ok = { .oifname = "eth1", .fully_random = true, .port_lo = 20000,
			      .port_hi = 20999 };
	struct wgl_nat bad[] = {
		{ .oifname = "" }, { .oifname = "eth1\" accept" }, { .oifname = "a234567890123456" },
		{ .oifname = "eth1", .port_lo = 2000, .port_hi = 1000 },
		{ .oifname = "eth1", .port_hi = 1000 },
		{ .oifname = "eth1", .random = true, .fully_random = true },
	};
	char buf[1024];

	CU_ASSERT_EQUAL(wgl_nat_format(&ok, buf, sizeof(buf)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "masquerade to :20000-20999 fully-random"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "iifname \"eth1\" ct state new drop"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(wgl_nat_format(&bad[i], buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(wgl_nat_format(&ok, buf, 32), -ENOSPC);
}

static void test_drop_format(void)
{
	struct wgl_drop first = { .iifname = "eth0", .first_type = 1, .first_count = 2 };
	struct wgl_drop loss = { .loss_pct = 2.5 };
	struct wgl_drop bad[] = {
		{ .first_type = 4, .first_count = 1 }, { .loss_pct = 101 },
		{ .iifname = "eth0\"", .loss_pct = 1 }, { .first_type = 1, .first_count = -1 },
	};
	char buf[1024];

	CU_ASSERT_EQUAL(wgl_drop_format(&first, buf, sizeof(buf)), 0);
	/* Two 176-byte IPv4 initiations fit under the quota, a third does not. */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "iifname \"eth0\" meta nfproto ipv4 udp length 156 "
				     "@th,64,8 1 quota until 353 bytes drop"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "udp length 156 @th,64,8 1 quota until 393 bytes"));
	CU_ASSERT_EQUAL(wgl_drop_format(&loss, buf, sizeof(buf)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "numgen random mod 10000 < 250 drop"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(wgl_drop_format(&bad[i], buf, sizeof(buf)), -EINVAL);
}

/* The drop rules load into a real router namespace (nftables accepts them). */
static void test_drop_loads(void)
{
	struct wgl_drop d = { .first_type = 2, .first_count = 1, .loss_pct = 1 };
	struct wgl_ns *ns = wgl_ns_new("drop", false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
	CU_ASSERT_EQUAL(wgl_drop_set(ns, &d), 0);
	CU_ASSERT_EQUAL(wgl_drop_set(ns, &(struct wgl_drop){ 0 }), 0);
	wgl_ns_free(ns);
}

int main(void)
{
	CU_pSuite s;

	wgl_test_require_root();
	wgl_cleanup_install_signals();
	CU_initialize_registry();
	s = CU_add_suite("router", NULL, NULL);
	CU_add_test(s, "nat ruleset text", test_nat_format);
	CU_add_test(s, "masquerade, conntrack dump/flush, rebinding", test_masquerade_and_rebind);
	CU_add_test(s, "sysctl policy", test_sysctl_policy);
	CU_add_test(s, "drop ruleset text", test_drop_format);
	CU_add_test(s, "drop rules load", test_drop_loads);
	CU_add_test(s, "root namespace untouched", test_root_untouched);
	return wgl_test_run();
}
