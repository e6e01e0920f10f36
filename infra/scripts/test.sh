#!/usr/bin/env bash
# The README's test command (`npm test`): every tier under Jest against the real infrastructure.
#   1. Node >= 22 and dependencies (with-node.sh)
#   2. Kafka + PostgreSQL up, idempotently (infra-up.sh); what was already running is reused
#   3. nx run-many -t test-unit test-int test-e2e, one project at a time
#   4. stop only what step 2 started, whatever the outcome
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${CCP_WITH_NODE_READY:-}" ]; then
  exec bash "$ROOT/infra/scripts/with-node.sh" bash "${BASH_SOURCE[0]}" "$@"
fi
cd "$ROOT"

export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:19092}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ccp}"

STARTED="$(mktemp "${TMPDIR:-/tmp}/ccp-test-started.XXXXXX")"
LOG="$(mktemp "${TMPDIR:-/tmp}/ccp-test-log.XXXXXX")"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  bash "$ROOT/infra/scripts/infra-down.sh" --started "$STARTED" || true
  rm -f "$STARTED" "$LOG"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash "$ROOT/infra/scripts/infra-up.sh" --record "$STARTED"

status=0
nx run-many -t test-unit test-int test-e2e --parallel=1 --outputStyle=stream 2>&1 | tee "$LOG" || status=$?

# One closing line over all Jest runs ("Tests: 2 failed, 40 passed, 42 total" per run).
awk '
  /Tests:/ {
    line = $0; sub(/.*Tests:[ \t]*/, "", line)
    n = split(line, parts, ",")
    for (i = 1; i <= n; i++) {
      if (match(parts[i], /[0-9]+ passed/)) passed += substr(parts[i], RSTART, RLENGTH) + 0
      if (match(parts[i], /[0-9]+ failed/)) failed += substr(parts[i], RSTART, RLENGTH) + 0
      if (match(parts[i], /[0-9]+ skipped/)) skipped += substr(parts[i], RSTART, RLENGTH) + 0
    }
  }
  END { printf "%d passed, %d failed", passed, failed; if (skipped) printf ", %d skipped", skipped; printf "\n" }
' "$LOG"
exit "$status"
