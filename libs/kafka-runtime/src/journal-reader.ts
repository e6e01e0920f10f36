import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadToEndOptions {
  /** prefix of the throw-away consumer group (deleted afterwards) */
  readonly groupPrefix: string;
  /** gives up (rejects) after this long; a safety net against a broker that never answers */
  readonly timeoutMs?: number;
  /** the first offset to hand over (a snapshot's resume offset); default 0 */
  readonly fromOffset?: bigint;
}

/** How far a read got: messages handed over, and the high watermark it read to. */
export interface ReadToEnd {
  readonly count: number;
  readonly end: bigint;
}

/**
 * Reads a single-partition topic from offset 0 (or `fromOffset`) to its end as of the call, read_committed, and
 * hands every committed message to `onMessage` in offset order. "The end" is the high watermark
 * fetched first: the reader is done once its position (control records included: a transaction's
 * commit marker takes an offset) reaches it.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onMessage: (message: KafkaMessage) => void | Promise<void>,
  options: ReadToEndOptions,
): Promise<ReadToEnd> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupPrefix}.read.${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, sessionTimeout: 10_000 });
  let count = 0;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    if (offsets.length !== 1) throw new Error(`${topic} has ${offsets.length} partitions; a journal has exactly 1`);
    const end = BigInt(offsets[0]!.high);
    const from = options.fromOffset ?? 0n;
    if (end === 0n || from >= end) return { count: 0, end };
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolveDone!: () => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      if (event.payload.topic === topic && BigInt(event.payload.lastOffset) + 1n >= end) resolveDone();
    });
    consumer.on(consumer.events.CRASH, (event) => rejectDone(event.payload.error));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (BigInt(message.offset) < from) continue;
          if (BigInt(message.offset) >= end) break;
          await onMessage(message);
          count += 1;
        }
      },
    });
    // a fresh group starts at 0 (fromBeginning); seek to the resume offset (earlier messages a first
    // fetch may still bring are skipped above)
    if (from > 0n) consumer.seek({ topic, partition: 0, offset: from.toString() });
    const timeoutMs = options.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} to offset ${end} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return { count, end };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
