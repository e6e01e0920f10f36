/**
 * Crash recovery (issue 4, "Crash"): the four services run as child processes on the real broker
 * and database; while a cascade is being fed, one of them is killed with SIGKILL at a seeded random
 * point (after its journal holds N committed records, N drawn within the cascade), restarted after
 * a short pause, and the run is let finish. Then, for every journal read back from Kafka:
 * - per stream, the (kind, type, payload) sequence equals the embedded engine's, and the multiset
 *   and the outcome summary are equal (as in scenarios.e2e.spec.ts);
 * - exactly once: every upstream step is recorded once, every input a wire event owes is recorded
 *   exactly as many times as it is owed (no duplicate, no missing effect), no source twice;
 * - the seqs are contiguous and the hash chain links across the restart; the audit passes.
 * Repeated over several kill points covering each service. CRASH_SEED picks the kill points.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, EventEnvelope, HashChainVerifier, INPUT_TOPICS, JOURNAL_TOPICS, Producer, PRODUCERS, serializeRecord } from '@ccp/contracts';
import { DECIDERS, journalFileName, loadScenario, SeededRandom, simulate, wireCommandsFor } from '@ccp/engine';
import { waitFor } from '@ccp/infra-testing';
import { Decimal } from '@ccp/money';
// The auditor's verifier judges the journals the runtime wrote; only the e2e tests import the audit layer.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { verifyJournals } from '@ccp/audit';
import { createKafka } from './kafka-client';
import { readTopicToEnd } from './journal-reader';
import { JournalWatcher, KafkaScenarioResult, runScenarioThroughKafka } from './scenario-feeder';
import { ChildStack } from './testing/child-stack';
import { createTestNamespace, TestNamespace } from './testing/test-stack';
import { topology } from './topology';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(600_000);

const SEED = (() => {
  const raw = process.env['CRASH_SEED'];
  if (raw === undefined || raw === '') return 20251010;
  if (!/^\d{1,9}$/.test(raw)) throw new Error(`CRASH_SEED must be a non-negative integer; got '${raw}'`);
  return Number(raw);
})();

const scenarioFile = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios', `${name}.json`), 'utf8'));

/** A few hundred generated accounts, a 20% fall in four marks: dozens of defaults, the fund exhausted, the rest socialized. */
const generatedCascade = {
  name: 'crash-generated-cascade',
  description: '200 generated accounts (leverage 2x-20x, long/short pairs), BTC falls from 60,000 to 48,000 in four marks; a 20,000 USD insurance fund covers the first defaults, the rest is socialized pro rata to profit.',
  steps: [
    { at: '2025-10-10T20:00:00Z', to: 'liquidation', type: 'SetLiquidationParameters', payload: { mode: 'full', liquidationFeeRate: '0.005', executionModel: { kind: 'impact', impactPerNotional: '0.002', maxSlippage: '0.02' } } },
    { at: '2025-10-10T20:00:00Z', to: 'default-fund', type: 'SetWaterfall', payload: { preset: 'perpetual-exchange' } },
    { at: '2025-10-10T20:00:00Z', to: 'default-fund', type: 'DepositInsuranceFund', payload: { amount: '20000' } },
    { at: '2025-10-10T20:00:00Z', to: 'loss-allocation', type: 'SetAllocationPolicy', payload: { policy: 'socialized-loss', variant: 'pro-rata-profit', params: {} } },
    { at: '2025-10-10T20:00:00Z', to: 'margin', type: 'ListInstrument', payload: { instrumentId: 'BTC-PERP', contractSize: '1', initialMarginRate: '0.05', maintenanceMarginRate: '0.025' } },
    {
      generate: { kind: 'population', seed: 7, at: '2025-10-10T20:01:00Z', members: 4, accounts: 200, instrumentId: 'BTC-PERP', price: '60000', quantityMin: 1, quantityMax: 5, leverageMin: 2, leverageMax: 20 },
    },
    { generate: { kind: 'price-path', at: '2025-10-10T20:10:00Z', instrumentId: 'BTC-PERP', from: '60000', to: '48000', steps: 4, firstMarkSeq: 1, intervalSeconds: 60 } },
  ],
};

const SCENARIOS: Readonly<Record<string, unknown>> = { 'perpetual-adl-cascade': scenarioFile('perpetual-adl-cascade'), [generatedCascade.name]: generatedCascade };
const EMBEDDED = Object.fromEntries(Object.entries(SCENARIOS).map(([name, s]) => [name, simulate(s, DECIDERS)]));
const STEPS = Object.fromEntries(Object.entries(SCENARIOS).map(([name, s]) => [name, [...loadScenario(s, DECIDERS)].length]));

const JOURNAL_TOPIC_SET = new Set<string>(PRODUCERS.map((p) => JOURNAL_TOPICS[p]));
const INPUT_TOPIC_SET = new Set<string>(Object.values(INPUT_TOPICS));

/** Index of the first record of `records` that belongs to a cascade: a breach raised, or an input routed from another journal. */
function cascadeStart(records: readonly EventEnvelope[]): number {
  const i = records.findIndex((r) => r.type === 'MaintenanceBreached' || (r.kind === 'input' && r.source !== null && JOURNAL_TOPIC_SET.has(r.source.topic)));
  if (i < 0) throw new Error(`no cascade in a journal of ${records[0]?.producer ?? '(empty)'}`);
  return i;
}

interface KillPoint {
  readonly round: number;
  readonly scenario: string;
  readonly victim: Producer;
  /** kill once the victim's journal holds this many committed records */
  readonly afterRecords: number;
  /** of the embedded engine's total for that journal */
  readonly total: number;
  /** wait this long after seeing them (lands the kill at varying points of the next batch) */
  readonly delayMs: number;
  /** restart after this long */
  readonly pauseMs: number;
}

/** The seeded plan: every service a victim at least once (a shuffled round of the four), the ADL cascade first, then the generated one. */
function killPlan(seed: number): KillPoint[] {
  const rng = new SeededRandom(seed);
  const victims = [...PRODUCERS];
  for (let i = victims.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [victims[i], victims[j]] = [victims[j]!, victims[i]!];
  }
  return victims.map((victim, round) => {
    const scenario = round === 0 ? 'perpetual-adl-cascade' : generatedCascade.name;
    const records = EMBEDDED[scenario]!.journals![victim].records;
    const lo = cascadeStart(records) + 1;
    const hi = records.length - 1;
    return { round, scenario, victim, afterRecords: rng.int(lo, Math.max(lo, hi)), total: records.length, delayMs: rng.int(0, 25), pauseMs: rng.int(200, 1500) };
  });
}

const PLAN = killPlan(SEED);
process.stdout.write(`crash-recovery: CRASH_SEED=${SEED}; plan ${JSON.stringify(PLAN.map((k) => `${k.scenario}: kill ${k.victim} after ${k.afterRecords}/${k.total} records`))}\n`);

const triple = (r: EventEnvelope): string => canonicalJson({ kind: r.kind, type: r.type, payload: r.payload });
const sourceKey = (r: EventEnvelope): string => `${r.source!.topic}|${r.source!.partition}|${r.source!.offset}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function perStream(records: readonly EventEnvelope[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[r.stream] ??= []).push(triple(r));
  return out;
}

/** Every journal of the namespace read from offset 0, read_committed, by a fresh reader. */
async function readJournals(ns: TestNamespace): Promise<Record<Producer, EventEnvelope[]>> {
  const kafka = createKafka('ccp-crash-readback', ns.brokers);
  const topo = topology(ns.namespace);
  const out = {} as Record<Producer, EventEnvelope[]>;
  for (const p of PRODUCERS) {
    const records: EventEnvelope[] = [];
    await readTopicToEnd(kafka, topo.journals[p], (m) => void records.push(JSON.parse(m.value!.toString('utf8')) as EventEnvelope), { groupPrefix: `${ns.namespace}crash-readback` });
    out[p] = records;
  }
  return out;
}

/** Exactly-once accounting over the journals: what was recorded against what is owed. */
function effectAccounts(journals: Record<Producer, EventEnvelope[]>): { upstreamRecorded: number; duplicateSources: string[]; owedMismatches: string[]; otherSources: string[] } {
  const duplicateSources: string[] = [];
  const otherSources: string[] = [];
  const recorded = new Map<string, number>();
  let upstreamRecorded = 0;
  for (const p of PRODUCERS) {
    const seen = new Set<string>();
    for (const r of journals[p]) {
      if (r.kind !== 'input' || r.source === null) continue;
      const key = sourceKey(r);
      if (seen.has(key)) duplicateSources.push(`${p}: ${key} (${r.id})`);
      seen.add(key);
      if (INPUT_TOPIC_SET.has(r.source.topic)) upstreamRecorded += 1;
      else if (JOURNAL_TOPIC_SET.has(r.source.topic)) recorded.set(`${p}|${key}`, (recorded.get(`${p}|${key}`) ?? 0) + 1);
      else otherSources.push(`${p}: ${key}`);
    }
  }
  const owed = new Map<string, number>();
  for (const source of PRODUCERS) {
    for (const r of journals[source]) {
      for (const consumer of PRODUCERS) {
        const n = wireCommandsFor(DECIDERS, consumer, r).length;
        if (n > 0) owed.set(`${consumer}|${JOURNAL_TOPICS[source]}|0|${r.seq}`, n);
      }
    }
  }
  const owedMismatches: string[] = [];
  for (const key of new Set([...owed.keys(), ...recorded.keys()])) {
    if ((owed.get(key) ?? 0) !== (recorded.get(key) ?? 0)) owedMismatches.push(`${key}: owed ${owed.get(key) ?? 0}, recorded ${recorded.get(key) ?? 0}`);
  }
  return { upstreamRecorded, duplicateSources, owedMismatches, otherSources };
}

/** Seq contiguity and the hash chain from genesis, record by record. */
function chainBreaks(journals: Record<Producer, EventEnvelope[]>): string[] {
  const out: string[] = [];
  for (const p of PRODUCERS) {
    const chain = new HashChainVerifier();
    journals[p].forEach((r, position) => {
      const broken = chain.next(r, position);
      if (broken) out.push(`${p} record ${position}: ${broken.field}: ${broken.reason}`);
    });
  }
  return out;
}

describe('crash recovery: a service SIGKILLed mid-cascade and restarted (e2e, child processes)', () => {
  const open: { stack: ChildStack | null; ns: TestNamespace | null; watcher: JournalWatcher | null } = { stack: null, ns: null, watcher: null };

  async function cleanUp(): Promise<void> {
    const { stack, ns, watcher } = open;
    open.stack = open.ns = open.watcher = null;
    await watcher?.stop().catch(() => undefined);
    await stack?.stop().catch(() => stack.killNow());
    await ns?.dispose().catch(() => undefined);
  }

  afterEach(cleanUp);
  afterAll(cleanUp);

  it('the plan kills every service at least once, within a cascade', () => {
    expect(new Set(PLAN.map((k) => k.victim))).toEqual(new Set(PRODUCERS));
    for (const k of PLAN) {
      const records = EMBEDDED[k.scenario]!.journals![k.victim].records;
      expect(k.afterRecords).toBeGreaterThan(cascadeStart(records));
      expect(k.afterRecords).toBeLessThanOrEqual(records.length);
    }
    // The scenarios are cascades with several defaults and a socialized residual.
    for (const name of Object.keys(SCENARIOS)) {
      const s = EMBEDDED[name]!.summary;
      expect(s.defaults.length).toBeGreaterThan(1);
      expect(new Decimal(s.totals.allocated).gt(0)).toBe(true);
    }
  });

  it.each(PLAN)('round $round: $scenario, SIGKILL $victim after $afterRecords of $total records, restart: same journals, exactly once', async (k) => {
    const ns = (open.ns = await createTestNamespace(`crash-${k.round}`));
    const stack = (open.stack = await ChildStack.start(ns));
    const watcher = (open.watcher = new JournalWatcher(createKafka('ccp-crash-watcher', ns.brokers), topology(ns.namespace), DECIDERS));
    await watcher.start();
    const victim = stack.services[k.victim];

    let feedDone = false;
    let recordsAtKill = -1;
    const chaos = async (): Promise<void> => {
      await waitFor(() => feedDone || watcher.journals[k.victim].length >= k.afterRecords, { description: `${k.afterRecords} records in ${k.victim}'s journal`, timeoutMs: 300_000, intervalMs: 2 });
      if (feedDone) throw new Error(`the run ended before ${k.victim}'s journal held ${k.afterRecords} records`);
      if (k.delayMs > 0) await sleep(k.delayMs);
      recordsAtKill = watcher.journals[k.victim].length;
      const exit = await victim.kill();
      expect(exit.signal).toBe('SIGKILL');
      await sleep(k.pauseMs);
      victim.start();
      await victim.waitReady();
    };
    const feed = runScenarioThroughKafka(SCENARIOS[k.scenario], { brokers: ns.brokers, namespace: ns.namespace, settle: true, check: () => stack.throwIfFailed() }).finally(() => {
      feedDone = true;
    });
    const [kafka] = (await Promise.all([feed, chaos()])) as [KafkaScenarioResult, void];
    stack.throwIfFailed();

    // The kill happened while the victim's journal was being written, and the restart folded it.
    const embedded = EMBEDDED[k.scenario]!;
    expect(recordsAtKill).toBeGreaterThanOrEqual(k.afterRecords);
    expect(victim.incarnations).toBe(2);
    const folded = /folded (\d+) records/.exec(victim.incarnationOutput(1));
    expect(folded).not.toBeNull();
    expect(Number(folded![1])).toBeGreaterThanOrEqual(recordsAtKill);
    process.stdout.write(
      `crash-recovery round ${k.round} (seed ${SEED}): ${k.scenario}, ${k.victim} killed at ${recordsAtKill}/${embedded.journals![k.victim].records.length} records, restart folded ${folded![1]}\n`,
    );

    // Read back by a fresh reader: what the feeder's watcher saw is what the topics hold.
    const journals = await readJournals(ns);
    for (const p of PRODUCERS) expect({ journal: p, records: journals[p].map(serializeRecord) }).toEqual({ journal: p, records: kafka.journals[p].map(serializeRecord) });
    expect(kafka.deadLetters).toEqual([]);

    // Same decisions as the embedded engine, per stream and as a multiset; same outcome.
    for (const p of PRODUCERS) {
      const expected = embedded.journals![p].records;
      expect({ journal: p, streams: perStream(journals[p]) }).toEqual({ journal: p, streams: perStream(expected) });
      expect({ journal: p, multiset: journals[p].map(triple).sort() }).toEqual({ journal: p, multiset: expected.map(triple).sort() });
    }
    const pick = (s: typeof embedded.summary) => ({ defaults: s.defaults, totals: s.totals, breaches: s.breaches, liquidationFills: s.liquidationFills });
    expect(pick(kafka.summary)).toEqual(pick(embedded.summary));

    // Exactly once: each step recorded once, each owed input recorded as often as owed, no source twice.
    const accounts = effectAccounts(journals);
    expect(accounts.duplicateSources).toEqual([]);
    expect(accounts.owedMismatches).toEqual([]);
    expect(accounts.otherSources).toEqual([]);
    expect(accounts.upstreamRecorded).toBe(STEPS[k.scenario]);

    // The chain links across the restart; the audit passes on the journals read back.
    expect(chainBreaks(journals)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), `ccp-crash-${k.round}-`));
    try {
      for (const p of PRODUCERS) writeFileSync(join(dir, journalFileName(p)), journals[p].map((r) => `${serializeRecord(r)}\n`).join(''));
      const report = await verifyJournals(dir, DECIDERS);
      const other = report.findings.filter((f) => !(f.field === 'source.topic' && /ccp\.input\./.test(f.reason)));
      expect(other).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
