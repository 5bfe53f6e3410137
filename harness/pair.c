// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/backends/backend.h"
#include "base/log.h"
#include "harness/pair.h"
#include "harness/ping.h"
#include "netns/netns.h"
#include "pcap/capture.h"

/* Pairs that are up, newest first (wgl_pairs_wind_down()). */
static struct wgl_pair *pairs_up;

#define WG_PORT 51820

static const char *const underlay4[2] = { "198.18.0.1", "198.18.0.2" };
static const char *const underlay6[2] = { "2001:2:0:1::1", "2001:2:0:1::2" };
static const char *const tunnel4[2] = { "198.19.0.1", "198.19.0.2" };
static const char *const tunnel6[2] = { "2001:2:0:2::1", "2001:2:0:2::2" };

static int add_addr(struct wgl_ns *ns, const char *ifname, const char *addr, int plen)
{
	char cidr[80];

	snprintf(cidr, sizeof(cidr), "%s/%d", addr, plen);
	return wgl_addr_add(ns, ifname, cidr);
}

static int build_underlay(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	int err = wgl_veth_add(p->ns[0], "veth0", p->ns[1], "veth0");

	for (int i = 0; i < 2 && !err; i++) {
		snprintf(p->underlay_if[i], sizeof(p->underlay_if[i]), "veth0");
		if (o->mtu)
			err = wgl_link_set_mtu(p->ns[i], "veth0", o->mtu);
		if (!err)
			err = add_addr(p->ns[i], "veth0", underlay4[i], 24);
		if (!err)
			err = add_addr(p->ns[i], "veth0", underlay6[i], 64);
		if (!err)
			err = wgl_link_set_up(p->ns[i], "veth0", true);
		snprintf(p->underlay_addr[i], sizeof(p->underlay_addr[i]), "%s",
			 o->outer_family == AF_INET6 ? underlay6[i] : underlay4[i]);
	}
	/* Connect latency is measured over a working underlay, not a link still coming up. */
	for (int i = 0; i < 2 && !err; i++)
		err = wgl_link_wait_running(p->ns[i], "veth0", 3000);
	return err;
}

/* Config of node i: its key and port, the other node as its only peer. */
static int configure(struct wgl_pair *p, int i, const struct wgl_pair_opts *o)
{
	struct wgl_device dev = { .flags = WGL_DEV_HAS_PRIVATE_KEY | WGL_DEV_HAS_LISTEN_PORT |
					   WGL_DEV_REPLACE_PEERS };
	struct wgl_allowedip a4 = { 0 }, a6 = { 0 };
	struct wgl_peer peer = { 0 };
	char ep[96];
	int j = !i, err;

	memcpy(dev.private_key, p->priv[i], WGL_KEY_LEN);
	dev.listen_port = p->port[i];
	memcpy(peer.public_key, p->pub[j], WGL_KEY_LEN);
	peer.flags = WGL_PEER_HAS_PUBLIC_KEY | WGL_PEER_REPLACE_ALLOWEDIPS;
	snprintf(ep, sizeof(ep), o->outer_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 p->underlay_addr[j], p->port[j]);
	if (wgl_endpoint_parse(&peer, ep) < 0)
		return -EINVAL;
	if (o->keepalive) {
		peer.flags |= WGL_PEER_HAS_KEEPALIVE;
		peer.keepalive_interval = o->keepalive;
	}
	snprintf(ep, sizeof(ep), "%s/32", tunnel4[j]);
	err = wgl_allowedip_parse(&a4, ep);
	snprintf(ep, sizeof(ep), "%s/128", tunnel6[j]);
	err = err ?: wgl_allowedip_parse(&a6, ep);
	if (err)
		return err;
	a4.next = &a6;
	peer.first_allowedip = &a4;
	peer.last_allowedip = &a6;
	dev.first_peer = dev.last_peer = &peer;
	return wgl_wg_set(p->wg[i], &dev);
}

/* Keys and ports, and both daemons started: wait_wireguard() waits for them. */
static int start_wireguard(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	for (int i = 0; i < 2; i++) {
		wgl_key_generate_private(p->priv[i]);
		wgl_key_public(p->pub[i], p->priv[i]);
		p->port[i] = WG_PORT;
		p->wg[i] = wgl_wg_create_start(p->backend[i], p->ns[i], "wg0", o->wg);
		if (!p->wg[i])
			return -errno;
	}
	return 0;
}

static int wait_wireguard(struct wgl_pair *p)
{
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		err = wgl_wg_ready(p->wg[i]);
		if (err)
			p->wg[i] = NULL; /* freed by wgl_wg_ready(); the other one by wgl_pair_down() */
	}
	return err;
}

/*
 * Both configs, then tunnel addresses and link up, once the devices are
 * ready. Configured while down, a userspace daemon opens its socket once, on
 * the port it was given, instead of a random one that the config then moves.
 */
static int configure_wireguard(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		err = configure(p, i, o);
		if (err)
			wgl_err("pair: configuring wg0 in %s failed: %s", p->ns[i]->label,
				strerror(-err));
	}
	for (int i = 0; i < 2 && !err; i++) {
		err = add_addr(p->ns[i], "wg0", tunnel4[i], 24);
		err = err ?: add_addr(p->ns[i], "wg0", tunnel6[i], 64);
		err = err ?: wgl_link_set_up(p->ns[i], "wg0", true);
	}
	p->configured_ns = wgl_now_ns();
	return err;
}

/* The namespaces of one pair (p zeroed). */
static int build_nodes(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	static const char *const label[2] = { "a", "b" };
	int err;

	p->outer_family = o->outer_family ? o->outer_family : AF_INET;
	p->inner_family = o->inner_family ? o->inner_family : AF_INET;
	for (int i = 0; i < 2; i++) {
		snprintf(p->backend[i], sizeof(p->backend[i]), "%s", o->backend[i]);
		p->ns[i] = wgl_ns_new(label[i], o->visible);
		if (!p->ns[i]) {
			err = -errno;
			wgl_err("pair: cannot create namespace: %s", strerror(errno));
			return err;
		}
	}
	return 0;
}

/* The veth between the nodes, addressed and running. */
static int build_links(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	int err = build_underlay(p, &(struct wgl_pair_opts){ .mtu = o->mtu,
				     .outer_family = p->outer_family });

	if (err)
		wgl_err("pair: building the underlay failed: %s", strerror(-err));
	return err;
}

/* The captures of wgl_pair_opts.capture: their children open while the daemons start. */
static int spawn_captures(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	for (int i = 0; i < 2; i++) {
		if (!o->capture[i])
			continue;
		p->capture[i] = wgl_capture_spawn(p->ns[i], "veth0", o->capture[i], NULL);
		if (!p->capture[i])
			return -errno;
	}
	return 0;
}

static int captures_ready(struct wgl_pair *p)
{
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		if (!p->capture[i])
			continue;
		err = wgl_capture_ready(p->capture[i]);
		if (err)
			p->capture[i] = NULL; /* freed by wgl_capture_ready() */
	}
	return err;
}

static void list_up(struct wgl_pair *p, bool wg)
{
	for (int i = 0; i < 2; i++)
		snprintf(p->tunnel_addr[i], sizeof(p->tunnel_addr[i]), "%s",
			 !wg ? (p->inner_family == AF_INET6 ? underlay6[i] : underlay4[i])
			     : (p->inner_family == AF_INET6 ? tunnel6[i] : tunnel4[i]));
	if (!wg)
		p->configured_ns = wgl_now_ns();
	p->next_up = pairs_up;
	pairs_up = p;
}

/*
 * Each step for every pair before the next step: all daemons start before
 * any is waited for, so n pairs cost about one daemon start, not n.
 */
int wgl_pairs_up(struct wgl_pair *const p[], int n, const struct wgl_pair_opts *o)
{
	bool wg = strcmp(o->backend[0], "none") || strcmp(o->backend[1], "none");
	int err = 0, i;

	for (i = 0; i < n; i++)
		memset(p[i], 0, sizeof(*p[i]));
	if (wg && (!strcmp(o->backend[0], "none") || !strcmp(o->backend[1], "none"))) {
		wgl_err("pair: backend 'none' cannot be mixed with a WireGuard backend");
		return -EINVAL;
	}
	for (i = 0; i < n && !err; i++)
		err = build_nodes(p[i], o);
	/* The daemons need their namespace only: they start while the links are made. */
	for (i = 0; wg && i < n && !err; i++)
		err = start_wireguard(p[i], o);
	for (i = 0; i < n && !err; i++)
		err = build_links(p[i], o);
	for (i = 0; i < n && !err; i++)
		err = spawn_captures(p[i], o);
	for (i = 0; wg && i < n && !err; i++)
		err = wait_wireguard(p[i]);
	/* Before the first config: a keepalive's handshake would go out at once. */
	for (i = 0; i < n && !err; i++)
		err = captures_ready(p[i]);
	for (i = 0; wg && i < n && !err; i++)
		err = configure_wireguard(p[i], o);
	if (err) {
		for (i = n - 1; i >= 0; i--)
			wgl_pair_down(p[i]);
		return err;
	}
	for (i = 0; i < n; i++)
		list_up(p[i], wg);
	return 0;
}

int wgl_pair_up(struct wgl_pair *p, const struct wgl_pair_opts *o)
{
	return wgl_pairs_up(&p, 1, o);
}

static void unlist(struct wgl_pair *p)
{
	for (struct wgl_pair **pp = &pairs_up; *pp; pp = &(*pp)->next_up) {
		if (*pp == p) {
			*pp = p->next_up;
			break;
		}
	}
	p->next_up = NULL;
}

static void wind_down(struct wgl_pair *p)
{
	for (int i = 1; i >= 0; i--) {
		pid_t pid = wgl_wg_pid(p->wg[i]);

		if (pid > 0)
			kill(pid, SIGTERM);
	}
}

void wgl_pairs_wind_down(void)
{
	for (struct wgl_pair *p = pairs_up; p; p = p->next_up)
		wind_down(p);
}

void wgl_pair_down(struct wgl_pair *p)
{
	/* Both daemons wind down at once; each destroy then only waits for its own. */
	unlist(p);
	wind_down(p);
	for (int i = 0; i < 2; i++) {
		wgl_capture_stop(p->capture[i], NULL);
		p->capture[i] = NULL;
	}
	for (int i = 1; i >= 0; i--) {
		wgl_wg_destroy(p->wg[i]);
		p->wg[i] = NULL;
	}
	for (int i = 1; i >= 0; i--) {
		wgl_ns_free(p->ns[i]);
		p->ns[i] = NULL;
	}
	p->underlay_if[0][0] = '\0';
}

int wgl_pair_ping(struct wgl_pair *p, int from, int timeout_ms, double *elapsed_ms)
{
	return wgl_ping(p->ns[from], p->tunnel_addr[!from], timeout_ms, 100, elapsed_ms, NULL);
}
