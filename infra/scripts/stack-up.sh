#!/usr/bin/env bash
# Starts the whole stack locally: the infrastructure (infra-up.sh: Kafka + topics, PostgreSQL
# migrated), then the four services as background processes, each with its log and pid under
# out/stack/, and waits until every one answers /health/ready. Idempotent: a service whose pid is
# alive is left running. Stop with infra/scripts/stack-down.sh.
#
# Environment: KAFKA_BROKERS, DATABASE_URL, CCP_TOPIC_NAMESPACE (default empty), OTEL_*,
# CCP_STACK_DIR (default out/stack), CCP_STACK_TIMEOUT (seconds to wait for readiness, default 120).
# Ports: margin 3101, liquidation 3102, default-fund 3103, loss-allocation 3104.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${CCP_WITH_NODE_READY:-}" ]; then
  exec bash "$ROOT/infra/scripts/with-node.sh" bash "${BASH_SOURCE[0]}" "$@"
fi
cd "$ROOT"

export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:19092}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ccp}"
export CCP_TOPIC_NAMESPACE="${CCP_TOPIC_NAMESPACE:-}"
STACK="${CCP_STACK_DIR:-$ROOT/out/stack}"
TIMEOUT="${CCP_STACK_TIMEOUT:-120}"
log() { printf '[stack-up] %s\n' "$*" >&2; }

declare -A PORTS=([margin]=3101 [liquidation]=3102 [default-fund]=3103 [loss-allocation]=3104)
SERVICES=(margin liquidation default-fund loss-allocation)

mkdir -p "$STACK"
bash "$ROOT/infra/scripts/infra-up.sh" --record "$STACK/infra.started"

# Each service signs its journal's heads with its own Ed25519 key (docs/adr/0007); the stack's keys
# are made once and kept (a deployment brings its own: CCP_JOURNAL_KEYS_DIR, or per service
# CCP_SIGNING_KEY_FILE + CCP_JOURNAL_KEYRING_FILE).
export CCP_JOURNAL_KEYS_DIR="${CCP_JOURNAL_KEYS_DIR:-$STACK/keys}"
if [ ! -f "$CCP_JOURNAL_KEYS_DIR/keyring.json" ]; then
  node -r @swc-node/register "$ROOT/libs/cli/src/main.ts" keys generate --out "$CCP_JOURNAL_KEYS_DIR" >&2
fi
# The read API takes bearer tokens (docs/adr/0008); this stack's token issuer keeps its key pair
# beside the journal keys (the services read only the public half): issue tokens with
#   npm run ccp -- tokens issue --key "$CCP_JOURNAL_KEYS_DIR/read-api-issuer.key.pem" --auditor
if [ -z "${CCP_READ_API_JWT_PUBLIC_KEY_FILE:-}" ] && [ ! -f "$CCP_JOURNAL_KEYS_DIR/read-api-issuer.public.pem" ]; then
  node -r @swc-node/register "$ROOT/libs/cli/src/main.ts" tokens keys --out "$CCP_JOURNAL_KEYS_DIR" >&2
fi
if [ -n "$CCP_TOPIC_NAMESPACE" ]; then
  node -r @swc-node/register "$ROOT/infra/kafka/create-topics.ts"
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

for service in "${SERVICES[@]}"; do
  pid_file="$STACK/$service.pid"
  if alive "$pid_file"; then
    log "$service already running (pid $(cat "$pid_file"))"
    continue
  fi
  HTTP_PORT="${PORTS[$service]}" nohup node -r @swc-node/register "$ROOT/services/$service/src/main.ts" >>"$STACK/$service.log" 2>&1 &
  echo $! >"$pid_file"
  log "$service started (pid $!, port ${PORTS[$service]}, log $STACK/$service.log)"
done

deadline=$((SECONDS + TIMEOUT))
for service in "${SERVICES[@]}"; do
  port="${PORTS[$service]}"
  until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    if ! alive "$STACK/$service.pid"; then
      log "ERROR: $service exited; last lines of its log:"
      tail -n 20 "$STACK/$service.log" >&2 || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "ERROR: $service not ready after ${TIMEOUT}s (http://127.0.0.1:$port/health/ready); see $STACK/$service.log"
      exit 1
    fi
    sleep 0.5
  done
  log "$service ready on http://127.0.0.1:$port"
done
log "stack up: ${SERVICES[*]} (namespace '${CCP_TOPIC_NAMESPACE}'); stop with infra/scripts/stack-down.sh"
