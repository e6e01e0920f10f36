import { giniOfSorted } from './fairness';
import { prepareBasis } from './allocation-basis';
import { computeFairness, accountProfit } from './fairness';
import { basis, profitable } from './testing/allocation.fixtures';

describe('fairness figures', () => {
  it.each([
    { values: [], gini: '0' },
    { values: [0n, 0n], gini: '0' },
    { values: [5n, 5n, 5n, 5n], gini: '0' }, // perfect equality
    { values: [0n, 0n, 0n, 10n], gini: '0.75' }, // one of four pays all: 1 − 1/n
    { values: [1n, 2n, 3n], gini: '0.222222' }, // Σ|xi−xj| = 8, 2·n²·mean = 36
  ])('Gini of $values = $gini', ({ values, gini }) => {
    expect(giniOfSorted(values)).toBe(gini);
  });

  it('measures an allocation: hit, total, overshoot, largest haircut and its share of profit, top decile, notional', () => {
    const b = prepareBasis(basis([profitable('a', '100'), profitable('b', '300'), profitable('c', '0'), profitable('d', '50')]));
    const figures = computeFairness({
      basis: b,
      residual: 20_000n,
      unallocated: 0n,
      allocations: [
        { accountId: 'a', memberId: 'm-a', amount: 5_000n },
        { accountId: 'b', memberId: 'm-b', amount: 15_000n, instrumentId: 'BTC-PERP', side: 'short', quantityClosed: 150_000_000n, closePrice: 9_500_000_000n, contractSize: 100_000_000n },
        { accountId: 'c', memberId: 'm-c', amount: 0n, instrumentId: 'BTC-PERP', side: 'short', quantityClosed: 1n, closePrice: 9_500_000_000n, contractSize: 100_000_000n },
      ],
      profitOf: accountProfit,
    });
    expect(figures).toEqual({
      participantsHit: 2,
      totalCharged: '200',
      overshoot: '0',
      largestHaircut: '150',
      largestHaircutShareOfProfit: '0.5', // 150 of b's 300 profit
      // population: a, b, d (profitable) — c is neither profitable nor charged: charges 0, 50, 150
      gini: '0.5', // (2·(1·0 + 2·50 + 3·150) − 4·200) / (3·200) = 300 / 600
      topDecileShare: '0.75', // ⌈2/10⌉ = 1 largest: 150 / 200
      notionalClosed: '142.5', // 1.5 contracts × 95 (the zero-cent close is not sent, not counted)
    });
  });

  it('divides a charge to an account without profit by one cent (flags a charge beyond any profit)', () => {
    const b = prepareBasis(basis([profitable('a', '0')]));
    const figures = computeFairness({ basis: b, residual: 100n, unallocated: 0n, allocations: [{ accountId: 'a', memberId: 'm-a', amount: 100n }], profitOf: accountProfit });
    expect(figures.largestHaircutShareOfProfit).toBe('100');
    expect(figures.gini).toBe('0'); // a population of one
  });
});
