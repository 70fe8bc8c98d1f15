#!/usr/bin/env bash
# The main job: on a fresh Debian 12 machine (root), install what is missing, build the images,
# create the Kite cluster of kind-config.yaml (one control-plane and two worker node containers,
# every component its own container inside them, TLS, cluster DNS), apply examples/nginx.yaml,
# wait until it is Ready, and show the pods, nginx's answer through the NodePort, and nginx's
# name resolving in a pod (examples/dns-client.yaml). Safe to re-run: a cluster of that name is
# reused (its stopped nodes are started again).
set -euo pipefail
cd "$(dirname "$0")/.."

name=${KITE_CLUSTER:-kite}
step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
kite() { node bin/kite "$@"; }
kitectl() { node bin/kitectl "$@"; }

step "Setting up this machine (Debian packages, npm dependencies, Docker Engine, images)"
bash scripts/setup.sh

if kite get clusters 2>/dev/null | grep -qx "$name"; then
  step "Reusing cluster \"$name\""
  stopped=$(docker ps -aq --filter "label=io.kite.cluster=$name" --filter status=exited --filter status=created)
  if [ -n "$stopped" ]; then
    echo "starting stopped nodes"
    docker start $stopped >/dev/null
  fi
  kite export kubeconfig --name "$name"
else
  step "kite create cluster --config kind-config.yaml --name $name"
  kite create cluster --config kind-config.yaml --name "$name"
fi

step "kitectl apply -f examples/nginx.yaml"
for _ in $(seq 1 60); do kitectl get nodes >/dev/null 2>&1 && break; sleep 1; done
kitectl apply -f examples/nginx.yaml
kitectl rollout status deployment/nginx --timeout 180s

step "kitectl get nodes -o wide"
kitectl get nodes -o wide
step "kitectl get pods -o wide"
kitectl get pods -o wide

port=$(kitectl get service nginx -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).spec.ports[0].nodePort))')
ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"kite-$name\").IPAddress}}" "$name-worker" 2>/dev/null || docker inspect -f "{{(index .NetworkSettings.Networks \"kite-$name\").IPAddress}}" "$name-control-plane")
step "nginx through the NodePort: http://$ip:$port/"
for _ in $(seq 1 30); do
  if node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(3000)}).then(r=>r.text()).then(t=>{process.stdout.write(t)}).catch(()=>process.exit(1))' "http://$ip:$port/"; then
    break
  fi
  sleep 1
done

step "Cluster DNS: kite-dns in kube-system behind the Service kube-dns"
if kitectl get deployment kite-dns -n kube-system >/dev/null 2>&1; then
  kitectl rollout status deployment/kite-dns -n kube-system --timeout 180s
  kitectl get pods,services -n kube-system -l k8s-app=kube-dns -o wide
  kitectl apply -f examples/dns-client.yaml
  for _ in $(seq 1 60); do kitectl exec dns-client -- true >/dev/null 2>&1 && break; sleep 1; done
  step "kitectl exec dns-client -- nslookup nginx.default.svc.cluster.local"
  kitectl exec dns-client -- nslookup nginx.default.svc.cluster.local
  step "kitectl exec dns-client -- wget -qO- http://nginx"
  kitectl exec dns-client -- wget -qO- http://nginx
else
  echo "none: cluster \"$name\" was made by a kite without cluster DNS (delete it and run this again)"
fi

cat <<MSG

Kite cluster "$name" is up (kitectl context kite-$name in ~/.kite/config). Try:
  node bin/kitectl get pods -o wide -w
  node bin/kitectl scale deployment/nginx --replicas 5
  node bin/kitectl exec dns-client -- nslookup nginx.default.svc.cluster.local
  node bin/kite get kubeconfig --name $name
  node bin/kite export logs --name $name
Delete it with: node bin/kite delete cluster --name $name
MSG
