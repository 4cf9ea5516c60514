#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the dashboard's browser test
# (playwright-core drives it; no browser is ever downloaded). Installs the `chromium` package
# when it is missing.
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
log "installing Debian's chromium via apt-get"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update >&2
as_root apt-get install -y --no-install-recommends chromium >&2
[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium still missing after install"; exit 1; }
