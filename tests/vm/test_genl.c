// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel backend's generic netlink messages without a kernel: random
 * configurations are built into SET messages of several sizes (small sizes
 * force splits), parsed back with the GET parser and compared field by field
 * with the input; split rules and malformed messages are checked directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/wireguard.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "harness/backends/kernel.h"
#include "base/log.h"
#include "base/wgconfig.h"
#include "tests/wgl_test.h"

#define FAMILY 0x1d

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)random() % n : 0;
}

static void rnd_bytes(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)random();
}

static void rnd_allowedip(struct wgl_peer *p)
{
	struct wgl_allowedip *a = wgl_peer_add_allowedip(p);

	if (rnd(2)) {
		a->family = AF_INET;
		rnd_bytes(&a->ip4, sizeof(a->ip4));
		a->cidr = (uint8_t)rnd(33);
	} else {
		a->family = AF_INET6;
		rnd_bytes(&a->ip6, sizeof(a->ip6));
		a->cidr = (uint8_t)rnd(129);
	}
}

static void rnd_endpoint(struct wgl_peer *p)
{
	if (rnd(2)) {
		p->endpoint.addr4.sin_family = AF_INET;
		p->endpoint.addr4.sin_port = (in_port_t)random();
		rnd_bytes(&p->endpoint.addr4.sin_addr, 4);
	} else {
		p->endpoint.addr6.sin6_family = AF_INET6;
		p->endpoint.addr6.sin6_port = (in_port_t)random();
		rnd_bytes(&p->endpoint.addr6.sin6_addr, 16);
	}
	p->flags |= WGL_PEER_HAS_ENDPOINT;
}

static struct wgl_peer *rnd_peer(struct wgl_device *d, unsigned int max_aips)
{
	struct wgl_peer *p = wgl_device_add_peer(d);
	unsigned int n = rnd(max_aips + 1);

	rnd_bytes(p->public_key, WGL_KEY_LEN);
	p->flags = WGL_PEER_HAS_PUBLIC_KEY;
	if (rnd(2))
		p->flags |= WGL_PEER_REPLACE_ALLOWEDIPS;
	if (rnd(2)) {
		rnd_bytes(p->preshared_key, WGL_KEY_LEN);
		p->preshared_key[0] |= 1; /* a zero PSK means "none" */
		p->flags |= WGL_PEER_HAS_PRESHARED_KEY;
	}
	if (rnd(2))
		rnd_endpoint(p);
	if (rnd(2)) {
		p->keepalive_interval = (uint16_t)rnd(65536);
		p->flags |= WGL_PEER_HAS_KEEPALIVE;
	}
	while (n--)
		rnd_allowedip(p);
	return p;
}

static struct wgl_device *rnd_device(unsigned int max_peers, unsigned int max_aips)
{
	struct wgl_device *d = calloc(1, sizeof(*d));
	unsigned int n = rnd(max_peers + 1);

	snprintf(d->name, sizeof(d->name), "wg%u", rnd(100));
	d->flags = WGL_DEV_HAS_PRIVATE_KEY | WGL_DEV_HAS_LISTEN_PORT;
	rnd_bytes(d->private_key, WGL_KEY_LEN);
	d->listen_port = (uint16_t)rnd(65536);
	if (rnd(2))
		d->flags |= WGL_DEV_REPLACE_PEERS;
	if (rnd(2)) {
		d->fwmark = (uint32_t)random();
		d->flags |= WGL_DEV_HAS_FWMARK;
	}
	while (n--)
		rnd_peer(d, max_aips);
	return d;
}

/* The deliberately naive reference: every field, in order. */
static void assert_same_aips(const struct wgl_peer *a, const struct wgl_peer *b)
{
	const struct wgl_allowedip *x = a->first_allowedip, *y = b->first_allowedip;

	for (; x && y; x = x->next, y = y->next) {
		CU_ASSERT_EQUAL_FATAL(x->family, y->family);
		CU_ASSERT_EQUAL_FATAL(x->cidr, y->cidr);
		CU_ASSERT_FATAL(!memcmp(&x->ip6, &y->ip6, x->family == AF_INET ? 4 : 16));
	}
	CU_ASSERT_PTR_NULL_FATAL(x);
	CU_ASSERT_PTR_NULL_FATAL(y);
}

static void assert_same_device(const struct wgl_device *want, const struct wgl_device *got)
{
	const struct wgl_peer *p = want->first_peer, *q = got->first_peer;

	CU_ASSERT_EQUAL_FATAL(want->flags, got->flags);
	CU_ASSERT_STRING_EQUAL_FATAL(want->name, got->name);
	CU_ASSERT_FATAL(!memcmp(want->private_key, got->private_key, WGL_KEY_LEN));
	CU_ASSERT_EQUAL_FATAL(want->listen_port, got->listen_port);
	CU_ASSERT_EQUAL_FATAL(want->fwmark, got->fwmark);
	for (; p && q; p = p->next, q = q->next) {
		CU_ASSERT_EQUAL_FATAL(p->flags, q->flags);
		CU_ASSERT_FATAL(!memcmp(p->public_key, q->public_key, WGL_KEY_LEN));
		CU_ASSERT_FATAL(!memcmp(p->preshared_key, q->preshared_key, WGL_KEY_LEN));
		CU_ASSERT_FATAL(!memcmp(&p->endpoint, &q->endpoint, sizeof(p->endpoint)));
		CU_ASSERT_EQUAL_FATAL(p->keepalive_interval, q->keepalive_interval);
		assert_same_aips(p, q);
	}
	CU_ASSERT_PTR_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL_FATAL(q);
}

struct split_stats {
	int messages;
	int continued_peers;   /* peer entries that continue the previous message's last peer */
};

/*
 * Builds every SET message for d at size, parses them all into one device,
 * and checks the per-message rules on the way. Returns the parsed device.
 */
static struct wgl_device *round_trip(const struct wgl_device *d, size_t size,
				     struct split_stats *st)
{
	struct wgl_device *all = calloc(1, sizeof(*all));
	struct wgl_kernel_cursor cur = { 0 };
	uint8_t last_key[WGL_KEY_LEN] = { 0 };
	int more;

	memset(st, 0, sizeof(*st));
	do {
		struct nl_msg *m = nlmsg_alloc_size(size);
		struct wgl_device *one = calloc(1, sizeof(*one));

		more = wgl_kernel_build_set(m, FAMILY, d->name, d, &cur);
		CU_ASSERT_FATAL(more >= 0);
		CU_ASSERT_FATAL(nlmsg_hdr(m)->nlmsg_len <= size);
		CU_ASSERT_EQUAL_FATAL(wgl_kernel_parse_msg(nlmsg_hdr(m), one), 0);
		CU_ASSERT_EQUAL_FATAL(wgl_kernel_parse_msg(nlmsg_hdr(m), all), 0);
		/* Device fields (and REPLACE_PEERS) travel in the first message only. */
		if (st->messages)
			CU_ASSERT_EQUAL_FATAL(one->flags, 0);
		if (one->first_peer && st->messages &&
		    !memcmp(one->first_peer->public_key, last_key, WGL_KEY_LEN)) {
			st->continued_peers++;
			/* A continuation is key + allowed IPs, never REPLACE_ALLOWEDIPS again. */
			CU_ASSERT_EQUAL_FATAL(one->first_peer->flags, WGL_PEER_HAS_PUBLIC_KEY);
			CU_ASSERT_PTR_NOT_NULL_FATAL(one->first_peer->first_allowedip);
		}
		if (one->last_peer)
			memcpy(last_key, one->last_peer->public_key, WGL_KEY_LEN);
		st->messages++;
		wgl_device_free(one);
		nlmsg_free(m);
	} while (more);
	return all;
}

static void test_round_trip_random(void)
{
	static const size_t sizes[] = { 256, 512, 1500, 8192 };

	srandom(8);
	for (int iter = 0; iter < 300; iter++) {
		struct wgl_device *d = rnd_device(iter % 10 == 0 ? 200 : 8, iter % 7 == 0 ? 120 : 6);

		for (size_t s = 0; s < WGL_ARRAY_SIZE(sizes); s++) {
			struct split_stats st;
			struct wgl_device *got = round_trip(d, sizes[s], &st);

			assert_same_device(d, got);
			wgl_device_free(got);
		}
		wgl_device_free(d);
	}
}

/* One peer with far more allowed IPs than a message holds must be continued. */
static void test_split_one_peer(void)
{
	struct wgl_device *d = calloc(1, sizeof(*d)), *got;
	struct wgl_peer *p;
	struct split_stats st;

	srandom(2);
	snprintf(d->name, sizeof(d->name), "wg0");
	p = rnd_peer(d, 0);
	p->flags |= WGL_PEER_REPLACE_ALLOWEDIPS;
	for (int i = 0; i < 500; i++)
		rnd_allowedip(p);
	got = round_trip(d, 1024, &st);
	CU_ASSERT(st.messages > 10);
	CU_ASSERT_EQUAL(st.continued_peers, st.messages - 1);
	CU_ASSERT_PTR_EQUAL(got->first_peer, got->last_peer); /* coalesced into one */
	assert_same_device(d, got);
	wgl_device_free(got);
	wgl_device_free(d);
}

static void test_no_peers_one_message(void)
{
	struct wgl_device *d = rnd_device(0, 0), *got;
	struct split_stats st;

	got = round_trip(d, 8192, &st);
	CU_ASSERT_EQUAL(st.messages, 1);
	assert_same_device(d, got);
	wgl_device_free(got);
	wgl_device_free(d);
}

static void test_too_small(void)
{
	struct wgl_device *d = calloc(1, sizeof(*d));
	struct wgl_kernel_cursor cur = { 0 };
	struct nl_msg *m;
	int ret, rounds = 0;

	snprintf(d->name, sizeof(d->name), "wg0");
	rnd_peer(d, 0);
	/* Room for the headers and the name, never for a 32-byte key. */
	do {
		m = nlmsg_alloc_size(48);
		ret = wgl_kernel_build_set(m, FAMILY, d->name, d, &cur);
		nlmsg_free(m);
	} while (ret == 1 && ++rounds < 5);
	CU_ASSERT_EQUAL(ret, -EMSGSIZE);
	wgl_device_free(d);
}

/* A reply: device name + one peer whose attributes the callback writes. */
static int parse_crafted(void (*fill)(struct nl_msg *m))
{
	struct nl_msg *m = nlmsg_alloc();
	struct wgl_device *d = calloc(1, sizeof(*d));
	struct nlattr *peers, *peer;
	int ret;

	genlmsg_put(m, 0, 0, FAMILY, 0, 0, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	nla_put_string(m, WGDEVICE_A_IFNAME, "wg0");
	peers = nla_nest_start(m, WGDEVICE_A_PEERS);
	peer = nla_nest_start(m, 0);
	fill(m);
	nla_nest_end(m, peer);
	nla_nest_end(m, peers);
	ret = wgl_kernel_parse_msg(nlmsg_hdr(m), d);
	wgl_device_free(d);
	nlmsg_free(m);
	return ret;
}

static const uint8_t key[WGL_KEY_LEN] = { 1, 2, 3 };

static void put_aip(struct nl_msg *m, uint16_t family, const void *addr, int len, uint8_t cidr)
{
	struct nlattr *aips = nla_nest_start(m, WGPEER_A_ALLOWEDIPS), *a = nla_nest_start(m, 0);

	nla_put_u16(m, WGALLOWEDIP_A_FAMILY, family);
	nla_put(m, WGALLOWEDIP_A_IPADDR, len, addr);
	nla_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, cidr);
	nla_nest_end(m, a);
	nla_nest_end(m, aips);
}

static void fill_good(struct nl_msg *m)
{
	static const uint8_t ip[4] = { 198, 19, 0, 1 };

	nla_put(m, WGPEER_A_PUBLIC_KEY, WGL_KEY_LEN, key);
	put_aip(m, AF_INET, ip, 4, 32);
}

static void fill_no_key(struct nl_msg *m)
{
	nla_put_u16(m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
}

static void fill_short_key(struct nl_msg *m)
{
	nla_put(m, WGPEER_A_PUBLIC_KEY, 31, key);
}

static void fill_v4_with_v6_len(struct nl_msg *m)
{
	static const uint8_t ip[16] = { 0x20, 0x01, 0, 2 };

	nla_put(m, WGPEER_A_PUBLIC_KEY, WGL_KEY_LEN, key);
	put_aip(m, AF_INET, ip, 16, 32);
}

static void fill_cidr_too_long(struct nl_msg *m)
{
	static const uint8_t ip[4] = { 198, 19, 0, 1 };

	nla_put(m, WGPEER_A_PUBLIC_KEY, WGL_KEY_LEN, key);
	put_aip(m, AF_INET, ip, 4, 33);
}

static void fill_bad_endpoint(struct nl_msg *m)
{
	struct sockaddr_in sin = { .sin_family = AF_INET6 };

	nla_put(m, WGPEER_A_PUBLIC_KEY, WGL_KEY_LEN, key);
	nla_put(m, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
}

static void test_malformed(void)
{
	CU_ASSERT_EQUAL(parse_crafted(fill_good), 0);
	CU_ASSERT_EQUAL(parse_crafted(fill_no_key), -EPROTO);
	CU_ASSERT_EQUAL(parse_crafted(fill_short_key), -EPROTO);
	CU_ASSERT_EQUAL(parse_crafted(fill_v4_with_v6_len), -EPROTO);
	CU_ASSERT_EQUAL(parse_crafted(fill_cidr_too_long), -EPROTO);
	CU_ASSERT_EQUAL(parse_crafted(fill_bad_endpoint), -EPROTO);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kernel genl messages", NULL, NULL);
	CU_add_test(s, "random configs survive build/split/parse", test_round_trip_random);
	CU_add_test(s, "one peer split over many messages", test_split_one_peer);
	CU_add_test(s, "no peers: one message", test_no_peers_one_message);
	CU_add_test(s, "entry that can never fit: -EMSGSIZE", test_too_small);
	CU_add_test(s, "malformed replies are rejected", test_malformed);
	return wgl_test_run();
}
