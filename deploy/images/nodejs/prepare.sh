#!/usr/bin/env bash
# Copies the build machine's Node.js binary into the build context (argument 1).
set -euo pipefail
cp "$(command -v node)" "$1/node"
