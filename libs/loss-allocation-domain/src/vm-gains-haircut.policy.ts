import { AllocationCharge, AllocationPolicy, sortCharges } from './allocation-outcome';
import { allocateProRataCappedSorted } from './capped-allocation';
import { computeFairness, variationMarginGainOf } from './fairness';
import { parseShare, shareCap } from './socialized-loss.policy';

export interface VmGainsHaircutParams {
  /** most of its gain an account may lose, a decimal in (0, 1]; default "1" */
  readonly maxHaircutShare?: string;
}

/**
 * Variation-margin gains haircutting (VMGH): the gains the clearinghouse owes in the current
 * settlement cycle are cut pro rata (CME's 2016 recovery filing: gains haircutting; design.md §1).
 *
 * Accounting: the gain owed is `variationMarginGain` of the basis (realized + unrealized PnL of the
 * cycle) when > 0; accounts with no gain pay nothing. The residual is split pro rata to the gain,
 * never more than ⌊gain × maxHaircutShare⌋ (default: the whole gain) — cents by largest remainder,
 * caps by water-filling; the rest is `unallocated`. Σ charges + unallocated = residual. The
 * fairness profit reference is the gain.
 */
export const vmGainsHaircutPolicy: AllocationPolicy<VmGainsHaircutParams> = (basis, residual, _positions, params) => {
  const share = parseShare(params.maxHaircutShare);
  const shares = [];
  for (const account of basis.accounts) {
    const gain = variationMarginGainOf(account);
    if (gain > 0n) shares.push({ key: account.accountId, weight: gain, cap: shareCap(gain, share) });
  }
  const { allocated, unallocated } = allocateProRataCappedSorted(residual, shares);
  const allocations: AllocationCharge[] = [];
  for (const account of basis.accounts) {
    const amount = allocated.get(account.accountId) ?? 0n;
    if (amount > 0n) allocations.push({ accountId: account.accountId, memberId: account.memberId, amount });
  }
  const sorted = sortCharges(allocations);
  return {
    allocations: sorted,
    unallocated,
    overshoot: 0n,
    fairness: computeFairness({ basis, residual, unallocated, allocations: sorted, profitOf: variationMarginGainOf }),
  };
};
