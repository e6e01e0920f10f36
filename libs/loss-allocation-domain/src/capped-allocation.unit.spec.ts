import fc from 'fast-check';
import { allocateProRataCapped } from '@ccp/money';
import { allocateProRataCappedSorted } from './capped-allocation';

const FC_RUNS = Number(process.env['FC_RUNS'] ?? 1000);
// property tests at 1000 runs and the 100k-participant basis outlast Jest's 5 s default on a loaded 2-core machine
jest.setTimeout(120_000);

describe('capped pro-rata split in O(n log n)', () => {
  const sharesArb = fc.uniqueArray(
    fc.record({
      key: fc.string({ minLength: 1, maxLength: 4 }),
      weight: fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.bigInt({ min: 0n, max: 10n ** 12n })),
      cap: fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.bigInt({ min: 0n, max: 10n ** 12n })),
    }),
    { minLength: 0, maxLength: 40, selector: (s) => s.key },
  );

  it('gives exactly what @ccp/money allocateProRataCapped gives, to the minor unit', () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: 100n }), fc.bigInt({ min: 0n, max: 10n ** 13n })), sharesArb, (total, shares) => {
        const expected = allocateProRataCapped(total, shares);
        const actual = allocateProRataCappedSorted(total, shares);
        expect(actual.unallocated).toBe(expected.unallocated);
        expect(Object.fromEntries(actual.allocated)).toEqual(Object.fromEntries(expected.allocated));
      }),
      { numRuns: FC_RUNS },
    );
  });

  it.each([
    // caps that bind one after another: the iterative split needs a round per participant
    { total: 100n, shares: [{ key: 'a', weight: 1n, cap: 10n }, { key: 'b', weight: 1n, cap: 1000n }, { key: 'c', weight: 2n, cap: 1000n }], expected: { a: 10n, b: 30n, c: 60n }, unallocated: 0n },
    { total: 100n, shares: [{ key: 'a', weight: 1n, cap: 10n }, { key: 'b', weight: 5n, cap: 20n }], expected: { a: 10n, b: 20n }, unallocated: 70n },
    { total: 0n, shares: [{ key: 'a', weight: 1n, cap: 10n }], expected: { a: 0n }, unallocated: 0n },
  ])('splits $total', ({ total, shares, expected, unallocated }) => {
    const result = allocateProRataCappedSorted(total, shares);
    expect(Object.fromEntries(result.allocated)).toEqual(expected);
    expect(result.unallocated).toBe(unallocated);
  });

  it('handles 100k participants whose caps bind one by one quickly', () => {
    const shares = Array.from({ length: 100_000 }, (_, i) => ({ key: `acct-${String(i).padStart(6, '0')}`, weight: 1_000n, cap: BigInt(i + 1) }));
    const started = performance.now();
    const result = allocateProRataCappedSorted(2_000_000_000n, shares);
    const elapsedMs = performance.now() - started;
    let sum = result.unallocated;
    for (const v of result.allocated.values()) sum += v;
    expect(sum).toBe(2_000_000_000n);
    expect(elapsedMs).toBeLessThan(5_000);
  });
});
