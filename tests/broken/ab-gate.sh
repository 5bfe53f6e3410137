#!/usr/bin/env bash
# A/B in one run (docs/ab.md) against real wireguard-go builds.
#   ab-gate.sh same: stock wireguard-go under two names, 8 interleaved rounds
#     at --confidence 0.99: the gate must not trip (exit 0) and every
#     tcp_throughput interval must contain 0. Two identical builds still
#     differ by noise: an interval misses 0 about 1 run in 128 here (all 8
#     rounds one way), the price of any test of a confidence interval.
#   ab-gate.sh slow: stock against the `slow` broken build (a stall per data
#     packet), 4 rounds: the gate must trip (exit 1), named in junit.xml as a
#     failed test case, with the figures in the output.
# Both print the A/B section and the gate lines as the run printed them.
set -u
mode=$1
dir=${WGLAB_BROKEN_DIR:-/var/cache/wglab/broken}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
need=(stock)
[ "$mode" = slow ] && need+=(slow)
for v in "${need[@]}"; do
	[ -x "$dir/wireguard-go-$v" ] ||
		{ echo "SKIP: $dir/wireguard-go-$v missing (bash tests/broken/build.sh $dir)"; exit 77; }
done
out="${WGLAB_BUILDDIR:-.}/test-results/ab-$mode"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
stock="$dir/wireguard-go-stock -f {ifname}"
common=(throughput -f ipv4 -D duration=1 -D echo_count=20 --gate 'tcp_throughput<-5%'
	--out "$out")
if [ "$mode" = same ]; then
	"$WGLAB" run "${common[@]}" --impl "base=$stock" --impl "pr=$stock" -b base,pr \
		-D reps=8 --confidence 0.99 >"$out.log" 2>&1
	rc=$? want=0
else
	"$WGLAB" run "${common[@]}" --impl "stock=$stock" \
		--impl "slow=$dir/wireguard-go-slow -f {ifname}" -b stock,slow -D reps=4 \
		>"$out.log" 2>&1
	rc=$? want=1
fi
sed -n '/^A\/B (B - A/,$p' "$out.log"
python3 - "$out/latest" "$mode" "$rc" "$want" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d, mode, rc, want = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
run = json.load(open(d + "/result.json"))
bad = []
if rc != want:
    bad.append(f"exit {rc}, want {want}")
cmp = [c for c in run.get("comparisons", []) if c["metric"] == "tcp_throughput"]
if len(cmp) != 1 or cmp[0]["pairs"] < 4:
    bad.append(f"want one tcp_throughput comparison with >= 4 pairs, got {cmp}")
gates = run.get("gates", [])
tripped = [g for g in gates if g["verdict"] == "fail"]
cases = {c["name"]: c for c in run["cases"]}
for name, c in cases.items():
    if c["verdict"] != "pass":
        bad.append(f"{name}: {c['verdict']}: {c.get('message')}")
    if not c["nodes"] or any(n["impl"] not in name for n in c["nodes"]):
        bad.append(f"{name}: nodes {c['nodes']}")
junit = ET.parse(d + "/junit.xml").getroot()
gate_cases = junit.findall(".//testsuite[@name='gates']/testcase[@name='tcp_throughput<-5%']")
failed = gate_cases and gate_cases[0].find("failure") is not None
for c in cmp:
    print(f"tcp_throughput: estimate {c['estimate_pct']:+.1f}%, "
          f"{c['ci_level'] * 100:.1f}% CI {c['ci_low_pct']:+.1f}..{c['ci_high_pct']:+.1f}%")
if mode == "same":
    if tripped:
        bad.append(f"a gate tripped on identical builds: {tripped}")
    if cmp and not (cmp[0]["ci_low_pct"] <= 0 <= cmp[0]["ci_high_pct"]):
        bad.append("the interval of identical builds misses 0")
    if not gate_cases or failed:
        bad.append("junit.xml: gate test case missing or failed")
else:
    if not tripped:
        bad.append("the gate did not trip on the slow build")
    if cmp and not cmp[0]["ci_high_pct"] < -5:
        bad.append("the interval is not entirely below -5%")
    if not failed:
        bad.append("junit.xml: the gate is not a failed test case")
for b in bad:
    print("FAIL: " + b)
print("1 passed, 0 failed" if not bad else "0 passed, 1 failed")
sys.exit(1 if bad else 0)
PY
