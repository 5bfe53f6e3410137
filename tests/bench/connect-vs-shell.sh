#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Connect cost: wglab against "the shell way", in one run, interleaved so
# both see the same machine. A benchmark: it prints figures and never fails
# on them.
#
# The shell way is what the kernel selftest netns.sh does, with wireguard-go:
# two namespaces, a veth, keys from `wg genkey`, two daemons, `wg set` on
# each, tunnel addresses, the first ping through the tunnel, teardown.
# wglab's side is `wglab run connect --backend userspace --family ipv4
# -D reps=1`: one pair, the first ping, the capture and its checks, the
# negative control (the same pair with fresh peers: once with the right keys,
# which must connect, once with a stranger's, which must not) and the results.
#
#   connect-vs-shell.sh [ITERATIONS]     (WGLAB: the wglab binary)
#
# WGLAB_BEFORE=/path/to/an/older/wglab adds that binary to the same
# interleaved run, so a change's before and after see the same machine.
set -u
N=${1:-${WGLAB_BENCH_ITERATIONS:-7}}
WGLAB=${WGLAB:-wglab}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (namespaces)"; exit 77; }
for t in ip wg wireguard-go ping "$WGLAB"; do
	command -v "$t" >/dev/null || { echo "skipped: $t not found"; exit 77; }
done
[ -w /dev/net/tun ] || { echo "skipped: /dev/net/tun unavailable"; exit 77; }

tag=wb$$
A=wglab-bench-$$-a B=wglab-bench-$$-b IA=${tag}a IB=${tag}b
out=$(mktemp -d /tmp/wglab-bench-connect.XXXXXX)

# Only what this script made: our two namespaces and the daemons inside them.
teardown() {
	local ns pid
	for ns in "$A" "$B"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	for ns in "$A" "$B"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			while kill -0 "$pid" 2>/dev/null; do sleep 0.001; done
		done
		ip netns del "$ns" 2>/dev/null
	done
}
trap 'teardown; rm -rf "$out"' EXIT

shell_way() {
	local k1 k2 p1 p2
	k1=$(wg genkey) k2=$(wg genkey)
	p1=$(wg pubkey <<<"$k1") p2=$(wg pubkey <<<"$k2")
	ip netns add "$A" && ip netns add "$B" || return 1
	ip -n "$A" link set lo up; ip -n "$B" link set lo up
	ip -n "$A" link add veth0 type veth peer name veth0 netns "$B" || return 1
	ip -n "$A" addr add 198.18.0.1/24 dev veth0
	ip -n "$B" addr add 198.18.0.2/24 dev veth0
	ip -n "$A" link set veth0 up; ip -n "$B" link set veth0 up
	# wireguard-go returns once its TUN and UAPI socket exist (the child inherits them).
	ip netns exec "$A" wireguard-go "$IA" >/dev/null 2>&1 || return 1
	ip netns exec "$B" wireguard-go "$IB" >/dev/null 2>&1 || return 1
	ip netns exec "$A" wg set "$IA" private-key <(echo "$k1") listen-port 51820 \
		peer "$p2" allowed-ips 198.19.0.2/32 endpoint 198.18.0.2:51820 || return 1
	ip netns exec "$B" wg set "$IB" private-key <(echo "$k2") listen-port 51820 \
		peer "$p1" allowed-ips 198.19.0.1/32 endpoint 198.18.0.1:51820 || return 1
	ip -n "$A" addr add 198.19.0.1/24 dev "$IA"; ip -n "$B" addr add 198.19.0.2/24 dev "$IB"
	ip -n "$A" link set "$IA" up; ip -n "$B" link set "$IB" up
	ip netns exec "$A" ping -q -c 1 -W 5 198.19.0.2 >/dev/null || return 1
	teardown
}

wglab_way() {
	"${1:-$WGLAB}" run connect --backend userspace --family ipv4 -D reps=1 --out "$out" \
		>/dev/null 2>&1
}

# Microseconds from bash's own clock: $(date) would add a fork and an exec
# (about 5 ms here) to every figure, both sides'.
now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

shell_t=() wglab_t=() before_t=() failed=0
for ((i = 0; i < N; i++)); do
	# With WGLAB_BEFORE, the two binaries take turns at going first.
	if [ -n "${WGLAB_BEFORE:-}" ] && ((i % 2)); then
		now_us t0; wglab_way "$WGLAB_BEFORE" || { echo "older wglab failed ($i)"; failed=1; }
		now_us t3; before_t+=($((t3 - t0)))
	fi
	now_us t0; shell_way || { echo "shell way failed (iteration $i)"; failed=1; teardown; }
	now_us t1; wglab_way || { echo "wglab run failed (iteration $i)"; failed=1; }
	now_us t2
	shell_t+=($((t1 - t0))) wglab_t+=($((t2 - t1)))
	if [ -n "${WGLAB_BEFORE:-}" ] && ! ((i % 2)); then
		wglab_way "$WGLAB_BEFORE" || { echo "older wglab failed ($i)"; failed=1; }
		now_us t3; before_t+=($((t3 - t2)))
	fi
done
ms=$(printf '%s\n' "${shell_t[@]}" | median) mw=$(printf '%s\n' "${wglab_t[@]}" | median)
mb=$([ ${#before_t[@]} -gt 0 ] && printf '%s\n' "${before_t[@]}" | median || echo 0)
awk -v n="$N" -v s="$ms" -v w="$mw" -v b="$mb" 'BEGIN {
	printf "%-44s %10s\n", "connect, " n " iterations interleaved", "median"
	printf "%-44s %8.1f ms\n", "shell way (ip, wg, wireguard-go, ping)", s / 1000
	printf "%-44s %8.1f ms\n", "wglab run connect (userspace, ipv4, reps=1)", w / 1000
	if (b > 0)
		printf "%-44s %8.1f ms\n", "the same, WGLAB_BEFORE", b / 1000
	printf "%-44s %8.2f x\n", "ratio wglab / shell way", w / s
	if (b > 0)
		printf "%-44s %8.2f x\n", "ratio WGLAB_BEFORE / shell way", b / s
}'

printf 'shell us: %s\nwglab us: %s\n' "${shell_t[*]}" "${wglab_t[*]}"
[ ${#before_t[@]} -gt 0 ] && printf 'before us: %s\n' "${before_t[*]}"
exit $failed
