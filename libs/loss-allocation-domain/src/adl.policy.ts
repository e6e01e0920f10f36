import { invariant } from '@ccp/contracts';
import { allocateLargestRemainder } from '@ccp/money';
import { exposuresOf } from './allocation-basis';
import type { DefaultedExposure, Holding } from './allocation-basis';
import { AllocationCharge, AllocationPolicy, sortCharges, splitAcrossExposures } from './allocation-outcome';
import { AdlRanking, rankQueue } from './adl-ranking';
import { accountProfit, computeFairness } from './fairness';
import { ceilDiv, VALUE_PER_CENT } from './fixed-point';

export interface AdlParams {
  readonly ranking: AdlRanking;
  /**
   * Hyperliquid-like queue: each counterparty reached closes its whole position, not just the
   * quantity still needed; what that takes beyond the residual is reported as overshoot.
   */
  readonly closeWholePosition?: boolean;
}

/**
 * Auto-deleveraging: opposite positions, most profitable and most leveraged first, are closed at the
 * defaulter's bankruptcy price (BitMEX, Binance, Hyperliquid; dYdX v4 `deleveraging.go` takes
 * min(remaining, position) from each — mechanics.md).
 *
 * Accounting, per defaulted position (instrument i, side s, quantity Q, bankruptcy price B, contract
 * size cs, mark M in force at capture):
 * 1. Loss per contract L = (B − M)·cs for a defaulted long, (M − B)·cs for a short; ≤ 0 (or B ≤ 0)
 *    means closing at B absorbs nothing. Closing q contracts of a counterparty at B instead of M
 *    takes from it exactly L·q: the profit it forgoes. That is its *charge*.
 * 2. The residual R is split across the defaulted positions pro rata to their loss L·Q, each capped
 *    at ⌊L·min(Q, opposite open interest)⌋ cents (ADL closes at most the defaulted quantity);
 *    what no position can absorb is `unallocated`.
 * 3. For position i with share Rᵢ: the quantity needed is q* = ⌈Rᵢ ÷ L⌉ at 1e-8 contracts. The queue
 *    — every holder of the opposite side of i except the defaulter, ranked by the variant's key
 *    (adl-ranking.ts), ties by accountId ascending — is walked from the top; each counterparty closes
 *    min(remaining, its position) (or its whole position with closeWholePosition) until q* is closed.
 *    So a lower-ranked account is touched only when every higher-ranked one is fully closed.
 * 4. Charges: Cᵢ = Rᵢ (or ⌊L·closed⌋ ≥ Rᵢ with closeWholePosition) is split over the counterparties
 *    pro rata to the quantity each closed, cents by largest remainder. As L·q* ≥ Rᵢ, no counterparty
 *    is charged more than its forgone profit L·q rounded up to the cent: never worse than closing at B.
 * Totals: Σ charges + unallocated = R + overshoot, overshoot = Σ (Cᵢ − Rᵢ) (0 unless
 * closeWholePosition). Margin applies a line by closing `quantityClosed` at the mark and debiting
 * `amount` (equivalently, realizing at `closePrice` = B up to the cent's rounding).
 */
export const adlPolicy: AllocationPolicy<AdlParams> = (basis, residual, positions, params) => {
  const exposures = exposuresOf(basis, positions);
  const queueOf = (e: DefaultedExposure) => basis.holdings(e.position.instrumentId).filter((h) => h.position.side !== e.position.side);
  const capacity = (e: DefaultedExposure): bigint => {
    if (e.lossPerContract === 0n) return 0n;
    let openInterest = 0n;
    for (const h of queueOf(e)) openInterest += h.position.quantity;
    const closable = openInterest < e.position.quantity ? openInterest : e.position.quantity;
    return (e.lossPerContract * closable) / VALUE_PER_CENT;
  };
  const split = splitAcrossExposures(residual, exposures, (e) => e.loss, capacity);
  const allocations: AllocationCharge[] = [];
  let overshoot = 0n;
  for (const e of exposures) {
    const share = split.perInstrument.get(e.position.instrumentId) ?? 0n;
    if (share === 0n) continue;
    const needed = ceilDiv(share * VALUE_PER_CENT, e.lossPerContract);
    const takes: { key: string; weight: bigint; holding: Holding }[] = [];
    let remaining = needed;
    let closed = 0n;
    for (const { holding } of rankQueue(queueOf(e), params.ranking)) {
      if (remaining <= 0n) break;
      const held = holding.position.quantity;
      const take = params.closeWholePosition === true || held <= remaining ? held : remaining;
      takes.push({ key: holding.account.accountId, weight: take, holding });
      remaining -= take;
      closed += take;
    }
    invariant(remaining <= 0n, `the ADL queue of ${e.position.instrumentId} holds the ${needed} contracts its capacity promised`);
    const charged = params.closeWholePosition === true ? (e.lossPerContract * closed) / VALUE_PER_CENT : share;
    overshoot += charged - share;
    const amounts = allocateLargestRemainder(charged, takes);
    allocations.push(...adlCloseCharges(e, takes.map((t) => ({ holding: t.holding, quantity: t.weight, amount: amounts.get(t.key) ?? 0n }))));
  }
  const sorted = sortCharges(allocations);
  return {
    allocations: sorted,
    unallocated: split.unallocated,
    overshoot,
    fairness: computeFairness({ basis, residual, unallocated: split.unallocated, allocations: sorted, profitOf: accountProfit }),
  };
};

/** The lines of ADL closes: each take closes its quantity of the opposite position at the defaulter's bankruptcy price and pays its amount. */
export function adlCloseCharges(e: DefaultedExposure, takes: readonly { holding: Holding; quantity: bigint; amount: bigint }[]): AllocationCharge[] {
  return takes.map(({ holding: { account, position }, quantity, amount }) => ({
    accountId: account.accountId,
    memberId: account.memberId,
    amount,
    instrumentId: position.instrumentId,
    side: position.side,
    quantityClosed: quantity,
    closePrice: e.position.bankruptcyPrice,
    contractSize: position.contractSize,
  }));
}
