#!/usr/bin/env bash
# Stops what stack-up.sh started: the four services by their pid files (SIGTERM, then SIGKILL after
# CCP_STACK_STOP_TIMEOUT seconds, default 20), then the infrastructure components that stack-up's
# infra-up.sh call started (infra-down.sh --started). Nothing else is touched.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK="${CCP_STACK_DIR:-$ROOT/out/stack}"
STOP_TIMEOUT="${CCP_STACK_STOP_TIMEOUT:-20}"
log() { printf '[stack-down] %s\n' "$*" >&2; }

for service in loss-allocation default-fund liquidation margin; do
  pid_file="$STACK/$service.pid"
  [ -f "$pid_file" ] || continue
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$service (pid $pid) did not stop in ${STOP_TIMEOUT}s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$service stopped (pid $pid)"
  fi
  rm -f "$pid_file"
done

if [ -f "$STACK/infra.started" ]; then
  bash "$ROOT/infra/scripts/infra-down.sh" --started "$STACK/infra.started" || true
  rm -f "$STACK/infra.started"
fi
