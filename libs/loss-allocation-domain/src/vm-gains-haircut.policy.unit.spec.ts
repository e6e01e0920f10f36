import { prepareBasis } from './allocation-basis';
import { counterfactual } from './allocation-policies';
import { vmGainsHaircutPolicy } from './vm-gains-haircut.policy';
import { basis, participant } from './testing/allocation.fixtures';

/** VMGH (CME's 2016 recovery filing, design.md §1): the cycle's gains owed are cut pro rata. */
const book = basis([
  participant('gain-1000', { cash: '5000', variationMarginGain: '1000' }),
  participant('gain-3000', { cash: '5000', variationMarginGain: '3000' }),
  participant('flat', { cash: '5000', variationMarginGain: '0' }),
  participant('payer', { cash: '5000', variationMarginGain: '-500' }),
]);

describe('variation-margin gains haircutting', () => {
  it.each([
    { name: 'half the gains owed: 25% of each gain', residual: 100_000n, params: {}, expected: { 'gain-1000': 25_000n, 'gain-3000': 75_000n }, unallocated: 0n },
    { name: 'more than all gains: every gain is taken, never beyond it', residual: 500_000n, params: {}, expected: { 'gain-1000': 100_000n, 'gain-3000': 300_000n }, unallocated: 100_000n },
    {
      name: 'maxHaircutShare 0.25 caps each cut at a quarter of the gain',
      residual: 200_000n,
      params: { maxHaircutShare: '0.25' },
      expected: { 'gain-1000': 25_000n, 'gain-3000': 75_000n },
      unallocated: 100_000n,
    },
    { name: 'one cent over two gains 1:3 goes to the larger remainder', residual: 1n, params: {}, expected: { 'gain-3000': 1n }, unallocated: 0n },
  ])('$name', ({ residual, params, expected, unallocated }) => {
    const outcome = vmGainsHaircutPolicy(prepareBasis(book), residual, [], params);
    expect(Object.fromEntries(outcome.allocations.map((a) => [a.accountId, a.amount]))).toEqual(expected);
    expect(outcome.unallocated).toBe(unallocated);
  });

  it('measures the haircut against the gain, not the unrealized profit', () => {
    const payload = counterfactual(book, '1000', [], 'vm-gains-haircut');
    expect(payload.policy).toBe('vm-gains-haircut:pro-rata-gain');
    expect(payload.fairness.largestHaircut).toBe('750');
    expect(payload.fairness.largestHaircutShareOfProfit).toBe('0.25');
    expect(payload.fairness.gini).toBe('0.25'); // charges 250, 750 over the two with a gain
  });
});
