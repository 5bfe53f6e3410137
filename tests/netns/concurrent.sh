#!/usr/bin/env bash
# Two wglab runs at once do not collide: same scenario, same interface and
# namespace labels, same results base directory; both must pass, each with
# its own run directory.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$WGLAB" run connect --backend userspace -f ipv4 --out "$out" >"$out/1.log" 2>&1 &
p1=$!
"$WGLAB" run connect --backend userspace -f ipv4 --out "$out" >"$out/2.log" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
runs=$(find "$out" -mindepth 1 -maxdepth 1 -type d | wc -l)
echo "run 1 exit $r1, run 2 exit $r2, run directories: $runs"
tail -1 "$out/1.log" "$out/2.log"
[ "$r1" = 0 ] && [ "$r2" = 0 ] && [ "$runs" = 2 ]
