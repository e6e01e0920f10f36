import { allocateLargestRemainder } from '@ccp/money';
import { exposuresOf } from './allocation-basis';
import type { AllocationBasis, DefaultedExposure, Holding } from './allocation-basis';
import { AllocationCharge, AllocationPolicy, EquityCaps, lossOrNotionalWeight, sortCharges, splitAcrossExposures } from './allocation-outcome';
import { allocateProRataCappedSorted } from './capped-allocation';
import { accountProfit, computeFairness } from './fairness';

interface TearUp {
  readonly holding: Holding;
  /** contracts torn up (scale 8), > 0 */
  readonly quantity: bigint;
}

/** Opposite holdings of solvent accounts, and the defaulted quantity spread over them pro rata by size. */
function tearUpsOf(basis: AllocationBasis, e: DefaultedExposure): TearUp[] {
  const opposite = basis.holdings(e.position.instrumentId).filter((h) => h.position.side !== e.position.side && h.account.equity > 0n);
  let openInterest = 0n;
  for (const h of opposite) openInterest += h.position.quantity;
  const total = openInterest < e.position.quantity ? openInterest : e.position.quantity;
  if (total === 0n) return [];
  const torn = allocateLargestRemainder(
    total,
    opposite.map((h) => ({ key: h.account.accountId, weight: h.position.quantity })),
  );
  const tearUps: TearUp[] = [];
  for (const h of opposite) {
    const quantity = torn.get(h.account.accountId) ?? 0n;
    if (quantity > 0n) tearUps.push({ holding: h, quantity });
  }
  return tearUps;
}

/**
 * Partial tear-up (CME's 2016 recovery filing: tear-ups; design.md §1): the defaulted instrument's
 * opposite positions are terminated at the last settlement price — here the mark in force at capture
 * — pro rata by size, and the residual is borne by the positions torn up.
 *
 * Accounting, per defaulted position (instrument i, quantity Q):
 * 1. Torn up: T = min(Q, open interest of the opposite side held by accounts with equity > 0),
 *    spread over those positions pro rata to their size (largest remainder on 1e-8 contracts, so
 *    nobody loses more contracts than it holds). Terminating at the mark transfers no PnL.
 * 2. The residual is split across the defaulted positions pro rata to their loss beyond the
 *    bankruptcy price at the mark (if none shows one, to their notional), each capped at the equity
 *    of its torn-up holders; then each instrument's share is charged to its torn-up holders pro rata
 *    to the quantity torn up, cents by largest remainder, never beyond the account's remaining
 *    equity (no new negative equity); instruments in instrumentId order. The rest is `unallocated`.
 * Lines: amount, quantityClosed = contracts torn up, closePrice = the mark. Σ charges + unallocated
 * = residual.
 */
export const partialTearUpPolicy: AllocationPolicy<Record<string, never>> = (basis, residual, positions) => {
  const exposures = exposuresOf(basis, positions);
  const tearUps = new Map<string, TearUp[]>(exposures.map((e) => [e.position.instrumentId, tearUpsOf(basis, e)]));
  const caps = new EquityCaps();
  const capacity = (e: DefaultedExposure): bigint => {
    let sum = 0n;
    for (const t of tearUps.get(e.position.instrumentId) ?? []) sum += caps.remaining(t.holding.account);
    return sum;
  };
  const split = splitAcrossExposures(residual, exposures, lossOrNotionalWeight(exposures), capacity);
  let unallocated = split.unallocated;
  const allocations: AllocationCharge[] = [];
  for (const e of exposures) {
    const share = split.perInstrument.get(e.position.instrumentId) ?? 0n;
    if (share === 0n) continue;
    const list = tearUps.get(e.position.instrumentId) ?? [];
    const result = allocateProRataCappedSorted(
      share,
      list.map((t) => ({ key: t.holding.account.accountId, weight: t.quantity, cap: caps.remaining(t.holding.account) })),
    );
    unallocated += result.unallocated;
    for (const t of list) {
      const { account, position } = t.holding;
      const amount = result.allocated.get(account.accountId) ?? 0n;
      caps.take(account, amount);
      allocations.push({
        accountId: account.accountId,
        memberId: account.memberId,
        amount,
        instrumentId: position.instrumentId,
        side: position.side,
        quantityClosed: t.quantity,
        closePrice: e.mark,
        contractSize: position.contractSize,
      });
    }
  }
  const sorted = sortCharges(allocations);
  return {
    allocations: sorted,
    unallocated,
    overshoot: 0n,
    fairness: computeFairness({ basis, residual, unallocated, allocations: sorted, profitOf: accountProfit }),
  };
};
