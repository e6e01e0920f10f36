#!/usr/bin/env bash
# Stops what the project's scripts started, and nothing else.
#
#   infra/scripts/infra-down.sh                  stop the broker kafka.sh started (its pid file) and
#                                                PostgreSQL if ensure-db.sh started it
#   infra/scripts/infra-down.sh --started FILE   stop only the components listed in FILE
#                                                (written by infra-up.sh --record FILE)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MARKER="$ROOT/infra/.run/postgres.started"
log() { printf '[infra-down] %s\n' "$*" >&2; }

components="kafka postgres"
if [ "${1:-}" = "--started" ]; then
  file="${2:?--started needs a file}"
  components="$(sort -u "$file" 2>/dev/null | tr '\n' ' ' || true)"
  if [ -z "${components// /}" ]; then
    log "nothing was started by this run; leaving the infrastructure as it was"
    exit 0
  fi
elif [ "$#" -gt 0 ]; then
  echo "usage: $0 [--started FILE]" >&2
  exit 64
fi

status=0
for component in $components; do
  case "$component" in
    kafka)
      if [ -n "${KAFKA_BROKERS:-}" ]; then
        first="${KAFKA_BROKERS%%,*}"
        export KAFKA_PORT="${first##*:}"
      fi
      bash "$ROOT/infra/kafka/kafka.sh" stop || status=1
      ;;
    postgres)
      if [ -f "$MARKER" ]; then
        version="$(cat "$MARKER")"
        log "stopping PostgreSQL $version (started by ensure-db.sh)"
        pg_ctlcluster --skip-systemctl-redirect "$version" main stop || status=1
        rm -f "$MARKER"
      fi
      ;;
    *) log "unknown component '$component'" ;;
  esac
done
exit "$status"
