/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays and maps they have just built */
import fc from 'fast-check';
import { LiquidationPriceIndex } from './liquidation-price.index';
import { newAccount } from './margin.state';
import type { AccountState } from './margin.types';

const runs = Number(process.env['FC_RUNS'] ?? 1000);

/** The index against a plain sorted-array model: inserts, removes and both kinds of query, across block splits. */
describe('LiquidationPriceIndex', () => {
  const accounts: AccountState[] = Array.from({ length: 3000 }, (_, i) => newAccount(`A${i}`, 'M', i));

  it('visits exactly the entries at or beyond the bound, in key order, after any inserts and removes', () => {
    const keyArb = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constantFrom(0, Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(
        fc.array(fc.record({ account: fc.nat(2999), key: keyArb, remove: fc.boolean() }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: -1, max: 52 }),
        (ops, bound) => {
          const index = new LiquidationPriceIndex();
          const model = new Map<AccountState, number>();
          for (const op of ops) {
            const account = accounts[op.account]!;
            const held = model.get(account);
            if (held !== undefined && op.remove) {
              index.remove(held, account);
              model.delete(account);
            } else if (held === undefined) {
              index.insert(op.key, account);
              model.set(account, op.key);
            }
          }
          const sorted = [...model].sort((a, b) => a[1] - b[1] || a[0].ordinal - b[0].ordinal);
          expect(index.size).toBe(model.size);
          expect(index.entries()).toEqual(sorted.map(([a, key]) => ({ key, accountId: a.accountId })));
          const above: string[] = [];
          index.visitAtOrAbove(bound, (a) => above.push(a.accountId));
          expect(above).toEqual(sorted.filter(([, k]) => k >= bound).reverse().map(([a]) => a.accountId));
          const below: string[] = [];
          index.visitAtOrBelow(bound, (a) => below.push(a.accountId));
          expect(below).toEqual(sorted.filter(([, k]) => k <= bound).map(([a]) => a.accountId));
        },
      ),
      { numRuns: Math.max(1, Math.floor(runs / 10)) },
    );
  });

  it('refuses to remove an entry that is not there (a programmer error)', () => {
    const index = new LiquidationPriceIndex();
    index.insert(5, accounts[0]!);
    expect(() => index.remove(6, accounts[0]!)).toThrow(/invariant violated/);
    expect(() => index.remove(5, accounts[1]!)).toThrow(/invariant violated/);
    expect(() => index.insert(Number.NaN, accounts[2]!)).toThrow(/invariant violated/);
  });
});
