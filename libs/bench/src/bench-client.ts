import { performance } from 'node:perf_hooks';
import type { BenchRecord } from './journal-payloads';

/**
 * What the client comparison (client-comparison.ts) asks of a Kafka client, in each client's own
 * idiom (kafkajs.bench-client.ts, platformatic.bench-client.ts, confluent.bench-client.ts). Only
 * the client under test runs inside these calls; topics, seeding and every check of what a client
 * did are done beside it with kafkajs, so all clients are judged by the same reader.
 */

export interface TransactionalSender {
  /** One transaction: begin, send `records` to `topic`, commit; resolves when the commit is acknowledged. */
  commitBatch(topic: string, records: readonly BenchRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface CountingReader {
  /** performance.now() when the group gave this consumer its partition */
  readonly joined: Promise<number>;
  /** performance.now() when the `expected`-th record arrived; rejects if the consumer stalls */
  readonly done: Promise<number>;
  close(): Promise<void>;
}

/** The exactly-once shape of libs/kafka-runtime: consume, produce, commit the consumed offsets inside the transaction. */
export interface ConsumeTransformProduce {
  readonly source: string;
  readonly sink: string;
  readonly groupId: string;
  readonly transactionalId: string;
  /** the source holds 2 × count records: the first count are copied in a committed transaction, the next count in an aborted one */
  readonly count: number;
}

export interface BenchClient {
  /** npm package and the version loaded */
  readonly packageName: string;
  readonly version: string;
  /** the settings this variant runs with, as the report shows them */
  readonly settings: string;
  /** An idempotent transactional producer, connected (its transactional id registered with the coordinator). */
  transactionalSender(transactionalId: string): Promise<TransactionalSender>;
  /** A read_committed consumer in a new group, from the beginning of `topic`, counting records as they arrive. */
  countingReader(topic: string, groupId: string, expected: number): Promise<CountingReader>;
  /**
   * Reads the 2 × count records of `source` in group `groupId`; then, in one transaction, sends the
   * first count to `sink` with the group's offset after them (commit), and in a second the next
   * count with the offset after those (abort). The caller checks the offsets and the visible records.
   */
  consumeTransformProduce(spec: ConsumeTransformProduce): Promise<void>;
  /**
   * A producer commits `before` to `topic`; a second producer with the same transactional id starts
   * (as a restarted service does: that must fence the first); the first then tries to commit
   * `zombie`. The caller checks what is visible.
   */
  zombieCommit(transactionalId: string, topic: string, before: BenchRecord, zombie: BenchRecord): Promise<ZombieOutcome>;
}

export interface ZombieOutcome {
  /** what the first producer got when it tried to commit after the second started; null if its commit went through */
  readonly staleProducerError: string | null;
  /** null if the second producer started with the plain API; else what it got, and the workaround it then started with */
  readonly restartRefused: string | null;
}

/** Not a speed limit: a consumer that has seen nothing new for this long is stuck (broker gone, topic deleted), and the run stops. */
export const STALL_MS = 120_000;

/**
 * The counting half of a CountingReader, for any client: call `joinedNow()` on assignment and
 * `add(n)` as records arrive; `done` settles once `expected` arrived or nothing came for STALL_MS.
 */
export function countingLatch(description: string, expected: number): { joined: Promise<number>; done: Promise<number>; joinedNow(): void; add(n: number): void; fail(error: unknown): void } {
  let resolveJoined!: (t: number) => void;
  const joined = new Promise<number>((resolve) => (resolveJoined = resolve));
  let resolveDone!: (t: number) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<number>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  let seen = 0;
  let lastProgress = performance.now();
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgress > STALL_MS) rejectDone(new Error(`${description} stalled at ${seen} of ${expected} records (nothing new for ${STALL_MS / 1000} s)`));
  }, 1_000);
  void done.finally(() => clearInterval(watchdog)).catch(() => undefined);
  return {
    joined,
    done,
    joinedNow: () => resolveJoined(performance.now()),
    add: (n: number) => {
      seen += n;
      lastProgress = performance.now();
      if (seen >= expected) resolveDone(performance.now());
    },
    fail: (error: unknown) => rejectDone(error),
  };
}

/** Rejects after `ms` with what was awaited: a safety net around a client call that could hang, not a timer under test. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error on one line, with the errors an AggregateError carries (@platformatic/kafka puts the broker's answer there). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error instanceof AggregateError ? error.errors.map(errorText) : [];
  return `${error.name}: ${error.message}${inner.length > 0 ? ` (${inner.join('; ')})` : ''}`;
}
