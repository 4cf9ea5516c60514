#!/usr/bin/env bash
# Ensure a Docker Engine answers and print the DOCKER_HOST to use.
#
# The LAST line on stdout is the DOCKER_HOST value, alone; everything else
# goes to stderr.  Typical use:
#   export DOCKER_HOST="$(bash scripts/docker-engine.sh)"
#
# Order of preference:
#   1. $DOCKER_HOST, if set and `docker version` answers on it;
#   2. the default socket unix:///var/run/docker.sock;
#   3. a private dockerd on unix:///run/opus-docker/docker.sock (reused if
#      already running, otherwise started here; docker.io is apt-installed
#      if dockerd is missing).  The private daemon has no bridge, no
#      iptables rules and creates no networks: containers get either no
#      network (default) or `--network host`.
set -euo pipefail

PRIV_DIR=/run/opus-docker
PRIV_SOCK="$PRIV_DIR/docker.sock"
PRIV_HOST="unix://$PRIV_SOCK"
PRIV_PID="$PRIV_DIR/docker.pid"
PRIV_LOG="$PRIV_DIR/dockerd.log"
PRIV_DATA=/var/lib/opus-docker
PRIV_EXEC="$PRIV_DIR/exec"
WAIT_SECS="${OPUS_DOCKER_WAIT_SECS:-300}"

log() { printf '[docker-engine] %s\n' "$*" >&2; }

# `docker version` answers on the given host (needs both client and server).
engine_answers() {
  command -v docker >/dev/null 2>&1 || return 1
  timeout 10 docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else log "need root to run: $*"; return 1
  fi
}

# 1. Caller-provided DOCKER_HOST.
if [ -n "${DOCKER_HOST:-}" ]; then
  if engine_answers "$DOCKER_HOST"; then
    log "using existing DOCKER_HOST=$DOCKER_HOST"
    echo "$DOCKER_HOST"
    exit 0
  fi
  log "DOCKER_HOST=$DOCKER_HOST does not answer; looking further"
fi

# 2. Default socket.
if [ -S /var/run/docker.sock ] && engine_answers unix:///var/run/docker.sock; then
  log "using default socket"
  echo "unix:///var/run/docker.sock"
  exit 0
fi

# 3. Private engine, already running?
if [ -S "$PRIV_SOCK" ] && engine_answers "$PRIV_HOST"; then
  log "reusing private engine on $PRIV_HOST"
  echo "$PRIV_HOST"
  exit 0
fi

# Install the engine if needed (fresh CI machine).
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  log "dockerd/docker not found; installing docker.io via apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update >&2
  as_root apt-get install -y docker.io >&2
  hash -r
fi
command -v dockerd >/dev/null 2>&1 || { log "dockerd still not found after install"; exit 1; }

as_root mkdir -p "$PRIV_DIR" "$PRIV_EXEC" "$PRIV_DATA"

# A stale daemon of ours that no longer answers: stop it (by pidfile only).
if [ -s "$PRIV_PID" ]; then
  old_pid="$(cat "$PRIV_PID" 2>/dev/null || true)"
  if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
    if [ "$(cat "/proc/$old_pid/comm" 2>/dev/null)" = dockerd ]; then
      # It may simply still be starting up: give it a chance first.
      grace_end=$((SECONDS + 20))
      while [ "$SECONDS" -lt "$grace_end" ]; do
        if engine_answers "$PRIV_HOST"; then
          log "reusing private engine on $PRIV_HOST (pid $old_pid)"
          echo "$PRIV_HOST"
          exit 0
        fi
        sleep 1
      done
      log "private dockerd pid $old_pid does not answer; stopping it"
      as_root kill -CONT "$old_pid" 2>/dev/null || true
      as_root kill "$old_pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$old_pid" 2>/dev/null && as_root kill -9 "$old_pid" 2>/dev/null || true
    fi
  fi
  as_root rm -f "$PRIV_PID"
fi
as_root rm -f "$PRIV_SOCK"
# No daemon of ours runs now. Network sandboxes left by a daemon that was killed with containers
# still attached are replayed one by one at start (minutes for a few hundred, seen in CI); this
# engine has no networks of its own, so its network state is dropped instead. Images are kept.
as_root rm -rf "$PRIV_DATA/network"

log "starting private dockerd on $PRIV_HOST (log: $PRIV_LOG)"
# setsid + nohup: the daemon outlives this script and its process group.
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)
${SUDO[@]+"${SUDO[@]}"} setsid nohup dockerd \
  --host "$PRIV_HOST" \
  --data-root "$PRIV_DATA" \
  --exec-root "$PRIV_EXEC" \
  --pidfile "$PRIV_PID" \
  --bridge=none \
  --iptables=false \
  --ip6tables=false \
  >"$PRIV_LOG" 2>&1 </dev/null &
DOCKERD_PID=$!
disown || true

deadline=$((SECONDS + WAIT_SECS))
until engine_answers "$PRIV_HOST"; do
  if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
    log "private dockerd exited during startup; log tail:"
    tail -n 40 "$PRIV_LOG" >&2 2>/dev/null || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "private dockerd did not answer within ${WAIT_SECS}s; log tail:"
    tail -n 40 "$PRIV_LOG" >&2 2>/dev/null || true
    # do not leave a half-started daemon behind (only the one we started)
    as_root kill "$DOCKERD_PID" 2>/dev/null || true
    exit 1
  fi
  sleep 1
done

log "private engine up: $(docker -H "$PRIV_HOST" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null || true)"
echo "$PRIV_HOST"
