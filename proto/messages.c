// SPDX-License-Identifier: GPL-2.0-or-later
/* Message classification and the small lookup helpers of proto.h. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "proto/proto.h"

int wgl_msg_classify(const void *buf, size_t len)
{
	uint32_t type;

	if (len < sizeof(type))
		return -EINVAL;
	memcpy(&type, buf, sizeof(type));
	switch (le32toh(type)) {
	case WGL_MSG_INITIATION:
		return len == WGL_MSG_INITIATION_SIZE ? WGL_MSG_INITIATION : -EINVAL;
	case WGL_MSG_RESPONSE:
		return len == WGL_MSG_RESPONSE_SIZE ? WGL_MSG_RESPONSE : -EINVAL;
	case WGL_MSG_COOKIE:
		return len == WGL_MSG_COOKIE_SIZE ? WGL_MSG_COOKIE : -EINVAL;
	case WGL_MSG_TRANSPORT:
		return len >= WGL_MSG_TRANSPORT_MIN_SIZE ? WGL_MSG_TRANSPORT : -EINVAL;
	default:
		return -EINVAL;
	}
}

uint32_t wgl_msg_sender(const void *buf)
{
	uint32_t sender;

	memcpy(&sender, (const uint8_t *)buf + 4, sizeof(sender));
	return le32toh(sender);
}

static const char *const reject_names[] = {
	[WGL_REJECT_NONE] = "none",
	[WGL_REJECT_MALFORMED] = "malformed",
	[WGL_REJECT_MAC1] = "mac1",
	[WGL_REJECT_MAC2] = "mac2",
	[WGL_REJECT_STATE] = "state",
	[WGL_REJECT_UNKNOWN_INDEX] = "unknown-index",
	[WGL_REJECT_EPHEMERAL_DH] = "ephemeral-dh",
	[WGL_REJECT_STATIC] = "static",
	[WGL_REJECT_UNKNOWN_PEER] = "unknown-peer",
	[WGL_REJECT_STATIC_DH] = "static-dh",
	[WGL_REJECT_TIMESTAMP] = "timestamp",
	[WGL_REJECT_REPLAY_TIMESTAMP] = "replayed-timestamp",
	[WGL_REJECT_FLOOD] = "flood",
	[WGL_REJECT_EMPTY] = "empty",
	[WGL_REJECT_COOKIE] = "cookie",
	[WGL_REJECT_TRANSPORT] = "transport",
	[WGL_REJECT_REPLAY_COUNTER] = "replayed-counter",
};

const char *wgl_reject_name(enum wgl_reject r)
{
	if ((size_t)r >= sizeof(reject_names) / sizeof(reject_names[0]) || !reject_names[r])
		return "?";
	return reject_names[r];
}

const uint8_t *wgl_trace_find(const struct wgl_trace *t, const char *step)
{
	for (unsigned int i = t->n; i-- > 0;)
		if (!strcmp(t->e[i].step, step))
			return t->e[i].value;
	return NULL;
}
