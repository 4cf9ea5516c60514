#!/usr/bin/env bash
# Make a local base image for the Opus server image: node and npm (the `node:24` image that
# scripts/base-image.sh assembles from this machine with the LTS of scripts/node-lts.sh) plus git, which the server runs at run
# time: /usr/bin/git, /usr/lib/git-core (git-remote-https included), the templates in
# /usr/share/git-core, the shared libraries `ldd` reports for git and git-remote-https, and the
# CA certificates. Nothing is pulled from a registry.
#
# Usage: scripts/server-base-image.sh [--force] [--tag opus-server-base:local]
#   The image is labelled with a fingerprint of its inputs (the node:24 image id, git's version
#   and libraries); it is rebuilt only when they change, or with --force.
# Progress goes to stderr; the image tag is printed on stdout.
set -euo pipefail

TAG="${OPUS_SERVER_BASE_IMAGE:-opus-server-base:local}"
NODE_IMAGE="${OPUS_BASE_IMAGE:-node:24}"
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force|-f) FORCE=1 ;;
    --tag) shift; TAG="${1:?--tag needs a value}" ;;
    --tag=*) TAG="${1#--tag=}" ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "server-base-image: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[server-base-image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST="$(bash "$HERE/docker-engine.sh" | tail -n 1)"
fi
export DOCKER_HOST
docker version >/dev/null 2>&1 || die "no Docker Engine answers at DOCKER_HOST=$DOCKER_HOST"

# node + npm: the image base-image.sh makes (it keeps an existing one), with the Node.js LTS
# that scripts/node-lts.sh installs (the server runs on it; builds keep their own image).
PATH="$(bash "$HERE/node-lts.sh"):$PATH" OPUS_BASE_IMAGE="$NODE_IMAGE" bash "$HERE/base-image.sh" >/dev/null
NODE_IMAGE_ID="$(docker image inspect --format '{{.Id}}' "$NODE_IMAGE")"

GIT_BIN="$(command -v git || true)"
[ -n "$GIT_BIN" ] || die "git not found on this machine (apt-get install git)"
GIT_CORE="$(git --exec-path)"
GIT_REMOTE_HTTPS="$GIT_CORE/git-remote-https"
[ -x "$GIT_REMOTE_HTTPS" ] || die "$GIT_REMOTE_HTTPS missing"
TEMPLATES=/usr/share/git-core/templates
libs() { ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u; }

FINGERPRINT="$( { echo "$NODE_IMAGE_ID"; git --version; readlink -f "$GIT_BIN"; libs "$GIT_BIN" "$GIT_REMOTE_HTTPS"; } | sha256sum | cut -c1-16)"
if [ "$FORCE" -eq 0 ] && [ "$(docker image inspect --format '{{index .Config.Labels "org.opus.inputs"}}' "$TAG" 2>/dev/null || true)" = "$FINGERPRINT" ]; then
  log "$TAG is up to date ($FINGERPRINT)"
  echo "$TAG"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/opus-server-base.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
R="$WORK/rootfs"
mkdir -p "$R"

# One file or symlink at the same (canonical-directory) path, with the targets of symlinks.
copy_path() {
  local src="$1" depth="${2:-0}" dir dst
  [ "$depth" -lt 16 ] || return 0
  [ -e "$src" ] || [ -L "$src" ] || return 0
  dir="$(readlink -f "$(dirname "$src")")"
  dst="$R$dir/$(basename "$src")"
  if [ ! -e "$dst" ] && [ ! -L "$dst" ]; then
    mkdir -p "$R$dir"
    cp -a "$src" "$dst"
  fi
  if [ -L "$src" ]; then
    local t; t="$(readlink "$src")"
    case "$t" in /*) ;; *) t="$dir/$t" ;; esac
    copy_path "$t" $((depth + 1))
  fi
}

log "collecting git $(git --version | cut -d' ' -f3) from this machine"
GIT_REAL="$(readlink -f "$GIT_BIN")"
copy_path "$GIT_BIN"
# git-core holds ~150 hard links to the git binary (and a few among the remote helpers): each
# becomes a symlink to the first path of its inode, so the image holds every binary once.
declare -A FIRST=(["$(stat -c %i "$GIT_REAL")"]="$GIT_REAL")
CORE_DIR="$(readlink -f "$GIT_CORE")"
mkdir -p "$R$CORE_DIR"
while IFS= read -r -d '' f; do
  rel="${f#"$CORE_DIR"/}"
  if [ -d "$f" ] && [ ! -L "$f" ]; then mkdir -p "$R$CORE_DIR/$rel"; continue; fi
  inode="$(stat -c %i "$f")"
  if [ ! -L "$f" ] && [ -n "${FIRST[$inode]:-}" ]; then ln -s "${FIRST[$inode]}" "$R$CORE_DIR/$rel"; continue; fi
  [ -L "$f" ] || FIRST[$inode]="$f"
  cp -a "$f" "$R$CORE_DIR/$rel"
done < <(find "$CORE_DIR" -mindepth 1 -print0)
[ -d "$TEMPLATES" ] && { mkdir -p "$R$(dirname "$TEMPLATES")"; cp -a "$TEMPLATES" "$R$TEMPLATES"; }
while IFS= read -r lib; do copy_path "$lib"; done < <(libs "$GIT_BIN" "$GIT_REMOTE_HTTPS")
mkdir -p "$R/etc/ssl"
cp -rL /etc/ssl/certs "$R/etc/ssl/"

cat >"$WORK/Dockerfile" <<DOCKERFILE
FROM $NODE_IMAGE
COPY rootfs/ /
ENV GIT_TERMINAL_PROMPT=0
DOCKERFILE
log "building $TAG on $NODE_IMAGE (rootfs $(du -sh "$R" | cut -f1))"
DOCKER_BUILDKIT=0 docker build --quiet --label "org.opus.inputs=$FINGERPRINT" --label org.opus.base-image=local-rootfs -t "$TAG" "$WORK" >&2

# Smoke test: git runs, makes a repository, and its HTTPS helper finds all its libraries.
out="$(docker run --rm --network none "$TAG" sh -c 'git --version && node -v && npm -v && git init -q /tmp/r && git -C /tmp/r status --short && { git remote-https x 2>&1 || true; }')" || die "smoke test failed: $out"
case "$out" in *"error while loading shared libraries"*) die "git-remote-https lacks a library: $out" ;; esac
log "built $TAG: $(echo "$out" | head -n 3 | tr '\n' ' ')"
echo "$TAG"
