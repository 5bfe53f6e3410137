#!/bin/sh
# Runs inside the kernel lab (busybox sh), after a lab test's scenarios, in
# the same VM boot (tests/scenarios/run-vm.sh --escape-check): the process
# escape guarantee holds in the lab too. A userspace command that leaves a
# background child behind fails its case ("no process outlives the case"),
# and neither it nor a daemonizing command leaves a process behind.
# Processes are found by a marker in their inherited environment.
dir=$(mktemp -d)
fail=0
cat >"$dir/wg-forks" <<'SH'
#!/bin/sh
[ "$1" = --version ] && exec wireguard-go --version
sleep 600 &
exec wireguard-go -f "$1"
SH
cat >"$dir/wg-detaches" <<'SH'
#!/bin/sh
setsid sleep 600 </dev/null >/dev/null 2>&1 &
exit 0
SH
chmod +x "$dir/wg-forks" "$dir/wg-detaches"

left() {
	grep -lsazx "WGLAB_TEST_MARK=$1" /proc/[0-9]*/environ | grep -cv "^/proc/$$/"
}

for how in forks detaches; do
	WGLAB_TEST_MARK="lab-$how" wglab run connect --backend userspace -f ipv4 -D reps=1 \
		--userspace "$dir/wg-$how {ifname}" --out "$dir/$how" >"$dir/$how.log" 2>&1
	n=$(left "lab-$how")
	echo "lab-escape $how: $n processes left"
	[ "$n" = 0 ] || fail=1
done
if ! grep -qs '"no process outlives the case"' "$dir"/forks/*/result.json; then
	echo "lab-escape FAIL: the forked child was not reported"
	tail -20 "$dir/forks.log"
	fail=1
fi
[ $fail = 0 ] && echo "lab-escape PASS: nothing escapes a case in the lab"
exit $fail
