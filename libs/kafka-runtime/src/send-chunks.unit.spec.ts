/**
 * What one transaction sends is split into produce calls under each topic's record-batch limit,
 * counting keys and headers as well as values: the 100k-account crash closes ~21,000 defaults in a
 * few batches, one anchor each, and the anchors topic takes 1 MiB batches (the bench found a
 * 100k run stopped by MESSAGE_TOO_LARGE when only values were counted and anchors were sent whole).
 */
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { chunksBySize } from './journal-runtime';

const wireBytes = (m: Message): number =>
  Buffer.byteLength(String(m.value ?? '')) + Buffer.byteLength(String(m.key ?? '')) + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);

const message = fc.record({
  key: fc.string({ maxLength: 80 }),
  value: fc.string({ maxLength: 4_000 }),
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 300 }), { maxKeys: 4 }),
});

describe('chunksBySize', () => {
  it('keeps every message once, in order, and each chunk of more than one message within the budget counting keys and headers', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 300 }), fc.integer({ min: 1_000, max: 40_000 }), (messages, budget) => {
        const chunks = [...chunksBySize(messages, budget)];
        expect(chunks.flat()).toEqual(messages);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          if (chunk.length > 1) expect(chunk.reduce((n, m) => n + wireBytes(m), 0)).toBeLessThanOrEqual(budget);
        }
      }),
    );
  });

  it('splits many small messages with large headers, which a values-only count would send in one batch', () => {
    const messages: Message[] = Array.from({ length: 4_000 }, (_, i) => ({ key: `anchor-${i}`, value: 'x'.repeat(50), headers: { signature: 's'.repeat(300) } }));
    const chunks = [...chunksBySize(messages, 512 * 1024)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.reduce((n, m) => n + wireBytes(m), 0)).toBeLessThanOrEqual(512 * 1024);
  });
});
