#!/usr/bin/env bash
# Make sure the tools the HTTPS tests use are installed: Debian's pebble and pebble-challtestsrv
# (a real ACME server and its DNS on loopback), openssl (test certificates), curl (HTTP/2, brotli)
# and faketime (whole server processes on a skewed clock: lease-skew-servers).
set -euo pipefail

log() { printf '[tls-tools] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

missing=()
{ command -v pebble && command -v pebble-challtestsrv; } >/dev/null || missing+=(pebble) # both in Debian's pebble package
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v faketime >/dev/null || missing+=(faketime)
[ ${#missing[@]} -eq 0 ] && exit 0
log "installing ${missing[*]} via apt-get"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update >&2
as_root apt-get install -y --no-install-recommends "${missing[@]}" >&2
