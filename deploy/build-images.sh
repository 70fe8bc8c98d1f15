#!/usr/bin/env bash
# Build Kite's images locally, with no registry: a Debian base from debootstrap, then the images
# under deploy/images/<name>/ (each a Dockerfile FROM kite/base:bookworm, a `tags` file, and an
# optional prepare.sh run on a copy of the build context). Each image also gets a content-hash
# tag <repo>:h-<hash>; when that tag exists the build is skipped, so reruns take seconds.
# Usage: deploy/build-images.sh [NAME...]   (default: every image). Env: KITE_CACHE_DIR.
set -euo pipefail

deploy=$(cd "$(dirname "$0")" && pwd)
images=$deploy/images
cache=${KITE_CACHE_DIR:-/var/cache/kite}
base_tag=kite/base:bookworm
# Built in this order; all FROM the base.
all_images=(pause nginx busybox nodejs node haproxy)

# The legacy builder reads FROM images from the local engine and needs no buildx plugin.
export DOCKER_BUILDKIT=0

say() { printf '%-16s %s\n' "$1" "$2"; }

# A short hash of every file in a directory (names and contents) plus extra text ($2).
content_hash() {
  {
    printf '%s\n' "${2:-}"
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-12
}

# Untag (and so free) builds of a repository other than the current one; ignores images in use.
prune_stale() {
  local repo=$1 current=$2
  docker images --format '{{.Repository}}:{{.Tag}}' "$repo" | grep ":h-" | grep -vx "$current" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

tag_all() {
  local source=$1
  shift
  for tag in "$@"; do docker tag "$source" "$tag"; done
}

# Sets base_hash, which every image's hash includes.
ensure_base() {
  local hash tarball started
  hash=$(content_hash "$images/base")
  base_hash=$hash
  if image_exists "kite/base:h-$hash"; then
    tag_all "kite/base:h-$hash" "$base_tag"
    say base "reused $base_tag (kite/base:h-$hash)"
  else
    started=$SECONDS
    tarball=$cache/rootfs-$hash.tar
    if [ ! -f "$tarball" ]; then
      say base "debootstrap -> $tarball"
      bash "$images/base/rootfs.sh" "$tarball"
    fi
    docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV LANG=C.UTF-8' \
      -c "LABEL io.kite.build-hash=$hash" \
      -c 'CMD ["bash"]' \
      "$tarball" "kite/base:h-$hash" >/dev/null
    tag_all "kite/base:h-$hash" "$base_tag"
    prune_stale kite/base "kite/base:h-$hash"
    say base "built $base_tag (kite/base:h-$hash) in $((SECONDS - started)) s"
  fi
}

ensure_image() {
  local name=$1 base_hash=$2 dir hash repo context started log
  local -a tags
  dir=$images/$name
  [ -f "$dir/Dockerfile" ] || { echo "build-images: no image named $name" >&2; return 1; }
  mapfile -t tags < <(grep -v '^[[:space:]]*$' "$dir/tags")
  hash=$(content_hash "$dir" "$base_hash")
  repo=${tags[0]%:*}
  if image_exists "$repo:h-$hash"; then
    tag_all "$repo:h-$hash" "${tags[@]}"
    say "$name" "reused ${tags[*]} ($repo:h-$hash)"
    return
  fi
  started=$SECONDS
  context=$(mktemp -d /var/tmp/kite-build-"$name".XXXXXX)
  log=$context.log
  cp -a "$dir/." "$context/"
  if [ -f "$context/prepare.sh" ]; then bash "$context/prepare.sh" "$context"; fi
  if ! docker build --label "io.kite.build-hash=$hash" -t "$repo:h-$hash" "$context" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$context" "$log"
    return 1
  fi
  rm -rf "$context" "$log"
  tag_all "$repo:h-$hash" "${tags[@]}"
  prune_stale "$repo" "$repo:h-$hash"
  say "$name" "built ${tags[*]} ($repo:h-$hash) in $((SECONDS - started)) s"
}

main() {
  local base_hash
  bash "$deploy/ensure-docker.sh"
  mkdir -p "$cache"
  # One build at a time per machine: concurrent test runs share the engine and the cache.
  exec 9>"$cache/build.lock"
  flock 9
  ensure_base
  for name in "${@:-${all_images[@]}}"; do
    ensure_image "$name" "$base_hash"
  done
}

main "$@"
