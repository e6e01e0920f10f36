import { countingLatch, errorText, within, type BenchClient, type ConsumeTransformProduce, type CountingReader, type TransactionalSender, type ZombieOutcome } from './bench-client';
import type { BenchRecord } from './journal-payloads';

/**
 * @platformatic/kafka (pure JavaScript, promises or callbacks; a consumer is a Readable of
 * messages). Loaded from .tools/kafka-clients (candidate-clients.ts): the declarations below are
 * the part of its API the bench uses, checked against its dist/*.d.ts 2.12.
 */

/** consumed without deserializers: key and value as Buffers, as kafkajs and librdkafka hand them over */
interface PlatformaticMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer;
  readonly value: Buffer;
}

interface PlatformaticStream {
  on(event: 'data', listener: (message: PlatformaticMessage) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  close(): Promise<void>;
}

interface PlatformaticConsumer {
  consume(options: Readonly<Record<string, unknown>>): Promise<PlatformaticStream>;
  on(event: 'consumer:group:join', listener: () => void): this;
  close(force?: boolean): Promise<void>;
}

interface PlatformaticTransaction {
  send(options: { messages: Array<{ topic: string; key: string; value: string }> }): Promise<unknown>;
  addConsumer(consumer: PlatformaticConsumer): Promise<void>;
  addOffset(message: PlatformaticMessage): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** ends the transaction locally (abort sends EndTxn, which the broker refuses for a transaction that wrote nothing) */
  cancel(): Promise<void>;
}

interface PlatformaticProducer {
  beginTransaction(options?: { producerId?: bigint; producerEpoch?: number }): Promise<PlatformaticTransaction>;
  close(force?: boolean): Promise<void>;
}

export interface PlatformaticModule {
  readonly Producer: new (options: Readonly<Record<string, unknown>>) => PlatformaticProducer;
  readonly Consumer: new (options: Readonly<Record<string, unknown>>) => PlatformaticConsumer;
  readonly stringSerializers: unknown;
  readonly ProduceAcks: { readonly ALL: number };
  readonly FetchIsolationLevels: { readonly READ_COMMITTED: number };
  readonly MessagesStreamModes: { readonly COMMITTED: string };
  readonly MessagesStreamFallbackModes: { readonly EARLIEST: string };
}

const CALL_MS = 60_000;
const RETRY_MS = 10;
/** retryDelay is a constant 1,000 ms by default; this doubles from 10 ms (attempt counts from 1), capped at 30 s */
const retryDelay = (_client: unknown, _operation: string, attempt: number): number => Math.min(RETRY_MS * 2 ** (attempt - 1), 30_000);

export const PLATFORMATIC_SETTINGS = `retryDelay ${RETRY_MS} ms doubling (default: 1,000 ms constant), retries 14; producer idempotent, acks all, string serializers; consumer maxWaitTime 100 ms, sessionTimeout 10 s, heartbeatInterval 1 s, autocommit off, no deserializers (Buffers, as the other two deliver)`;

export function platformaticClient(k: PlatformaticModule, version: string, brokers: readonly string[]): BenchClient {
  const base = { bootstrapBrokers: [...brokers], retries: 14, retryDelay };
  const producer = (transactionalId: string): PlatformaticProducer =>
    new k.Producer({ ...base, clientId: 'ccp-bench-platformatic', serializers: k.stringSerializers, idempotent: true, transactionalId, acks: k.ProduceAcks.ALL });
  const consumer = (groupId: string): PlatformaticConsumer =>
    new k.Consumer({
      ...base,
      clientId: 'ccp-bench-platformatic',
      groupId,
      isolationLevel: k.FetchIsolationLevels.READ_COMMITTED,
      autocommit: false,
      maxWaitTime: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
  const fromBeginning = (topic: string) => ({ topics: [topic], mode: k.MessagesStreamModes.COMMITTED, fallbackMode: k.MessagesStreamFallbackModes.EARLIEST, autocommit: false });
  const commitBatch = async (p: PlatformaticProducer, topic: string, records: readonly BenchRecord[]): Promise<void> => {
    const transaction = await p.beginTransaction();
    await transaction.send({ messages: records.map((r) => ({ topic, key: r.key, value: r.value })) });
    await transaction.commit();
  };

  return {
    packageName: '@platformatic/kafka',
    version,
    settings: PLATFORMATIC_SETTINGS,
    async transactionalSender(transactionalId: string): Promise<TransactionalSender> {
      const p = producer(transactionalId);
      return { commitBatch: (topic, records) => commitBatch(p, topic, records), close: () => p.close() };
    },
    async countingReader(topic: string, groupId: string, expected: number): Promise<CountingReader> {
      const c = consumer(groupId);
      const latch = countingLatch(`@platformatic/kafka consumer of ${topic}`, expected);
      c.on('consumer:group:join', () => latch.joinedNow());
      const stream = await c.consume(fromBeginning(topic));
      stream.on('data', () => latch.add(1));
      stream.on('error', (error) => latch.fail(error));
      return {
        joined: latch.joined,
        done: latch.done,
        close: async () => {
          await stream.close();
          await c.close();
        },
      };
    },
    async consumeTransformProduce(spec: ConsumeTransformProduce): Promise<void> {
      const p = producer(spec.transactionalId);
      const c = consumer(spec.groupId);
      const consumed: PlatformaticMessage[] = [];
      const latch = countingLatch(`exactly-once consumer of ${spec.source}`, 2 * spec.count);
      let stream: PlatformaticStream | undefined;
      try {
        stream = await c.consume(fromBeginning(spec.source));
        stream.on('data', (m) => {
          consumed.push(m);
          latch.add(1);
        });
        stream.on('error', (error) => latch.fail(error));
        await within(CALL_MS, 'reading the exactly-once source', latch.done);
        const copy = async (from: number, end: 'commit' | 'abort') => {
          const part = consumed.slice(from, from + spec.count);
          const transaction = await p.beginTransaction();
          await transaction.send({ messages: part.map((m) => ({ topic: spec.sink, key: m.key.toString(), value: m.value.toString() })) });
          // the group joins the transaction once; each addOffset is one TxnOffsetCommit (offset + 1 of that message, with the group's generation)
          await transaction.addConsumer(c);
          await transaction.addOffset(part[part.length - 1]!);
          await (end === 'commit' ? transaction.commit() : transaction.abort());
        };
        await within(CALL_MS, 'the committed transaction', copy(0, 'commit'));
        await within(CALL_MS, 'the aborted transaction', copy(spec.count, 'abort'));
      } finally {
        await stream?.close().catch(() => undefined);
        await Promise.allSettled([c.close(), p.close()]);
      }
    },
    async zombieCommit(transactionalId: string, topic: string, before: BenchRecord, zombie: BenchRecord): Promise<ZombieOutcome> {
      const first = producer(transactionalId);
      const second = producer(transactionalId);
      const third = producer(transactionalId);
      try {
        await within(CALL_MS, 'the first producer commit', commitBatch(first, topic, [before]));
        // beginTransaction sends InitProducerId for the id, which must fence the first producer. 2.12 sends producer id 0 and
        // epoch 0 in it where the protocol says -1/-1 for "no current producer", so a broker that knows the id answers
        // PRODUCER_FENCED to the new producer; passing -1/-1 explicitly gets the protocol's behaviour.
        let restartRefused: string | null = null;
        try {
          await within(CALL_MS, 'the second producer start', second.beginTransaction().then((t) => t.cancel()));
        } catch (error: unknown) {
          restartRefused = `${errorText(error)}; started with beginTransaction({ producerId: -1n, producerEpoch: -1 })`;
          await within(CALL_MS, 'the second producer start, producer id -1', third.beginTransaction({ producerId: -1n, producerEpoch: -1 }).then((t) => t.cancel()));
        }
        try {
          await within(CALL_MS, 'the fenced producer commit', commitBatch(first, topic, [zombie]));
          return { staleProducerError: null, restartRefused };
        } catch (error: unknown) {
          return { staleProducerError: errorText(error), restartRefused };
        }
      } finally {
        await Promise.allSettled([first.close(true), second.close(true), third.close(true)]);
      }
    },
  };
}
