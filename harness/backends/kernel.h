/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel backend's generic netlink messages, separated from the sockets
 * so that they can be tested without a wireguard module: SET messages are
 * built from a struct wgl_device (split over several messages when the peers
 * do not fit in one), GET replies parsed back into one (coalescing the
 * continuation messages of a split dump). A SET message parses with the same
 * parser, which is what the round-trip unit test relies on.
 */
#ifndef WGL_BACKEND_KERNEL_H
#define WGL_BACKEND_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/wgconfig.h"

struct nl_msg;
struct nlmsghdr;

/* Where the next SET message continues; zero it before the first. */
struct wgl_kernel_cursor {
	const struct wgl_peer *peer;      /* NULL before the first message */
	const struct wgl_allowedip *aip;  /* non-NULL: peer continues at this allowed IP */
	bool started;
};

/*
 * Fills msg (allocated with room for at most its size, e.g. nlmsg_alloc_size)
 * with the next WG_CMD_SET_DEVICE message for cfg on ifname. Device fields
 * and WGDEVICE_F_REPLACE_PEERS go into the first message only; a peer split
 * across messages carries WGPEER_F_REPLACE_ALLOWEDIPS and its other fields
 * only in its first part. Returns 1 if another message must follow, 0 when
 * this was the last, -EMSGSIZE if a single peer entry cannot fit at all.
 */
int wgl_kernel_build_set(struct nl_msg *msg, int family, const char *ifname,
			 const struct wgl_device *cfg, struct wgl_kernel_cursor *cur);
/*
 * Parses one wireguard genl message (a GET_DEVICE dump part or a SET) into
 * dev. A peer whose public key equals dev's last peer continues that peer
 * (the kernel repeats it when its allowed IPs span several messages).
 * 0 or -EPROTO for a malformed message, -ENOMEM.
 */
int wgl_kernel_parse_msg(struct nlmsghdr *nlh, struct wgl_device *dev);

#endif
