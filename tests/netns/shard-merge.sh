#!/usr/bin/env bash
# wglab run --shard I/N + wglab merge == the unsharded run. The shards'
# case lists partition the full matrix; three shards of `connect replay`
# (one repetition), merged, have the same case ids and verdicts as one
# unsharded run; leaving a shard out is reported.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
args=(connect replay --backend all -D reps=1)

"$WGLAB" run "${args[@]}" --list-cases | sort >"$t/all"
for i in 1 2 3; do
  "$WGLAB" run "${args[@]}" --list-cases --shard "$i/3" >"$t/list$i" || fail "--list-cases --shard $i/3"
done
sort "$t"/list? >"$t/shards"
[ -s "$t/all" ] || fail "no cases listed"
cmp -s "$t/all" "$t/shards" || fail "the shards are not a partition of the matrix"
[ "$(sort -u "$t/shards" | wc -l)" = "$(wc -l <"$t/shards")" ] || fail "a case in two shards"

"$WGLAB" run "${args[@]}" --out "$t/full" >"$t/full.log" 2>&1
for i in 1 2 3; do
  "$WGLAB" run "${args[@]}" --shard "$i/3" --out "$t/s$i" >"$t/s$i.log" 2>&1
done
"$WGLAB" merge "$t/s1/latest" "$t/s2/latest" "$t/s3/latest/result.json" --out "$t/merged" \
  >"$t/merge.log" 2>&1
cat "$t/merge.log"
verdicts() {
  python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["cases"]: print(c["scenario"] + "/" + c["name"], c["verdict"])' \
    "$1" | sort
}
verdicts "$t/full/latest/result.json" >"$t/full.v"
verdicts "$t/merged/result.json" >"$t/merged.v"
cat "$t/merged.v"
diff "$t/full.v" "$t/merged.v" || fail "merged shards differ from the unsharded run"
[ "$(cut -d' ' -f1 "$t/full.v" | sort)" = "$(cat "$t/all")" ] || fail "the run's cases are not the listed ones"
grep -q "missing shards" "$t/merge.log" && fail "a shard reported missing"

"$WGLAB" merge "$t/s1/latest" "$t/s3/latest" --out "$t/partial" >"$t/partial.log" 2>&1
grep -q "missing shards (1): native 2/3" "$t/partial.log" || fail "a left-out shard is not reported"
echo "3 shards merged = the unsharded run ($(wc -l <"$t/full.v") cases)"
