import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { EventEnvelope, JournalKeyring, Producer, PRODUCERS, SignedChainReader } from '@ccp/contracts';
import { DECIDERS, JournaledDecider, JournalHead, loadScenario, LoadedStep, OutcomeCollector, OutcomeSummary, streamOf } from '@ccp/engine';
import { decodeJournalRecord } from './journal-codec';
import { keyringFromEnvironment } from './journal-keys';
import type { DeadLetterRecord } from './journal-runtime';
import { headSignatureOf } from './journal-writer';
import { createKafka, Partitioners } from './kafka-client';
import { CascadeLedger } from './cascade-ledger';
import { inputChannelOf, topology, Topology } from './topology';

export interface FeedOptions {
  readonly brokers: readonly string[];
  readonly namespace?: string;
  /** wait after each step until its whole cascade is applied (default true); false: publish all, then wait once */
  readonly settle?: boolean;
  readonly deciders?: Readonly<Record<Producer, JournaledDecider>>;
  /** gives up if nothing new is recorded for this long (default 120 s): a hang becomes an error naming what is awaited */
  readonly stallTimeoutMs?: number;
  /** called while waiting; throw to abort (e.g. a service reported a fatal error) */
  readonly check?: () => void;
  /** called after each settled step */
  readonly onStep?: (step: LoadedStep, settled: { records: number }) => void;
  /** the journals' public keys (only signed records are read back); default from the environment */
  readonly keyring?: JournalKeyring;
}

export interface KafkaScenarioResult {
  readonly journals: Record<Producer, EventEnvelope[]>;
  readonly deadLetters: DeadLetterRecord[];
  readonly summary: OutcomeSummary;
}

/** A step as an upstream system publishes it: exactly a scenario step. */
export function stepMessage(step: LoadedStep): { key: string; value: string } {
  const { command } = step;
  const value: Record<string, unknown> = { to: step.target, type: command.type, payload: command.payload, at: command.meta.occurredAt, commandId: step.commandId };
  if (command.meta.correlationId !== null) value['correlationId'] = command.meta.correlationId;
  return { key: streamOf(command), value: JSON.stringify(value) };
}

/**
 * Reads the four journals and the dead-letter topic (read_committed) and keeps exact accounts:
 * which inputs each journal recorded (by logical source topic and offset), and which inputs every
 * wire event seen so far obliges each consumer to record (DECIDERS[c].wireInputs).
 */
export class JournalWatcher {
  readonly journals: Record<Producer, EventEnvelope[]> = { margin: [], liquidation: [], 'default-fund': [], 'loss-allocation': [] };
  readonly deadLetters: DeadLetterRecord[] = [];
  private readonly ledger: CascadeLedger;
  /** physical topic → last offset read (control records included) */
  private readonly positions = new Map<string, bigint>();
  private consumer: Consumer | null = null;
  private changes = 0;
  private failure: Error | null = null;
  /** each journal read only as far as its owner signed it: a forged record never enters the accounts */
  private readonly readers: Record<Producer, SignedChainReader<null>>;
  /** journal-topic messages that were not their owner's (the services dead-letter them too) */
  quarantined = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topo: Topology,
    deciders: Readonly<Record<Producer, JournaledDecider>>,
    keyring: JournalKeyring,
  ) {
    this.ledger = new CascadeLedger(topo, deciders);
    this.readers = Object.fromEntries(PRODUCERS.map((p) => [p, new SignedChainReader<null>(p, keyring)])) as Record<Producer, SignedChainReader<null>>;
  }

  get recordCount(): number {
    return this.changes;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `${this.topo.namespace}ccp.feeder.${randomBytes(6).toString('hex')}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    const topics = [...PRODUCERS.map((p) => this.topo.journals[p]), this.topo.deadLetter];
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const offset = BigInt(event.payload.lastOffset);
      const prev = this.positions.get(event.payload.topic);
      if (prev === undefined || offset > prev) this.positions.set(event.payload.topic, offset);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.failure = event.payload.error;
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.take(batch.topic, message);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private take(topic: string, message: KafkaMessage): void {
    this.changes += 1;
    if (topic === this.topo.deadLetter) {
      const dl = JSON.parse(message.value!.toString('utf8')) as DeadLetterRecord;
      this.deadLetters.push(dl);
      this.ledger.deadLetter(dl);
      return;
    }
    const journal = this.journalOfTopic(topic);
    const decoded = decodeJournalRecord(message.value, journal);
    if (!decoded.ok) {
      this.quarantined += 1;
      return;
    }
    const verdict = this.readers[journal].offer(decoded.value, headSignatureOf(message.headers), null);
    this.quarantined += verdict.quarantined.length;
    for (const { record } of verdict.accepted) {
      this.journals[journal].push(record);
      this.ledger.record(record);
    }
  }

  private journalOfTopic(topic: string): Producer {
    const journal = PRODUCERS.find((p) => this.topo.journals[p] === topic);
    if (!journal) throw new Error(`${topic} is not a journal topic of namespace '${this.topo.namespace}'`);
    return journal;
  }

  /** The step published at `offset` of `physicalTopic` is recorded by `target`, or dead-lettered. */
  stepDone(target: Producer, physicalTopic: string, offset: string): boolean {
    return this.ledger.stepDone(target, physicalTopic, offset);
  }

  /** The inputs owed but not (yet) recorded. */
  outstanding(): string[] {
    return this.ledger.outstanding();
  }

  /** Has read every journal up to `ends` (physical topic → high watermark)? */
  caughtUp(ends: ReadonlyMap<string, bigint>): boolean {
    for (const [topic, end] of ends) {
      if (end === 0n) continue;
      const position = this.positions.get(topic);
      if (position === undefined || position + 1n < end) return false;
    }
    return true;
  }

  check(): void {
    if (this.failure) throw this.failure;
  }
}

/**
 * Publishes a scenario's steps to the upstream input topics of a running stack (the four
 * services) and — in settle mode — waits after each step until its whole cascade has been applied,
 * by exact accounting: the step's input is recorded by its journal (or dead-lettered), every input
 * owed because of a wire event is recorded, and the watcher has read every journal to the end as of
 * a moment when nothing was owed. Returns the journals as read back and the outcome summary.
 */
export async function runScenarioThroughKafka(scenario: unknown, options: FeedOptions): Promise<KafkaScenarioResult> {
  const deciders = options.deciders ?? DECIDERS;
  const topo = topology(options.namespace ?? '');
  const kafka = createKafka('ccp-scenario-feeder', options.brokers);
  const steps = [...loadScenario(scenario, deciders)];
  const name = scenario && typeof scenario === 'object' && typeof (scenario as { name?: unknown }).name === 'string' ? (scenario as { name: string }).name : 'scenario';
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  const watcher = new JournalWatcher(kafka, topo, deciders, options.keyring ?? keyringFromEnvironment());
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    await watcher.start();
    const published: Array<{ step: LoadedStep; topic: string; offset: string }> = [];
    const settle = options.settle ?? true;
    for (const step of steps) {
      const topic = topo.inputs[inputChannelOf(step.command.type)];
      const [meta] = await producer.send({ topic, messages: [stepMessage(step)] });
      const offset = meta?.baseOffset ?? meta?.offset;
      if (offset === undefined) throw new Error(`no offset returned for ${step.origin} on ${topic}`);
      published.push({ step, topic, offset });
      if (settle) {
        await settled(watcher, admin, topo, [published.at(-1)!], options.stallTimeoutMs ?? 120_000, options.check);
        options.onStep?.(step, { records: watcher.recordCount });
      }
    }
    if (!settle) await settled(watcher, admin, topo, published, options.stallTimeoutMs ?? 120_000, options.check);
    const order: Producer[] = ['liquidation', 'default-fund', 'loss-allocation', 'margin'];
    const outcome = new OutcomeCollector();
    for (const p of order) for (const record of watcher.journals[p]) outcome.onRecord(record);
    const heads = Object.fromEntries(
      PRODUCERS.map((p) => [p, { records: watcher.journals[p].length, headHash: watcher.journals[p].at(-1)?.hash ?? '0'.repeat(64) } satisfies JournalHead]),
    ) as Record<Producer, JournalHead>;
    return { journals: watcher.journals, deadLetters: watcher.deadLetters, summary: outcome.summary(name, steps.length, heads) };
  } finally {
    await watcher.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function journalEnds(admin: import('kafkajs').Admin, topo: Topology): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  for (const topic of [...PRODUCERS.map((p) => topo.journals[p]), topo.deadLetter]) {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(topic, BigInt(offsets[0]?.high ?? '0'));
  }
  return ends;
}

async function settled(watcher: JournalWatcher, admin: import('kafkajs').Admin, topo: Topology, steps: ReadonlyArray<{ step: LoadedStep; topic: string; offset: string }>, stallTimeoutMs: number, check?: () => void): Promise<void> {
  let lastChange = watcher.recordCount;
  let lastProgressAt = performance.now();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (;;) {
    watcher.check();
    check?.();
    const pendingSteps = steps.filter((s) => !watcher.stepDone(s.step.target, s.topic, s.offset));
    if (pendingSteps.length === 0 && watcher.outstanding().length === 0) {
      const ends = await journalEnds(admin, topo);
      // Wait for the watcher to read everything committed up to now, then look again.
      while (!watcher.caughtUp(ends)) {
        watcher.check();
        check?.();
        await sleep(5);
        if (performance.now() - lastProgressAt > stallTimeoutMs) throw new Error(`the journal watcher did not reach the journals' ends ${JSON.stringify([...ends].map(([t, e]) => `${t}@${e}`))}`);
      }
      if (watcher.outstanding().length === 0) return;
    }
    if (watcher.recordCount !== lastChange) {
      lastChange = watcher.recordCount;
      lastProgressAt = performance.now();
    } else if (performance.now() - lastProgressAt > stallTimeoutMs) {
      const what = pendingSteps.map((s) => `${s.step.origin} (${s.step.command.type} → ${s.step.target}, ${s.topic}@${s.offset})`);
      throw new Error(`nothing recorded for ${stallTimeoutMs} ms; still waiting for steps [${what.join(', ')}] and owed inputs [${watcher.outstanding().slice(0, 10).join(', ')}]`);
    }
    await sleep(5);
  }
}

