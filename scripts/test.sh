#!/usr/bin/env bash
# The whole test suite on a fresh machine: setup (idempotent), typecheck and proto lint, then every
# test (unit, integration with real SQLite/etcd/iptables/Docker, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run lint
KITE_FORBID_PENDING=1 npm test
