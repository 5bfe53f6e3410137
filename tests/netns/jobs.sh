#!/usr/bin/env bash
# wglab run --jobs 2 == --jobs 1: the same case ids and verdicts in the same
# order, nothing left running after either run, and a benchmark case
# (connect declares benchmark = true) never overlapped another case: checked
# on the cases' recorded start/end times, an ordering fact, not a timing
# threshold. Then a daemon that leaves a child behind, in two cases at
# once: each worker's own sweep catches its case's leftover, none survives.
set -u
. "$(dirname "$0")/lib.sh"
netns_test_init
fail() { echo "FAIL: $*"; exit 1; }
args=(replay conformance connect --backend all -D reps=1)

for j in 1 2; do
  mark="jobs-$$-$j"
  WGLAB_TEST_MARK=$mark "$WGLAB" run "${args[@]}" --jobs "$j" --out "$out/j$j" \
    >"$out/j$j.log" 2>&1
  rc=$?
  [ "$rc" -le 1 ] || { cat "$out/j$j.log"; fail "--jobs $j exited $rc"; }
  n=$(leftovers "$mark")
  [ "$n" = 0 ] || fail "$n processes of the --jobs $j run still running"
done
grep -q "^jobs: 2 functional cases at a time; benchmark cases ran alone (connect)$" \
  "$out/j2.log" || fail "the console does not state the jobs count"
grep -q "| jobs | 2 functional cases at a time; benchmark cases ran alone (connect) |" \
  "$out/j2/latest/summary.md" || fail "summary.md does not state the jobs count"
ls -a "$out/j2/latest/cases" | grep -q '^\.job-' && fail "a worker's result file was left"

python3 - "$out/j1/latest/result.json" "$out/j2/latest/result.json" <<'PY' || exit 1
import json, sys
serial, par = (json.load(open(p)) for p in sys.argv[1:3])
def ids(run):
    return [(c["scenario"] + "/" + c["name"], c["verdict"]) for c in run["cases"]]
for c in ids(par):
    print(*c)
if ids(serial) != ids(par):
    sys.exit("FAIL: --jobs 2 differs from --jobs 1 (case ids, verdicts or order)")
if not any(v == "pass" for _, v in ids(par)):
    sys.exit("FAIL: no case passed: nothing was compared")
jobs = par.get("jobs", {})
if jobs.get("count") != 2 or jobs.get("benchmarks_alone") != ["connect"]:
    sys.exit("FAIL: run metadata jobs = %r" % jobs)
cases = par["cases"]
for c in cases:
    if not c["started_at"] <= c["ended_at"]:
        sys.exit("FAIL: %s ends before it starts" % c["name"])
bench = [c for c in cases if c["scenario"] in jobs["benchmarks_alone"]]
if not bench:
    sys.exit("FAIL: no benchmark case ran")
for b in bench:
    for c in cases:
        if c is not b and c["started_at"] < b["ended_at"] and b["started_at"] < c["ended_at"]:
            sys.exit("FAIL: benchmark %s overlapped %s" % (b["name"], c["name"]))
overlaps = sum(1 for i, a in enumerate(cases) for b in cases[i + 1:]
               if a["started_at"] < b["ended_at"] and b["started_at"] < a["ended_at"])
print("%d cases, identical; %d benchmark cases ran alone; %d pairs of cases overlapped"
      % (len(cases), len(bench), overlaps))
PY

# A userspace daemon that leaves a sleeper behind (as in escape.sh).
cat >"$out/wg-forks" <<'SH'
#!/bin/sh
[ "$1" = --version ] && exec wireguard-go --version
sleep 600 &
exec wireguard-go -f "$1"
SH
chmod +x "$out/wg-forks"
WGLAB_TEST_MARK="forks-$$" "$WGLAB" run replay --backend userspace --jobs 2 \
  --userspace "$out/wg-forks {ifname}" --out "$out/forks" >"$out/forks.log" 2>&1
python3 - "$out/forks/latest/result.json" <<'PY' || exit 1
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
caught = [c["name"] for c in cases
          if any(k["name"] == "no process outlives the case" and not k["ok"] for k in c["checks"])]
print("escapes caught in", caught)
if len(cases) != 2 or len(caught) != 2:
    sys.exit("FAIL: each of the 2 concurrent cases must report its own escaped process")
PY
n=$(leftovers "forks-$$")
[ "$n" = 0 ] || fail "$n escaped processes of concurrent cases survived"
echo "concurrent escapes: caught per case, nothing left"
