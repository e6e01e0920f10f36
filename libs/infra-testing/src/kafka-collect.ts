import type { Consumer, KafkaMessage } from 'kafkajs';
import { deferred, withDeadline, type WaitOptions } from './wait-for';

export interface CollectedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export function toCollected(topic: string, partition: number, message: KafkaMessage): CollectedMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value ? message.value.toString('utf8') : null,
    headers,
  };
}

export interface CollectOptions extends Omit<WaitOptions, 'intervalMs'> {
  /** commit the group's offsets (last collected + 1 per partition) once complete; default false */
  readonly commit?: boolean;
}

/** Committed offset = last processed + 1, per partition. */
function nextOffsets(topic: string, collected: readonly CollectedMessage[]): Array<{ topic: string; partition: number; offset: string }> {
  const next = new Map<number, bigint>();
  for (const message of collected) next.set(message.partition, BigInt(message.offset) + 1n);
  return [...next].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() }));
}

/**
 * Subscribes `consumer` (already connected) to `topic` from the beginning and collects messages
 * until `isComplete(collected)` holds — e.g. a sentinel record arrived or N messages were seen.
 * Then stops the consumer (it stays connected) and returns what it collected, in arrival order.
 */
export async function collectUntil(
  consumer: Consumer,
  topic: string,
  isComplete: (collected: readonly CollectedMessage[]) => boolean,
  options: CollectOptions,
): Promise<CollectedMessage[]> {
  const collected: CollectedMessage[] = [];
  const done = deferred<void>();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      collected.push(toCollected(topic, partition, message));
      if (!isComplete(collected)) return;
      if (options.commit) await consumer.commitOffsets(nextOffsets(topic, collected));
      done.resolve();
    },
  });
  try {
    await withDeadline(done.promise, options);
  } catch (error: unknown) {
    const seen = JSON.stringify(collected.map((message) => message.value));
    throw new Error(`${error instanceof Error ? error.message : String(error)}; collected ${collected.length}: ${seen}`);
  } finally {
    await consumer.stop();
  }
  return collected;
}
