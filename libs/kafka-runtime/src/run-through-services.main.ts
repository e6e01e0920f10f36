/**
 * Feeds a scenario into the running stack's upstream topics (settle mode), reads the four journals
 * back from Kafka and writes them as file journals — the same layout `ccp simulate --out` writes —
 * so `ccp audit verify` / `ccp audit default` work on what the services actually recorded.
 *
 *   node -r @swc-node/register libs/kafka-runtime/src/run-through-services.main.ts <scenario.json> --out <dir>
 *
 * Environment: KAFKA_BROKERS, CCP_TOPIC_NAMESPACE (the stack's namespace), the journals' keyring
 * (CCP_JOURNAL_KEYS_DIR or CCP_JOURNAL_KEYRING_FILE).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, parseUntrustedJson, PRODUCERS } from '@ccp/contracts';
import { exportJournals } from './journal-export';
import { keyringFromEnvironment } from './journal-keys';
import { createKafka } from './kafka-client';
import { runScenarioThroughKafka } from './scenario-feeder';
import { topology } from './topology';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: run-through-services <scenario.json> --out <dir>\n`);
  process.exit(2);
}

async function main(argv: readonly string[]): Promise<void> {
  const file = argv[0];
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : undefined;
  if (!file || file.startsWith('--')) usage('a scenario file is required');
  if (!out) usage('--out <dir> is required');
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',').map((b) => b.trim());
  const namespace = process.env['CCP_TOPIC_NAMESPACE'] ?? '';
  let scenario: unknown;
  try {
    const json = parseUntrustedJson(readFileSync(file, 'utf8'));
    if (!json.ok) throw new Error(json.path === '' ? json.message : `${json.path}: ${json.message}`);
    scenario = json.value;
  } catch (error) {
    usage(`cannot read ${file}: ${(error as Error).message}`);
  }

  const started = performance.now();
  let steps = 0;
  const keyring = keyringFromEnvironment();
  const result = await runScenarioThroughKafka(scenario, {
    brokers,
    namespace,
    keyring,
    onStep: () => {
      steps += 1;
      if (steps % 50 === 0) process.stderr.write(`  ${steps} steps settled\n`);
    },
  });
  const seconds = (performance.now() - started) / 1000;

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // the journals as the services committed them (signed records only), with their anchors and keyring
  const exported = await exportJournals(createKafka('ccp-scenario-export', brokers), topology(namespace), keyring, out, `${namespace}ccp-export`);
  for (const p of PRODUCERS) {
    if (exported.records[p] !== result.journals[p].length) throw new Error(`${p}: the export holds ${exported.records[p]} records, the settled run read ${result.journals[p].length}`);
  }
  writeFileSync(join(out, 'dead-letters.jsonl'), result.deadLetters.map((d) => `${JSON.stringify(d)}\n`).join(''));
  writeFileSync(join(out, 'outcome.json'), `${JSON.stringify(JSON.parse(canonicalJson(result.summary)), null, 2)}\n`);

  const s = result.summary;
  console.log(`scenario ${s.scenario} through the four services (namespace '${namespace}'): ${s.inputs} inputs settled in ${seconds.toFixed(1)} s`);
  for (const p of PRODUCERS) console.log(`  ${p.padEnd(16)} ${String(result.journals[p].length).padStart(8)} records   head ${s.journals[p].headHash}`);
  console.log(`  dead letters     ${String(result.deadLetters.length).padStart(8)}`);
  for (const d of s.defaults) {
    const tranches = d.tranches.map((t) => `${t.kind} ${t.amount}`).join(' → ');
    const allocation = d.allocation ? `; ${d.allocation.policy} charged ${d.allocation.charged} to ${d.allocation.participantsCharged} participant(s)` : '';
    console.log(`  default ${d.defaultId}: deficit ${d.deficit}; ${tranches}${allocation}`);
  }
  console.log(`journals read back from Kafka written to ${out}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`run-through-services: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
