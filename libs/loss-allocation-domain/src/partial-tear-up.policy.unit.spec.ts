import { lossAllocatedPayload } from '@ccp/contracts';
import { prepareBasis, prepareDefaultedPositions } from './allocation-basis';
import { counterfactual } from './allocation-policies';
import { partialTearUpPolicy } from './partial-tear-up.policy';
import { basis, defaulted, participant } from './testing/allocation.fixtures';

/** Partial tear-up (CME's 2016 recovery filing, design.md §1) at the last settlement (mark) price. */
const book = (aCash: string) =>
  basis(
    [
      participant('short-a', { cash: aCash, positions: [{ side: 'short', quantity: '6', entry: '90', mark: '90' }] }),
      participant('short-b', { cash: '1000', positions: [{ side: 'short', quantity: '9', entry: '90', mark: '90' }] }),
      participant('short-c', { cash: '1000', positions: [{ side: 'short', quantity: '15', entry: '90', mark: '90' }] }),
      // insolvent: not torn up
      participant('short-broke', { cash: '-10', positions: [{ side: 'short', quantity: '30', entry: '90', mark: '90' }] }),
      participant('long-d', { cash: '1000', positions: [{ side: 'long', quantity: '5', entry: '90', mark: '90' }] }),
    ],
    { 'BTC-PERP': '90' },
  );
const dp = prepareDefaultedPositions([defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })]);

describe('partial tear-up', () => {
  it.each([
    {
      name: '10 defaulted contracts torn up from shorts of 6, 9, 15 pro rata (2, 3, 5); residual 100 charged 20, 30, 50',
      aCash: '1000',
      expected: [
        ['short-a', 2_000n, 200_000_000n],
        ['short-b', 3_000n, 300_000_000n],
        ['short-c', 5_000n, 500_000_000n],
      ],
      unallocated: 0n,
    },
    {
      name: 'short-a holds only 10 of equity: capped, the other 90 split 3:5 (33.75, 56.25)',
      aCash: '10',
      expected: [
        ['short-a', 1_000n, 200_000_000n],
        ['short-b', 3_375n, 300_000_000n],
        ['short-c', 5_625n, 500_000_000n],
      ],
      unallocated: 0n,
    },
  ])('$name', ({ aCash, expected, unallocated }) => {
    const outcome = partialTearUpPolicy(prepareBasis(book(aCash)), 10_000n, dp, {});
    expect(outcome.allocations.map((a) => [a.accountId, a.amount, a.quantityClosed])).toEqual(expected);
    expect(outcome.allocations.every((a) => a.closePrice === 9_000_000_000n && a.side === 'short')).toBe(true);
    expect(outcome.unallocated).toBe(unallocated);
  });

  it('leaves unallocated what the torn-up holders’ equity cannot hold', () => {
    const outcome = partialTearUpPolicy(prepareBasis(book('1000')), 400_000n, dp, {});
    expect(outcome.allocations.map((a) => a.amount)).toEqual([100_000n, 100_000n, 100_000n]);
    expect(outcome.unallocated).toBe(100_000n);
  });

  it('renders closes at the mark in a valid LossAllocated payload', () => {
    const payload = counterfactual(book('1000'), '100', [defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })], 'partial-tear-up');
    expect(lossAllocatedPayload.parse(payload)).toEqual(payload);
    expect(payload.allocations[0]).toEqual({ accountId: 'short-a', memberId: 'm-short-a', amount: '20', instrumentId: 'BTC-PERP', side: 'short', quantityClosed: '2', closePrice: '90' });
    expect(payload.fairness.notionalClosed).toBe('900');
  });
});
