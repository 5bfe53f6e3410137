#!/usr/bin/env bash
# Kill sweep: SIGKILL wglab at many points of a scenario (every 150 ms
# through `connect`, every 200 ms through the first seconds of `throughput`,
# every other point with --visible) and after each look for anything left:
#   processes      carrying the run's marker in their environment (any PID or
#                  network namespace: daemons, iperf, captures, the reaper)
#   namespaces     /run/netns/wglab-<pid>-* and their owner markers (a
#                  --visible run's are removed by `wglab cleanup`, as every
#                  next run does), and network namespaces held by a leftover
#   mounts         anything of the run in /proc/self/mountinfo
#   veths          in the root namespace (wglab never makes any there)
#   sockets        /var/run/wireguard/*.sock in the root mount namespace
#   results        latest, when it exists, leads to a readable result.json
# Prints the number of kill points and the leftovers, which must be 0.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: needs ip (iproute2)"; exit 77; }
out=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null; rm -rf "$out"' EXIT
pid=
points=0
leftovers=0
root_net=$(readlink /proc/1/ns/net)
veths0=$(ip -o link show type veth 2>/dev/null | wc -l)
socks0=$(ls /var/run/wireguard/*.sock 2>/dev/null | wc -l)

. "$(dirname "$0")/lib.sh"

# A result.json that parses and says whether it is complete (jq is quicker to start than python).
readable() {
	if command -v jq >/dev/null; then
		jq -e '.complete | type == "boolean"' "$1" >/dev/null 2>&1
	else
		python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["complete"] in (True, False)' \
			"$1" 2>/dev/null
	fi
}

found() {
	echo "  point $points ($1): leftover: $2"
	leftovers=$((leftovers + 1))
}

check() {
	local what=$1 mark=$2 visible=$3 left n
	# the kernel tears the reaper's PID namespace down asynchronously: give it a moment
	for _ in $(seq 40); do [ -z "$(marked_pids "$mark")" ] && break; sleep 0.05; done
	left=$(marked_pids "$mark")
	for p in $left; do
		found "$what" "process $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
		[ "$(readlink /proc/$p/ns/net 2>/dev/null)" != "$root_net" ] &&
			found "$what" "network namespace $(readlink /proc/$p/ns/net) held by $p"
	done
	if [ "$visible" = 1 ]; then
		"$WGLAB" cleanup >"$out/cleanup" 2>&1 || found "$what" "wglab cleanup failed: $(cat "$out/cleanup")"
	fi
	for ns in $(ls /run/netns 2>/dev/null | grep "^wglab-$pid-"); do
		found "$what" "/run/netns/$ns ($(ip -n "$ns" -o link show type veth 2>/dev/null | wc -l) veths)"
	done
	ls /run/wglab/netns 2>/dev/null | grep -q "^wglab-$pid-" && found "$what" "owner marker"
	grep -q "wglab-$pid-" /proc/self/mountinfo && found "$what" "mount $(grep "wglab-$pid-" /proc/self/mountinfo)"
	n=$(ip -o link show type veth 2>/dev/null | wc -l)
	[ "$n" -gt "$veths0" ] && found "$what" "$((n - veths0)) veths in the root namespace"
	n=$(ls /var/run/wireguard/*.sock 2>/dev/null | wc -l)
	[ "$n" -gt "$socks0" ] && found "$what" "UAPI socket in /var/run/wireguard"
	if [ -L "$out/r/latest" ]; then
		readable "$out/r/latest/result.json" || found "$what" "latest without a readable result.json"
	fi
}

sweep() {
	local what=$1 step_ms=$2 until_ms=$3 visible=0 mark
	shift 3
	for ((t = 100; t <= until_ms; t += step_ms)); do
		points=$((points + 1))
		visible=$((points % 2))
		mark="sweep-$$-$points"
		WGLAB_TEST_MARK=$mark "$WGLAB" run "$@" $([ $visible = 1 ] && echo --visible) \
			--out "$out/r" >"$out/log" 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((t / 1000)) $((t % 1000)))"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		check "$what at ${t} ms$([ $visible = 1 ] && echo ', visible')" "$mark" $visible
	done
}

sweep connect 150 3100 connect --backend userspace -f ipv4
sweep throughput 200 3000 throughput --backend userspace -f ipv4 -D reps=1 -D duration=3
echo "kill points: $points; leftovers: $leftovers"
[ "$leftovers" = 0 ]
