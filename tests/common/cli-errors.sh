#!/usr/bin/env bash
# Bad input gets one clear line naming the flag or file:line, exit code 2,
# and nothing is built: no results directory appears.
set -u
W=$WGLAB
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

expect() { # expect CODE PATTERN -- ARGS...
	local code=$1 pattern=$2
	shift 3
	local out rc
	out=$("$W" "$@" 2>&1)
	rc=$?
	if [ "$rc" != "$code" ] || ! grep -q -- "$pattern" <<<"$out"; then
		echo "FAIL: wglab $* -> exit $rc (want $code), output:"; echo "$out" | sed 's/^/    /'
		fail=1
	else
		echo "ok: wglab $* -> $rc: $(grep -- "$pattern" <<<"$out" | head -1)"
	fi
}

printf 'scenario { name = "x" }\nfunction run(case)\n  local x = = 1\nend\n' >"$tmp/syntax.lua"
printf 'scenario { name = "y", topology = "triple" }\nfunction run(case) end\n' >"$tmp/topo.lua"
printf 'function run(case) end\n' >"$tmp/nodecl.lua"
printf 'scenario { name = "z", params = { n = { default = 0, min = 1 } } }\nfunction run(case) end\n' \
	>"$tmp/baddecl.lua"
printf 'garbage' >"$tmp/bad.pcap"
printf '{"schema": "wglab-result/1",\n oops}' >"$tmp/bad.json"

expect 2 "invalid value for --backend: 'foo': unknown backend 'foo'" -- run --backend foo --out "$tmp/r"
expect 2 "unknown backend 'nope'" -- run --backend userspace:nope --out "$tmp/r"
expect 2 "invalid value for --backend: ',': no backend named" -- run --backend , --out "$tmp/r"
expect 2 "invalid value for --backend: 'bogus': unknown backend 'bogus'" -- bench --backend bogus
expect 2 "invalid value for --timeout: '0' (out of range)" -- run --timeout 0
expect 2 "invalid value for --reps: '1x'" -- bench --reps 1x
expect 2 "unknown option '--bogus'" -- run connect --bogus
expect 2 "no scenario 'nosuch'" -- run nosuch --out "$tmp/r"
expect 2 "invalid value for --define: 'novalue'" -- run -D novalue
expect 2 "invalid value for --family: 'ipv5'" -- run -f ipv5
expect 2 "invalid value for --userspace" -- run --userspace 'wireguard-go -f'
expect 2 "syntax.lua:3:" -- run "$tmp/syntax.lua" --out "$tmp/r"
expect 2 "topology must be" -- run "$tmp/topo.lua" --out "$tmp/r"
expect 2 "no scenario{} declaration" -- run "$tmp/nodecl.lua" --out "$tmp/r"
# --list shows each scenario's parameters: default, range or choices, description.
expect 0 "^    -D reps  *default 3, an integer in 1..1000\$" -- run --list
expect 0 "^    -D how  *default \"link\", one of link, address" -- run --list
expect 0 "^    -D rates  *default \"0,1,5,10\", a comma-separated list of numbers in 0..50: loss rates in %, measured in turn" -- run --list
expect 2 "\-D rates=0,60: loss-connect's rates must be a comma-separated list of numbers in 0..50" -- run loss-connect -D rates=0,60 --out "$tmp/r"
# -D values are checked against the scenarios' parameter declarations before anything runs.
expect 2 "\-D reps=0: connect's reps must be an integer in 1..1000" -- run connect -D reps=0 --out "$tmp/r"
expect 2 "\-D reps=2.5: connect's reps must be an integer" -- run connect -D reps=2.5 --out "$tmp/r"
expect 2 "\-D reps=-3: connect's reps must be an integer in 1..1000" -- run connect -D reps=-3 --out "$tmp/r"
expect 2 "\-D reps=500: roaming's reps must be an integer in 1..100" -- run connect roaming -D reps=500 --out "$tmp/r"
expect 2 "\-D how=xyz: roaming's how must be one of link, address" -- run roaming -D how=xyz --out "$tmp/r"
expect 2 "\-D udp_bitrate=fast: throughput's udp_bitrate must be a number" -- run throughput -D udp_bitrate=fast --out "$tmp/r"
expect 2 "\-D nosuch=1: no selected scenario has a parameter 'nosuch'" -- run connect -D nosuch=1 --out "$tmp/r"
expect 2 "\-D how=link: no selected scenario has a parameter 'how'" -- run connect -D how=link --out "$tmp/r"
expect 2 "baddecl.lua: parameter 'n': the default is not an integer >= 1" -- run "$tmp/baddecl.lua" --out "$tmp/r"
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 2 "bad.pcap" -- pcap summary "$tmp/bad.pcap"
expect 2 "bad.json:2" -- compare "$tmp/bad.json" "$tmp/bad.json"
expect 2 "invalid value for --accel" -- vm --accel xyz -- run
expect 2 "invalid value for --define: 'nosuch=1'" -- bench -D nosuch=1
expect 2 "invalid value for --define: 'reps=0'" -- bench -D reps=0
# A/B: --impl, --gate and --confidence are checked before anything runs.
expect 2 "\-\-impl Base=kernel: the name 'Base' must be 1 to 16" -- run connect --impl Base=kernel --out "$tmp/r"
expect 2 "\-\-impl x=/opt/wg: the template '/opt/wg' must contain {ifname}" -- run connect --impl x=/opt/wg --out "$tmp/r"
expect 2 "\-\-impl a=kernel: the name 'a' is given twice" -- run connect --impl a=kernel --impl a=kernel --out "$tmp/r"
expect 2 "\-\-impl userspace=kernel: the name 'userspace' is reserved" -- run connect --impl userspace=kernel --out "$tmp/r"
expect 2 "invalid value for --backend: 'kernel': unknown implementation 'kernel'" -- run connect --impl a=kernel --impl b=kernel:6.1 -b kernel --out "$tmp/r"
expect 2 "\-\-gate 'tcp_throughput-5%': expected METRIC<PCT% or METRIC>PCT%" -- run throughput --impl a=kernel --impl b=kernel --gate tcp_throughput-5% --out "$tmp/r"
expect 2 "\-\-gate 'tcp_throughput<-5': the threshold must be a number of percent" -- run throughput --impl a=kernel --impl b=kernel --gate 'tcp_throughput<-5' --out "$tmp/r"
expect 2 "\-\-gate needs two implementations" -- run throughput --gate 'tcp_throughput<-5%' --out "$tmp/r"
expect 2 "\-\-confidence '1.5': a level from 0.5 to 0.999" -- run throughput --confidence 1.5 --out "$tmp/r"
# --node: each node is ssh://HOST or local (this host), with its underlay address; both or none.
expect 2 "\-\-node: 'ftp://h': a node is ssh://\[user@\]host\[:port\] or local" -- run connect --node 'a=ftp://h?addr=198.18.0.1' --out "$tmp/r"
expect 2 "\-\-node: local: addr= (the host's underlay address) is required" -- run connect --node a=local --out "$tmp/r"
expect 2 "\-\-node: addr=10.0.0.1: outside 198.18.0.0/15" -- run connect --node 'a=local?addr=10.0.0.1' --out "$tmp/r"
expect 2 "\-\-node: give both a=... and b=... (each ssh://HOST or local" -- run connect --node 'a=local?addr=198.18.0.1' --out "$tmp/r"
expect 2 "\-\-userspace with \-\-node: .*no quote" -- run connect --node 'a=local?addr=198.18.0.1' --node 'b=ssh://h?addr=198.18.0.2' --userspace "wireguard-go '{ifname}'" --out "$tmp/r"
expect 0 "usage: wglab run" -- run --help
if [ -e "$tmp/r" ]; then
	echo "FAIL: a results directory was created for bad input"; fail=1
fi
exit $fail
