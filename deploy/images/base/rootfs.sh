#!/usr/bin/env bash
# Make the Debian root filesystem tarball every Kite image starts from, with debootstrap (no
# registry needed). Usage: rootfs.sh OUT.tar. The caller caches the tarball by content hash.
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=config
. "$here/config"

if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

work=$(mktemp -d /var/tmp/kite-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT

debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

# Images stay small and carry no machine-specific state; children run apt-get update themselves.
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/cache/apt/*.bin "$work"/rootfs/var/lib/apt/lists/* \
  "$work"/rootfs/var/log/* "$work"/rootfs/tmp/*
rm -rf "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/info/*
find "$work"/rootfs/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
cp "$here/sources.list" "$work/rootfs/etc/apt/sources.list"
cp "$here/dpkg-nodoc" "$work/rootfs/etc/dpkg/dpkg.cfg.d/kite-nodoc"
cp "$here/apt-slim" "$work/rootfs/etc/apt/apt.conf.d/90kite-slim"
: >"$work/rootfs/etc/hostname"
: >"$work/rootfs/etc/resolv.conf"

tar --numeric-owner -C "$work/rootfs" -cf "$out.partial" .
mv "$out.partial" "$out"
