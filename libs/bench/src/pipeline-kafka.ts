import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer as KafkaProducer } from 'kafkajs';
import { EventEnvelope, PRODUCERS, Producer } from '@ccp/contracts';
import { DECIDERS, LoadedStep, OutcomeCollector } from '@ccp/engine';
import { createDataSource, migrate } from '@ccp/persistence';
import { uniqueName, uniqueSchemaName } from '@ccp/infra-testing';
import { CascadeLedger, createKafka, deleteNamespaceTopics, ensureTopics, inputChannelOf, Partitioners, stepMessage, topology, type DeadLetterRecord, type Topology } from '@ccp/kafka-runtime';
import { outcomeFigures, type OutcomeFigures } from './pipeline-outcome';
import type { ServiceMessage, ServiceRequest, ServiceUsage } from './pipeline-service-child';

/**
 * The Kafka side of the pipeline benchmark: an isolated namespace (topics + PostgreSQL schema),
 * the four services as child processes, a journal watcher that keeps exact accounts of what is
 * owed and recorded (the same accounting as libs/kafka-runtime's scenario feeder, plus arrival
 * times), and a feeder that publishes a phase of steps and waits until its cascade has settled.
 */

// ── namespace ─────────────────────────────────────────────────────────────────────────────────

export interface BenchNamespace {
  readonly namespace: string;
  readonly schema: string;
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topo: Topology;
  env(): Record<string, string>;
  dispose(extraGroups: readonly string[]): Promise<void>;
}

export async function createBenchNamespace(brokers: string[], databaseUrl: string): Promise<BenchNamespace> {
  const namespace = `${uniqueName('bench.pipeline', '.')}.`;
  const schema = uniqueSchemaName('bench_pipeline');
  const kafka = createKafka('ccp-bench-pipeline', brokers);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, namespace);
  const ds = createDataSource({ url: databaseUrl, schema, applicationName: 'ccp-bench-pipeline' });
  await ds.initialize();
  await migrate(ds);
  await ds.destroy();
  const topo = topology(namespace);
  return {
    namespace,
    schema,
    brokers,
    databaseUrl,
    kafka,
    admin,
    topo,
    env: () => ({ KAFKA_BROKERS: brokers.join(','), DATABASE_URL: databaseUrl, CCP_DATABASE_SCHEMA: schema, HTTP_PORT: '0', CCP_TOPIC_NAMESPACE: namespace, OTEL_SDK_DISABLED: 'true', CCP_JOURNAL_DEV_KEYS: '1', CCP_READ_API_AUTH: 'off' }),
    async dispose(extraGroups) {
      await deleteNamespaceTopics(admin, namespace);
      await admin.deleteGroups([...PRODUCERS.map((p) => topo.groupId(p)), ...extraGroups]).catch(() => undefined);
      await admin.disconnect();
      const drop = createDataSource({ url: databaseUrl, applicationName: 'ccp-bench-pipeline' });
      await drop.initialize();
      await drop.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await drop.destroy();
    },
  };
}

// ── the four services as child processes ──────────────────────────────────────────────────────

/** A request without its id (distributes over the union). */
type ServiceCommand = ServiceRequest extends infer R ? (R extends ServiceRequest ? Omit<R, 'id'> : never) : never;

const SERVICE_CHILD = join(__dirname, 'pipeline-service-child.ts');

class ServiceChild {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: ServiceMessage) => void; reject: (e: Error) => void }>();
  private tail: string[] = [];
  readonly ready: Promise<void>;
  exit: { code: number | null; signal: string | null } | null = null;

  constructor(
    readonly producer: Producer,
    private readonly child: ChildProcess,
    log: WriteStream,
  ) {
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log.write(text);
      this.tail.push(...text.split('\n').filter(Boolean));
      if (this.tail.length > 200) this.tail = this.tail.slice(-100);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (raw: unknown) => {
        const m = raw as ServiceMessage;
        if (m.kind === 'ready') resolve();
        else this.waiting.get(m.id)?.resolve(m);
      });
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        const error = new Error(`${producer} exited (code ${code}, signal ${signal}):\n${this.lastLines()}`);
        reject(error);
        for (const w of this.waiting.values()) w.reject(error);
      });
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.child.pid!;
  }

  lastLines(n = 30): string {
    return this.tail.slice(-n).join('\n');
  }

  async request(cmd: ServiceCommand): Promise<ServiceMessage & { kind: 'reply' }> {
    if (this.exit) throw new Error(`${this.producer} is not running (exit ${JSON.stringify(this.exit)})`);
    const id = this.nextId++;
    const reply = new Promise<ServiceMessage>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.child.send({ ...cmd, id });
    const m = (await reply) as ServiceMessage & { kind: 'reply' };
    this.waiting.delete(id);
    if (m.error) throw new Error(`${this.producer}: ${cmd.cmd} failed: ${m.error}`);
    return m;
  }

  async usage(): Promise<ServiceUsage> {
    return (await this.request({ cmd: 'usage' })).usage!;
  }

  /** Asks the service to close (consumer leaves its group) and returns its final usage; SIGKILL if it does not exit. */
  async stop(): Promise<ServiceUsage | null> {
    if (this.exit) return null;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    let final: ServiceUsage | null = null;
    try {
      final = (await this.request({ cmd: 'stop' })).usage ?? null;
    } catch {
      this.child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
    return final;
  }

  killNow(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }
}

const everyChild = new Set<ServiceChild>();
process.on('exit', () => {
  for (const c of everyChild) c.killNow();
});

export class ServiceStack {
  private constructor(
    readonly services: Record<Producer, ServiceChild>,
    readonly logDir: string,
    private readonly logs: WriteStream[],
  ) {}

  static async start(ns: BenchNamespace, root: string): Promise<ServiceStack> {
    const logDir = mkdtempSync(join(tmpdir(), 'ccp-bench-pipeline-'));
    const services = {} as Record<Producer, ServiceChild>;
    const logs: WriteStream[] = [];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
    for (const p of PRODUCERS) {
      const log = createWriteStream(join(logDir, `${p}.log`));
      logs.push(log);
      const child = spawn(process.execPath, ['-r', '@swc-node/register', SERVICE_CHILD, p], { cwd: root, env: { ...env, ...ns.env() }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      services[p] = new ServiceChild(p, child, log);
      everyChild.add(services[p]);
    }
    const stack = new ServiceStack(services, logDir, logs);
    try {
      await Promise.all(PRODUCERS.map((p) => services[p].ready));
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  throwIfFailed(): void {
    for (const p of PRODUCERS) if (this.services[p].exit) throw new Error(`${p} exited during the run (${JSON.stringify(this.services[p].exit)}); logs in ${this.logDir}:\n${this.services[p].lastLines()}`);
  }

  async usage(): Promise<Record<Producer, ServiceUsage>> {
    const entries = await Promise.all(PRODUCERS.map(async (p) => [p, await this.services[p].usage()] as const));
    return Object.fromEntries(entries) as Record<Producer, ServiceUsage>;
  }

  async stop(): Promise<Partial<Record<Producer, ServiceUsage>>> {
    const finals = await Promise.all(PRODUCERS.map(async (p) => [p, await this.services[p].stop().catch(() => null)] as const));
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => l.end(() => r()))));
    for (const p of PRODUCERS) everyChild.delete(this.services[p]);
    return Object.fromEntries(finals.filter(([, u]) => u !== null)) as Partial<Record<Producer, ServiceUsage>>;
  }
}

// ── the journal watcher ───────────────────────────────────────────────────────────────────────

/** The event records the outcome summary is built from (the rest are only counted). */
const OUTCOME_TYPES = new Set(['MaintenanceBreached', 'LiquidationFilled', 'AccountDefaulted', 'WaterfallTrancheApplied', 'ResidualLossForwarded', 'DefaultCovered', 'LossAllocated']);

/**
 * Reads the four journals and the dead-letter topic (read_committed) and keeps exact accounts, as
 * libs/kafka-runtime's JournalWatcher does: the inputs each journal recorded (by logical source topic
 * and offset) and the inputs every wire event obliges each consumer to record. It also notes when
 * each record arrived, and keeps only the records the outcome summary needs.
 */
export class PipelineWatcher {
  readonly groupId: string;
  records = 0;
  readonly perProducer: Record<Producer, number> = { margin: 0, liquidation: 0, 'default-fund': 0, 'loss-allocation': 0 };
  readonly deadLetters: DeadLetterRecord[] = [];
  /** performance.now() when the last journal record arrived */
  lastRecordAt = 0;
  /** performance.now() when margin's last LossAllocationApplied arrived, and its Kafka timestamp (ms since epoch, set by the service's producer) */
  lastAllocationApplied: { at: number; createMs: number } | null = null;
  private readonly kept: Record<Producer, EventEnvelope[]> = { margin: [], liquidation: [], 'default-fund': [], 'loss-allocation': [] };
  private readonly ledger: CascadeLedger;
  private readonly positions = new Map<string, bigint>();
  private consumer: Consumer | null = null;
  private changes = 0;
  private failure: Error | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topo: Topology,
  ) {
    this.groupId = `${topo.namespace}ccp.bench-watcher`;
    this.ledger = new CascadeLedger(topo, DECIDERS);
  }

  get changeCount(): number {
    return this.changes;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 50, maxBytesPerPartition: 16 * 1024 * 1024 });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const offset = BigInt(event.payload.lastOffset);
      const prev = this.positions.get(event.payload.topic);
      if (prev === undefined || offset > prev) this.positions.set(event.payload.topic, offset);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.failure = event.payload.error;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...PRODUCERS.map((p) => this.topo.journals[p]), this.topo.deadLetter], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const message of batch.messages) this.take(batch.topic, message, at);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private take(topic: string, message: KafkaMessage, at: number): void {
    this.changes += 1;
    if (topic === this.topo.deadLetter) {
      const dl = JSON.parse(message.value!.toString('utf8')) as DeadLetterRecord;
      this.deadLetters.push(dl);
      this.ledger.deadLetter(dl);
      return;
    }
    const record = JSON.parse(message.value!.toString('utf8')) as EventEnvelope;
    this.records += 1;
    this.perProducer[record.producer] += 1;
    this.lastRecordAt = at;
    this.ledger.record(record);
    if (record.kind === 'input' && record.source) return;
    if (OUTCOME_TYPES.has(record.type)) this.kept[record.producer].push(record);
    if (record.type === 'LossAllocationApplied') this.lastAllocationApplied = { at, createMs: Number(message.timestamp) };
  }

  stepDone(target: Producer, physicalTopic: string, offset: string): boolean {
    return this.ledger.stepDone(target, physicalTopic, offset);
  }

  outstanding(): string[] {
    return this.ledger.outstanding();
  }

  /** After a settled phase nothing is owed: forget the accounts so far (keeps the maps small at 100k accounts). */
  forgetSettled(): void {
    this.ledger.forgetSettled();
  }

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

  outcome(name: string): OutcomeFigures {
    const collector = new OutcomeCollector();
    for (const p of ['liquidation', 'default-fund', 'loss-allocation', 'margin'] as const) for (const r of this.kept[p]) collector.onRecord(r);
    const heads = Object.fromEntries(PRODUCERS.map((p) => [p, { records: this.perProducer[p], headHash: '' }])) as Parameters<OutcomeCollector['summary']>[2];
    return outcomeFigures(collector.summary(name, 0, heads));
  }
}

// ── the feeder ────────────────────────────────────────────────────────────────────────────────

export interface Published {
  readonly step: LoadedStep;
  readonly topic: string;
  readonly offset: string;
}

/** Not a speed limit: nothing recorded for this long means something is stuck, and the run stops with what it waited for. */
const STALL_MS = 300_000;
const PUBLISH_BATCH = 1_000;

export class Feeder {
  private constructor(
    private readonly ns: BenchNamespace,
    private readonly producer: KafkaProducer,
    readonly watcher: PipelineWatcher,
  ) {}

  static async start(ns: BenchNamespace): Promise<Feeder> {
    const producer = ns.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const watcher = new PipelineWatcher(ns.kafka, ns.topo);
    await watcher.start();
    return new Feeder(ns, producer, watcher);
  }

  async stop(): Promise<void> {
    await this.watcher.stop().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }

  /** Publishes steps (all on one input channel each batch), in order, batched; returns where each landed. */
  async publish(steps: readonly LoadedStep[]): Promise<Published[]> {
    const out: Published[] = [];
    for (let i = 0; i < steps.length; ) {
      const topic = this.ns.topo.inputs[inputChannelOf(steps[i]!.command.type)];
      let j = i;
      while (j < steps.length && j - i < PUBLISH_BATCH && this.ns.topo.inputs[inputChannelOf(steps[j]!.command.type)] === topic) j += 1;
      const batch = steps.slice(i, j);
      const [meta] = await this.producer.send({ topic, messages: batch.map(stepMessage) });
      const base = meta?.baseOffset ?? meta?.offset;
      if (base === undefined) throw new Error(`no offset returned for ${batch[0]!.origin} on ${topic}`);
      batch.forEach((step, k) => out.push({ step, topic, offset: (BigInt(base) + BigInt(k)).toString() }));
      i = j;
    }
    return out;
  }

  /** Waits until every published step is recorded (or dead-lettered) and everything owed because of them is recorded. */
  async settled(published: readonly Published[], check: () => void): Promise<void> {
    const w = this.watcher;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let pending = [...published];
    let lastChange = w.changeCount;
    let lastProgressAt = performance.now();
    for (;;) {
      w.check();
      check();
      pending = pending.filter((s) => !w.stepDone(s.step.target, s.topic, s.offset));
      if (pending.length === 0 && w.outstanding().length === 0) {
        const ends = await this.journalEnds();
        while (!w.caughtUp(ends)) {
          w.check();
          check();
          await sleep(2);
          if (performance.now() - lastProgressAt > STALL_MS) throw new Error(`the watcher did not reach the journals' ends ${[...ends].map(([t, e]) => `${t}@${e}`).join(', ')}`);
        }
        if (w.outstanding().length === 0) {
          w.forgetSettled();
          return;
        }
      }
      if (w.changeCount !== lastChange) {
        lastChange = w.changeCount;
        lastProgressAt = performance.now();
      } else if (performance.now() - lastProgressAt > STALL_MS) {
        throw new Error(
          `nothing recorded for ${STALL_MS / 1000} s; still waiting for ${pending.length} step(s) [${pending
            .slice(0, 5)
            .map((s) => `${s.step.origin} ${s.step.command.type} → ${s.step.target} @${s.offset}`)
            .join(', ')}] and owed inputs [${w.outstanding().slice(0, 5).join(', ')}]`,
        );
      }
      await sleep(2);
    }
  }

  private async journalEnds(): Promise<Map<string, bigint>> {
    const ends = new Map<string, bigint>();
    for (const topic of [...PRODUCERS.map((p) => this.ns.topo.journals[p]), this.ns.topo.deadLetter]) {
      const offsets = await this.ns.admin.fetchTopicOffsets(topic);
      ends.set(topic, BigInt(offsets[0]?.high ?? '0'));
    }
    return ends;
  }
}
