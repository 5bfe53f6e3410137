#!/usr/bin/env bash
# A killed or interrupted wglab leaves nothing behind: no process it started
# (found by a marker in their inherited environment), no namespace, no
# socket file. Checked for SIGINT, SIGTERM and SIGKILL (a "crash") while a
# scenario has namespaces, wireguard-go daemons and captures running.
set -u
. "$(dirname "$0")/lib.sh"
netns_test_init
fail=0

for sig in INT TERM KILL; do
	mark="$sig-$$-$RANDOM"
	WGLAB_TEST_MARK=$mark "$WGLAB" run throughput --backend userspace -f ipv4 \
		-D reps=3 -D duration=5 --out "$out" >"$out/log-$sig" 2>&1 &
	pid=$!
	# wait until daemons run (the scenario's namespaces and children exist)
	for _ in $(seq 100); do
		[ "$(leftovers "$mark" | tail -1)" -ge 3 ] && break
		sleep 0.1
	done
	before=$(leftovers "$mark" | tail -1)
	netns_before=$(ls /run/netns 2>/dev/null | grep -c "^wglab-$pid-")
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	sleep 0.5
	after=$(leftovers "$mark")
	n=$(echo "$after" | tail -1)
	echo "SIG$sig: wglab exit $rc; processes of the run before $before, after $n; visible namespaces $netns_before"
	if [ "$before" -lt 3 ]; then
		echo "  the run never got going: cannot judge"; fail=1
	fi
	if [ "$n" != 0 ]; then
		echo "$after" | head -n -1; fail=1
	fi
	if ls /run/netns 2>/dev/null | grep -q "^wglab-$pid-"; then
		echo "  namespace left in /run/netns"; fail=1
	fi
done
if ls /var/run/wireguard/*.sock >/dev/null 2>&1; then
	echo "UAPI socket left in the root mount namespace: $(ls /var/run/wireguard)"; fail=1
fi
exit $fail
