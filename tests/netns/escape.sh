#!/usr/bin/env bash
# Every process a case starts, and every descendant, dies with the case:
# 1. a userspace command that leaves a background child behind: the case
#    fails with "no process outlives the case" and the child is gone;
# 2. a command that daemonizes (new session, parent exits): nothing survives;
# 3. wglab SIGKILLed while such a child runs: nothing survives either.
# Processes are found by a marker in their inherited environment.
set -u
. "$(dirname "$0")/lib.sh"
netns_test_init
fail=0

# A daemon that forks: a background sleeper next to a normal wireguard-go.
cat >"$out/wg-forks" <<'SH'
#!/bin/sh
[ "$1" = --version ] && exec wireguard-go --version
sleep 600 &
exec wireguard-go -f "$1"
SH
# A daemon that detaches: a new session, the parent exits at once.
cat >"$out/wg-detaches" <<'SH'
#!/bin/sh
setsid sleep 600 </dev/null >/dev/null 2>&1 &
exit 0
SH
chmod +x "$out/wg-forks" "$out/wg-detaches"

run_case() { # name template -> result dir in $out/name
	WGLAB_TEST_MARK="$1-$$" "$WGLAB" run connect --backend userspace -f ipv4 -D reps=1 \
		--userspace "$2" --out "$out/$1" >"$out/$1.log" 2>&1
}

run_case forks "$out/wg-forks {ifname}"
grep -q '"no process outlives the case"' "$out"/forks/*/result.json ||
	{ echo "FAIL forks: the escape was not reported"; fail=1; }
n=$(leftovers "forks-$$")
echo "forks: $n processes left"
[ "$n" = 0 ] || fail=1

run_case detaches "$out/wg-detaches {ifname}"
n=$(leftovers "detaches-$$")
echo "detaches: $n processes left"
[ "$n" = 0 ] || fail=1

WGLAB_TEST_MARK="kill-$$" "$WGLAB" run throughput --backend userspace -f ipv4 -D reps=3 \
	-D duration=5 --userspace "$out/wg-forks {ifname}" --out "$out/kill" >"$out/kill.log" 2>&1 &
pid=$!
# wglab, its reaper, and per node a daemon and its sleeper
for _ in $(seq 300); do
	[ "$(leftovers "kill-$$" 2>/dev/null)" -ge 6 ] && break
	sleep 0.1
done
before=$(leftovers "kill-$$" 2>/dev/null)
kill -KILL "$pid"
wait "$pid" 2>/dev/null
sleep 0.5
n=$(leftovers "kill-$$")
echo "SIGKILL with forked children: $before processes before, $n left"
[ "$before" -ge 6 ] || { echo "FAIL: the scenario never started its daemons"; fail=1; }
[ "$n" = 0 ] || fail=1

[ $fail = 0 ] && echo "PASS: nothing escapes a case"
exit $fail
