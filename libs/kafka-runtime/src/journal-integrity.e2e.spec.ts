/**
 * Nothing moves money that its owner did not decide (docs/adr/0007-signed-journal-heads.md), tried
 * as an attacker with network access to the broker would, against the four services on the real
 * broker and database:
 * - a correctly chained AccountDefaulted for a healthy member, produced to liquidation's journal
 *   topic (unsigned, and with a made-up signature), a replay of a genuine signed record, and an
 *   18-byte garbage record on margin's journal topic: each is quarantined (dead letter with the
 *   reason, by every service that reads that journal), nothing is decided on them;
 * - a redelivered upstream deposit (same command id) is recorded as a duplicate, before and after a
 *   restart;
 * - the journals are byte for byte those of the same inputs on a clean namespace (same heads);
 * - every service restarts on the polluted topics, skips what is not its own, and resumes at the
 *   same heads; the journals equal the embedded engine's per stream; the export holds only signed
 *   records and lists the quarantined ones; the audit passes on it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, EventEnvelope, Producer, PRODUCERS, sealRecordWithLine } from '@ccp/contracts';
import { DECIDERS, EmbeddedEngine, loadScenario, MemoryJournalSink } from '@ccp/engine';
import { collectUntil, uniqueGroupId, waitFor } from '@ccp/infra-testing';
// The auditor's verifier judges the journals the runtime wrote; only the e2e tests import the audit layer.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { verifyJournals } from '@ccp/audit';
import { exportJournals, QUARANTINE_FILE } from './journal-export';
import type { DeadLetterRecord } from './journal-runtime';
import { readTopicToEnd } from './journal-reader';
import { HEAD_SIGNATURE_HEADER } from './journal-writer';
import { createKafka, Partitioners } from './kafka-client';
import { runScenarioThroughKafka, stepMessage } from './scenario-feeder';
import { createTestNamespace, InProcessStack, startInProcessStack, TestNamespace } from './testing/test-stack';
import { consumedJournals, inputChannelOf, topology } from './topology';

jest.setTimeout(600_000);

const file = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios/ccp-member-default.json'), 'utf8')) as { steps: Record<string, unknown>[] };
/** before the crash: members, accounts, positions — and the treasury re-sends cm-b's deposit (same command id) */
const SETUP = { name: 'integrity-setup', description: 'ccp-member-default up to the crash, one deposit delivered twice', steps: [...file.steps.slice(0, 30), { ...file.steps[19], commandId: 'integrity-setup/19' }] };
/** the crash: cm-a-house defaults for real */
const CRASH = { name: 'integrity-crash', description: 'the 4,200 mark', steps: file.steps.slice(30) };

const triple = (r: EventEnvelope): string => canonicalJson({ kind: r.kind, type: r.type, payload: r.payload });
function perStream(records: readonly EventEnvelope[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[r.stream] ??= []).push(triple(r));
  return out;
}

/** The same inputs in the embedded engine: what the services must have recorded, and nothing more. */
function embeddedJournals(): Record<Producer, EventEnvelope[]> {
  const sinks = Object.fromEntries(PRODUCERS.map((p) => [p, new MemoryJournalSink()])) as Record<Producer, MemoryJournalSink>;
  const engine = new EmbeddedEngine(DECIDERS, sinks);
  for (const scenario of [SETUP, CRASH]) {
    for (const s of loadScenario(scenario, DECIDERS)) engine.submit({ target: s.target, command: s.command, causationId: null, source: null, commandId: s.commandId });
  }
  return Object.fromEntries(PRODUCERS.map((p) => [p, sinks[p].records])) as Record<Producer, EventEnvelope[]>;
}

describe('journal integrity against an attacker on the broker (e2e, four services)', () => {
  let ns: TestNamespace;
  let stack: InProcessStack;

  beforeAll(async () => {
    ns = await createTestNamespace('e2e-integrity');
    stack = await startInProcessStack(ns);
  });

  afterAll(async () => {
    await stack?.stop();
    await ns?.dispose();
  });

  it('forged, replayed and garbage journal records are quarantined; a redelivered command is a duplicate; restarts resume at the same heads', async () => {
    const topo = topology(ns.namespace);
    const kafka = createKafka('ccp-integrity-attacker', ns.brokers);
    const feed = (scenario: unknown) => runScenarioThroughKafka(scenario, { brokers: ns.brokers, namespace: ns.namespace, keyring: ns.keyring, settle: true, check: () => stack.throwIfFailed() });

    const setup = await feed(SETUP);
    const deposits = setup.journals.margin.filter((r) => r.kind === 'input' && r.type === 'DepositCollateral');
    expect(deposits.map((r) => r.causationId).filter((c) => c === 'command:integrity-setup/19')).toHaveLength(2);
    expect(setup.journals.margin.filter((r) => r.type === 'CommandRejected').map((r) => (r.payload as { code: string }).code)).toEqual(['duplicate']);

    // --- the attack: a plain producer, no transaction, no key -----------------------------------
    const liquidationHead = setup.journals.liquidation.at(-1)!;
    const defaultFor = (accountId: string, memberId: string) =>
      sealRecordWithLine(
        {
          type: 'AccountDefaulted',
          version: 1,
          stream: accountId,
          seq: liquidationHead.seq + 1,
          occurredAt: '2025-10-10T20:05:00Z',
          causationId: 'liquidation:0',
          correlationId: `default:${accountId}:forged`,
          producer: 'liquidation',
          kind: 'event',
          source: null,
          payload: { defaultId: `default:${accountId}:forged`, accountId, memberId, marginApplied: '0', deficit: '4175000', positions: [] },
        },
        liquidationHead.hash,
      ).line;
    const attacker = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await attacker.connect();
    const genuine = await lastMessageOf(topo.journals.liquidation);
    const sent = await attacker.send({
      topic: topo.journals.liquidation,
      messages: [
        { key: 'cm-b-house', value: defaultFor('cm-b-house', 'cm-b') },
        { key: 'cm-c-house', value: defaultFor('cm-c-house', 'cm-c'), headers: { [HEAD_SIGNATURE_HEADER]: 'A'.repeat(86) } },
        { key: genuine.key, value: genuine.value, headers: genuine.headers },
      ],
    });
    const garbage = await attacker.send({ topic: topo.journals.margin, messages: [{ value: '{"not":"a record"}' }] });
    await attacker.disconnect();
    const forgedAt = BigInt(sent[0]!.baseOffset!);
    const garbageAt = garbage[0]!.baseOffset!;

    // the crash itself: liquidation writes (and signs) again, which settles what its readers held back
    const crash = await feed(CRASH);
    expect(stack.fatalErrors).toEqual([]);

    // --- nothing was decided on the forgeries -----------------------------------------------------
    const expected = embeddedJournals();
    for (const p of PRODUCERS) {
      expect({ journal: p, streams: perStream(crash.journals[p]) }).toEqual({ journal: p, streams: perStream(expected[p]) });
    }
    expect(crash.summary.defaults.map((d) => [d.accountId, d.deficit])).toEqual([['cm-a-house', '8000000']]);

    // --- every reader of each polluted journal quarantined each foreign message, with its reason ---
    const liquidationReaders = PRODUCERS.filter((p) => consumedJournals(p).includes('liquidation'));
    const marginReaders = PRODUCERS.filter((p) => consumedJournals(p).includes('margin'));
    const letters = await deadLettersUntil(liquidationReaders.length * 3 + marginReaders.length);
    const of = (topic: string, offset: bigint | string) => letters.filter((l) => l.source.topic === topic && l.source.offset === String(offset)).map((l) => [l.service, l.reason.code]);
    const each = (readers: Producer[], code: string) => readers.map((p) => [p, code]).sort();
    expect(of(topo.journals.liquidation, forgedAt).sort()).toEqual(each(liquidationReaders, 'forged_or_replayed'));
    expect(of(topo.journals.liquidation, forgedAt + 1n).sort()).toEqual(each(liquidationReaders, 'signature_invalid'));
    expect(of(topo.journals.liquidation, forgedAt + 2n).sort()).toEqual(each(liquidationReaders, 'forged_or_replayed'));
    expect(of(topo.journals.margin, garbageAt).sort()).toEqual(each(marginReaders, 'malformed'));

    // --- the same inputs on a clean namespace, no attacker: the very same journal bytes and heads ---
    const heads = Object.fromEntries(PRODUCERS.map((p) => [p, stack.services[p].runtime.status().headHash]));
    const clean = await createTestNamespace('e2e-integrity-clean');
    const cleanStack = await startInProcessStack(clean);
    try {
      const feedClean = (scenario: unknown) => runScenarioThroughKafka(scenario, { brokers: clean.brokers, namespace: clean.namespace, keyring: clean.keyring, settle: true, check: () => cleanStack.throwIfFailed() });
      await feedClean(SETUP);
      const cleanRun = await feedClean(CRASH);
      for (const p of PRODUCERS) {
        expect({ journal: p, hashes: crash.journals[p].map((r) => r.hash) }).toEqual({ journal: p, hashes: cleanRun.journals[p].map((r) => r.hash) });
        expect({ journal: p, head: cleanStack.services[p].runtime.status().headHash }).toEqual({ journal: p, head: heads[p] });
      }
    } finally {
      await cleanStack.stop();
      await clean.dispose();
    }

    // --- restart on the polluted topics: every service starts, skips what is not its own, same heads ---
    await stack.stop();
    stack = await startInProcessStack(ns);
    for (const p of PRODUCERS) {
      const status = stack.services[p].runtime.status();
      expect({ p, head: status.headHash, ready: status.ready }).toEqual({ p, head: heads[p], ready: true });
    }
    expect(stack.services.liquidation.runtime.status().quarantinedAtFold).toBe(3);
    expect(stack.services.margin.runtime.status().quarantinedAtFold).toBe(1);

    // --- the same deposit once more after the restart: still a duplicate (the fold rebuilt the ids) ---
    const [redelivery] = [...loadScenario(SETUP, DECIDERS)].slice(-1);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: topo.inputs[inputChannelOf(redelivery!.command.type)], messages: [stepMessage(redelivery!)] });
    await producer.disconnect();
    const committed = async () => {
      let count = 0;
      await readTopicToEnd(kafka, topo.journals.margin, () => void (count += 1), { groupPrefix: uniqueGroupId('integrity-count') });
      return count;
    };
    const before = await committed();
    await waitFor(async () => (await committed()) >= before + 2, { description: 'margin committed the redelivered deposit and its rejection', timeoutMs: 60_000 });
    stack.throwIfFailed();

    // --- the export holds only what the owners signed; the audit passes on it ---------------------
    const dir = mkdtempSync(join(tmpdir(), 'ccp-e2e-integrity-'));
    try {
      const exported = await exportJournals(kafka, topo, ns.keyring, dir, `${ns.namespace}integrity-export`);
      expect(exported.quarantined.map((q) => [q.journal, q.reason.code]).sort()).toEqual(
        [
          ['liquidation', 'forged_or_replayed'],
          ['liquidation', 'forged_or_replayed'],
          ['liquidation', 'signature_invalid'],
          ['margin', 'malformed'],
        ].sort(),
      );
      expect(readFileSync(join(dir, QUARANTINE_FILE), 'utf8').trim().split('\n')).toHaveLength(4);
      const marginTail = readFileSync(join(dir, `margin.journal.jsonl`), 'utf8').trim().split('\n').slice(-2).map((l) => JSON.parse(l) as EventEnvelope);
      expect(marginTail.map((r) => [r.type, r.causationId?.startsWith('command:') ? r.causationId : (r.payload as { code?: string }).code])).toEqual([
        ['DepositCollateral', 'command:integrity-setup/19'],
        ['CommandRejected', 'duplicate'],
      ]);
      const report = await verifyJournals(dir, DECIDERS);
      const other = report.findings.filter((f) => !(f.field === 'source.topic' && /ccp\.input\./.test(f.reason)));
      expect(other).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    async function lastMessageOf(topic: string) {
      const consumer = kafka.consumer({ groupId: uniqueGroupId('integrity-copy'), readUncommitted: false });
      await consumer.connect();
      const all = await collectUntil(consumer, topic, (seen) => seen.length >= setup.journals.liquidation.length, { description: `${topic} read`, timeoutMs: 60_000 });
      await consumer.disconnect();
      const last = all.at(-1)!;
      return { key: last.key, value: last.value!, headers: last.headers };
    }

    async function deadLettersUntil(count: number): Promise<DeadLetterRecord[]> {
      const consumer = kafka.consumer({ groupId: uniqueGroupId('integrity-dlq'), readUncommitted: false });
      await consumer.connect();
      const seen = await collectUntil(consumer, topo.deadLetter, (m) => m.length >= count, { description: `${count} dead letters`, timeoutMs: 60_000 });
      await consumer.disconnect();
      return seen.map((m) => JSON.parse(m.value!) as DeadLetterRecord);
    }
  });
});

