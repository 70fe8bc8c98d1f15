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

# kind's fix_dns: on a user-defined Docker network the node's resolver is Docker's embedded one,
# 127.0.0.11, which pods (other network namespaces) cannot reach. The node's default gateway
# takes its place, in resolv.conf (copied by the kubelet into dnsPolicy Default pods, kite-dns
# among them, and the source of ClusterFirst pods' extra search paths) and in the NAT rules
# Docker installed for it, which also get a PREROUTING jump so that queries from pods reach the
# embedded resolver too (route_localnet above lets them be routed to 127.0.0.11). Done at every
# start: a restarted node has a new network namespace with Docker's rules written afresh.
fix_dns() {
  local embedded=127.0.0.11 gateway
  gateway=$(ip -4 route show default | awk '{ print $3; exit }')
  if [ -z "$gateway" ]; then
    log "no default route: DNS left as Docker set it"
    return
  fi
  if iptables-save -t nat | grep -q -- "-d $embedded/32"; then
    iptables-save -t nat \
      | sed -e "s/-d $embedded\/32/-d $gateway\/32/g" \
        -e 's/^-A OUTPUT \(.*\) -j DOCKER_OUTPUT$/&\n-A PREROUTING \1 -j DOCKER_OUTPUT/' \
        -e "s/--to-source :53/--to-source $gateway:53/g" \
      | iptables-restore
  fi
  if grep -q "^nameserver $embedded\$" /etc/resolv.conf; then
    # In place: /etc/resolv.conf is a file Docker bind-mounts.
    local fixed
    fixed=$(sed -e "s/^nameserver $embedded\$/nameserver $gateway/" /etc/resolv.conf)
    printf '%s\n' "$fixed" >/etc/resolv.conf
  fi
  log "DNS: Docker's resolver $embedded reached through $gateway"
}
fix_dns

# Shared iptables lock between the engine and kube-proxy's container (bind-mounted file).
touch /run/xtables.lock
mkdir -p /var/lib/kite /etc/kite

# Leftovers of an unclean stop (the pid file would make dockerd refuse to start).
rm -f /run/docker.pid /run/docker.sock /run/containerd/containerd.sock

# With cgroup v1 and the host's cgroup namespace (Docker's default there), the engine's containers
# would be cgroups beside the node's on the host. Nest them under the node's own, as a kind node's
# containers are, so that the node's limits (`docker update --cpus 1 <node>`) and `docker stats
# <node>` cover its pods, as they would a machine's. (With cgroup v2 the node has a cgroup
# namespace of its own, and its engine's cgroups are nested already.)
cgroup_parent=()
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  self=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3; exit }' /proc/self/cgroup)
  if [ -n "$self" ] && [ "$self" != / ]; then
    cgroup_parent=(--cgroup-parent "$self")
    log "containers nested under the node's cgroup $self"
  fi
fi

log "starting dockerd"
exec dockerd \
  "${cgroup_parent[@]}" \
  --host unix:///run/docker.sock \
  --iptables=true \
  --userland-proxy=false \
  --log-driver json-file --log-opt max-size=10m --log-opt max-file=2 \
  ${KITE_DOCKERD_ARGS:-}
