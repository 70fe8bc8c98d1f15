#!/usr/bin/env bash
# Brings up Kite on this machine and runs the nginx walkthrough: a control plane (apiserver with
# the embedded SQLite store, scheduler, controller-manager) and simulated nodes as local
# processes, then `kitectl apply -f examples/nginx.yaml`, waits for the rollout and shows the
# result. Idempotent: components already running are reused; the store persists in $KITE_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export KITE_HOME=${KITE_HOME:-/var/lib/kite-local}
port=${KITE_PORT:-6443}
server=127.0.0.1:$port
mkdir -p "$KITE_HOME/run" "$KITE_HOME/logs"

KITE_SKIP_IMAGES=${KITE_SKIP_IMAGES:-1} bash scripts/setup.sh

step() { printf '\n\033[1m%s\033[0m\n' "$*"; }

# start NAME ARGS...: runs bin/NAME in the background unless its pid file names a live process.
start() {
  local name=$1
  shift
  local pidfile=$KITE_HOME/run/$name.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo " ✓ $name already running (pid $(cat "$pidfile"))"
    return
  fi
  setsid nohup node "$root/bin/$name" "$@" >>"$KITE_HOME/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo " ✓ started $name (pid $!, log $KITE_HOME/logs/$name.log)"
}

step "Starting the control plane on $server (store: SQLite in $KITE_HOME/data)"
start kite-apiserver --port "$port" --bind-address 127.0.0.1 --data-dir "$KITE_HOME/data"
for _ in $(seq 1 100); do
  node bin/kitectl --server "$server" get namespaces >/dev/null 2>&1 && break
  sleep 0.2
done
start kite-controller-manager --server "$server"
start kite-scheduler --server "$server"
start kite-hollow-nodes --server "$server" --count 3 --name-prefix kite-node-

kitectl() { node "$root/bin/kitectl" --server "$server" "$@"; }

step "kitectl apply -f examples/nginx.yaml"
kitectl apply -f examples/nginx.yaml
kitectl rollout status deployment/nginx --timeout 120s

step "kitectl get deploy,rs,pods,svc -o wide"
kitectl get deploy,rs,pods,svc -o wide
step "kitectl get nodes"
kitectl get nodes
step "kitectl describe deployment nginx"
kitectl describe deployment nginx

cat <<MSG

Kite is up. Try:
  node bin/kitectl --server $server get pods -w
  node bin/kitectl --server $server scale deployment/nginx --replicas 5
  npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://$server
Stop it with: kill \$(cat $KITE_HOME/run/*.pid)
MSG
