import { createRequire } from 'node:module';
import { Partitioners, type ConsumerConfig, type Kafka, type Producer } from 'kafkajs';
import { countingLatch, errorText, within, type BenchClient, type ConsumeTransformProduce, type CountingReader, type TransactionalSender, type ZombieOutcome } from './bench-client';
import type { BenchRecord } from './journal-payloads';

/** kafkajs as the services use it (libs/kafka-runtime/src/journal-runtime.ts): idempotent, one request in flight, eachBatch. */

export const KAFKAJS_VERSION = (createRequire(__filename)('kafkajs/package.json') as { version: string }).version;

const CALL_MS = 60_000;

function transactionalProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
}

async function commitBatch(producer: Producer, topic: string, records: readonly BenchRecord[]): Promise<void> {
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages: [...records] });
  await transaction.commit();
}

async function consumeTransformProduce(kafka: Kafka, consumerConfig: Omit<ConsumerConfig, 'groupId'>, spec: ConsumeTransformProduce): Promise<void> {
  const consumer = kafka.consumer({ ...consumerConfig, groupId: spec.groupId, readUncommitted: false });
  const producer = transactionalProducer(kafka, spec.transactionalId);
  const consumed: Array<{ record: BenchRecord; offset: string }> = [];
  const latch = countingLatch(`exactly-once consumer of ${spec.source}`, 2 * spec.count);
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: spec.source, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) consumed.push({ record: { key: m.key!.toString(), value: m.value!.toString() }, offset: m.offset });
        latch.add(batch.messages.length);
      },
    });
    await within(CALL_MS, 'reading the exactly-once source', latch.done);
    const copy = async (from: number, end: 'commit' | 'abort') => {
      const part = consumed.slice(from, from + spec.count);
      const transaction = await producer.transaction();
      await transaction.send({ topic: spec.sink, messages: part.map((c) => c.record) });
      const next = (BigInt(part[part.length - 1]!.offset) + 1n).toString();
      await transaction.sendOffsets({ consumerGroupId: spec.groupId, topics: [{ topic: spec.source, partitions: [{ partition: 0, offset: next }] }] });
      await (end === 'commit' ? transaction.commit() : transaction.abort());
    };
    await within(CALL_MS, 'the committed transaction', copy(0, 'commit'));
    await within(CALL_MS, 'the aborted transaction', copy(spec.count, 'abort'));
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  }
}

async function zombieCommit(kafka: Kafka, transactionalId: string, topic: string, before: BenchRecord, zombie: BenchRecord): Promise<ZombieOutcome> {
  const first = transactionalProducer(kafka, transactionalId);
  const second = transactionalProducer(kafka, transactionalId);
  try {
    await first.connect();
    await within(CALL_MS, 'the first producer commit', commitBatch(first, topic, [before]));
    await second.connect();
    // kafkajs sends InitProducerId when a first transaction begins (as the runtime fences at start)
    await within(CALL_MS, 'the second producer start', second.transaction().then((t) => t.abort()));
    try {
      await within(CALL_MS, 'the fenced producer commit', commitBatch(first, topic, [zombie]));
      return { staleProducerError: null, restartRefused: null };
    } catch (error: unknown) {
      return { staleProducerError: errorText(error), restartRefused: null };
    }
  } finally {
    await Promise.allSettled([first.disconnect(), second.disconnect()]);
  }
}

export function kafkajsClient(kafka: Kafka, settings: string, consumerConfig: Omit<ConsumerConfig, 'groupId'>): BenchClient {
  return {
    packageName: 'kafkajs',
    version: KAFKAJS_VERSION,
    settings,
    async transactionalSender(transactionalId: string): Promise<TransactionalSender> {
      const producer = transactionalProducer(kafka, transactionalId);
      await producer.connect();
      return { commitBatch: (topic, records) => commitBatch(producer, topic, records), close: () => producer.disconnect() };
    },
    async countingReader(topic: string, groupId: string, expected: number): Promise<CountingReader> {
      const consumer = kafka.consumer({ ...consumerConfig, groupId, readUncommitted: false });
      const latch = countingLatch(`kafkajs consumer of ${topic}`, expected);
      consumer.on(consumer.events.GROUP_JOIN, () => latch.joinedNow());
      consumer.on(consumer.events.CRASH, (event) => latch.fail(event.payload.error));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => latch.add(batch.messages.length) });
      return { joined: latch.joined, done: latch.done, close: () => consumer.disconnect() };
    },
    consumeTransformProduce: (spec) => consumeTransformProduce(kafka, consumerConfig, spec),
    zombieCommit: (transactionalId, topic, before, zombie) => zombieCommit(kafka, transactionalId, topic, before, zombie),
  };
}
