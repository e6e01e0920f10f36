import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { EventEnvelope, PRODUCERS, Producer, RejectionError } from '@ccp/contracts';
import { DECIDERS, EmbeddedEngine, JournalSink, OutcomeCollector } from '@ccp/engine';
import { outcomeFigures, type OutcomeFigures } from './pipeline-outcome';
import { roundsOf } from './pipeline-scenario';

/**
 * The embedded engine on a pipeline-benchmark scenario, alone in its own process (its peak RSS is
 * its own), fed exactly as the Kafka run is fed: round by round, the set-up regrouped by channel,
 * each step run to quiescence. Only the shocks are timed.
 *   node -r @swc-node/register pipeline-embedded-child.ts '{"scenarioFile":…,"shockRecordsFile":…}'
 * Prints one line `RESULT <json>` (EmbeddedResult) on stdout.
 */

export interface EmbeddedRequest {
  readonly scenarioFile: string;
  /** if set: every record written during the shocks, as `stream<TAB>canonical line` (the raw-transport payloads) */
  readonly shockRecordsFile?: string;
}

export interface EmbeddedShock {
  readonly ms: number;
  readonly records: number;
}

export interface EmbeddedResult {
  readonly setupMs: number;
  readonly setupRecords: number;
  readonly shocks: EmbeddedShock[];
  readonly maxRssBytes: number;
  readonly cpuMs: number;
  readonly outcome: OutcomeFigures;
}

/** Counts records and forwards the ones asked for; keeps nothing (the services keep nothing in memory either). */
class CountingSink implements JournalSink {
  records = 0;
  out: WriteStream | null = null;
  append(record: EventEnvelope, line: string): void {
    this.records += 1;
    this.out?.write(`${record.stream}\t${line}\n`);
  }
}

const cpuNowMs = (): number => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1000;
};

async function run(request: EmbeddedRequest): Promise<EmbeddedResult> {
  const scenario = JSON.parse(readFileSync(request.scenarioFile, 'utf8')) as unknown;
  const rounds = roundsOf(scenario);
  const sinks = Object.fromEntries(PRODUCERS.map((p) => [p, new CountingSink()])) as Record<Producer, CountingSink>;
  const total = () => PRODUCERS.reduce((n, p) => n + sinks[p].records, 0);
  const outcome = new OutcomeCollector();
  const engine = new EmbeddedEngine(DECIDERS, sinks, { onRecord: (r) => outcome.onRecord(r) });
  const out = request.shockRecordsFile ? createWriteStream(request.shockRecordsFile) : null;
  let inputs = 0;
  const submit = (step: (typeof rounds)[number]['shock'][number]) => {
    const rejected = engine.submit({ target: step.target, command: step.command, causationId: null, source: null, commandId: step.commandId });
    if (rejected) throw new RejectionError({ ...rejected, path: [step.origin, rejected.path].filter(Boolean).join('.') });
    inputs += 1;
  };
  const cpu0 = cpuNowMs();
  let setupMs = 0;
  let setupRecords = 0;
  const shocks: EmbeddedShock[] = [];
  for (const round of rounds) {
    const s0 = performance.now();
    const r0 = total();
    for (const phase of round.setup) for (const step of phase) submit(step);
    setupMs += performance.now() - s0;
    setupRecords += total() - r0;
    for (const p of PRODUCERS) sinks[p].out = out;
    const t0 = performance.now();
    const before = total();
    for (const step of round.shock) submit(step);
    shocks.push({ ms: performance.now() - t0, records: total() - before });
    for (const p of PRODUCERS) sinks[p].out = null;
  }
  if (out) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const heads = Object.fromEntries(PRODUCERS.map((p) => [p, { records: engine.writer(p).nextSeq, headHash: engine.writer(p).headHash }])) as Parameters<OutcomeCollector['summary']>[2];
  return { setupMs, setupRecords, shocks, maxRssBytes: process.resourceUsage().maxRSS * 1024, cpuMs: cpuNowMs() - cpu0, outcome: outcomeFigures(outcome.summary('embedded', inputs, heads)) };
}

if (require.main === module) {
  const raw = process.argv[2];
  if (!raw) {
    process.stderr.write('pipeline-embedded-child: pass the request as one JSON argument\n');
    process.exit(2);
  }
  run(JSON.parse(raw) as EmbeddedRequest).then(
    (result) => process.stdout.write(`RESULT ${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
