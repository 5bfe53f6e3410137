#!/bin/bash
# Build deliberately broken wireguard-go binaries for wglab's security scenarios.
#
#   bash tests/broken/build.sh [OUTDIR]      (default: $WGLAB_BROKEN_DIR or /var/cache/wglab/broken)
#
# For every tests/broken/patches/<variant>.patch this writes OUTDIR/wireguard-go-<variant>,
# plus OUTDIR/wireguard-go-stock from the same source unpatched (the control). Offline:
# the sources are Debian's GOPATH tree under /usr/share/gocode, built in GOPATH mode
# (GO111MODULE=off), so no module download is ever attempted.
# Needs: golang-go, golang-golang.zx2c4-wireguard-dev (which pulls in
# golang-golang-x-crypto-dev, golang-golang-x-net-dev, golang-golang-x-sys-dev), patch.
#
# Idempotent: each binary is built in a scratch tree and renamed into place; a
# variant whose inputs (source tree, patch, Go version) are unchanged since the
# last successful build is skipped. Go's build cache makes a full rebuild take seconds.
set -euo pipefail

gocode=${WGLAB_GOCODE:-/usr/share/gocode/src}
wgsrc=$gocode/golang.zx2c4.com/wireguard
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
outdir=${1:-${WGLAB_BROKEN_DIR:-/var/cache/wglab/broken}}

die() { echo "build.sh: error: $*" >&2; exit 1; }
say() { echo "build.sh: $*"; }

command -v go >/dev/null || die "go not found (apt-get install golang-go)"
command -v patch >/dev/null || die "patch not found (apt-get install patch)"
[ -f "$wgsrc/device/device.go" ] ||
	die "$wgsrc missing (apt-get install golang-golang.zx2c4-wireguard-dev)"
for dep in golang.org/x/crypto golang.org/x/net golang.org/x/sys; do
	[ -d "$gocode/$dep" ] || die "$gocode/$dep missing (apt-get install golang-${dep//\//-}-dev)"
done
grep -q '"0.0.20220316"' "$wgsrc/version.go" ||
	say "warning: $wgsrc is not wireguard-go 0.0.20220316; patches may not apply"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wglab-broken.XXXXXX")
trap 'rm -rf "$work"' EXIT

# GOPATH mode, no network, no inherited module flags. Keep the user's build cache if
# there is one (that is what makes reruns fast); otherwise keep one next to the output.
export GO111MODULE=off GOFLAGS= GOPROXY=off CGO_ENABLED=0
gocache=$(go env GOCACHE 2>/dev/null || true)
if [ -z "$gocache" ] || [ "$gocache" = off ]; then
	gocache=$outdir/.gocache
fi
export GOCACHE=$gocache

# A fingerprint of everything a binary depends on, to skip unchanged variants.
src_sum=$( (go version; find "$wgsrc" "$gocode/golang.org/x/crypto" "$gocode/golang.org/x/net" \
	"$gocode/golang.org/x/sys" -name '*.go' -type f -printf '%p %s %T@\n' | sort) |
	sha256sum | cut -d' ' -f1)

# build VARIANT [PATCH]
build() {
	local v=$1 p=${2:-} gopath=$work/$1 bin=$outdir/wireguard-go-$1
	local stamp=$outdir/.wireguard-go-$1.stamp sum
	sum=$( (echo "$src_sum"; [ -z "$p" ] || cat "$p"; cat "${BASH_SOURCE[0]}") |
		sha256sum | cut -d' ' -f1)
	if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		say "$v: up to date ($bin)"
		return 0
	fi

	# Whatever happens next, no stale binary of this variant survives a failed rebuild.
	rm -f "$bin" "$stamp"
	# A GOPATH whose golang.org is Debian's, and whose wireguard is a private copy.
	mkdir -p "$gopath/src/golang.zx2c4.com"
	ln -s "$gocode/golang.org" "$gopath/src/golang.org"
	cp -r "$wgsrc" "$gopath/src/golang.zx2c4.com/wireguard"
	local tree=$gopath/src/golang.zx2c4.com/wireguard
	if [ -n "$p" ]; then
		chmod -R u+w "$tree"
		patch -d "$tree" -p1 --batch --fuzz=0 --no-backup-if-mismatch --quiet <"$p" ||
			die "$v: $p does not apply to $wgsrc"
		# Say what it is in --version, so a run's metadata cannot mistake it for stock.
		sed -i "s/^const Version = \"\\(.*\\)\"/const Version = \"\\1+wglab-broken-$v\"/" \
			"$tree/version.go"
	fi
	(cd "$tree" && GOPATH=$gopath go build -trimpath -o "$bin.tmp" .) || die "$v: go build failed"
	"$bin.tmp" --version >/dev/null || die "$v: built binary does not run"
	mv -f "$bin.tmp" "$bin"
	echo "$sum" >"$stamp"
	say "$v: built $bin ($("$bin" --version | head -n1))"
}

start=$(date +%s)
build stock
shopt -s nullglob
patches=("$here"/patches/*.patch)
[ ${#patches[@]} -gt 0 ] || die "no patches in $here/patches"
for p in "${patches[@]}"; do
	v=$(basename "$p" .patch)
	build "$v" "$p"
done
say "all ${#patches[@]} variants + stock in $outdir ($(($(date +%s) - start)) s)"
