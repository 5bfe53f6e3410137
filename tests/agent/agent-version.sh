#!/bin/bash
# wglab agent on its stdin/stdout without a controller: the greeting refuses
# another wglab version with a message naming both, requests before hello
# are refused, bad lines are refused without ending the agent, and EOF
# leaves no agent directory behind.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the agent makes a namespace)"; exit 77; }
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
ver=$("$WGLAB" --version | cut -d' ' -f2)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

printf '%s\n' '{"id":1,"op":"facts"}' \
	'{"id":2,"op":"hello","args":{"protocol":1,"wglab":"0.0-other"}}' \
	'{"id":3,"op":"facts"}' | "$WGLAB" agent >"$out/o" 2>"$out/e"
rc=$?
check "mismatch: exit 1" '[ $rc = 1 ]'
check "facts before hello refused" 'grep -q "\"id\":1,\"ok\":false,\"error\":\"EPROTO\",\"message\":\"the first request must be hello\"" "$out/o"'
check "mismatch names both versions" 'grep -q "version mismatch: this agent is wglab $ver (protocol 1), the controller is wglab 0.0-other (protocol 1); install the same wglab on both hosts" "$out/o"'
check "mismatch logged on stderr" 'grep -q "version mismatch" "$out/e"'
check "nothing served after a refused greeting" '! grep -q "\"id\":3" "$out/o"'

printf '%s\n' "{\"id\":0,\"op\":\"hello\",\"args\":{\"protocol\":1,\"wglab\":\"$ver\"}}" \
	'not json' '{"id":5,"op":"wg_get","args":{"ifname":"lo"}}' '{"id":6,"op":"clock"}' \
	| "$WGLAB" agent >"$out/o" 2>"$out/e"
rc=$?
dir=$(sed -n 's/.*"dir":"\([^"]*\)".*/\1/p' "$out/o")
check "served until EOF: exit 0" '[ $rc = 0 ]'
check "hello answered" 'grep -q "\"id\":0,\"ok\":true" "$out/o"'
check "a bad line refused with id null" 'grep -q "\"id\":null,\"ok\":false,\"error\":\"EINVAL\"" "$out/o"'
check "a link it did not create refused" 'grep -q "\"id\":5,\"ok\":false,\"error\":\"ENOENT\"" "$out/o"'
check "still serving after refusals" 'grep -q "\"id\":6,\"ok\":true" "$out/o"'
check "its directory ($dir) is gone after EOF" '[ -n "$dir" ] && [ ! -e "$dir" ]'
exit $fail
