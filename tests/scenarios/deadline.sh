#!/usr/bin/env bash
# The per-case deadline holds whatever the script does: a pcall loop that
# catches the timeout, a wglab.sleep(60) under --timeout 3, and os.exit (an
# error verdict for that case, the next case still runs, result.json is
# written), and a looping __gc (finalizers run without the hook: refused).
# Each case must end with an error verdict within its deadline plus a
# generous grace (a behaviour check, not a benchmark). With root, also one
# long blocking binding call per kind (long-call.lua: iperf, echo, ping,
# wait_running, probe recv) and loops of setup calls (pair, capture).
set -u
# See fuzz-api.sh: LeakSanitizer cannot run at wglab's exit.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
dir="$WGLAB_SRCDIR/tests/scenarios/deadline"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
grace=20
fail=0

verdicts() { grep -o '"verdict": "[a-z]*"' "$out/latest/result.json" | cut -d'"' -f4 | tr '\n' ' '; }

# run NAME TIMEOUT EXPECTED-VERDICTS EXPECTED-MESSAGE [wglab args...]
run() {
	local name=$1 timeout=$2 want=$3 msg=$4 t0 t1 got
	shift 4
	t0=$(date +%s.%N)
	"$WGLAB" run "$@" --timeout "$timeout" --out "$out" >"$out/log" 2>&1
	t1=$(date +%s.%N)
	if [ ! -f "$out/latest/result.json" ]; then
		echo "FAIL $name: no result.json"; cat "$out/log"; fail=1; return
	fi
	got=$(verdicts)
	case "$got" in *skip*) echo "SKIP $name: $(grep -o '"message": "[^"]*"' "$out/latest/result.json" | head -1)"; return 77 ;; esac
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: verdicts '$got', want '$want'"; cat "$out/log"; fail=1
	elif ! grep -q "$msg" "$out/latest/result.json"; then
		echo "FAIL $name: no '$msg' in result.json"; fail=1
	elif awk -v a="$t0" -v b="$t1" -v l="$timeout" -v g="$grace" 'BEGIN{exit !(b-a >= l+g)}'; then
		echo "FAIL $name: took $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}') s, deadline $timeout s"
		fail=1
	else
		echo "ok   $name: $got in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s (timeout $timeout s)"
	fi
}

skipped=0
run pcall-loop 3 "error " "case timed out after 3 s" "$dir/pcall-loop.lua" --backend userspace || skipped=1
run long-sleep 3 "error " "case timed out after 3 s" "$dir/long-sleep.lua" --backend userspace || skipped=1
run gc-loop 3 "error " "__gc is not available" "$dir/gc-loop.lua" --backend userspace || skipped=1
run os-exit 30 "error pass " "os.exit is not available" "$dir/os-exit.lua" --backend userspace || skipped=1
if [ "$(id -u)" = 0 ]; then
	# 1000 connects cannot fit in 1 s: the deadline also cuts waits inside the bindings.
	run connect 1 "error error " "case timed out after 1 s" connect --backend userspace -D reps=1000
	# One blocking call of 600 s (or a loop of setup calls, each with its own
	# timeout of seconds) under --timeout 3: cut at the deadline, inside C.
	for call in iperf echo ping wait_running probe_recv pair capture; do
		run "long-call $call" 3 "error " "case timed out after 3 s" "$dir/long-call.lua" \
			--backend userspace -D call=$call
	done
else
	echo "SKIP connect --timeout 1: needs root for network namespaces"
fi
[ $fail = 0 ] || exit 1
[ $skipped = 0 ] || exit 77
exit 0
