#!/usr/bin/env bash
# Misused network bindings get one-line errors naming the binding, the
# argument and the cause (tests/scenarios/api-errors.lua); needs root.
set -u
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$WGLAB" run "$WGLAB_SRCDIR/tests/scenarios/api-errors.lua" --backend userspace --out "$out" \
	>"$out/log" 2>&1
rc=$?
grep -E "FAIL|error|check" "$out/log" | head -60
[ $rc = 77 ] && exit 77
[ -f "$out/latest/result.json" ] && grep -q '"verdict": "pass"' "$out/latest/result.json" ||
	{ echo "FAIL: exit $rc"; tail -30 "$out/log"; exit 1; }
echo "ok: $(grep -c '"name": "row' "$out/latest/result.json") checks passed"
