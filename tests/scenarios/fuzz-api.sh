#!/usr/bin/env bash
# The scenario API fuzzer (tests/scenarios/fuzz-api.lua) as a test: a few
# seeds, a few seconds each. wglab must survive (under ASan+UBSan in the
# sanitizer build: a report aborts it), end with result.json and a pass
# verdict: every error named what was wrong. Without root the script gets no
# node, socket or probe objects and fuzzes the functions and wrong selves.
set -u
# LeakSanitizer's exit-time tracer is a new process in wglab's PID namespace,
# whose init (the reaper) is gone by then: clone fails (ENOMEM) and LSan
# aborts. Address and undefined-behaviour checks stay on.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds=${WGLAB_FUZZ_SECONDS:-2}
fail=0
for seed in ${WGLAB_FUZZ_SEEDS:-1 2 3}; do
	"$WGLAB" run "$WGLAB_SRCDIR/tests/scenarios/fuzz-api.lua" --backend userspace \
		-D seed="$seed" -D seconds="$seconds" --out "$out/$seed" >"$out/log" 2>&1
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIP: $(grep -o '"message": "[^"]*"' "$out/$seed/latest/result.json" | head -1)"
		exit 77
	fi
	summary=$(grep -o 'fuzz-api: .*' "$out/log" | tail -1)
	if [ $rc != 0 ] || [ ! -f "$out/$seed/latest/result.json" ] ||
	   ! grep -q '"verdict": "pass"' "$out/$seed/latest/result.json"; then
		echo "FAIL seed $seed: exit $rc"; tail -40 "$out/log"; fail=1
	else
		echo "ok   seed $seed: $summary"
	fi
done
exit $fail
