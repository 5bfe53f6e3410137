// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "harness/traffic/netinfo.h"
#include "netns/netns.h"

static const struct {
	const char *name;
	__u32 cmd;
} features[] = {
	{ "tso", ETHTOOL_GTSO },       { "gso", ETHTOOL_GGSO },
	{ "gro", ETHTOOL_GGRO },       { "tx_csum", ETHTOOL_GTXCSUM },
	{ "rx_csum", ETHTOOL_GRXCSUM }, { "sg", ETHTOOL_GSG },
};

json_t *wgl_offloads(struct wgl_ns *ns, const char *ifname)
{
	int fd = wgl_ns_socket(ns, AF_INET, SOCK_DGRAM, 0);
	json_t *o;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	o = json_object();
	for (size_t i = 0; o && i < sizeof(features) / sizeof(features[0]); i++) {
		struct ethtool_value ev = { .cmd = features[i].cmd };
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (void *)&ev;
		/* A feature a driver cannot report is left out, not guessed. */
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			json_object_set_new(o, features[i].name, json_boolean(ev.data));
	}
	close(fd);
	if (o && !json_object_size(o)) {
		json_decref(o);
		errno = EOPNOTSUPP;
		return NULL;
	}
	return o;
}
