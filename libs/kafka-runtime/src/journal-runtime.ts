import { performance } from 'node:perf_hooks';
import type { Admin, Batch, Consumer, IHeaders, KafkaMessage, Kafka, Message, Producer as KafkaProducer } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { context, trace, type Context } from '@opentelemetry/api';
import { anchorFor, EventEnvelope, GENESIS_HASH, JOURNAL_TOPICS, Producer, PRODUCERS, SignedChainReader } from '@ccp/contracts';
import { applyCommand, type ApplyOutcome, DECIDERS, JournaledDecider, JournalSlot, RoutedCommand, scenarioStep, wireCommandsFor } from '@ccp/engine';
import { decodeJournalRecord, DeadLetterReason, parseJson } from './journal-codec';
import { FoldResult, FoldStart, foldOwnJournal } from './journal-fold';
import { DEFAULT_SNAPSHOT_EVERY, isRefusal, openSnapshot, SnapshotSchedule, snapshotsBefore } from './fold-snapshots';
import { journalKeysFromEnvironment, RuntimeKeys } from './journal-keys';
import { headSignatureOf, TransactionalJournalWriter } from './journal-writer';
import { immutableLogProblems, IMMUTABLE_LOG_SETTINGS, TRANSACTION_SETTINGS, transactionProblems } from './broker-guards';
import { createKafka, Partitioners } from './kafka-client';
import { DependencyReadiness, ReadinessProbe } from './readiness';
import { ReadModelProjection, ReadModelProjector } from './read-model-projection';
import { endSpan, openTelemetryRuntime, RuntimeTelemetry } from './telemetry';
import { consumedJournals, DEAD_LETTER_STEWARD, INPUT_CHANNELS, InputChannel, inputChannelOf, Topology, topology } from './topology';

/**
 * A log line's structured fields where the runtime knows them: its journal's position
 * (`journal_topic`, `journal_seq`), the consumed record's (`source_topic`, `source_partition`,
 * `source_offset`), counts and reason codes.
 */
export type RuntimeLogFields = Readonly<Record<string, string | number | boolean | null>>;

export interface RuntimeLogger {
  log(message: string, fields?: RuntimeLogFields): void;
  error(message: string, fields?: RuntimeLogFields): void;
  /** a line per decision and per committed batch; absent: not written */
  debug?(message: string, fields?: RuntimeLogFields): void;
}


export interface JournalRuntimeOptions {
  readonly producer: Producer;
  readonly brokers: readonly string[];
  /** prefix of every topic, group and transactional id (CCP_TOPIC_NAMESPACE); default '' */
  readonly namespace?: string;
  readonly deciders?: Readonly<Record<Producer, JournaledDecider>>;
  /** the database of the read models (with `projector`) and of the fold snapshots (alone: snapshots only) */
  readonly dataSource?: DataSource;
  readonly projector?: ReadModelProjector;
  readonly telemetry?: RuntimeTelemetry;
  readonly logger?: RuntimeLogger;
  /**
   * Called once when the runtime cannot go on (a transaction failed, a record would be applied
   * twice): crash-only, the default exits the process with status 1 and a restart rebuilds.
   */
  readonly onFatal?: (error: Error) => void;
  /** kafkajs consumer session timeout; a restarted service waits this long for a killed one's membership to expire */
  readonly sessionTimeoutMs?: number;
  /** the own signing key and every journal's public key; default from the environment (journal-keys.ts) */
  readonly keys?: RuntimeKeys;
  /**
   * a fold snapshot after this many journal records, kept in the read models' database (needs
   * dataSource; docs/adr/0012-snapshots.md); 0 = none; default 100,000 (services: CCP_SNAPSHOT_EVERY)
   */
  readonly snapshotEvery?: number;
}

export type RuntimePhase = 'created' | 'folding' | 'consuming' | 'stopping' | 'stopped' | 'failed';

export interface RuntimeStatus {
  readonly producer: Producer;
  readonly phase: RuntimePhase;
  readonly folded: boolean;
  readonly consuming: boolean;
  readonly ready: boolean;
  /** records in the journal (the next seq to write) */
  readonly nextSeq: number;
  readonly headHash: string;
  /** records folded at start (after the snapshot, if it started from one) */
  readonly foldedRecords: number;
  /** seq of the snapshot the start folded on from; null: folded from the journal's start */
  readonly foldedFromSnapshot: number | null;
  /** snapshots stored since start */
  readonly snapshotsTaken: number;
  /** records on the own journal topic the fold did not accept (garbage, forged, unsigned) */
  readonly quarantinedAtFold: number;
  readonly failure: string | null;
}

/** Thrown when the journal or the group's offsets say that starting would lose or repeat an effect. */
export class RefuseToStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefuseToStartError';
  }
}

/** Budget per produce call inside a transaction, under the brokers' 8 MiB record-batch limit. */
const SEND_CHUNK_BYTES = 4 * 1024 * 1024;
/** The anchors topic takes record batches of 1 MiB. */
const ANCHOR_CHUNK_BYTES = 512 * 1024;

type WriterSlot = JournalSlot & { readonly writer: TransactionalJournalWriter };

const headerStrings = (headers: IHeaders | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
};

/**
 * The journaled consumer of one producer (design.md §2–§4, docs/adr/0005-kafka-runtime.md):
 * folds its journal at start, then consumes its upstream input topics and the journals whose wire
 * events it translates, applying each through the engine's apply step, and writes every batch's
 * journal records, dead letters and consumed offsets in ONE Kafka transaction.
 */
export class JournalRuntime {
  readonly producer: Producer;
  readonly topology: Topology;
  private readonly deciders: Readonly<Record<Producer, JournaledDecider>>;
  private readonly telemetry: RuntimeTelemetry;
  private readonly logger: RuntimeLogger;
  private readonly kafka: Kafka;
  private readonly projection: ReadModelProjection | null;
  private admin: Admin | null = null;
  private txProducer: KafkaProducer | null = null;
  private consumer: Consumer | null = null;
  private slot: WriterSlot | null = null;
  private phase: RuntimePhase = 'created';
  private consuming = false;
  private foldedRecords = 0;
  private foldedFromSnapshot: number | null = null;
  private readonly snapshots: SnapshotSchedule | null;
  private quarantinedAtFold = 0;
  private failure: string | null = null;
  private readonly keys: RuntimeKeys;
  private readonly probe: ReadinessProbe;
  /** logical source topic → last applied offset (input topics: Kafka offset; journals: seq) */
  private lastApplied = new Map<string, bigint>();
  /** per consumed journal: its records accepted only as far as its owner signed them */
  private readonly journalReaders = new Map<Producer, SignedChainReader<KafkaMessage>>();
  private readonly journalOfTopic: Map<string, Producer>;
  private readonly channelOfTopic: Map<string, InputChannel>;
  private readonly stopped = (() => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  })();

  constructor(private readonly options: JournalRuntimeOptions) {
    this.producer = options.producer;
    this.topology = topology(options.namespace ?? '');
    this.deciders = options.deciders ?? DECIDERS;
    this.telemetry = options.telemetry ?? openTelemetryRuntime();
    this.logger = options.logger ?? { log: (m) => process.stdout.write(`[${this.producer}] ${m}\n`), error: (m) => process.stderr.write(`[${this.producer}] ${m}\n`) };
    this.kafka = createKafka(`ccp-${this.producer}`, options.brokers);
    this.keys = options.keys ?? journalKeysFromEnvironment(this.producer);
    this.probe = new ReadinessProbe(() => this.admin, options.dataSource ?? null);
    if (this.keys.signer.journal !== this.producer) throw new Error(`${this.producer} was given the signing key of ${this.keys.signer.journal}`);
    if (options.projector !== undefined && options.dataSource === undefined) throw new Error('a projector needs the dataSource its read models live in');
    this.projection = options.dataSource && options.projector ? new ReadModelProjection(options.dataSource, options.projector, { producer: this.producer, namespace: this.topology.namespace, topic: this.topology.journals[this.producer] }, this.logger) : null;
    const snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.snapshots =
      options.dataSource && snapshotEvery > 0
        ? new SnapshotSchedule(options.dataSource, this.keys.signer, this.topology.journals[this.producer], snapshotEvery, (m) => this.logger.log(m, { journal_topic: this.topology.journals[this.producer] }))
        : null;
    this.journalOfTopic = new Map(PRODUCERS.map((p) => [JOURNAL_TOPICS[p] as string, p]));
    this.channelOfTopic = new Map(INPUT_CHANNELS.map((c) => [this.topology.logical(this.topology.inputs[c]), c]));
  }

  status(): RuntimeStatus {
    const folded = this.slot !== null;
    return {
      producer: this.producer,
      phase: this.phase,
      folded,
      consuming: this.consuming,
      ready: folded && this.consuming && this.phase === 'consuming',
      nextSeq: this.slot?.writer.nextSeq ?? 0,
      headHash: this.slot?.writer.headHash ?? GENESIS_HASH,
      foldedRecords: this.foldedRecords,
      foldedFromSnapshot: this.foldedFromSnapshot,
      snapshotsTaken: this.snapshots?.taken ?? 0,
      quarantinedAtFold: this.quarantinedAtFold,
      failure: this.failure,
    };
  }

  /** The status, and whether the broker and the database answer now: ready only if all hold. */
  async readiness(): Promise<RuntimeStatus & { readonly dependencies: DependencyReadiness }> {
    const status = this.status();
    const dependencies = await this.probe.check();
    const reachable = dependencies.broker.ok && (dependencies.database?.ok ?? true);
    return { ...status, ready: status.ready && reachable, dependencies };
  }

  /** The topics this runtime reads (physical names). */
  consumedTopics(): string[] {
    return [...INPUT_CHANNELS.map((c) => this.topology.inputs[c]), ...consumedJournals(this.producer, this.deciders).map((p) => this.topology.journals[p])];
  }

  async start(): Promise<void> {
    if (this.phase !== 'created') throw new Error(`runtime of ${this.producer} already started (${this.phase})`);
    this.phase = 'folding';
    const started = performance.now();
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.checkTopicsExist();

    // Fence any earlier instance first: initTransactions bumps the epoch and aborts its open
    // transaction, so the fold below sees every committed record and nothing else.
    this.txProducer = this.kafka.producer({
      transactionalId: this.topology.transactionalId(this.producer),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    // kafkajs sends InitProducerId for the transactional id only when a first transaction begins:
    // begin (and abort, empty: no request) one now, so the fencing happens before the fold.
    const fence = async (producer: KafkaProducer): Promise<void> => {
      await producer.connect();
      await (await producer.transaction()).abort();
    };
    await fence(this.txProducer).catch((error: unknown) => {
      throw new RefuseToStartError(
        `the broker did not grant transactional id ${this.topology.transactionalId(this.producer)} (the journal is written in transactions): ${error instanceof Error ? error.message : String(error)} — check the broker's transaction settings and this principal's TransactionalId ACLs`,
      );
    });

    const projectFrom = this.projection ? await this.projection.nextSeq() : Number.POSITIVE_INFINITY;
    const journalTopic = this.topology.journals[this.producer];
    const { folded, from } = await this.foldFromLatestSnapshot(projectFrom);
    this.foldedRecords = folded.records;
    this.foldedFromSnapshot = from;
    this.snapshots?.resetTo(from ?? -1);
    this.quarantinedAtFold = folded.quarantined.length;
    for (const q of folded.quarantined) {
      this.logger.error(`quarantined ${journalTopic} offset ${q.offset} at start: ${q.reason.code} at ${q.reason.path || '(record)'}: ${q.reason.message}; skipped, not folded`, {
        journal_topic: journalTopic,
        source_topic: journalTopic,
        source_offset: String(q.offset),
        code: q.reason.code,
      });
    }
    this.telemetry.recordQuarantined?.(this.producer, this.producer, folded.quarantined.length);
    this.lastApplied = folded.lastApplied;
    await this.checkCommittedOffsets();
    const writer = new TransactionalJournalWriter(this.producer, folded.nextSeq, folded.headHash, this.keys.signer);
    this.slot = { writer, state: folded.state, guard: folded.guard };
    this.logger.log(
      `folded ${folded.records} records of ${journalTopic} in ${Math.round(performance.now() - started)} ms (${from === null ? 'full fold' : `from the snapshot at seq ${from}`}; next seq ${writer.nextSeq}; ${folded.quarantined.length} quarantined)`,
      { journal_topic: journalTopic, journal_seq: writer.nextSeq - 1, records: folded.records, quarantined: folded.quarantined.length, snapshot_seq: from },
    );
    // a long fold is worth keeping: the next start resumes here
    if (this.snapshots && folded.nextSeq > 0 && this.snapshots.due(folded.nextSeq - 1)) {
      this.snapshots.take({ state: folded.state, guard: folded.guard, lastApplied: this.lastApplied }, { seq: folded.nextSeq - 1, hash: folded.headHash, offset: folded.headOffset });
    }

    const consumer = this.kafka.consumer({
      groupId: this.topology.groupId(this.producer),
      readUncommitted: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.consuming = true;
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.consuming = false;
      if (!event.payload.restart) this.fatal(new Error(`consumer crashed: ${event.payload.error.message}`));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.consumedTopics(), fromBeginning: true });
    this.phase = 'consuming';
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }) => {
        if (this.phase !== 'consuming') return;
        try {
          await this.processBatch(batch, heartbeat);
        } catch (error: unknown) {
          this.fatal(error instanceof Error ? error : new Error(String(error)));
          // Never let kafkajs retry a batch whose effects are half-applied to the in-memory state:
          // park until stop() (nothing is committed: offsets move only inside our transactions).
          await this.stopped.promise;
        }
      },
    });
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'stopping') return;
    if (this.phase !== 'failed') this.phase = 'stopping';
    const draining = this.phase === 'stopping';
    const started = performance.now();
    this.consuming = false;
    this.stopped.resolve();
    // kafkajs lets the batch in flight finish before the consumer leaves its group: that batch's
    // transaction (records, anchors, dead letters, offsets) commits or aborts as a whole, and a
    // restart continues from the journal and the offsets it committed.
    await this.consumer?.disconnect().catch(() => undefined);
    await this.txProducer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.projection?.drain();
    await this.snapshots?.settle();
    if (this.phase !== 'failed') this.phase = 'stopped';
    if (draining) {
      const journalTopic = this.topology.journals[this.producer];
      const lastSeq = (this.slot?.writer.nextSeq ?? 0) - 1;
      this.logger.log(
        `drained in ${Math.round(performance.now() - started)} ms: the batch in flight finished, consumer left its group; journal ${journalTopic} ends at seq ${lastSeq}`,
        { journal_topic: journalTopic, journal_seq: lastSeq },
      );
    }
  }

  /**
   * Folds the own journal from the latest usable snapshot (docs/adr/0012-snapshots.md), else from
   * its start. A snapshot is usable if its owner's signature and its bytes check out and the read
   * models have projected every record it covers; the records after it must then continue its head
   * on the topic. Any refusal is logged and the next older snapshot, at last the full fold, is used:
   * a snapshot shortens a start, it never decides what the state is.
   */
  private async foldFromLatestSnapshot(projectFrom: number): Promise<{ folded: FoldResult; from: number | null }> {
    const journalTopic = this.topology.journals[this.producer];
    const decider = this.deciders[this.producer];
    const fold = async (start?: FoldStart): Promise<FoldResult> => {
      const tail: EventEnvelope[] = [];
      const folded = await foldOwnJournal(this.kafka, journalTopic, this.producer, decider, this.keys.keyring, (record) => {
        if (record.seq >= projectFrom) tail.push(record);
      }, this.topology.groupId(this.producer), start);
      if (this.projection && tail.length > 0) {
        // the tail's anchors as the writer signed them (Ed25519 is deterministic: the same bytes)
        this.projection.enqueue(tail, tail.flatMap((r) => anchorFor(r, this.keys.signer) ?? []));
        await this.projection.drain();
      }
      return folded;
    };
    const stored = this.options.dataSource && this.snapshots ? await snapshotsBefore(this.options.dataSource, journalTopic, this.producer, projectFrom) : [];
    for (const candidate of stored) {
      const opened = openSnapshot(decider, this.keys.keyring, candidate);
      if (isRefusal(opened)) {
        this.logger.error(`snapshot of ${journalTopic} at seq ${opened.seq} not used: ${opened.reason}`, { journal_topic: journalTopic, snapshot_seq: opened.seq });
        continue;
      }
      try {
        return { folded: await fold(opened), from: opened.seq };
      } catch (error: unknown) {
        this.logger.error(`snapshot of ${journalTopic} at seq ${opened.seq} not used: the journal does not continue it (${error instanceof Error ? error.message : String(error)})`, { journal_topic: journalTopic, snapshot_seq: opened.seq });
      }
    }
    return { folded: await fold(), from: null };
  }

  /** Resolves when every committed record so far is projected into the read models. */
  async readModelsSettled(): Promise<void> {
    await this.projection?.drain();
  }

  private fatal(error: Error): void {
    if (this.phase === 'failed') return;
    this.phase = 'failed';
    this.consuming = false;
    this.failure = error.message;
    this.logger.error(`FATAL: ${error.stack ?? error.message}`, { journal_topic: this.topology.journals[this.producer], journal_seq: (this.slot?.writer.nextSeq ?? 0) - 1 });
    const onFatal =
      this.options.onFatal ??
      (() => {
        process.exit(1);
      });
    onFatal(error);
  }

  private async checkTopicsExist(): Promise<void> {
    const needed = [this.topology.journals[this.producer], this.topology.deadLetter, this.topology.anchors, ...this.consumedTopics()];
    const existing = new Set(await this.admin!.listTopics());
    const missing = needed.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new RefuseToStartError(`topics missing on the broker: ${missing.join(', ')} (run infra/scripts/infra-up.sh, or create the namespace's topics)`);
    // the journal and its anchors are immutable logs: refuse a topic that would delete or compact them
    const kept = [this.topology.journals[this.producer], this.topology.anchors];
    const described = await this.admin!.describeConfigs({
      includeSynonyms: false,
      resources: kept.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [...IMMUTABLE_LOG_SETTINGS] })),
    });
    const problems = described.resources.flatMap((r) => immutableLogProblems(r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))));
    // and the broker must be able to run the transactions they are written in
    const cluster = await this.admin!.describeCluster();
    const broker = await this.admin!
      .describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(cluster.controller ?? cluster.brokers[0]?.nodeId ?? 1), configNames: [...TRANSACTION_SETTINGS] }] })
      .catch(() => null); // not allowed to describe the broker: the transactional producer's start below reports it instead
    if (broker) problems.push(...transactionProblems(cluster.brokers.length, Object.fromEntries(broker.resources.flatMap((r) => r.configEntries.map((e) => [e.configName, e.configValue])))));
    if (problems.length > 0) throw new RefuseToStartError(`refusing to write the ${this.producer} journal:\n  - ${problems.join('\n  - ')}`);
  }

  /**
   * The journal says which upstream offset was applied last; the group's committed offset must be
   * past it (both are written by the same transactions). Otherwise the journal and the offsets
   * disagree and resuming would apply a message twice or skip one: refuse.
   */
  private async checkCommittedOffsets(): Promise<void> {
    const topics = INPUT_CHANNELS.map((c) => this.topology.inputs[c]);
    // a fresh cluster is still creating __consumer_offsets (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS),
    // which kafkajs's admin reports without retrying: the containers e2e met it on every first start
    const committed = await retryRetriable(() => this.admin!.fetchOffsets({ groupId: this.topology.groupId(this.producer), topics }));
    for (const entry of committed) {
      const logical = this.topology.logical(entry.topic);
      const last = this.lastApplied.get(logical);
      if (last === undefined) continue;
      const offset = entry.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
      if (offset === '-1' || BigInt(offset) <= last) {
        throw new RefuseToStartError(
          `${this.topology.journals[this.producer]} records ${logical} offset ${last} as applied, but group ${this.topology.groupId(this.producer)} has committed ${offset === '-1' ? 'nothing' : `offset ${offset}`} on ${entry.topic}: resuming would apply it again; refusing to start`,
        );
      }
    }
  }

  private async processBatch(batch: Batch, heartbeat: () => Promise<void>): Promise<void> {
    const batchStarted = performance.now();
    const slot = this.slot!;
    const logical = this.topology.logical(batch.topic);
    const sourceJournal = this.journalOfTopic.get(logical);
    const deadLetters: Message[] = [];
    let applied = 0;
    let skipped = 0;
    let quarantined = 0;
    let lastBeat = performance.now();
    for (const message of batch.messages) {
      // A long batch on a busy machine must not outlive the session: keep the membership alive while
      // deciding (nothing is committed here; a failed heartbeat only means a rebalance is under way).
      if (performance.now() - lastBeat > 1_000) {
        lastBeat = performance.now();
        await heartbeat().catch((error: unknown) => this.logger.log(`heartbeat during a batch: ${error instanceof Error ? error.message : String(error)}`));
      }
      const outcomes =
        sourceJournal !== undefined
          ? this.handleJournalMessage(slot, sourceJournal, batch.topic, message)
          : [{ message, outcome: this.handleInputMessage(slot, this.channelOfTopic.get(logical)!, batch.topic, batch.partition, message) }];
      for (const { message: about, outcome } of outcomes) {
        if (outcome.kind === 'dead-letter') {
          deadLetters.push(this.deadLetter(batch.topic, batch.partition, about, outcome.reason));
          if (outcome.quarantine) quarantined += 1;
        } else if (outcome.kind === 'applied') applied += 1;
        else skipped += 1;
      }
    }
    const { messages, records, anchors, anchorMessages } = slot.writer.take();
    // Records of a journal still waiting for their owner's signature are not consumed yet: the
    // offset stays before the first of them, so a restart reads them again.
    const waiting = sourceJournal !== undefined ? this.journalReaders.get(sourceJournal)?.firstPendingPosition : null;
    const nextOffset = waiting ? BigInt(waiting.offset) : BigInt(batch.lastOffset()) + 1n;
    const transaction = await this.txProducer!.transaction();
    let lastRecordOffset: bigint | null = null;
    try {
      for (const chunk of chunksBySize(messages)) {
        const sent = await retryConcurrent(() => transaction.send({ topic: this.topology.journals[this.producer], messages: chunk }));
        const base = sent.find((m) => m.partition === 0)?.baseOffset;
        lastRecordOffset = base === undefined ? null : BigInt(base) + BigInt(chunk.length - 1);
      }
      // a batch can close thousands of defaults (an anchor each) or dead-letter thousands of inputs:
      // those topics take smaller record batches than the journals (1 MiB and 8 MiB, TOPIC_SPECS)
      for (const chunk of chunksBySize(anchorMessages, ANCHOR_CHUNK_BYTES)) await retryConcurrent(() => transaction.send({ topic: this.topology.anchors, messages: chunk }));
      for (const chunk of chunksBySize(deadLetters)) await retryConcurrent(() => transaction.send({ topic: this.topology.deadLetter, messages: chunk }));
      await retryConcurrent(() =>
        transaction.sendOffsets({
          consumerGroupId: this.topology.groupId(this.producer),
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset.toString() }] }],
        }),
      );
      await transaction.commit();
    } catch (error: unknown) {
      await transaction.abort().catch(() => undefined);
      throw new Error(`transaction of ${records.length} records from ${batch.topic}@${batch.firstOffset()}..${batch.lastOffset()} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.telemetry.recordBatch?.(this.producer, logical, { messages: batch.messages.length, journalRecords: records.length, durationMs: performance.now() - batchStarted });
    this.logger.debug?.(`committed a batch of ${batch.messages.length} from ${batch.topic}@${batch.firstOffset()}..${batch.lastOffset()}: ${records.length} journal records, ${applied} applied, ${skipped} skipped, ${deadLetters.length} dead-lettered`, {
      journal_topic: this.topology.journals[this.producer],
      journal_seq: slot.writer.nextSeq - 1,
      source_topic: batch.topic,
      source_partition: batch.partition,
      source_offset: batch.lastOffset(),
      records: records.length,
    });
    this.telemetry.recordProcessed(this.producer, 'applied', applied);
    this.telemetry.recordProcessed(this.producer, 'skipped', skipped);
    this.telemetry.recordProcessed(this.producer, 'dead-lettered', deadLetters.length);
    if (sourceJournal !== undefined && quarantined > 0) this.telemetry.recordQuarantined?.(this.producer, sourceJournal, quarantined);
    this.telemetry.recordLag(this.producer, logical, Number(batch.offsetLag()));
    this.projection?.enqueue(records, anchors);
    const last = records[records.length - 1];
    if (last && lastRecordOffset !== null && this.snapshots?.due(last.seq)) {
      this.snapshots.take({ state: slot.state, guard: slot.guard, lastApplied: this.lastApplied }, { seq: last.seq, hash: last.hash, offset: lastRecordOffset + 1n });
    }
    // The batch is committed (records, dead letters and offsets together): a rebalance reported now
    // changes nothing already written, and the consumer rejoins from the committed offsets.
    await heartbeat().catch((error: unknown) => this.logger.log(`heartbeat after commit: ${error instanceof Error ? error.message : String(error)}`));
  }

  private handleInputMessage(slot: WriterSlot, channel: InputChannel, topic: string, partition: number, message: KafkaMessage): MessageOutcome {
    const json = parseJson(message.value);
    const steward = this.producer === DEAD_LETTER_STEWARD;
    if (!json.ok) return steward ? deadLetter(json.reason) : SKIPPED;
    const to = (json.value as { to?: unknown } | null)?.to;
    if (typeof to !== 'string' || !(PRODUCERS as readonly string[]).includes(to)) {
      return steward ? deadLetter({ code: 'malformed', path: 'to', message: `must name one of ${PRODUCERS.join(', ')}; got ${JSON.stringify(to)}` }) : SKIPPED;
    }
    if (to !== this.producer) return SKIPPED;
    const step = scenarioStep.safeParse(json.value);
    if (!step.success) {
      const issue = step.error.issues[0]!;
      return deadLetter({ code: 'malformed', path: issue.path.map(String).join('.'), message: issue.message });
    }
    const { type, payload, at, correlationId, commandId } = step.data;
    const parsed = this.deciders[this.producer].parseCommand({ type, payload, meta: { occurredAt: at, correlationId: correlationId ?? null } });
    if (!parsed.ok) return deadLetter({ code: parsed.rejection.code, path: parsed.rejection.path, message: parsed.rejection.message });
    if (inputChannelOf(type) !== channel) return deadLetter({ code: 'wrong_topic', path: 'type', message: `${type} belongs on ${this.topology.inputs[inputChannelOf(type)]}, not ${topic}` });
    if (commandId === undefined) {
      return deadLetter({ code: 'malformed', path: 'commandId', message: 'an upstream command must carry its commandId: a journal decides each id once, so a re-sent message has no second effect' });
    }
    const logical = this.topology.logical(topic);
    this.guardOnce(logical, BigInt(message.offset), `${topic} offset ${message.offset}`);
    const source = { topic: logical, partition, offset: message.offset };
    this.applyTraced(slot, { target: this.producer, command: parsed.value, causationId: null, source, commandId }, message);
    return APPLIED;
  }

  /**
   * One message of another journal's topic: decoded, then offered to that journal's signed-chain
   * reader. Only records its owner has signed are applied (possibly several at once, when the
   * signed head of their transaction arrives); forged, replayed or garbage records are quarantined
   * into the dead-letter topic with the reason, and never decided on.
   */
  private handleJournalMessage(slot: WriterSlot, source: Producer, topic: string, message: KafkaMessage): { message: KafkaMessage; outcome: MessageOutcome }[] {
    const decoded = decodeJournalRecord(message.value, source);
    if (!decoded.ok) return [{ message, outcome: quarantine(decoded.reason) }];
    const verdict = this.readerOf(source).offer(decoded.value, headSignatureOf(message.headers), message);
    const outcomes: { message: KafkaMessage; outcome: MessageOutcome }[] = verdict.quarantined.map((q) => ({ message: q.position, outcome: quarantine(q.reason) }));
    for (const { record, position } of verdict.accepted) outcomes.push({ message: position, outcome: this.applyJournalRecord(slot, source, topic, record, position) });
    return outcomes;
  }

  private applyJournalRecord(slot: WriterSlot, source: Producer, topic: string, record: EventEnvelope, message: KafkaMessage): MessageOutcome {
    const commands = wireCommandsFor(this.deciders, this.producer, record);
    if (commands.length === 0) return SKIPPED;
    const last = this.lastApplied.get(JOURNAL_TOPICS[source]);
    if (last !== undefined && BigInt(record.seq) <= last) return SKIPPED; // applied before the restart; the journal says so
    this.guardOnce(JOURNAL_TOPICS[source], BigInt(record.seq), `${record.id} (${topic} offset ${message.offset})`);
    for (const command of commands) this.applyTraced(slot, command, message);
    return APPLIED;
  }

  private readerOf(source: Producer): SignedChainReader<KafkaMessage> {
    let reader = this.journalReaders.get(source);
    if (!reader) {
      const applied = this.lastApplied.get(JOURNAL_TOPICS[source]);
      reader = new SignedChainReader<KafkaMessage>(source, this.keys.keyring, { resumeAfterSeq: applied === undefined ? -1 : Number(applied) }, { gaps: 'tolerate' });
      this.journalReaders.set(source, reader);
    }
    return reader;
  }

  /** A source position at or below the last applied one would be applied twice: crash instead. */
  private guardOnce(logicalTopic: string, position: bigint, what: string): void {
    const last = this.lastApplied.get(logicalTopic);
    if (last !== undefined && position <= last) throw new Error(`${what} is at or before the last applied position ${last} of ${logicalTopic}: it would be applied twice`);
    this.lastApplied.set(logicalTopic, position);
  }

  private applyTraced(slot: WriterSlot, command: RoutedCommand, message: KafkaMessage): void {
    const parent: Context = this.telemetry.extractTraceContext(headerStrings(message.headers));
    const span = this.telemetry.startDecisionSpan(this.producer, command.command.type, parent);
    const spanContext = trace.setSpan(parent, span);
    const headers: Record<string, string> = {};
    this.telemetry.injectTraceContext(headers, spanContext);
    slot.writer.headers = headers;
    const started = performance.now();
    try {
      let correlationId = null as string | null;
      const outcome = context.with(spanContext, () => {
        const applied = applyCommand(this.deciders, slot, command);
        correlationId = correlationOf(applied);
        // inside the span: the line carries its trace_id and span_id
        this.logger.debug?.(`decided ${command.command.type}${applied.rejection ? ` (rejected: ${applied.rejection.code})` : ''}`, {
          journal_topic: this.topology.journals[this.producer],
          journal_seq: applied.inputRecord.seq,
          stream: applied.inputRecord.stream,
          correlation_id: correlationId,
          source_offset: message.offset,
        });
        return applied;
      });
      span.setAttribute('ccp.seq', outcome.inputRecord.seq);
      span.setAttribute('ccp.stream', outcome.inputRecord.stream);
      if (correlationId !== null) span.setAttribute('ccp.correlation_id', correlationId);
      endSpan(span, outcome.rejection ? `${outcome.rejection.code}: ${outcome.rejection.message}` : undefined);
    } catch (error: unknown) {
      endSpan(span, error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      this.telemetry.recordDecisionLatency(this.producer, command.command.type, performance.now() - started);
      slot.writer.headers = {};
    }
  }

  private deadLetter(topic: string, partition: number, message: KafkaMessage, reason: DeadLetterReason): Message {
    const value: DeadLetterRecord = {
      service: this.producer,
      reason,
      source: { topic, partition, offset: message.offset },
      key: message.key ? message.key.toString('utf8') : null,
      originalValue: message.value ? message.value.toString('base64') : null,
      headers: headerStrings(message.headers),
    };
    this.logger.error(`dead-lettered ${topic}@${message.offset}: ${reason.code} at ${reason.path || '(message)'}: ${reason.message}`, {
      journal_topic: this.topology.journals[this.producer],
      source_topic: topic,
      source_partition: partition,
      source_offset: message.offset,
      code: reason.code,
    });
    return { key: message.key ?? null, value: JSON.stringify(value), headers: { 'ccp-dead-letter-service': this.producer, 'ccp-dead-letter-code': reason.code } };
  }
}

/** What the dead-letter topic holds, one per refused message (value is JSON). */
export interface DeadLetterRecord {
  readonly service: Producer;
  readonly reason: DeadLetterReason;
  /** physical topic, partition and Kafka offset of the refused message */
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly key: string | null;
  /** the original value's bytes, base64 */
  readonly originalValue: string | null;
  readonly headers: Record<string, string>;
}

/** The default a decision concerns: its input's correlation id, else the one its events open (e.g. AccountDefaulted). */
const correlationOf = (outcome: ApplyOutcome): string | null => outcome.inputRecord.correlationId ?? outcome.decided.find((r) => r.correlationId !== null)?.correlationId ?? null;

type MessageOutcome = { kind: 'applied' } | { kind: 'skipped' } | { kind: 'dead-letter'; reason: DeadLetterReason; quarantine?: true };
const APPLIED: MessageOutcome = { kind: 'applied' };
const SKIPPED: MessageOutcome = { kind: 'skipped' };
const deadLetter = (reason: DeadLetterReason): MessageOutcome => ({ kind: 'dead-letter', reason });
/** a record on a journal topic that is not its owner's: dead-lettered, counted as quarantined */
const quarantine = (reason: DeadLetterReason): MessageOutcome => ({ kind: 'dead-letter', reason, quarantine: true });

/** Retries `operation` while it fails with an error `retriable` accepts, at most `attempts` times, waiting `delayMs(attempt)` between. */
async function retryWhile<T>(retriable: (error: unknown) => boolean, operation: () => Promise<T>, attempts: number, delayMs: (attempt: number) => number): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error: unknown) {
      if (!retriable(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs(attempt)));
    }
  }
}

/**
 * CONCURRENT_TRANSACTIONS: the coordinator is still writing the previous transaction's markers.
 * Retriable by the protocol (the Java client backs off and retries); nothing was added yet.
 */
const retryConcurrent = <T>(operation: () => Promise<T>): Promise<T> =>
  retryWhile((error) => (error as { type?: unknown } | null)?.type === 'CONCURRENT_TRANSACTIONS', operation, 50, (attempt) => Math.min(200, 10 * attempt));

/** What the broker answered with an error kafkajs marks `retriable` (a coordinator moving or loading), retried a bounded number of times. */
const retryRetriable = <T>(operation: () => Promise<T>): Promise<T> => retryWhile((error) => (error as { retriable?: unknown } | null)?.retriable === true, operation, 40, () => 250);

/** Splits one transaction's messages for a topic into produce calls of at most `budget` bytes (a single larger message goes alone). */
export function* chunksBySize(messages: readonly Message[], budget: number = SEND_CHUNK_BYTES): Generator<Message[]> {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (chunk.length > 0 && bytes + size > budget) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** A message's bytes on the wire, roughly: value, key, headers, and the record's own framing (never less than the real size). */
function messageBytes(m: Message): number {
  const length = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0);
  let size = 32 + length(m.value) + length(m.key);
  for (const [name, value] of Object.entries(m.headers ?? {})) size += Buffer.byteLength(name) + (Array.isArray(value) ? value.reduce((n: number, v) => n + length(v), 0) : length(value));
  return size;
}

