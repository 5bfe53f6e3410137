#!/usr/bin/env bash
# Runs scenarios inside the kernel lab (qemu, stock Debian kernel with
# wireguard.ko): `wglab vm` returns the inner run's exit code, 77 when the
# lab cannot start here (no qemu, kernel not fetched: vm/fetch-kernel.sh).
set -u
name=$1
shift
out="${WGLAB_BUILDDIR:-.}/test-results/vm-$name"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
"$WGLAB" vm -q --timeout 1700 --out "$out" -- run "$@"
rc=$?
echo "report: $out/latest/report.html (vm console: $out/vm-console.log)"
exit $rc
