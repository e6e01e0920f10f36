#!/usr/bin/env bash
# Brings the real infrastructure up, idempotently: the Kafka broker (infra/kafka/kafka.sh) with
# the catalogue's topics, and PostgreSQL with the ccp databases migrated (infra/postgres/ensure-db.sh);
# installs Debian's prometheus server if it is missing and this runs as root (the observability e2e
# starts it itself).
# Something already running is reused, never restarted.
#
#   infra/scripts/infra-up.sh [--record FILE]
#     --record FILE  append one line per component this call started ("kafka", "postgres"), so the
#                    caller can stop exactly those (infra-down.sh --started FILE)
#
# Environment: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/ccp).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RECORD=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --record) RECORD="${2:?--record needs a file}"; shift 2 ;;
    *) echo "usage: $0 [--record FILE]" >&2; exit 64 ;;
  esac
done

export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:19092}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ccp}"
log() { printf '[infra-up] %s\n' "$*" >&2; }
record() { [ -z "$RECORD" ] || printf '%s\n' "$1" >>"$RECORD"; }

started=$SECONDS
bash "$ROOT/infra/scripts/with-node.sh" true

# --- Kafka -----------------------------------------------------------------------------------------
first_broker="${KAFKA_BROKERS%%,*}"
kafka_host="${first_broker%:*}"
kafka_port="${first_broker##*:}"
case "$kafka_host" in
  127.0.0.1 | localhost)
    export KAFKA_PORT="$kafka_port"
    export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((kafka_port + 1))}"
    if bash "$ROOT/infra/kafka/kafka.sh" status >/dev/null; then
      log "Kafka already answers on $first_broker; reusing it"
    else
      bash "$ROOT/infra/kafka/kafka.sh" start
      record kafka
    fi
    ;;
  *)
    log "KAFKA_BROKERS points at $first_broker (not this machine); not starting a local broker"
    ;;
esac
bash "$ROOT/infra/kafka/kafka.sh" create-topics

# --- Prometheus (the observability e2e scrapes the services with the real server) ----------------
if [ -x /usr/bin/prometheus ]; then
  :
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing Debian's prometheus (for the observability e2e)"
  apt-get update -qq >/dev/null
  # the server only (no node exporter and friends); the e2e starts its own on a free port with its
  # own storage, whatever service the package may have started
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
else
  log "no /usr/bin/prometheus: the observability e2e needs it (Debian: apt-get install -y prometheus, or run this script as root)"
fi

# --- PostgreSQL ------------------------------------------------------------------------------------
marker="$ROOT/infra/.run/postgres.started"
had_marker=no
[ -f "$marker" ] && had_marker=yes
bash "$ROOT/infra/postgres/ensure-db.sh"
if [ "$had_marker" = no ] && [ -f "$marker" ]; then record postgres; fi

log "ready in $((SECONDS - started))s: KAFKA_BROKERS=$KAFKA_BROKERS DATABASE_URL=$DATABASE_URL"
