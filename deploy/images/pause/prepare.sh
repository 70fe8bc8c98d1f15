#!/usr/bin/env bash
# Compile pause.c statically into the build context (argument 1): the image is FROM scratch.
set -euo pipefail
ctx=$1
if ! command -v gcc >/dev/null 2>&1 || [ "$(gcc -print-file-name=libc.a)" = libc.a ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi
gcc -static -Os -Wall -Werror -o "$ctx/pause" "$ctx/pause.c"
strip "$ctx/pause"
