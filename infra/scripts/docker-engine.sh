#!/usr/bin/env bash
# A Docker engine for the image builds and the containers e2e, on machines without systemd
# (docs/adr/0010-containers.md): reuses one that answers, else installs Debian's docker.io,
# docker-compose and debootstrap if missing (needs root and apt), and starts dockerd by hand with
# what these machines need (no iptables, vfs storage).
#
#   infra/scripts/docker-engine.sh up [--record FILE]   # FILE gets "dockerd" if this call started it
#   infra/scripts/docker-engine.sh down                 # stops the dockerd this script started
#
# Environment: CCP_DOCKER_ROOT (dockerd's data root, default /var/lib/ccp-docker).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/infra/.run"
PID_FILE="$RUN_DIR/dockerd.pid"
DATA_ROOT="${CCP_DOCKER_ROOT:-/var/lib/ccp-docker}"
log() { printf '[docker-engine] %s\n' "$*" >&2; }
die() { printf '[docker-engine] ERROR: %s\n' "$*" >&2; exit 1; }

engine_answers() { docker info >/dev/null 2>&1; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install -y ${missing[*]}) or run as root"
  log "installing ${missing[*]} from Debian"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

cmd_up() {
  local record=""
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --record) record="${2:?--record needs a file}"; shift 2 ;;
      *) die "usage: $0 up [--record FILE]" ;;
    esac
  done
  install_packages
  if engine_answers; then
    log "a Docker engine answers ($(docker info --format '{{.ServerVersion}}, storage {{.Driver}}')); reusing it"
    return 0
  fi
  mkdir -p "$RUN_DIR" "$DATA_ROOT"
  log "starting dockerd (vfs storage, no iptables, data root $DATA_ROOT)"
  setsid dockerd --iptables=false --storage-driver=vfs --data-root "$DATA_ROOT" \
    --pidfile "$RUN_DIR/dockerd.own.pid" >"$RUN_DIR/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$PID_FILE"
  [ -z "$record" ] || echo dockerd >>"$record"
  local waited=0
  until engine_answers; do
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -n 20 "$RUN_DIR/dockerd.log" >&2; die "dockerd exited"; }
    [ "$waited" -lt 60 ] || die "dockerd did not answer within 60 s (log: infra/.run/dockerd.log)"
    sleep 1; waited=$((waited + 1))
  done
  log "dockerd answers after ${waited}s"
}

cmd_down() {
  [ -f "$PID_FILE" ] || { log "no dockerd started by this script"; return 0; }
  local pid; pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped dockerd (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  *) echo "usage: $0 {up [--record FILE]|down}" >&2; exit 64 ;;
esac
