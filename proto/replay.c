// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transport replay window, same shape as the kernel's and
 * wireguard-go's: a ring of 128 64-bit words. The newest word is the one
 * being filled, so only 127 words (8128 counters) behind the greatest
 * counter are guaranteed to be remembered; older counters are refused.
 *
 * Internally counters are stored plus one, so `next == 0` means "nothing
 * accepted yet" without a separate flag.
 */
#include <string.h>

#include "proto/proto.h"

#define WORDS (WGL_REPLAY_BITS / 64)

void wgl_replay_init(struct wgl_replay *r)
{
	memset(r, 0, sizeof(*r));
}

/* Clears the words between the old and the new greatest counter. */
static void wgl_replay_advance(struct wgl_replay *r, uint64_t to)
{
	uint64_t cur = r->next / 64, top = to / 64, steps = top - cur;

	if (steps > WORDS)
		steps = WORDS;
	for (uint64_t i = 1; i <= steps; i++)
		r->bits[(cur + i) % WORDS] = 0;
	r->next = to;
}

bool wgl_replay_check(struct wgl_replay *r, uint64_t counter)
{
	uint64_t c, bit, *word;

	if (counter >= WGL_REJECT_AFTER_MESSAGES)
		return false;
	c = counter + 1;
	if (c + WGL_REPLAY_WINDOW < r->next)
		return false;
	if (c > r->next)
		wgl_replay_advance(r, c);
	word = &r->bits[(c / 64) % WORDS];
	bit = 1ULL << (c % 64);
	if (*word & bit)
		return false;
	*word |= bit;
	return true;
}
