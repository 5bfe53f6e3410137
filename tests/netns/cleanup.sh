#!/usr/bin/env bash
# `wglab cleanup` (also run at the start of every `wglab run`) removes the
# visible namespaces (/run/netns/wglab-*) of wglab processes that are dead,
# and nothing else: a live run's stay (also while `wglab cleanup` runs
# next to it), a marker naming a live pid with another start time is a
# reused pid (owner dead: removed), a wglab-* namespace without a marker
# whose pid runs is kept, and nothing without the wglab- prefix is touched.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: needs ip (iproute2)"; exit 77; }
out=$(mktemp -d)
fail=0
fake="wglab-$$-0-cleanuptest"      # marker names a live pid (this shell) with a wrong start time
nomark="wglab-1-0-cleanuptest"     # no marker, pid 1 runs: cannot tell, kept
other="cleanuptest-$$"             # not wglab's at all
trap 'kill -9 $pid 2>/dev/null; ip netns del $nomark 2>/dev/null; ip netns del $other 2>/dev/null;
      ip netns del $fake 2>/dev/null; rm -f /run/wglab/netns/$fake; rm -rf "$out"' EXIT

ours() { ls /run/netns 2>/dev/null | grep -c "^wglab-$1-"; }

"$WGLAB" run connect --backend userspace -f ipv4 --visible --out "$out" >"$out/log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ "$(ours $pid)" -ge 2 ] && break; sleep 0.05; done
live=$(ours $pid)
marker=$(cat /run/wglab/netns/wglab-$pid-0-* 2>/dev/null)
echo "live run $pid: $live visible namespaces, marker '$marker'"
[ "$live" -ge 2 ] || { echo "FAIL: the run never made its namespaces"; fail=1; }
"$WGLAB" cleanup >"$out/c1" 2>&1
n=$(ours $pid)
echo "cleanup while it runs: $(tail -1 "$out/c1"); its namespaces now $n"
[ "$n" -ge 2 ] || { echo "FAIL: cleanup removed a live run's namespaces"; fail=1; }
# its markers must still be there too: the next cleanup may not see it as dead
ls /run/wglab/netns | grep -q "^wglab-$pid-" || { echo "FAIL: live markers removed"; fail=1; }

kill -9 $pid
wait $pid 2>/dev/null
left=$(ours $pid)
echo "after SIGKILL: $left namespaces left under /run/netns"
[ "$left" -ge 1 ] || echo "  (the kill came between two namespaces: nothing to clean)"

ip netns add "$fake" && echo "$$ 1" >/run/wglab/netns/$fake
ip netns add "$nomark"
ip netns add "$other"
"$WGLAB" cleanup >"$out/c2" 2>&1
rc=$?
cat "$out/c2"
n=$(ours $pid)
echo "cleanup after the kill: exit $rc, namespaces of $pid left: $n"
[ "$rc" = 0 ] || { echo "FAIL: cleanup exit $rc"; fail=1; }
[ "$n" = 0 ] || { echo "FAIL: dead run's namespaces not removed"; fail=1; }
ls /run/wglab/netns 2>/dev/null | grep -q "^wglab-$pid-" && { echo "FAIL: dead run's markers left"; fail=1; }
[ -e /run/netns/$fake ] && { echo "FAIL: a reused pid (other start time) was taken for the owner"; fail=1; }
[ -e /run/netns/$nomark ] || { echo "FAIL: removed a namespace whose owner may live"; fail=1; }
[ -e /run/netns/$other ] || { echo "FAIL: removed a namespace that is not wglab's"; fail=1; }
grep -q "^removed /run/netns/$fake " "$out/c2" || { echo "FAIL: removal not reported"; fail=1; }

# every run starts with the same cleanup
"$WGLAB" cleanup >/dev/null 2>&1
"$WGLAB" run connect --backend userspace -f ipv4 --visible --out "$out" >"$out/log2" 2>&1 &
pid=$!
for _ in $(seq 200); do [ "$(ours $pid)" -ge 1 ] && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
before=$(ours $pid)
"$WGLAB" run connect --backend userspace -f ipv4 --out "$out" >"$out/log3" 2>&1
echo "killed run $pid left $before; after the next run: $(ours $pid)"
[ "$(ours $pid)" = 0 ] || { echo "FAIL: a run did not clean up what a killed run left"; fail=1; }
[ $fail = 0 ] && echo "PASS"
exit $fail
