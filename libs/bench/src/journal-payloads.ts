import { PRODUCERS } from '@ccp/contracts';
import { DECIDERS, simulate } from '@ccp/engine';
import { median } from './timing';

/**
 * The payloads of the transport benches: real sealed journal records of a simulated crash, as the
 * services put them on the wire (`{key: stream, value: canonical record}`). One source for the
 * raw kafkajs part and the client comparison, so both carry the same bytes.
 */

export interface BenchRecord {
  readonly key: string;
  readonly value: string;
}

export interface PayloadPool {
  /** distinct sealed records (all four journals of `scenario`), cycled to make up the count */
  readonly records: number;
  readonly medianBytes: number;
  readonly p99Bytes: number;
  readonly maxBytes: number;
  readonly scenario: string;
}

export interface TransportPayloads {
  readonly messages: readonly BenchRecord[];
  readonly pool: PayloadPool;
}

/** `count` messages from the sealed records of a simulated crash (no allocation basis: those are MBs and chunked later). */
export function journalPayloads(scenario: unknown, count: number): { messages: BenchRecord[]; sizes: number[]; poolSize: number } {
  const { journals } = simulate(scenario, DECIDERS);
  if (!journals) throw new Error('simulate ran in memory but returned no journals');
  const pool: BenchRecord[] = [];
  for (const p of PRODUCERS) {
    const sink = journals[p];
    sink.records.forEach((record, i) => pool.push({ key: record.stream, value: sink.lines[i]! }));
  }
  if (pool.length === 0) throw new Error('the payload scenario wrote no records');
  const messages: BenchRecord[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const record = pool[i % pool.length]!;
    messages.push(record);
    sizes.push(Buffer.byteLength(record.value));
  }
  return { messages, sizes, poolSize: pool.length };
}

/** The messages and the description of their pool (sizes are of the messages sent). */
export function transportPayloads(scenario: unknown, scenarioName: string, count: number): TransportPayloads {
  const { messages, sizes, poolSize } = journalPayloads(scenario, count);
  const sorted = [...sizes].sort((a, b) => a - b);
  return {
    messages,
    pool: {
      records: poolSize,
      medianBytes: median(sorted),
      p99Bytes: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!,
      maxBytes: sorted[sorted.length - 1]!,
      scenario: scenarioName,
    },
  };
}

export const bytesOf = (messages: readonly BenchRecord[]): number => messages.reduce((sum, m) => sum + Buffer.byteLength(m.value), 0);

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
