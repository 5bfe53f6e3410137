# Shared by the netns shell tests: processes a test started are found by a
# marker in their inherited environment (WGLAB_TEST_MARK=...).

# Skips (77) without root or wireguard-go; makes $out, removed on exit.
netns_test_init() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
	command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
}

# Pids of the processes carrying the marker: one grep over every
# /proc/PID/environ, cheap enough to poll on a busy host.
marked_pids() {
	grep -lsazx "WGLAB_TEST_MARK=$1" /proc/[0-9]*/environ | cut -d/ -f3
}

# Prints each leftover's command line on stderr and their number on stdout.
leftovers() {
	local n=0 p
	for p in $(marked_pids "$1"); do
		n=$((n + 1))
		echo "  leftover: $({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)" >&2
	done
	echo "$n"
}
