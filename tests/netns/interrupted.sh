#!/usr/bin/env bash
# An interrupted run leaves a readable result: result.json is rewritten after
# each case, marked "complete": false until the run ends, so SIGINT, SIGTERM
# and SIGKILL after the first case leave that case on disk; SIGINT/SIGTERM
# say what finished and where; latest only ever points at a folder with a
# result.json; `wglab report` renders the partial run and says it is
# incomplete (console, summary.md, report.html). And a scenario cannot end
# wglab with os.exit.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
out=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null; rm -rf "$out"' EXIT
fail=0
bad() { echo "  FAIL: $*"; fail=1; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

for sig in INT TERM KILL; do
	base="$out/$sig"
	# two cases (ipv4, ipv6): stop during the second
	"$WGLAB" run connect --backend userspace --out "$base" >"$out/log-$sig" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		[ -L "$base/latest" ] && [ ! -e "$base/latest/result.json" ] && bad "latest points at a folder without result.json"
		grep -q '"total": 1' "$base/latest/result.json" 2>/dev/null && break
		sleep 0.1
	done
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	res="$base/latest/result.json"
	echo "SIG$sig: exit $rc; $(tail -1 "$out/log-$sig")"
	[ -f "$res" ] || { bad "no result.json"; continue; }
	complete=$(field "$res" 'd["complete"]')
	n=$(field "$res" 'len(d["cases"])')
	echo "  result.json: complete=$complete, cases=$n, finished=$(field "$res" 'd["finished"]')"
	[ "$complete" = False ] || bad "not marked incomplete"
	[ "$n" -ge 1 ] || bad "the finished case is not in it"
	if [ "$sig" != KILL ]; then
		grep -q "stopped after $n finished cases; partial result (marked incomplete): .*/result.json" \
			"$out/log-$sig" || bad "no note of what finished"
		[ "$rc" = $((128 + $(kill -l $sig))) ] || bad "exit $rc"
	fi
	"$WGLAB" report "$res" >"$out/rep-$sig" 2>&1 || bad "report exit $?"
	grep -q "INCOMPLETE" "$out/rep-$sig" || bad "report does not say incomplete on the console"
	grep -q "Incomplete run" "$base/latest/summary.md" || bad "summary.md not marked"
	grep -q "Incomplete run" "$base/latest/report.html" || bad "report.html not marked"
	echo "  report: $(grep INCOMPLETE "$out/rep-$sig")"
done
# Scenario code cannot end wglab: os.exit is an error verdict, the next case
# still runs and the result is complete.
printf 'scenario { name = "bye", topology = "single", families = { "ipv4", "ipv6" } }\n%s\n' \
	'function run(case) os.exit(3) end' >"$out/bye.lua"
"$WGLAB" run "$out/bye.lua" --backend userspace --out "$out/bye" >"$out/log-bye" 2>&1
rc=$?
res="$out/bye/latest/result.json"
echo "os.exit(3) in a scenario: exit $rc; $(grep -c '"verdict": "error"' "$res" 2>/dev/null) error verdicts"
[ "$rc" = 1 ] || bad "os.exit: exit $rc"
[ "$(grep -c '"verdict": "error"' "$res" 2>/dev/null)" = 2 ] || bad "os.exit: not two error verdicts"
grep -q '"complete": true' "$res" || bad "os.exit: result not complete"
grep -q "os.exit is not available" "$res" || bad "os.exit: the message does not say why"
[ $fail = 0 ] && echo PASS
exit $fail
