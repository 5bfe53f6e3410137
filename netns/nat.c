// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT on a router namespace through libnftables (no `nft` child). The whole
 * table is replaced in one transaction, so changing the port range or the
 * randomisation never leaves the router without NAT in between.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <nftables/libnftables.h>

#include "base/dl.h"
#include "base/log.h"
#include "netns/netns.h"
#include "netns/router.h"

#define NAT_TABLE "inet wglab"

/* libnftables, loaded on first use (base/dl.h); the slots carry its prototypes. */
static struct {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_buffer_output) *ctx_buffer_output;
	__typeof__(nft_ctx_buffer_error) *ctx_buffer_error;
	__typeof__(nft_ctx_get_error_buffer) *ctx_get_error_buffer;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
} nft;

static const struct wgl_dl_sym nft_syms[] = {
	{ "nft_ctx_new", &nft.ctx_new },
	{ "nft_ctx_free", &nft.ctx_free },
	{ "nft_ctx_buffer_output", &nft.ctx_buffer_output },
	{ "nft_ctx_buffer_error", &nft.ctx_buffer_error },
	{ "nft_ctx_get_error_buffer", &nft.ctx_get_error_buffer },
	{ "nft_run_cmd_from_buffer", &nft.run_cmd_from_buffer },
};

static struct wgl_dl_lib nft_lib = WGL_DL_LIB("libnftables.so.1", "libnftables1", nft_syms);

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 16 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

int wgl_nat_format(const struct wgl_nat *nat, char *buf, size_t len)
{
	char ports[32] = "";
	const char *mode = nat->fully_random ? " fully-random" : nat->random ? " random" : "";
	int n;

	if (!ifname_ok(nat->oifname) || nat->port_lo > nat->port_hi ||
	    (nat->port_hi && !nat->port_lo) || (nat->random && nat->fully_random))
		return -EINVAL;
	if (nat->port_lo)
		snprintf(ports, sizeof(ports), " to :%u-%u", nat->port_lo, nat->port_hi);
	/*
	 * "add" then "delete" makes the delete succeed whether the table existed
	 * or not. A port range needs a transport protocol match; other protocols
	 * (ICMP) are masqueraded by the second rule. The forward chain is the
	 * home router's firewall: nothing from outside opens a mapping.
	 */
	n = snprintf(buf, len,
		     "add table " NAT_TABLE "\n"
		     "delete table " NAT_TABLE "\n"
		     "table " NAT_TABLE " {\n"
		     "\tchain postrouting {\n"
		     "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		     "\t\toifname \"%s\" meta l4proto { tcp, udp } masquerade%s%s\n"
		     "\t\toifname \"%s\" masquerade%s\n"
		     "\t}\n"
		     "\tchain forward {\n"
		     "\t\ttype filter hook forward priority filter; policy accept;\n"
		     "\t\tiifname \"%s\" ct state new drop\n"
		     "\t}\n"
		     "}\n",
		     nat->oifname, ports, mode, nat->oifname, mode, nat->oifname);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* Runs an nft script with the thread inside ns; -EIO with nft's message logged. */
int wgl_nft_run(struct wgl_ns *ns, const char *script)
{
	struct nft_ctx *ctx;
	int err = wgl_dl_load(&nft_lib);

	if (err < 0)
		return err;
	err = wgl_ns_enter(ns);
	if (err < 0)
		return err;
	/* The context's netlink socket is opened here, i.e. in the router's namespace. */
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		wgl_ns_leave();
		return -ENOMEM;
	}
	nft.ctx_buffer_output(ctx);
	nft.ctx_buffer_error(ctx);
	if (nft.run_cmd_from_buffer(ctx, script) != 0) {
		const char *msg = nft.ctx_get_error_buffer(ctx);

		wgl_err("%s: nftables refused the rules: %s", ns->label, msg ? msg : "?");
		err = -EIO;
	}
	nft.ctx_free(ctx);
	wgl_ns_leave();
	return err;
}

int wgl_nat_set(struct wgl_ns *ns, const struct wgl_nat *nat)
{
	char script[512];
	int err = wgl_nat_format(nat, script, sizeof(script));

	if (err < 0)
		return err;
	wgl_dbg("%s: NAT\n%s", ns->label, script);
	return wgl_nft_run(ns, script);
}

int wgl_nat_clear(struct wgl_ns *ns)
{
	return wgl_nft_run(ns, "delete table " NAT_TABLE "\n");
}
