#!/usr/bin/env bash
# Runs scenarios inside the kernel lab (qemu, stock Debian kernel with
# wireguard.ko): `wglab vm` returns the inner run's exit code, 77 when the
# lab cannot start here (no qemu, kernel not fetched: vm/fetch-kernel.sh).
# NAME [--escape-check] RUN-ARGS...: --escape-check also runs
# tests/vm/lab-escape.sh after the scenarios in the same boot (a boot under
# emulation costs minutes; the check some 30 s).
set -u
name=$1
shift
out="${WGLAB_BUILDDIR:-.}/test-results/vm-$name"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
if [ "${1:-}" = --escape-check ]; then
	shift
	# Run arguments are plain words (scenario names, options): no quoting needed.
	"$WGLAB" vm -q --timeout 1700 --out "$out" --add "$WGLAB_SRCDIR/tests/vm/lab-escape.sh" \
		--sh "wglab run $* --out /out/results; rc=\$?; lab-escape.sh || rc=1; exit \$rc"
else
	"$WGLAB" vm -q --timeout 1700 --out "$out" -- run "$@"
fi
rc=$?
echo "report: $out/latest/report.html (vm console: $out/vm-console.log)"
exit $rc
