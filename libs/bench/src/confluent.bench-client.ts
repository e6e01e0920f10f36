import { countingLatch, errorText, within, type BenchClient, type ConsumeTransformProduce, type CountingReader, type TransactionalSender, type ZombieOutcome } from './bench-client';
import type { BenchRecord } from './journal-payloads';

/**
 * @confluentinc/kafka-javascript through its KafkaJS-compatible API (`.KafkaJS`): librdkafka
 * underneath, configured by a `kafkaJS` block plus librdkafka properties beside it. Loaded from
 * .tools/kafka-clients (candidate-clients.ts): the declarations below are the part of its API the
 * bench uses, checked against its types/kafkajs.d.ts 1.10.
 */

interface ConfluentMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

interface ConfluentBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConfluentMessage[];
}

interface ConfluentConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: { eachBatch: (payload: { batch: ConfluentBatch }) => Promise<void> }): Promise<void>;
}

interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** resolves with the producer itself: librdkafka has one transaction per producer at a time */
  transaction(): Promise<ConfluentProducer>;
  send(record: { topic: string; messages: Array<{ key: string; value: string }> }): Promise<unknown>;
  sendOffsets(offsets: { consumer: ConfluentConsumer; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

interface ConfluentKafka {
  producer(config: Readonly<Record<string, unknown>>): ConfluentProducer;
  consumer(config: Readonly<Record<string, unknown>>): ConfluentConsumer;
}

export interface ConfluentModule {
  readonly librdkafkaVersion: string;
  readonly KafkaJS: {
    readonly Kafka: new (config: Readonly<Record<string, unknown>>) => ConfluentKafka;
    readonly logLevel: { readonly NOTHING: number; readonly ERROR: number };
  };
}

const CALL_MS = 60_000;
/** librdkafka's code for a rebalance that assigns partitions (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) */
const ASSIGN_PARTITIONS = -175;

/**
 * retry.backoff.ms 10 (the KafkaJS block's default is 300); linger.ms 0: each batch is awaited
 * before its commit, so lingering only delays it (the library's own advice for awaited sends);
 * eachBatch batches of up to 2,000 records (default 32), about what kafkajs hands over from one
 * 1 MiB partition fetch of these records.
 */
const MAX_BATCH = 2_000;
export const CONFLUENT_SETTINGS = `retry.backoff.ms 10 (kafkaJS.retry.initialRetryTime; default 300), linger.ms 0 (default 5), producer idempotent, acks all, max in flight 5 (default); consumer fetch.wait.max.ms 100, js.consumer.max.batch.size ${MAX_BATCH.toLocaleString('en-US')} (default 32), sessionTimeout 10 s, heartbeatInterval 1 s, autoCommit off`;

export function confluentClient(m: ConfluentModule, version: string, brokers: readonly string[]): BenchClient {
  const { Kafka, logLevel } = m.KafkaJS;
  const client = (level: number) => new Kafka({ kafkaJS: { clientId: 'ccp-bench-confluent', brokers: [...brokers], logLevel: level, retry: { initialRetryTime: 10, maxRetryTime: 30_000, retries: 14 } } });
  const kafka = client(logLevel.ERROR);
  const quiet = client(logLevel.NOTHING); // the fencing check provokes errors librdkafka would log
  const producer = (transactionalId: string, via = kafka): ConfluentProducer => via.producer({ kafkaJS: { transactionalId, idempotent: true, acks: -1 }, 'linger.ms': 0 });
  const consumer = (groupId: string, onAssigned?: () => void): ConfluentConsumer =>
    kafka.consumer({
      kafkaJS: { groupId, fromBeginning: true, autoCommit: false, readUncommitted: false, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 },
      'js.consumer.max.batch.size': MAX_BATCH,
      ...(onAssigned
        ? {
            rebalance_cb: (error: { code: number }, assignment: readonly unknown[]) => {
              if (error.code === ASSIGN_PARTITIONS && assignment.length > 0) onAssigned();
            },
          }
        : {}),
    });
  // send() writes into the message objects it is given (partition, value as a Buffer, timestamp, headers): each send gets its own
  const copies = (records: readonly BenchRecord[]) => records.map((r) => ({ key: r.key, value: r.value }));
  const commitBatch = async (p: ConfluentProducer, topic: string, records: readonly BenchRecord[]): Promise<void> => {
    const transaction = await p.transaction();
    await transaction.send({ topic, messages: copies(records) });
    await transaction.commit();
  };

  return {
    packageName: '@confluentinc/kafka-javascript',
    version,
    settings: `librdkafka ${m.librdkafkaVersion}; ${CONFLUENT_SETTINGS}`,
    async transactionalSender(transactionalId: string): Promise<TransactionalSender> {
      const p = producer(transactionalId);
      await p.connect(); // InitTransactions: the transactional id is registered (and any earlier producer fenced) here
      return { commitBatch: (topic, records) => commitBatch(p, topic, records), close: () => p.disconnect() };
    },
    async countingReader(topic: string, groupId: string, expected: number): Promise<CountingReader> {
      const latch = countingLatch(`@confluentinc/kafka-javascript consumer of ${topic}`, expected);
      const c = consumer(groupId, () => latch.joinedNow());
      await c.connect();
      await c.subscribe({ topics: [topic] });
      void c.run({ eachBatch: async ({ batch }) => latch.add(batch.messages.length) }).catch((error: unknown) => latch.fail(error));
      return { joined: latch.joined, done: latch.done, close: () => c.disconnect() };
    },
    async consumeTransformProduce(spec: ConsumeTransformProduce): Promise<void> {
      const p = producer(spec.transactionalId);
      const c = consumer(spec.groupId);
      const consumed: Array<{ record: BenchRecord; offset: string }> = [];
      const latch = countingLatch(`exactly-once consumer of ${spec.source}`, 2 * spec.count);
      try {
        await p.connect();
        await c.connect();
        await c.subscribe({ topics: [spec.source] });
        void c
          .run({
            eachBatch: async ({ batch }) => {
              for (const msg of batch.messages) consumed.push({ record: { key: msg.key!.toString(), value: msg.value!.toString() }, offset: msg.offset });
              latch.add(batch.messages.length);
            },
          })
          .catch((error: unknown) => latch.fail(error));
        await within(CALL_MS, 'reading the exactly-once source', latch.done);
        const copy = async (from: number, end: 'commit' | 'abort') => {
          const part = consumed.slice(from, from + spec.count);
          const transaction = await p.transaction();
          await transaction.send({ topic: spec.sink, messages: copies(part.map((x) => x.record)) });
          const next = (BigInt(part[part.length - 1]!.offset) + 1n).toString();
          // the consumer itself, not a group id (the consumerGroupId form throws): librdkafka sends its group metadata (generation, member id)
          await transaction.sendOffsets({ consumer: c, topics: [{ topic: spec.source, partitions: [{ partition: 0, offset: next }] }] });
          await (end === 'commit' ? transaction.commit() : transaction.abort());
        };
        await within(CALL_MS, 'the committed transaction', copy(0, 'commit'));
        await within(CALL_MS, 'the aborted transaction', copy(spec.count, 'abort'));
      } finally {
        await Promise.allSettled([c.disconnect(), p.disconnect()]);
      }
    },
    async zombieCommit(transactionalId: string, topic: string, before: BenchRecord, zombie: BenchRecord): Promise<ZombieOutcome> {
      const first = producer(transactionalId, quiet);
      const second = producer(transactionalId, quiet);
      try {
        await within(CALL_MS, 'the first producer start', first.connect());
        await within(CALL_MS, 'the first producer commit', commitBatch(first, topic, [before]));
        await within(CALL_MS, 'the second producer start', second.connect());
        try {
          await within(CALL_MS, 'the fenced producer commit', commitBatch(first, topic, [zombie]));
          return { staleProducerError: null, restartRefused: null };
        } catch (error: unknown) {
          return { staleProducerError: errorText(error), restartRefused: null };
        }
      } finally {
        await Promise.allSettled([within(CALL_MS, 'disconnect', first.disconnect()), within(CALL_MS, 'disconnect', second.disconnect())]);
      }
    },
  };
}
