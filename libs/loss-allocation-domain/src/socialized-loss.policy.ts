import type { AllocationBasis } from './allocation-basis';
import { exposuresOf } from './allocation-basis';
import { AllocationCharge, AllocationPolicy, EquityCaps, lossOrNotionalWeight, PolicyOutcome, sortCharges, splitAcrossExposures } from './allocation-outcome';
import { allocateProRataCappedSorted } from './capped-allocation';
import { accountProfit, computeFairness } from './fairness';
import { AllocationInputError, parseScaled } from './fixed-point';

/** Shares such as maxHaircutShare carry at most 6 decimals. */
export const SHARE_SCALE = 6;
const SHARE_ONE = 10n ** BigInt(SHARE_SCALE);

export interface SocializedLossParams {
  /** most of its profit an account may lose, a decimal in (0, 1]; default "1" */
  readonly maxHaircutShare?: string;
}

/** A share in (0, 1] as a count of 10^-6 (parsed once per allocation, not per account). */
export function parseShare(maxHaircutShare: string | undefined): bigint {
  if (maxHaircutShare === undefined) return SHARE_ONE;
  const share = parseScaled(maxHaircutShare, SHARE_SCALE, 'params.maxHaircutShare');
  if (share <= 0n || share > SHARE_ONE) throw new AllocationInputError('invalid_amount', 'params.maxHaircutShare', `${maxHaircutShare} is not in (0, 1]`);
  return share;
}

/** cap = ⌊base × share⌋ (rounded down: never beyond the stated share); 0 for base ≤ 0. */
export function shareCap(base: bigint, share: bigint): bigint {
  return base <= 0n ? 0n : (base * share) / SHARE_ONE;
}

/**
 * Socialized loss, pro rata to profit (crypto clawbacks: OKX 2018 spread a loss over whole-account
 * profits, ~18%; BitMEX 2015 haircut daily-contract profits by 24% and 35% — mechanics.md).
 *
 * Accounting: every account of the basis with profit > 0 (`BasisAccount.profit` =
 * max(0, min(Σ unrealized PnL, equity))) is charged a share of the residual pro rata to its profit,
 * never more than ⌊profit × maxHaircutShare⌋ (default: its whole profit). Cents by largest remainder
 * with the money lib's tie-break; caps by water-filling. If total capacity is below the residual
 * the rest is `unallocated`. Σ charges + unallocated = residual. Cash haircuts: no position closes.
 */
export const socializedLossPolicy: AllocationPolicy<SocializedLossParams> = (basis, residual, _positions, params) => {
  const share = parseShare(params.maxHaircutShare);
  const shares = [];
  for (const account of basis.accounts) {
    if (account.profit > 0n) shares.push({ key: account.accountId, weight: account.profit, cap: shareCap(account.profit, share) });
  }
  const { allocated, unallocated } = allocateProRataCappedSorted(residual, shares);
  const allocations: AllocationCharge[] = [];
  for (const account of basis.accounts) {
    const amount = allocated.get(account.accountId) ?? 0n;
    if (amount > 0n) allocations.push({ accountId: account.accountId, memberId: account.memberId, amount });
  }
  return finish(basis, residual, allocations, unallocated);
};

/**
 * Variant `drift-open-interest` — Drift v2 `controller/liquidation.rs::resolve_perp_bankruptcy`:
 * after the insurance fund and the market's fee pool, the loss is socialized across *open interest*,
 * Δ = ⌈|loss| ÷ (|long base| + |short base|)⌉ added to the longs' cumulative funding and subtracted
 * from the shorts' — pro rata to size, not to profit (Mango v4 does the same per lot).
 *
 * Accounting here: the residual is split across the defaulted instruments pro rata to each defaulted
 * position's loss beyond its bankruptcy price at the mark (if none shows one, to its notional); each
 * instrument's share is charged to every holder of that instrument, long and short, pro rata to base
 * size (quantity), in cents by largest remainder — where Drift rounds Δ up per base unit and
 * over-collects by up to one quote unit per unit of base, this split is exact. Our one guard Drift
 * does not have: a charge never exceeds the account's remaining equity (no new negative equity);
 * what equity cannot hold is `unallocated`. Instruments are settled in instrumentId order, each
 * against the equity left by the previous ones. Lines carry instrumentId and side but close nothing.
 */
export const driftOpenInterestPolicy: AllocationPolicy<Record<string, never>> = (basis, residual, positions) => {
  const exposures = exposuresOf(basis, positions);
  const caps = new EquityCaps();
  const capacity = (instrumentId: string): bigint => {
    let sum = 0n;
    for (const h of basis.holdings(instrumentId)) sum += caps.remaining(h.account);
    return sum;
  };
  const split = splitAcrossExposures(residual, exposures, lossOrNotionalWeight(exposures), (e) => capacity(e.position.instrumentId));
  let unallocated = split.unallocated;
  const allocations: AllocationCharge[] = [];
  for (const exposure of exposures) {
    const instrumentId = exposure.position.instrumentId;
    const share = split.perInstrument.get(instrumentId) ?? 0n;
    if (share === 0n) continue;
    const holdings = basis.holdings(instrumentId);
    const result = allocateProRataCappedSorted(
      share,
      holdings.map((h) => ({ key: h.account.accountId, weight: h.position.quantity, cap: caps.remaining(h.account) })),
    );
    unallocated += result.unallocated;
    for (const h of holdings) {
      const amount = result.allocated.get(h.account.accountId) ?? 0n;
      if (amount === 0n) continue;
      caps.take(h.account, amount);
      allocations.push({ accountId: h.account.accountId, memberId: h.account.memberId, amount, instrumentId, side: h.position.side });
    }
  }
  return finish(basis, residual, allocations, unallocated);
};

function finish(basis: AllocationBasis, residual: bigint, allocations: AllocationCharge[], unallocated: bigint): PolicyOutcome {
  const sorted = sortCharges(allocations);
  return {
    allocations: sorted,
    unallocated,
    overshoot: 0n,
    fairness: computeFairness({ basis, residual, unallocated, allocations: sorted, profitOf: accountProfit }),
  };
}
