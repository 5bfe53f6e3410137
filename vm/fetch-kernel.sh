#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetches a kernel that `wglab vm` boots: Debian's cloud kernel (it ships
# wireguard.ko, veth, tun, netem) unpacked into a cache directory, without
# installing it on this host. Install-time only; idempotent.
#
#   vm/fetch-kernel.sh [--version V] [CACHE_DIR]
#
# V names a kernel series (`wglab vm --impl NAME=kernel:V`):
#   6.1   linux-image-cloud-amd64, Debian 12's own kernel (the default)
#   6.12  linux-image-6.12-cloud-amd64 (bookworm-security)
# CACHE_DIR defaults to $WGLAB_KERNEL_CACHE, else /var/cache/wglab/kernel.
# The default kernel (6.1) lives in CACHE_DIR itself, any other version in
# CACHE_DIR/V.
# Layout afterwards (DIR = CACHE_DIR or CACHE_DIR/V):
#   DIR/root/           the unpacked package (boot/, lib/modules/KV/)
#   DIR/vmlinuz         -> root/boot/vmlinuz-KV
#   DIR/modules         -> root/lib/modules/KV   (with modules.dep)
#   DIR/release         KV
set -eu

version=
if [ "${1:-}" = "--version" ]; then
	version=${2:?--version needs a value}
	shift 2
fi
cache=${1:-${WGLAB_KERNEL_CACHE:-/var/cache/wglab/kernel}}
case "$version" in
"" | 6.1) meta=linux-image-cloud-amd64 ;;
*) meta=linux-image-$version-cloud-amd64; cache=$cache/$version ;;
esac

say() { echo "fetch-kernel: $*" >&2; }

for tool in apt-get apt-cache dpkg-deb depmod xz; do
	command -v "$tool" >/dev/null 2>&1 || {
		say "$tool not found (Debian host needed)"
		exit 1
	}
done

# The meta package only depends on the versioned image; that one has the files.
image_pkg() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}

pkg=$(image_pkg || true)
if [ -z "$pkg" ]; then
	say "package lists do not know $meta; running apt-get update"
	apt-get update -qq >&2
	pkg=$(image_pkg || true)
fi
[ -n "$pkg" ] || { say "cannot resolve the dependency of $meta"; exit 1; }

kv=${pkg#linux-image-}
if [ -f "$cache/release" ] && [ "$(cat "$cache/release")" = "$kv" ] &&
	[ -s "$cache/root/boot/vmlinuz-$kv" ] &&
	[ -s "$cache/root/lib/modules/$kv/modules.dep" ]; then
	say "$kv already in $cache"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

say "downloading $pkg"
# apt drops privileges to _apt for downloads: let it write the private dir.
chmod 0755 "$work"
if id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
(cd "$work" && apt-get download -q "$pkg" >&2)
deb=$(ls "$work"/*.deb)

say "unpacking into $cache/root"
mkdir "$work/root"
dpkg-deb -x "$deb" "$work/root"
[ -s "$work/root/boot/vmlinuz-$kv" ] || { say "no boot/vmlinuz-$kv in $deb"; exit 1; }
[ -d "$work/root/lib/modules/$kv" ] || { say "no lib/modules/$kv in $deb"; exit 1; }
# Newer kernels ship modules.ko.xz; busybox's modprobe in the guest loads plain .ko only.
find "$work/root/lib/modules/$kv" -name '*.ko.xz' -exec xz -d {} +
find "$work/root/lib/modules/$kv" -name '*.ko.zst' -exec zstd -q --rm -d {} +
# The package ships no modules.dep; depmod builds it (and modules.alias etc.).
depmod -b "$work/root" "$kv"

# Replace atomically enough for a cache: the old tree goes only after the new
# one is complete, and release is written last.
rm -rf "$cache/root.old"
[ -e "$cache/root" ] && mv "$cache/root" "$cache/root.old"
mv "$work/root" "$cache/root"
rm -rf "$cache/root.old"
ln -sfn "root/boot/vmlinuz-$kv" "$cache/vmlinuz"
ln -sfn "root/lib/modules/$kv" "$cache/modules"
echo "$kv" > "$cache/release"
say "ready: $cache/vmlinuz ($kv)"
