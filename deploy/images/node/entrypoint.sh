#!/usr/bin/env bash
# PID 1's child in a Kite node container: prepare the node's kernel settings and run its Docker
# Engine. The engine restarts the node's component containers itself (restart policy "always"),
# so a restarted node container comes back as it was.
set -euo pipefail

log() { echo "kite-node: $*" >&2; }

# Network sysctls are per network namespace: these change only this node.
for setting in net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=1 net.bridge.bridge-nf-call-iptables=1; do
  sysctl -qw "$setting" 2>/dev/null || log "sysctl $setting not set (ignored)"
done

# Shared iptables lock between the engine and kube-proxy's container (bind-mounted file).
touch /run/xtables.lock
mkdir -p /var/lib/kite /etc/kite

# Leftovers of an unclean stop (the pid file would make dockerd refuse to start).
rm -f /run/docker.pid /run/docker.sock /run/containerd/containerd.sock

log "starting dockerd"
exec dockerd \
  --host unix:///run/docker.sock \
  --iptables=true \
  --userland-proxy=false \
  --log-driver json-file --log-opt max-size=10m --log-opt max-file=2 \
  ${KITE_DOCKERD_ARGS:-}
