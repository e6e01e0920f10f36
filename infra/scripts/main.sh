#!/usr/bin/env bash
# The main job (`npm start`): bring the real infrastructure up, prove it works, run the job, and
# stop only what this run started (CCP_KEEP_INFRA=1 leaves it running).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${CCP_WITH_NODE_READY:-}" ]; then
  exec bash "$ROOT/infra/scripts/with-node.sh" bash "${BASH_SOURCE[0]}" "$@"
fi
cd "$ROOT"

export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:19092}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ccp}"

STARTED="$(mktemp "${TMPDIR:-/tmp}/ccp-main-started.XXXXXX")"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${CCP_KEEP_INFRA:-}" ]; then
    echo "[main] CCP_KEEP_INFRA is set: leaving the infrastructure running (npm run infra:down stops it)" >&2
  else
    bash "$ROOT/infra/scripts/infra-down.sh" --started "$STARTED" || true
  fi
  rm -f "$STARTED"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
bash "$ROOT/infra/scripts/infra-up.sh" --record "$STARTED"
node -r @swc-node/register "$ROOT/infra/scripts/smoke.ts"
echo "infrastructure up and proven in $((SECONDS - started))s (KAFKA_BROKERS=$KAFKA_BROKERS, DATABASE_URL=$DATABASE_URL)"

# --- main job ---
# A clearing-member default through the whole CCP waterfall, run by the four services over Kafka:
# the stack (margin, liquidation, default fund, loss allocation) starts in a fresh topic namespace,
# the scenario's steps are published to the upstream topics, each step settles, and the journals are
# read back from Kafka into $OUT. The embedded engine runs the same scenario into $OUT/embedded for
# comparison. `npm start -- <scenario.json>` runs another scenario.
SCENARIO="${1:-docs/scenarios/ccp-member-default.json}"
OUT="${CCP_OUT:-out/main}"
export CCP_TOPIC_NAMESPACE="${CCP_TOPIC_NAMESPACE:-main-$(date +%Y%m%d%H%M%S).}"
export CCP_STACK_DIR="${CCP_STACK_DIR:-$ROOT/out/stack}"
# the services' signing keys (stack-up.sh makes them once); the audit checks against this keyring
export CCP_JOURNAL_KEYS_DIR="${CCP_JOURNAL_KEYS_DIR:-$CCP_STACK_DIR/keys}"
stop_stack() { bash "$ROOT/infra/scripts/stack-down.sh" >/dev/null 2>&1 || true; }
trap 'rc=$?; stop_stack; (exit $rc); cleanup' EXIT
echo
echo "=== stack: four services in namespace '$CCP_TOPIC_NAMESPACE'"
bash "$ROOT/infra/scripts/stack-up.sh"
echo
echo "=== scenario $SCENARIO through the services"
node -r @swc-node/register "$ROOT/libs/kafka-runtime/src/run-through-services.main.ts" "$SCENARIO" --out "$OUT"
stop_stack
bash "$ROOT/infra/scripts/verify-run.sh" "$SCENARIO" "$OUT"
