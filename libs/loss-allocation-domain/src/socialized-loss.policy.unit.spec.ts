import { lossAllocatedPayload } from '@ccp/contracts';
import { prepareBasis, prepareDefaultedPositions } from './allocation-basis';
import { counterfactual } from './allocation-policies';
import { driftOpenInterestPolicy, socializedLossPolicy } from './socialized-loss.policy';
import { basis, defaulted, participant, profitable } from './testing/allocation.fixtures';

const amountsOf = (outcome: { allocations: readonly { accountId: string; amount: bigint }[] }) =>
  Object.fromEntries(outcome.allocations.map((a) => [a.accountId, a.amount]));

describe('socialized loss, pro rata to profit', () => {
  it.each([
    {
      name: 'OKX 2018 clawback: a loss of ~18% of the profitable accounts’ profits is spread pro rata (mechanics.md)',
      // total profit 100,000 USD; residual 18,000 → every winner gives up exactly 18%
      participants: [profitable('okx-a', '10000'), profitable('okx-b', '25000'), profitable('okx-c', '65000'), profitable('okx-loser', '-4000')],
      residual: 1_800_000n,
      params: {},
      expected: { 'okx-a': 180_000n, 'okx-b': 450_000n, 'okx-c': 1_170_000n },
      unallocated: 0n,
    },
    {
      name: 'BitMEX 2015: daily-contract profits haircut by 24% (mechanics.md), with a cent left for the largest remainder',
      // profits 333.33, 666.67, 1000.00 (total 2000); 24% = 480.00. Exact shares 79.9992, 160.0008,
      // 240 → floors 79.99 + 160.00 + 240.00 = 479.99; the last cent goes to the largest remainder (.92)
      participants: [profitable('bmx-a', '333.33'), profitable('bmx-b', '666.67'), profitable('bmx-c', '1000')],
      residual: 48_000n,
      params: {},
      expected: { 'bmx-a': 8_000n, 'bmx-b': 16_000n, 'bmx-c': 24_000n },
      unallocated: 0n,
    },
    {
      name: 'BitMEX 2015: the 35% haircut of the second day',
      participants: [profitable('bmx-a', '200'), profitable('bmx-b', '800')],
      residual: 35_000n,
      params: {},
      expected: { 'bmx-a': 7_000n, 'bmx-b': 28_000n },
      unallocated: 0n,
    },
    {
      name: 'a residual above total profit takes every profit and leaves the rest unallocated',
      participants: [profitable('a', '100'), profitable('b', '50')],
      residual: 20_000n,
      params: {},
      expected: { a: 10_000n, b: 5_000n },
      unallocated: 5_000n,
    },
    {
      name: 'maxHaircutShare 0.5 caps every account at half its profit',
      participants: [profitable('a', '100'), profitable('b', '300')],
      residual: 30_000n,
      params: { maxHaircutShare: '0.5' },
      expected: { a: 5_000n, b: 15_000n },
      unallocated: 10_000n,
    },
    {
      name: 'three equal profits, one cent short of even: ties broken by accountId ascending',
      participants: [profitable('c', '10'), profitable('a', '10'), profitable('b', '10')],
      residual: 100n,
      params: {},
      expected: { a: 34n, b: 33n, c: 33n },
      unallocated: 0n,
    },
  ])('$name', ({ participants, residual, params, expected, unallocated }) => {
    const outcome = socializedLossPolicy(prepareBasis(basis(participants)), residual, [], params);
    expect(amountsOf(outcome)).toEqual(expected);
    expect(outcome.unallocated).toBe(unallocated);
    expect(outcome.overshoot).toBe(0n);
  });

  it('defines profit as max(0, min(Σ unrealized PnL, equity)): netted across positions, capped at equity', () => {
    const b = prepareBasis(
      basis([
        // +700 on BTC, −200 on ETH → profit 500
        participant('netted', {
          cash: '1000',
          positions: [
            { instrumentId: 'BTC-PERP', side: 'long', quantity: '1', entry: '100', mark: '800' },
            { instrumentId: 'ETH-PERP', side: 'short', quantity: '1', entry: '100', mark: '300' },
          ],
        }),
        // unrealized +500 but cash −300 → equity 200 → profit 200
        participant('thin', { cash: '-300', positions: [{ side: 'long', quantity: '1', entry: '100', mark: '600' }] }),
      ]),
    );
    expect(b.byAccountId.get('netted')?.profit).toBe(50_000n);
    expect(b.byAccountId.get('thin')?.profit).toBe(20_000n);
    const outcome = socializedLossPolicy(b, 100_000n, [], {});
    expect(amountsOf(outcome)).toEqual({ netted: 50_000n, thin: 20_000n });
    expect(outcome.unallocated).toBe(30_000n);
  });

  it('reports fairness for the OKX 2018 example: 18% of each profit, Gini over the profitable', () => {
    const payload = counterfactual(
      basis([profitable('okx-a', '10000'), profitable('okx-b', '25000'), profitable('okx-c', '65000'), profitable('okx-loser', '-4000')]),
      '18000',
      [],
      'socialized-loss',
    );
    expect(lossAllocatedPayload.parse(payload)).toEqual(payload);
    expect(payload.policy).toBe('socialized-loss:pro-rata-profit');
    expect(payload.fairness).toEqual({
      participantsHit: 3,
      totalCharged: '18000',
      overshoot: '0',
      largestHaircut: '11700',
      largestHaircutShareOfProfit: '0.18',
      gini: '0.366667', // charges 1800, 4500, 11700: (2·45900 − 4·18000) / (3·18000) = 19800 / 54000
      topDecileShare: '0.65', // ⌈3/10⌉ = 1: 11700 / 18000
      notionalClosed: '0',
    });
  });
});

describe('socialized loss, variant drift-open-interest (Drift v2 resolve_perp_bankruptcy)', () => {
  const holders = [
    participant('long-a', { cash: '10000', positions: [{ side: 'long', quantity: '3', entry: '100', mark: '90' }] }),
    participant('long-b', { cash: '10000', positions: [{ side: 'long', quantity: '1', entry: '80', mark: '90' }] }),
    participant('short-c', { cash: '10000', positions: [{ side: 'short', quantity: '1', entry: '120', mark: '90' }] }),
    participant('flat-d', { cash: '10000' }),
  ];
  const dp = prepareDefaultedPositions([defaulted({ side: 'long', quantity: '5', mark: '90', bankruptcyPrice: '95' })]);

  it.each([
    {
      name: 'loss 1000 over |long base| + |short base| = 5: Drift Δ = ceil(1000/5) = 200 per unit of base, longs and shorts alike',
      residual: 100_000n,
      expected: { 'long-a': 60_000n, 'long-b': 20_000n, 'short-c': 20_000n },
    },
    {
      name: 'loss 100.01 over 5: Drift Δ = ceil(20.002) per base rounds up; here the cents are split exactly by largest remainder',
      residual: 10_001n,
      // exact 60.006, 20.002, 20.002 → floors 60.00 + 20.00 + 20.00 = 100.00, one cent to the largest remainder (long-a's .6)
      expected: { 'long-a': 6_001n, 'long-b': 2_000n, 'short-c': 2_000n },
    },
  ])('$name', ({ residual, expected }) => {
    const outcome = driftOpenInterestPolicy(prepareBasis(basis(holders, { 'BTC-PERP': '90' })), residual, dp, {});
    expect(amountsOf(outcome)).toEqual(expected);
    expect(outcome.unallocated).toBe(0n);
    // never more than Drift's own charge Δ × base, Δ = ceil(loss / open interest) in cents
    const delta = (residual + 4n) / 5n;
    for (const a of outcome.allocations) {
      const base = a.accountId === 'long-a' ? 3n : 1n;
      expect(a.amount <= delta * base).toBe(true);
    }
    expect(outcome.allocations.every((a) => a.instrumentId === 'BTC-PERP' && a.quantityClosed === undefined)).toBe(true);
  });

  it('charges a holder with no profit too (size, not profit), but never beyond its equity', () => {
    const b = prepareBasis(
      basis([
        participant('thin', { cash: '10', positions: [{ side: 'long', quantity: '4', entry: '90', mark: '90' }] }),
        participant('rich', { cash: '10000', positions: [{ side: 'short', quantity: '1', entry: '90', mark: '90' }] }),
      ]),
    );
    const outcome = driftOpenInterestPolicy(b, 10_000n, dp, {});
    expect(amountsOf(outcome)).toEqual({ thin: 1_000n, rich: 9_000n }); // thin's 80 share capped at its 10 equity
    expect(outcome.unallocated).toBe(0n);
  });
});
