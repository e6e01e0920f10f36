#!/usr/bin/env bash
# After a scenario ran through the services (run-through-services.main.ts wrote $OUT): the same
# scenario in the embedded engine must give the same defaults, waterfalls and allocations; the
# journal topics must pass the audit byte for byte as Kafka holds them; and the first default's case
# file is written. Used by the main job (main.sh) and the containers e2e (containers-e2e.sh).
#
#   infra/scripts/verify-run.sh <scenario.json> <out dir>
#
# Environment: KAFKA_BROKERS, CCP_TOPIC_NAMESPACE, CCP_JOURNAL_KEYS_DIR (the services' keyring).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${CCP_WITH_NODE_READY:-}" ]; then
  exec bash "$ROOT/infra/scripts/with-node.sh" bash "${BASH_SOURCE[0]}" "$@"
fi
cd "$ROOT"
SCENARIO="${1:?usage: verify-run.sh <scenario.json> <out dir>}"
OUT="${2:?usage: verify-run.sh <scenario.json> <out dir>}"
: "${CCP_JOURNAL_KEYS_DIR:?CCP_JOURNAL_KEYS_DIR names the keys of the services}"
CCP_TOPIC_NAMESPACE="${CCP_TOPIC_NAMESPACE:-}"
OUT_SHOWN="$OUT"
OUT="$(realpath -m "$OUT")"

echo
echo "=== the same scenario in the embedded engine ($OUT_SHOWN/embedded)"
node -r @swc-node/register "$ROOT/libs/cli/src/main.ts" simulate "$SCENARIO" --out "$OUT/embedded" | tail -n 3
node -e '
  const [a, b] = [require(process.argv[1]), require(process.argv[2])];
  const strip = (o) => JSON.stringify(o.defaults);
  console.log(strip(a) === strip(b) ? "defaults, waterfalls and allocations: identical through Kafka and embedded" : "DIFFERENT outcomes through Kafka and embedded");
  if (strip(a) !== strip(b)) process.exit(1);
' "$OUT/outcome.json" "$OUT/embedded/outcome.json"

# The audit of what the services recorded: hash chains, every input re-decided, every default
# conserved and applied, then the case file of the first default (as an auditor would ask for it).
echo
echo "=== audit of the journal topics, byte for byte as Kafka holds them (ccp audit verify --kafka)"
bash "$ROOT/libs/cli/bin/ccp" audit verify --kafka --namespace "$CCP_TOPIC_NAMESPACE" --keyring "$CCP_JOURNAL_KEYS_DIR/keyring.json"
FIRST_DEFAULT="$(node -e 'const o=require(process.argv[1]); if (o.defaults.length) console.log(o.defaults[0].defaultId)' "$OUT/outcome.json")"
if [ -n "$FIRST_DEFAULT" ]; then
  node -r @swc-node/register "$ROOT/libs/cli/src/main.ts" audit default "$FIRST_DEFAULT" --journals "$OUT" --keyring "$CCP_JOURNAL_KEYS_DIR/keyring.json" --html "$OUT/case-file.html" > "$OUT/case-file.json"
  node -e '
    const c = require(process.argv[1]);
    const inv = c.invariants || [];
    console.log(`case file of ${c.defaultId}: ${c.timeline.length} records across the journals, ${(c.tranches||[]).length} tranches, ${inv.filter((i) => i.ok).length}/${inv.length} invariants hold — written to ${process.argv[2]} and case-file.html`);
  ' "$OUT/case-file.json" "$OUT_SHOWN/case-file.json"
fi
