#!/usr/bin/env bash
# Make sure a Docker Engine answers on /var/run/docker.sock: install docker.io and iptables if
# missing, start dockerd if it is not running, and wait until `docker info` works. Idempotent.
set -euo pipefail

log() { echo "ensure-docker: $*" >&2; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
  log "installing docker.io and iptables"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  # setsid: the engine must outlive the shell (and process group) that started it.
  setsid nohup dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
fi

for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    log "engine ready"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not become ready in 60 s; see /var/log/dockerd.log"
exit 1
