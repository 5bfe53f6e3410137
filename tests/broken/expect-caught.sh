#!/usr/bin/env bash
# Security scenarios against deliberately broken wireguard-go builds
# (tests/broken/build.sh): each scenario must FAIL on the build that breaks
# what it guards, with a failed check (not a script error), and must PASS on
# the unpatched build made from the same source (the control).
# Usage: expect-caught.sh VARIANT SCENARIO [wglab run args...]
set -u
variant=$1 scenario=$2
shift 2
dir=${WGLAB_BROKEN_DIR:-/var/cache/wglab/broken}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
for v in "$variant" stock; do
	[ -x "$dir/wireguard-go-$v" ] ||
		{ echo "SKIP: $dir/wireguard-go-$v missing (bash tests/broken/build.sh $dir)"; exit 77; }
done
out="${WGLAB_BUILDDIR:-.}/test-results/broken-$variant-$scenario"

verdict() { # verdict VARIANT -> exit code of the run; prints failed checks
	local v=$1
	shift
	"$WGLAB" run "$scenario" --backend userspace --out "$out/$v" \
		--userspace "$dir/wireguard-go-$v -f {ifname}" "$@" >"$out.$v.log" 2>&1
	local rc=$?
	python3 - "$out/$v/latest/result.json" "$v" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
impl = run["implementations"].get("userspace", {})
print(f"  {sys.argv[2]}: ran {impl.get('binary')} ({impl.get('version')})")
for c in run["cases"]:
    print(f"    {c['name']}: {c['verdict']}")
    for chk in c.get("checks", []):
        if not chk["ok"]:
            print(f"      failed check: {chk['name']}: {chk.get('detail', '')}")
    if c["verdict"] == "error":
        print("      ERROR: " + (c.get("message") or "").split("\n")[0])
        sys.exit(3)
PY
	local py=$?
	[ $py = 3 ] && return 3
	return $rc
}

mkdir -p "$(dirname "$out")"
verdict "$variant" "$@"
broken=$?
# Several variants share a guarding scenario: the control's verdict on the
# unpatched build is the same for all of them, so it runs once per scenario
# and arguments and is reused while wglab, the scenario and the build are
# unchanged.
key=$(printf '%s\n' "$scenario" "$@" | md5sum | cut -c1-12)
stamp="${WGLAB_BUILDDIR:-.}/test-results/broken-stock-$scenario-$key.rc"
script="${WGLAB_SRCDIR:-.}/scenarios/$scenario.lua"
if [ -f "$stamp" ] && [ "$stamp" -nt "$WGLAB" ] && [ "$stamp" -nt "$script" ] &&
	[ "$stamp" -nt "$dir/wireguard-go-stock" ] && [ "$(cat "$stamp")" = 0 ]; then
	echo "  stock: passed earlier in this build ($stamp)"
	stock=0
else
	verdict stock "$@"
	stock=$?
	echo $stock >"$stamp"
fi
echo "$scenario on wireguard-go-$variant: exit $broken (must be 1); on wireguard-go-stock: exit $stock (must be 0)"
[ $broken = 1 ] && [ $stock = 0 ]
