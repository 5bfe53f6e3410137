#!/usr/bin/env bash
# Exit codes and messages of result paths: a bad --out (a file, under a
# file, read-only, too long) is a usage error, exit 2 with one line; so is
# `wglab report --out` somewhere unwritable; a full disk names the file and
# "No space left on device", exits 1 and does not print "results: DIR" as if
# all were saved. Disks are small tmpfs mounts in a private mount namespace.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mount namespaces, tmpfs)"; exit 77; }
command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: needs unshare (util-linux)"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
bad() { echo "  FAIL: $*"; fail=1; }
run() { "$WGLAB" run connect --backend userspace -f ipv4 "$@"; }

# the exit code, the number of lines, the output
expect_usage() {
	local what=$1 log=$2 rc=$3
	echo "$what: exit $rc, $(wc -l <"$log") line(s): $(cut -c1-150 "$log")"
	[ "$rc" = 2 ] || bad "$what: exit $rc, not 2"
	[ "$(wc -l <"$log")" = 1 ] || bad "$what: not one line"
}

touch "$out/file"
run --out "$out/file" >"$out/l1" 2>&1; expect_usage "--out a file" "$out/l1" $?
run --out "$out/file/sub" >"$out/l2" 2>&1; expect_usage "--out under a file" "$out/l2" $?
run --out "$out/$(printf 'x%.0s' $(seq 5000))" >"$out/l3" 2>&1; expect_usage "--out too long" "$out/l3" $?
mkdir "$out/ro"
unshare -m sh -c "mount -t tmpfs -o size=1m,ro none '$out/ro' &&
	'$WGLAB' run connect --backend userspace -f ipv4 --out '$out/ro/r'" >"$out/l4" 2>&1
expect_usage "--out read-only" "$out/l4" $?

# a result to render again
run --out "$out/res" >"$out/l5" 2>&1 || bad "a plain run failed: $(tail -3 "$out/l5")"
res="$out/res/latest/result.json"
"$WGLAB" report "$res" --out "$out/file" >"$out/l6" 2>&1; expect_usage "report --out a file" "$out/l6" $?
unshare -m sh -c "mount -t tmpfs -o size=1m,ro none '$out/ro' &&
	'$WGLAB' report '$res' --out '$out/ro'" >"$out/l7" 2>&1
expect_usage "report --out read-only" "$out/l7" $?

# a disk full from the start: not even result.json fits
mkdir "$out/full"
unshare -m sh -c "mount -t tmpfs -o size=64k none '$out/full' &&
	dd if=/dev/zero of='$out/full/fill' bs=4k status=none 2>/dev/null;
	'$WGLAB' run connect --backend userspace -f ipv4 --out '$out/full/r'" >"$out/l8" 2>&1
rc=$?
echo "disk full: exit $rc: $(grep -v 'info:' "$out/l8" | cut -c1-160 | head -3)"
[ "$rc" = 1 ] || bad "disk full: exit $rc, not 1"
grep -q "$out/full/r/.*/result.json: No space left on device" "$out/l8" || bad "disk full: no ENOSPC line naming result.json"
grep -q "^results: " "$out/l8" && bad "disk full: still prints results:"
grep -q "Input/output error" "$out/l8" && bad "disk full: Input/output error"

# a disk that fills during the run (the captures): whatever file hits it is named
unshare -m sh -c "mount -t tmpfs -o size=64k none '$out/full' &&
	'$WGLAB' run connect --backend userspace -f ipv4 --out '$out/full/r'" >"$out/l9" 2>&1
rc=$?
echo "disk fills up: exit $rc: $(grep -v 'info:' "$out/l9" | grep -i 'space\|results' | cut -c1-160 | head -3)"
if [ "$rc" = 0 ]; then
	grep -q "^results: " "$out/l9" || bad "fills up: exit 0 without results:"
	echo "  (everything fit: this step cannot judge)"
else
	grep -q "No space left on device" "$out/l9" || bad "fills up: no 'No space left on device'"
	grep -q "^results: " "$out/l9" && bad "fills up: still prints results:"
	grep -q "Input/output error" "$out/l9" && bad "fills up: Input/output error"
fi
[ $fail = 0 ] && echo PASS
exit $fail
