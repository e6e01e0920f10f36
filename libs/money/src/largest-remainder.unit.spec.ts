import fc from 'fast-check';
import { allocateLargestRemainder, allocateProRataCapped } from './largest-remainder';

const runs = Number(process.env['FC_RUNS'] ?? 1000);

describe('largest remainder split', () => {
  it.each([
    // total, weights, expected — one scenario a row
    { total: 100n, weights: [1n, 1n, 1n], expected: [34n, 33n, 33n] }, // tie on remainder and weight → key order
    { total: 10n, weights: [5n, 3n, 2n], expected: [5n, 3n, 2n] }, // exact, no remainder
    { total: 1n, weights: [1n, 2n], expected: [0n, 1n] }, // larger remainder wins
    { total: 0n, weights: [7n, 9n], expected: [0n, 0n] },
    { total: 7n, weights: [0n, 3n], expected: [0n, 7n] }, // zero weight gets nothing
  ])('$total over $weights → $expected', ({ total, weights, expected }) => {
    const split = allocateLargestRemainder(
      total,
      weights.map((weight, i) => ({ key: `a${i}`, weight })),
    );
    expect([...split.values()]).toEqual(expected);
  });

  it('rejects a positive total over zero weight and negative inputs', () => {
    expect(() => allocateLargestRemainder(5n, [{ key: 'a', weight: 0n }])).toThrow(/zero weight/);
    expect(() => allocateLargestRemainder(-1n, [])).toThrow(/non-negative/);
    expect(() => allocateLargestRemainder(1n, [{ key: 'a', weight: -1n }])).toThrow(/negative weight/);
  });

  const sharesArb = fc.uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), weight: fc.bigInt({ min: 0n, max: 10n ** 15n }) }), {
    minLength: 1,
    maxLength: 40,
    selector: (s) => s.key,
  });

  it('conserves the total to the minor unit and stays within one unit of the exact share', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), sharesArb, (total, shares) => {
        fc.pre(shares.some((s) => s.weight > 0n));
        const split = allocateLargestRemainder(total, shares);
        const weightSum = shares.reduce((a, s) => a + s.weight, 0n);
        let sum = 0n;
        for (const s of shares) {
          const got = split.get(s.key)!;
          sum += got;
          const floor = (total * s.weight) / weightSum;
          expect(got === floor || got === floor + 1n).toBe(true);
        }
        expect(sum).toBe(total);
      }),
      { numRuns: runs },
    );
  });

  it('is independent of input order (deterministic tie-break)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), sharesArb, (total, shares) => {
        fc.pre(shares.some((s) => s.weight > 0n));
        const a = allocateLargestRemainder(total, shares);
        const b = allocateLargestRemainder(total, [...shares].reverse());
        for (const s of shares) expect(b.get(s.key)).toBe(a.get(s.key));
      }),
      { numRuns: runs },
    );
  });
});

describe('capped pro-rata split', () => {
  it('caps a participant and re-splits the rest', () => {
    const { allocated, unallocated } = allocateProRataCapped(100n, [
      { key: 'a', weight: 1n, cap: 10n },
      { key: 'b', weight: 1n, cap: 1000n },
      { key: 'c', weight: 2n, cap: 1000n },
    ]);
    expect(Object.fromEntries(allocated)).toEqual({ a: 10n, b: 30n, c: 60n });
    expect(unallocated).toBe(0n);
  });

  it('leaves the excess unallocated when every cap is reached', () => {
    const { allocated, unallocated } = allocateProRataCapped(100n, [
      { key: 'a', weight: 1n, cap: 10n },
      { key: 'b', weight: 5n, cap: 20n },
    ]);
    expect(Object.fromEntries(allocated)).toEqual({ a: 10n, b: 20n });
    expect(unallocated).toBe(70n);
  });

  it('never exceeds a cap and conserves allocated + unallocated = total', () => {
    const arb = fc.uniqueArray(
      fc.record({ key: fc.string({ minLength: 1, maxLength: 5 }), weight: fc.bigInt({ min: 0n, max: 10n ** 12n }), cap: fc.bigInt({ min: 0n, max: 10n ** 12n }) }),
      { minLength: 1, maxLength: 30, selector: (s) => s.key },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n }), arb, (total, shares) => {
        const { allocated, unallocated } = allocateProRataCapped(total, shares);
        let sum = 0n;
        for (const s of shares) {
          const got = allocated.get(s.key)!;
          expect(got >= 0n && got <= s.cap).toBe(true);
          if (s.weight === 0n) expect(got).toBe(0n);
          sum += got;
        }
        expect(sum + unallocated).toBe(total);
        expect(unallocated >= 0n).toBe(true);
        // something is left only when every participant with weight is at its cap
        if (unallocated > 0n) for (const s of shares) if (s.weight > 0n) expect(allocated.get(s.key)).toBe(s.cap);
      }),
      { numRuns: runs },
    );
  });
});
