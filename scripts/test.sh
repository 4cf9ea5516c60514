#!/usr/bin/env bash
# The project's test command (npm test): makes sure a Docker Engine answers and the locally made
# base image exists (nothing can be pulled here), compiles, lints (typescript-eslint), then runs every
# test with node's runner on the current Node.js LTS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DOCKER_HOST="$(bash scripts/docker-engine.sh | tail -n 1)"
export DOCKER_HOST
bash scripts/base-image.sh >/dev/null
bash scripts/chromium.sh
bash scripts/tls-tools.sh
# The suite runs on the current Node.js LTS (scripts/node-lts.sh: installed once into .cache/);
# the build containers keep their own image (node:20 above, made from this machine).
PATH="$(bash scripts/node-lts.sh):$PATH"
export PATH
node -v

rm -rf dist
npx tsc -p tsconfig.json
npx eslint .
node --test --test-concurrency=2 --test-reporter=spec "$@" "dist/test/**/*.test.js"
