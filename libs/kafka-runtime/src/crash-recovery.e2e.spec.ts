/**
 * Crash recovery (issue 4, "Crash") and graceful stops: the four services run as child processes on
 * the real broker and database; while a cascade is being fed (settle mode), services are killed with
 * SIGKILL — or, in one run, sent SIGTERM as an orchestrator stops a container, which must drain
 * (the batch in flight commits or aborts whole) and exit by itself within a 10 s grace — one
 * after the other at seeded random points — once K wire events addressed to the victim are
 * committed upstream (K drawn within the cascade), at a moment one of them is not yet recorded in
 * its journal — each restarted after a short pause, and the run is let finish. Then, for every
 * journal read back from Kafka:
 * - per stream, the (kind, type, payload) sequence equals the embedded engine's, and the multiset
 *   and the outcome summary are equal (as in scenarios.e2e.spec.ts);
 * - exactly once: every upstream step is recorded once, every input a wire event owes is recorded
 *   exactly as many times as it is owed (no duplicate, no missing effect), no source twice;
 * - the seqs are contiguous and the hash chain links across the restart; the audit passes.
 * Five SIGKILL points over two runs cover every service, then two SIGTERMs in a third run
 * (CRASH_SEED picks them and is logged; CRASH_RUNS adds runs). The services' output is kept in a temporary folder named on failure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { exportJournals } from './journal-export';
import { JournalWatcher, runScenarioThroughKafka } from './scenario-feeder';
import { ChildStack } from './testing/child-stack';
import { createTestNamespace, TestNamespace } from './testing/test-stack';
import { topology } from './topology';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(600_000);

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be an integer ≥ ${min}; got '${raw}'`);
  return Number(raw);
}

/** Picks the victims, the kill points, the delays and the pauses. */
const SEED = intFromEnv('CRASH_SEED', 20251010, 0);
/** Runs: the ADL cascade (one kill), the generated cascade (four kills), the generated cascade with two SIGTERMs, then runs of the generated one with two kills each (a longer soak). */
const RUNS = intFromEnv('CRASH_RUNS', 3, 3);

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

/** The inputs `victim` records because another journal's wire event asked for them (embedded run). */
function routedInputs(records: readonly EventEnvelope[]): number {
  return records.filter((r) => r.kind === 'input' && r.source !== null && JOURNAL_TOPIC_SET.has(r.source.topic)).length;
}

interface KillPoint {
  readonly victim: Producer;
  /** SIGKILL (a crash: nothing finishes) or SIGTERM (a stop: the service drains and exits by itself) */
  readonly signal: 'SIGKILL' | 'SIGTERM';
  /** kill once this many wire inputs addressed to the victim are committed upstream, at a moment one of them is not yet in its journal */
  readonly afterAsked: number;
  /** routed inputs in the victim's journal (embedded engine) */
  readonly asked: number;
  /** records in the victim's journal (embedded engine) */
  readonly total: number;
  /** restart after this long */
  readonly pauseMs: number;
}

interface CrashRun {
  readonly run: number;
  readonly scenario: string;
  /** one after the other: each victim is restarted and ready before the next kill */
  readonly kills: readonly KillPoint[];
}

function shuffled<T>(rng: SeededRandom, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Kill points for `victims` in `scenario`: the i-th drawn in the i-th of `victims.length` equal
 * slices of the first 80% of the wire inputs asked of the victim (so that inputs are still to come
 * when the kill lands, even after the previous victim's restart).
 */
function killPoints(rng: SeededRandom, scenario: string, victims: readonly Producer[], signal: KillPoint['signal'] = 'SIGKILL'): KillPoint[] {
  return victims.map((victim, i) => {
    const records = EMBEDDED[scenario]!.journals![victim].records;
    const asked = routedInputs(records);
    const span = Math.max(1, Math.floor(asked * 0.8));
    const from = 1 + Math.floor((span * i) / victims.length);
    const to = Math.max(from, Math.floor((span * (i + 1)) / victims.length));
    return { victim, signal, afterAsked: rng.int(from, to), asked, total: records.length, pauseMs: rng.int(200, 1500) };
  });
}

/** The seeded plan: the ADL cascade with one victim (its journals are small), then the generated cascade with all four in a shuffled order, then (CRASH_RUNS > 2) more. */
function crashPlan(seed: number): CrashRun[] {
  const rng = new SeededRandom(seed);
  const adlVictims = shuffled(rng, PRODUCERS).slice(0, 1);
  const generatedVictims = shuffled(rng, PRODUCERS);
  const runs: CrashRun[] = [
    { run: 0, scenario: 'perpetual-adl-cascade', kills: killPoints(rng, 'perpetual-adl-cascade', adlVictims) },
    { run: 1, scenario: generatedCascade.name, kills: killPoints(rng, generatedCascade.name, generatedVictims) },
    { run: 2, scenario: generatedCascade.name, kills: killPoints(rng, generatedCascade.name, shuffled(rng, PRODUCERS).slice(0, 2), 'SIGTERM') },
  ];
  for (let run = 3; run < RUNS; run += 1) runs.push({ run, scenario: generatedCascade.name, kills: killPoints(rng, generatedCascade.name, shuffled(rng, PRODUCERS).slice(0, 2)) });
  return runs;
}

const PLAN = crashPlan(SEED);
const describeKills = (run: CrashRun): string => run.kills.map((k) => `${k.signal} ${k.victim} at wire input ${k.afterAsked}/${k.asked}`).join(', then ');
process.stdout.write(`crash-recovery: CRASH_SEED=${SEED}; plan ${JSON.stringify(PLAN.map((r) => `${r.scenario}: ${describeKills(r)}`))}\n`);

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

describe('crash recovery: a service SIGKILLed or SIGTERMed mid-cascade and restarted (e2e, child processes)', () => {
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
    const kills = PLAN.flatMap((r) => r.kills.map((k) => ({ ...k, scenario: r.scenario })));
    expect(kills.length).toBeGreaterThanOrEqual(4);
    expect(new Set(kills.filter((k) => k.signal === 'SIGKILL').map((k) => k.victim))).toEqual(new Set(PRODUCERS));
    expect(kills.filter((k) => k.signal === 'SIGTERM').length).toBeGreaterThanOrEqual(2);
    for (const k of kills) {
      expect(k.afterAsked).toBeGreaterThanOrEqual(1);
      expect(k.afterAsked).toBeLessThan(k.asked);
    }
    // The scenarios are cascades with several defaults and a socialized residual.
    for (const name of Object.keys(SCENARIOS)) {
      const s = EMBEDDED[name]!.summary;
      expect(s.defaults.length).toBeGreaterThan(1);
      expect(new Decimal(s.totals.allocated).gt(0)).toBe(true);
    }
  });

  it.each(PLAN.map((r) => [r.run, r.scenario, describeKills(r), r] as const))('run %i: %s, %s, each restarted: same journals, exactly once', async (_run, _name, _kills, run) => {
    const t0 = performance.now();
    const ns = (open.ns = await createTestNamespace(`crash-${run.run}`));
    const stack = (open.stack = await ChildStack.start(ns));
    try {
      await runWithKills(run, ns, stack, t0);
      await stack.stop();
      stack.removeLogs();
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      throw Object.assign(error instanceof Error ? error : new Error(message), { message: `${message}\n\nservice logs: ${stack.logDir}\n${stack.lastLines()}` });
    }
  });

  async function runWithKills(run: CrashRun, ns: TestNamespace, stack: ChildStack, t0: number): Promise<void> {
    const t1 = performance.now();
    const watcher = (open.watcher = new JournalWatcher(createKafka('ccp-crash-watcher', ns.brokers), topology(ns.namespace), DECIDERS, ns.keyring));
    await watcher.start();
    /** wire inputs addressed to `victim` among the records the watcher has read so far */
    const askedOf = (victim: Producer) => {
      const scanned = new Map<Producer, number>();
      let count = 0;
      return () => {
        for (const source of PRODUCERS) {
          const records = watcher.journals[source];
          for (let i = scanned.get(source) ?? 0; i < records.length; i += 1) count += wireCommandsFor(DECIDERS, victim, records[i]!).length > 0 ? 1 : 0;
          scanned.set(source, records.length);
        }
        return count;
      };
    };

    let feedDone = false;
    let aborted: Error | null = null;
    const recordsAtKill: number[] = [];
    /** inputs a wire event asked of the victim, not yet in its journal, as the watcher saw them at the kill */
    const owedAtKill: number[] = [];
    const chaos = async (): Promise<void> => {
      for (const k of run.kills) {
        const victim = stack.services[k.victim];
        // Asked for enough, and one of those inputs not in its journal yet: the victim is mid-cascade.
        const asked = askedOf(k.victim);
        const owed = () => watcher.outstanding().some((o) => o.startsWith(`${k.victim}|`));
        await waitFor(() => (asked() >= k.afterAsked && owed()) || feedDone, { description: `wire input ${k.afterAsked} asked of ${k.victim}`, timeoutMs: 300_000, intervalMs: 1 });
        if (feedDone) throw new Error(`the run ended before ${k.victim} was caught owing an input after wire input ${k.afterAsked}`);
        recordsAtKill.push(watcher.journals[k.victim].length);
        owedAtKill.push(watcher.outstanding().filter((o) => o.startsWith(`${k.victim}|`)).length);
        if (k.signal === 'SIGKILL') {
          const exit = await victim.kill();
          if (exit.signal !== 'SIGKILL') throw new Error(`${k.victim} ended with ${JSON.stringify(exit)}, not by the SIGKILL`);
        } else {
          // Nest's shutdown hook drains, then re-raises SIGTERM: a drained exit is by SIGTERM (or code 0), never by the grace period's SIGKILL
          const exit = await victim.terminate(10_000);
          if (exit.signal === 'SIGKILL' || (exit.signal === null && exit.code !== 0)) {
            throw new Error(`${k.victim} did not drain and exit by itself within 10 s of SIGTERM (${JSON.stringify(exit)}):\n${victim.lastLines()}`);
          }
        }
        await sleep(k.pauseMs);
        victim.start();
        await victim.waitReady();
      }
    };
    // The feeder waits (settle mode) while a victim is down: what it awaits is owed, not timed.
    const feed = runScenarioThroughKafka(SCENARIOS[run.scenario], {
      brokers: ns.brokers,
      namespace: ns.namespace,
      keyring: ns.keyring,
      settle: true,
      check: () => {
        if (aborted) throw aborted;
        stack.throwIfFailed();
      },
    }).finally(() => {
      feedDone = true;
    });
    const chaosDone = chaos().catch((error: unknown) => {
      aborted = error instanceof Error ? error : new Error(String(error));
      throw aborted;
    });
    const [fed, killed] = await Promise.allSettled([feed, chaosDone]);
    if (killed.status === 'rejected') throw killed.reason;
    if (fed.status === 'rejected') throw fed.reason;
    const kafka = fed.value;
    stack.throwIfFailed();
    const t2 = performance.now();

    // Every kill happened while the run was going on, and each restart folded at least what was committed before it.
    const embedded = EMBEDDED[run.scenario]!;
    run.kills.forEach((k, i) => {
      const victim = stack.services[k.victim];
      expect({ victim: k.victim, incarnations: victim.incarnations, exits: victim.exits.map((e) => e.signal ?? `code ${e.code}`) }).toEqual({
        victim: k.victim,
        incarnations: 2,
        exits: [k.signal === 'SIGKILL' ? 'SIGKILL' : expect.stringMatching(/^(SIGTERM|code 0)$/)],
      });
      const folded = /folded (\d+) records/.exec(victim.incarnationOutput(1));
      expect(folded).not.toBeNull();
      let drainNote = '';
      if (k.signal === 'SIGTERM') {
        // it said it drained, and the restart folded exactly the journal it left
        const drained = /drained in (\d+) ms: .* ends at seq (-?\d+)/.exec(victim.incarnationOutput(0));
        expect({ victim: k.victim, drained: drained !== null }).toEqual({ victim: k.victim, drained: true });
        expect(Number(folded![1])).toBe(Number(drained![2]) + 1);
        drainNote = ` (drained in ${drained![1]} ms, exit ${victim.exits[0]!.signal ?? `code ${victim.exits[0]!.code}`})`;
      }
      expect(owedAtKill[i]).toBeGreaterThan(0);
      expect(recordsAtKill[i]).toBeLessThan(k.total);
      expect(Number(folded![1])).toBeGreaterThanOrEqual(recordsAtKill[i]!);
      process.stdout.write(`crash-recovery run ${run.run} (seed ${SEED}): ${run.scenario}: ${k.victim} ${k.signal === 'SIGKILL' ? 'SIGKILLed' : 'SIGTERMed (drained)'} with ${recordsAtKill[i]}/${k.total} records committed and ${owedAtKill[i]} wire inputs owed to it, the restart folded ${folded![1]}${drainNote}\n`);
    });

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
    expect(accounts.upstreamRecorded).toBe(STEPS[run.scenario]);

    // The chain links across the restart; the audit passes on the journals read back.
    expect(chainBreaks(journals)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), `ccp-crash-${run.run}-`));
    try {
      // the journals as an auditor exports them: signed records only, with anchors and keyring
      const exported = await exportJournals(createKafka('ccp-e2e-export', ns.brokers), topology(ns.namespace), ns.keyring, dir, `${ns.namespace}e2e-export`);
      expect(exported.quarantined).toEqual([]);
      for (const p of PRODUCERS) {
        expect({ journal: p, lines: readFileSync(join(dir, journalFileName(p)), 'utf8') }).toEqual({ journal: p, lines: journals[p].map((r) => `${serializeRecord(r)}\n`).join('') });
      }
      const report = await verifyJournals(dir, DECIDERS, { keyring: { keyring: ns.keyring, path: `${ns.keysDir}/keyring.json` } });
      const other = report.findings.filter((f) => !(f.field === 'source.topic' && /ccp\.input\./.test(f.reason)));
      expect(other).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    process.stdout.write(`crash-recovery run ${run.run}: namespace and services ${Math.round(t1 - t0)} ms, feed with kills and restarts ${Math.round(t2 - t1)} ms\n`);
  }
});
