#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# config-scale on the kernel backend, in the kernel lab (qemu, TCG: the
# figures are emulated), for hosts without the wireguard module. A benchmark:
# it prints the bench-config table and the lab's own costs, never fails on
# a figure.
#
#   config-scale-lab.sh BENCH-CONFIG [PEERS...]   (default 1000 10000)
#
# WGLAB: the wglab binary. WGLAB_BENCH_MODES as for bench-config. By default
# counts above 1,000 run in the up-bare mode only: with the link up every new
# peer starts a handshake, and 10,000 handshakes and their retries took the
# emulated kernel over 3 minutes for the apply alone; deleting the device of
# 10,000 peers takes minutes more.
set -u
BENCH=${1:?usage: config-scale-lab.sh BENCH-CONFIG [PEERS...]}
shift
PEERS=${*:-1000 10000}
WGLAB=${WGLAB:-wglab}
CACHE=${WGLAB_KERNEL_CACHE:-/var/cache/wglab/kernel}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "skipped: qemu-system-x86_64 not found"; exit 77; }
[ -r "$CACHE/vmlinuz" ] || { echo "skipped: no lab kernel in $CACHE (vm/fetch-kernel.sh)"; exit 77; }

out=$(mktemp -d /tmp/wglab-bench-config-lab.XXXXXX)
trap 'rm -rf "$out"' EXIT
if [ -n "${WGLAB_BENCH_MODES:-}" ]; then
	cmd="WGLAB_BENCH_MODES=$WGLAB_BENCH_MODES bench-config kernel $PEERS"
else
	# A handshake left queued slows the rows after it, and deleting 10,000 peers
	# takes minutes: one row of 10,000 (or more) peers, without handshakes, last.
	small= big=
	for n in $PEERS; do if [ "$n" -le 1000 ]; then small="$small $n"; else big="$big $n"; fi; done
	cmd=true
	[ -z "$small" ] || cmd="WGLAB_BENCH_MODES=no-key,up-bare,down,up bench-config kernel$small"
	[ -z "$big" ] || cmd="$cmd; WGLAB_BENCH_MODES=up-bare bench-config kernel$big"
fi
echo "kernel lab (emulated, TCG): $cmd"
"$WGLAB" vm -q -o "$out" --timeout 1200 --add "$BENCH" --sh "$cmd; cat /proc/loadavg"
rc=$?
# The table as the guest printed it, without the kernel's console lines.
grep -E '^(backend|kernel|  kernel|[0-9.]+ [0-9.]+ [0-9.]+ )' "$out/vm-console.log"
exit $rc
