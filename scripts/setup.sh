#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (root) for Kite: Debian packages, npm dependencies, a running
# Docker Engine and the locally built images. Idempotent: skips whatever is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

# bind9-dnsutils: dig, which the kite-dns tests query it with (a skip for want of it fails the run).
packages=(docker.io iptables iproute2 conntrack etcd-server etcd-client debootstrap ca-certificates openssl bind9-dnsutils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's etcd-server package starts a system etcd on 2379; Kite starts its own where it needs one.
if systemctl is-active --quiet etcd 2>/dev/null; then systemctl stop etcd || true; fi

# npm ci installs exactly the committed lock (and fails when it disagrees with package.json); it
# runs only when node_modules is missing or older than the lock, since it starts from scratch.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash deploy/ensure-docker.sh
if [ "${KITE_SKIP_IMAGES:-}" != 1 ]; then
  bash deploy/build-images.sh
fi
log "ready"
