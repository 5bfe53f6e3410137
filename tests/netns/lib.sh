# Shared by the netns shell tests: processes a test started are found by a
# marker in their inherited environment (WGLAB_TEST_MARK=...).

# Prints each leftover's command line on stderr and their number on stdout.
# One grep over every /proc/PID/environ: cheap enough to poll on a busy host.
leftovers() {
	local mark=$1 n=0 f
	for f in $(grep -lsazx "WGLAB_TEST_MARK=$mark" /proc/[0-9]*/environ); do
		n=$((n + 1))
		echo "  leftover: $({ tr '\0' ' ' <"${f%/environ}/cmdline"; } 2>/dev/null)" >&2
	done
	echo "$n"
}
