import { performance } from 'node:perf_hooks';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { createTestTopics, deleteTestTopics, kafkaBrokersFromEnv, kafkaFromEnv, producerOf, transactionalProducerOf, uniqueName } from '@ccp/infra-testing';
import type { ClientComparison } from './client-comparison';
import { batches, bytesOf, type BenchRecord, type PayloadPool, type TransportPayloads } from './journal-payloads';

/**
 * The transport ceiling: raw kafkajs produce and consume of real sealed journal records on the
 * local broker, with no decider, no journal writer and no validation in the loop. Every figure the
 * services reach later is compared to these.
 */

export interface TransportConfig {
  /** messages for the single-send run (each send awaited before the next) */
  readonly singleMessages: number;
  /** messages for the batched, transactional and consume runs */
  readonly messages: number;
  readonly batchSize: number;
  /** accounts of the market-crash scenario whose sealed records are the payloads */
  readonly payloadAccounts: number;
}

export interface TransportRun {
  readonly label: string;
  readonly messages: number;
  readonly bytes: number;
  readonly ms: number;
}

export interface TransportResult {
  readonly brokers: string;
  readonly config: TransportConfig;
  /** the payloads: sealed records of all four journals of `scenario` (`records` of them, cycled); sizes are of the messages sent */
  readonly pool: PayloadPool;
  readonly single: TransportRun;
  readonly batched: TransportRun;
  readonly transactional: TransportRun;
  readonly consumeCommitted: TransportRun;
  readonly endToEnd: TransportRun;
  /** kafkajs against @platformatic/kafka and @confluentinc/kafka-javascript on the same records (ADR 0011); absent in runs before it */
  readonly clients?: ClientComparison;
}

async function timeProduce(label: string, messages: readonly BenchRecord[], produce: () => Promise<void>): Promise<TransportRun> {
  const t0 = performance.now();
  await produce();
  return { label, messages: messages.length, bytes: bytesOf(messages), ms: performance.now() - t0 };
}

/** Not a speed limit: a consumer that has seen nothing new for this long is stuck (broker gone, topic deleted), and the run stops. */
const STALL_MS = 120_000;

/** A read_committed consumer in a fresh group, joined and counting; resolves when `expected` messages arrived. */
async function countingConsumer(kafka: Kafka, topic: string, expected: number): Promise<{ consumer: Consumer; joined: Promise<number>; done: Promise<number> }> {
  const consumer = kafka.consumer({ groupId: uniqueName('bench-transport-consumer', '-'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  let resolveJoined!: (t: number) => void;
  const joined = new Promise<number>((resolve) => (resolveJoined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => resolveJoined(performance.now()));
  let resolveDone!: (t: number) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<number>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  let seen = 0;
  let lastProgress = performance.now();
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgress > STALL_MS) rejectDone(new Error(`consumer of ${topic} stalled at ${seen} of ${expected} messages (nothing new for ${STALL_MS / 1000} s)`));
  }, 1_000);
  void done.finally(() => clearInterval(watchdog)).catch(() => undefined);
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      lastProgress = performance.now();
      if (seen >= expected) resolveDone(performance.now());
    },
  });
  return { consumer, joined, done };
}

export async function benchTransport(config: TransportConfig, payloads: TransportPayloads, log: (s: string) => void): Promise<TransportResult> {
  const messages = payloads.messages.slice(0, config.messages);
  const single = messages.slice(0, config.singleMessages);
  const kafka = kafkaFromEnv('ccp-bench-transport');
  const admin: Admin = kafka.admin();
  const topics = ['single', 'batched', 'transactional', 'end-to-end'].map((label) => ({ label, name: uniqueName(`bench.transport.${label}`, '.') }));
  const topic = (label: string) => topics.find((t) => t.label === label)!.name;
  const clients: Array<Producer | Consumer> = [];
  try {
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(`no Kafka broker answers at KAFKA_BROKERS=${kafkaBrokersFromEnv().join(',')} (${error instanceof Error ? error.message : String(error)})`);
    }
    await createTestTopics(admin, topics.map((t) => ({ name: t.name })));

    const plain = producerOf(kafka);
    clients.push(plain);
    await plain.connect();
    await plain.send({ topic: topic('single'), messages: [{ key: 'warm-up', value: 'warm-up' }] });

    log(`  (a) single sends: ${single.length.toLocaleString('en-US')} messages`);
    const singleRun = await timeProduce('single sends, each awaited', single, async () => {
      for (const m of single) await plain.send({ topic: topic('single'), messages: [m] });
    });

    log(`  (b) batched sends: ${messages.length.toLocaleString('en-US')} messages, ${config.batchSize}/batch`);
    const batchedRun = await timeProduce(`batched sends (${config.batchSize}/send, awaited)`, messages, async () => {
      for (const b of batches(messages, config.batchSize)) await plain.send({ topic: topic('batched'), messages: b });
    });

    const tx = transactionalProducerOf(kafka, uniqueName('bench-transport-tx', '-'));
    clients.push(tx);
    await tx.connect();
    const warmUp = await tx.transaction(); // the first transaction finds the coordinator and registers the partition
    await warmUp.send({ topic: topic('single'), messages: [{ key: 'warm-up', value: 'warm-up' }] });
    await warmUp.commit();
    log(`  (c) transactional batches: ${messages.length.toLocaleString('en-US')} messages, one transaction per ${config.batchSize}`);
    const txRun = await timeProduce(`transactional batches (idempotent, 1 transaction per ${config.batchSize})`, messages, async () => {
      for (const b of batches(messages, config.batchSize)) {
        const transaction = await tx.transaction();
        await transaction.send({ topic: topic('transactional'), messages: b });
        await transaction.commit();
      }
    });

    log(`  consume (read_committed) of the transactional topic`);
    const reader = await countingConsumer(kafka, topic('transactional'), messages.length);
    clients.push(reader.consumer);
    const [joinedAt, readAt] = await Promise.all([reader.joined, reader.done]);
    const consumeRun: TransportRun = { label: 'consume, read_committed (from group join)', messages: messages.length, bytes: bytesOf(messages), ms: readAt - joinedAt };

    log(`  end to end: transactional batches while a read_committed consumer reads`);
    const follower = await countingConsumer(kafka, topic('end-to-end'), messages.length);
    clients.push(follower.consumer);
    await Promise.race([follower.joined, follower.done]); // done only settles early by rejecting (a stall)
    const e2eStart = performance.now();
    for (const b of batches(messages, config.batchSize)) {
      const transaction = await tx.transaction();
      await transaction.send({ topic: topic('end-to-end'), messages: b });
      await transaction.commit();
    }
    const e2eEnd = await follower.done;
    const endToEnd: TransportRun = { label: 'produce → consume (transactional, read_committed, concurrent)', messages: messages.length, bytes: bytesOf(messages), ms: e2eEnd - e2eStart };

    return {
      brokers: kafkaBrokersFromEnv().join(','),
      config,
      pool: payloads.pool,
      single: singleRun,
      batched: batchedRun,
      transactional: txRun,
      consumeCommitted: consumeRun,
      endToEnd,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.disconnect()));
    await deleteTestTopics(
      admin,
      topics.map((t) => t.name),
    ).catch((error: unknown) => log(`  could not delete bench topics: ${error instanceof Error ? error.message : String(error)}`));
    await admin.disconnect();
  }
}
