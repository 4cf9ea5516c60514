#!/usr/bin/env bash
# Make sure a local image tagged `node:20` exists on the Docker Engine at
# $DOCKER_HOST.  No registry is needed: the image is assembled from this
# machine's own files (busybox-static, the host `node` binary and npm,
# glibc, libstdc++/libgcc_s, CA certificates) and loaded with `docker import`.
#
# Usage: scripts/base-image.sh [--force] [--tag node:20]
#   --force   rebuild even if the tag already exists
#
# If DOCKER_HOST is not set, scripts/docker-engine.sh is used to find/start
# an engine.  Progress goes to stderr; the image id is printed on stdout.
set -euo pipefail

TAG="${OPUS_BASE_IMAGE:-node:20}"
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force|-f) FORCE=1 ;;
    --tag) shift; TAG="${1:?--tag needs a value}" ;;
    --tag=*) TAG="${1#--tag=}" ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "base-image: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[base-image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root to run: $*"
  fi
}

if [ -z "${DOCKER_HOST:-}" ]; then
  log "DOCKER_HOST not set; asking docker-engine.sh"
  DOCKER_HOST="$(bash "$HERE/docker-engine.sh" | tail -n 1)"
  [ -n "$DOCKER_HOST" ] || die "docker-engine.sh gave no DOCKER_HOST"
fi
export DOCKER_HOST
docker version >/dev/null 2>&1 || die "no Docker Engine answers at DOCKER_HOST=$DOCKER_HOST"

if [ "$FORCE" -eq 0 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already present (use --force to rebuild)"
  docker image inspect --format '{{.Id}}' "$TAG"
  exit 0
fi

OLD_ID="$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"

# ---------------------------------------------------------------- inputs ---
NODE_BIN="$(command -v node || true)"
[ -n "$NODE_BIN" ] || die "node not found on this machine"
# Keep node at the path it is installed at here (e.g. /usr/bin/node), but use
# the real file for its content.
NODE_REAL="$(readlink -f "$NODE_BIN")"

command -v dpkg >/dev/null 2>&1 || die "dpkg not found: this script needs a Debian/Ubuntu host"
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
if ! pkg_installed busybox-static || [ ! -x /bin/busybox ]; then
  log "installing busybox-static via apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update >&2
  as_root apt-get install -y busybox-static >&2
fi
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" true || die "static busybox not usable at $BUSYBOX"

NPM_DIR=""
for d in "$(dirname "$NODE_REAL")/../lib/node_modules/npm" /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do
  if [ -f "$d/bin/npm-cli.js" ]; then NPM_DIR="$(readlink -f "$d")"; break; fi
done
[ -n "$NPM_DIR" ] || die "npm not found (looked in /usr/lib/node_modules/npm and /usr/local/lib/node_modules/npm)"

CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
[ -s "$CA_BUNDLE" ] || die "$CA_BUNDLE missing (install ca-certificates)"

# ---------------------------------------------------------------- rootfs ---
WORK="$(mktemp -d "${TMPDIR:-/tmp}/opus-base-image.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
R="$WORK/rootfs"
mkdir -p "$R"

# Mirror the host's top-level layout (merged /usr: /bin -> usr/bin, ...).
for top in bin sbin lib lib64 lib32 libx32; do
  if [ -L "/$top" ]; then
    # always a relative link inside the rootfs (never pointing at the host)
    target="$(readlink -f "/$top")"; target="${target#/}"
    mkdir -p "$R/$target"
    ln -s "$target" "$R/$top"
  elif [ -d "/$top" ]; then
    mkdir -p "$R/$top"
  fi
done
mkdir -p "$R"/{usr/bin,usr/sbin,usr/lib,usr/local/bin,etc,dev,proc,sys,run,var/tmp,root,home/node,tmp}
chmod 1777 "$R/tmp" "$R/var/tmp"
chmod 700 "$R/root"

# copy_path /abs/path: copy one file or symlink into the rootfs at the same
# path (directory part canonicalised so merged-/usr links are respected).
# Symlinks are kept and their targets copied as well (recursively).
copy_path() {
  local src="$1" depth="${2:-0}" dir base dst
  [ "$depth" -lt 16 ] || return 0
  [ -e "$src" ] || [ -L "$src" ] || return 0
  [ -d "$src" ] && [ ! -L "$src" ] && { mkdir -p "$R$(readlink -f "$src")"; return 0; }
  dir="$(readlink -f "$(dirname "$src")")"
  base="$(basename "$src")"
  dst="$R$dir/$base"
  if [ ! -e "$dst" ] && [ ! -L "$dst" ]; then
    mkdir -p "$R$dir"
    cp -a "$src" "$dst"
  fi
  if [ -L "$src" ]; then
    local t
    t="$(readlink "$src")"
    case "$t" in /*) ;; *) t="$dir/$t" ;; esac
    copy_path "$t" $((depth + 1))
  fi
}

log "assembling rootfs in $R"

# glibc: every file of libc6 that exists here (docs skipped).
LIBC_PKG="$(dpkg-query -W -f='${binary:Package}\n' 'libc6' 'libc6:*' 2>/dev/null | head -n 1)"
[ -n "$LIBC_PKG" ] || die "libc6 package not found: cannot enumerate glibc files"
while IFS= read -r f; do
  case "$f" in /usr/share/doc/*|/usr/share/lintian/*|/usr/share/man/*) continue ;; esac
  if [ -L "$f" ] || [ -f "$f" ]; then copy_path "$f"; fi
done < <(dpkg -L "$LIBC_PKG")

# Shared libraries node needs (libstdc++, libgcc_s, ...) + the ELF interpreter.
while IFS= read -r lib; do
  [ -n "$lib" ] && copy_path "$lib"
done < <(ldd "$NODE_REAL" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')

# node itself, at the same path as here (plus the real file if it is a link).
copy_path "$NODE_BIN"
[ -x "$R$NODE_BIN" ] || die "failed to place node at $NODE_BIN"

# npm (+ corepack if present) and their bin shims, relative like the .deb does.
NM_DIR="$(dirname "$NPM_DIR")"                 # e.g. /usr/lib/node_modules
BIN_DIR="$(readlink -f "$(dirname "$NODE_BIN")")"   # e.g. /usr/bin
mkdir -p "$R$NM_DIR"
cp -a "$NPM_DIR" "$R$NM_DIR/"
rel_nm="$(realpath --relative-to="$BIN_DIR" "$NM_DIR")"
ln -sfn "$rel_nm/npm/bin/npm-cli.js" "$R$BIN_DIR/npm"
ln -sfn "$rel_nm/npm/bin/npx-cli.js" "$R$BIN_DIR/npx"
if [ -f "$NM_DIR/corepack/dist/corepack.js" ]; then
  cp -a "$NM_DIR/corepack" "$R$NM_DIR/"
  ln -sfn "$rel_nm/corepack/dist/corepack.js" "$R$BIN_DIR/corepack"
fi

# A node outside the usual bin directories (scripts/node-lts.sh's, under .cache/): on PATH too.
case "$BIN_DIR" in
  /usr/local/bin|/usr/bin|/bin) ;;
  *) for b in node npm npx; do [ -e "$R$BIN_DIR/$b" ] && ln -sfn "$BIN_DIR/$b" "$R/usr/local/bin/$b"; done ;;
esac

# busybox + applet symlinks (never overwriting node/npm or glibc files).
cp "$BUSYBOX" "$R/usr/bin/busybox" 2>/dev/null || cp "$BUSYBOX" "$R/bin/busybox"
BB_IN_ROOT=/usr/bin/busybox; [ -x "$R$BB_IN_ROOT" ] || BB_IN_ROOT=/bin/busybox
while IFS= read -r applet; do
  [ -n "$applet" ] || continue
  # canonicalise the directory via the (mirrored) host layout: bin -> usr/bin
  aname="$(basename "$applet")"
  case "$aname" in busybox|linuxrc) continue ;; esac
  rdir="$R$(readlink -m "$(dirname "/$applet")")"
  mkdir -p "$rdir"
  [ -e "$rdir/$aname" ] || [ -L "$rdir/$aname" ] || ln -s "$BB_IN_ROOT" "$rdir/$aname"
done < <("$BUSYBOX" --list-full 2>/dev/null || "$BUSYBOX" --list | sed 's|^|bin/|')
[ -e "$R/bin/sh" ] || ln -s "$BB_IN_ROOT" "$R/bin/sh"
[ -e "$R/usr/bin/env" ] || ln -s "$BB_IN_ROOT" "$R/usr/bin/env"

# CA certificates (dereferenced so the bundle is a real file).
mkdir -p "$R/etc/ssl"
cp -rL /etc/ssl/certs "$R/etc/ssl/"
[ -f /etc/ssl/openssl.cnf ] && cp -L /etc/ssl/openssl.cnf "$R/etc/ssl/"
[ -s "$R$CA_BUNDLE" ] || die "CA bundle not copied"

# Users, groups, name service, loader config.
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000::/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
cat >"$R/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
node:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 640 "$R/etc/shadow"
cat >"$R/etc/nsswitch.conf" <<'EOF'
passwd:   files
group:    files
shadow:   files
hosts:    files dns
networks: files
services: files
protocols: files
EOF
[ -f /etc/services ] && cp -L /etc/services "$R/etc/services"
[ -f /etc/protocols ] && cp -L /etc/protocols "$R/etc/protocols"
echo 'include /etc/ld.so.conf.d/*.conf' >"$R/etc/ld.so.conf"
chown -R 1000:1000 "$R/home/node"
if command -v ldconfig >/dev/null 2>&1; then
  ldconfig -r "$R" 2>/dev/null || log "ldconfig -r failed (non-fatal; loader uses default paths)"
fi

# ---------------------------------------------------------------- import ---
NODE_VERSION="$("$NODE_REAL" -v)"
NPM_VERSION="$("$NODE_REAL" "$NPM_DIR/bin/npm-cli.js" -v 2>/dev/null || echo unknown)"
log "importing $TAG (node $NODE_VERSION, npm $NPM_VERSION, rootfs $(du -sh "$R" | cut -f1))"
IMAGE_ID="$(tar --numeric-owner -C "$R" -cf - . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' \
  --change "ENV NODE_EXTRA_CA_CERTS=$CA_BUNDLE" \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'ENV NPM_CONFIG_UPDATE_NOTIFIER=false' \
  --change 'WORKDIR /' \
  --change 'CMD ["node"]' \
  --change 'LABEL org.opus.base-image=local-rootfs' \
  --message "opus local base image (node $NODE_VERSION)" \
  - "$TAG")"

# Smoke test (no network needed).
if ! out="$(docker run --rm --network none "$TAG" sh -c 'node -v && npm -v' 2>&1)"; then
  log "smoke test failed:"; printf '%s\n' "$out" >&2
  exit 1
fi
log "built $TAG: $(echo "$out" | tr '\n' ' ')"
# Drop the image this one replaced (best effort; kept if still in use).
if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$IMAGE_ID" ]; then
  docker image rm "$OLD_ID" >/dev/null 2>&1 || true
fi
echo "$IMAGE_ID"
