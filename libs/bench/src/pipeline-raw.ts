import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Message } from 'kafkajs';
import { createTestTopics, deleteTestTopics, transactionalProducerOf, uniqueName } from '@ccp/infra-testing';
import { createKafka } from '@ccp/kafka-runtime';

/**
 * The baseline of the pipeline figure, measured in the same run on the same broker: raw kafkajs
 * with exactly the records the pipeline's shocks write (real sealed records, same bytes, same order,
 * from the embedded run of the same scenario), produced in transactions of `batchSize` records (the
 * shape the runtime uses: one transaction per batch, sends chunked under 4 MiB) while a joined
 * read_committed consumer reads them. No decider, no validation, no journal writer in the loop.
 */

export interface RawRun {
  readonly messages: number;
  readonly bytes: number;
  readonly batchSize: number;
  readonly transactions: number;
  /** first send → last record received by the consumer */
  readonly ms: number;
}

/** `stream<TAB>line` per record (pipeline-embedded-child's shockRecordsFile). */
export function readShockRecords(path: string): Message[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const tab = l.indexOf('\t');
      return { key: l.slice(0, tab), value: l.slice(tab + 1) };
    });
}

const SEND_CHUNK_BYTES = 4 * 1024 * 1024;
const STALL_MS = 120_000;

function chunks(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  let chunk: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.value as string);
    if (chunk.length > 0 && bytes + size > SEND_CHUNK_BYTES) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

export async function rawTransactionalRun(brokers: string[], messages: readonly Message[], batchSize: number): Promise<RawRun> {
  const kafka = createKafka('ccp-bench-pipeline-raw', brokers);
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('bench.pipeline.raw', '.');
  const groupId = uniqueName('bench-pipeline-raw', '-');
  await createTestTopics(admin, [{ name: topic, configEntries: [{ name: 'max.message.bytes', value: String(8 * 1024 * 1024) }] }]);
  const producer = transactionalProducerOf(kafka, uniqueName('bench-pipeline-raw-tx', '-'));
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 50, maxBytesPerPartition: 16 * 1024 * 1024 });
  try {
    await producer.connect();
    const warm = await producer.transaction();
    await warm.send({ topic, messages: [{ key: 'warm-up', value: 'warm-up' }] });
    await warm.commit();
    const expected = messages.length + 1;
    let seen = 0;
    let lastProgress = performance.now();
    let resolveJoined!: () => void;
    const joined = new Promise<void>((r) => (resolveJoined = r));
    let resolveDone!: (t: number) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<number>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress > STALL_MS) rejectDone(new Error(`raw consumer stalled at ${seen} of ${expected} messages`));
    }, 1_000);
    consumer.on(consumer.events.GROUP_JOIN, () => resolveJoined());
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        lastProgress = performance.now();
        if (seen >= expected) resolveDone(performance.now());
      },
    });
    await joined;
    let transactions = 0;
    const t0 = performance.now();
    for (let i = 0; i < messages.length; i += batchSize) {
      const transaction = await producer.transaction();
      for (const chunk of chunks(messages.slice(i, i + batchSize))) await transaction.send({ topic, messages: chunk });
      await transaction.commit();
      transactions += 1;
    }
    const end = await done.finally(() => clearInterval(watchdog));
    return { messages: messages.length, bytes: messages.reduce((n, m) => n + Buffer.byteLength(m.value as string), 0), batchSize, transactions, ms: end - t0 };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await deleteTestTopics(admin, [topic]).catch(() => undefined);
    await admin.disconnect();
  }
}
