#!/usr/bin/env bash
# Runs one scenario with `wglab run` and turns its verdict into a test
# result: 0 all cases passed, 1 something failed, 77 everything skipped.
set -u
name=$1 backend=$2
shift 2
out="${WGLAB_BUILDDIR:-.}/test-results/$name-$backend"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
"$WGLAB" run "$name" --backend "$backend" --out "$out" "$@"
rc=$?
echo "report: $out/latest/report.html"
if [ $rc = 77 ]; then
  grep -ho '"message": "[^"]*"' "$out/latest/result.json" | sort -u | sed 's/^/SKIP reason: /'
fi
exit $rc
