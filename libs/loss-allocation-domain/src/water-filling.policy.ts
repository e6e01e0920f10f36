import { invariant } from '@ccp/contracts';
import { allocateLargestRemainder } from '@ccp/money';
import { exposuresOf } from './allocation-basis';
import type { AllocationBasis, DefaultedExposure, Holding } from './allocation-basis';
import { AllocationCharge, AllocationPolicy, sortCharges, splitAcrossExposures } from './allocation-outcome';
import { adlCloseCharges } from './adl.policy';
import { accountProfit, computeFairness } from './fairness';
import { ceilDiv, compareIds, VALUE_PER_CENT } from './fixed-point';

/**
 * Leverage-minimizing ("water-filling", "leverage-draining") auto-deleveraging — Campbell, Hey,
 * Moallemi, Nutz, "Risk-Based Auto-Deleveraging", arXiv 2603.15963 (2026): in a single-asset
 * setting the policy that minimizes the exchange's expected loss from future shortfalls minimizes
 * the *maximum leverage* among the participants; it reduces the most levered accounts first and
 * equalizes leverage downward until the required reduction is reached.
 *
 * Our reading, per defaulted position (instrument i, side s), with the same accounting as
 * `adlPolicy` (adl.policy.ts) so that the two are comparable on the same basis:
 * 1. The residual is split across the defaulted positions exactly as the ADL queue splits it
 *    (pro rata to loss L·Q, capped at L·min(Q, opposite open interest)); position i must close
 *    q* = ⌈Rᵢ ÷ L⌉ contracts at 1e-8 (L = loss per contract beyond the bankruptcy price).
 * 2. The pool is every holder of the opposite side of i. A holding's *leverage* is its mark
 *    notional on i ÷ the account's equity at capture (the Hyperliquid "notional / account value";
 *    every holder of i shares the mark and contract size, so we compare quantity ÷ equity). An
 *    account with equity ≤ 0 is infinitely levered: it is reduced first, in full (ties among such
 *    accounts: accountId ascending).
 * 3. The solvent holdings keep rᵢ = min(nᵢ, ⌊μ·eᵢ⌋) contracts, where μ (contracts per cent of
 *    equity) is the *smallest* level at which Σ rᵢ = Σ nᵢ − q* is still reachable. It is found
 *    exactly: the continuous level of the top-j most levered holdings,
 *    μ_c = (Σ_{≤j} n − q*) ÷ Σ_{≤j} e, then the at most j − 1 contracts the floors closed too many
 *    are handed back one at a time to the holding whose next contract raises its leverage least
 *    (exact rational comparison; ties accountId ascending). The maximum leverage it leaves is
 *    therefore the minimum any reduction of q* contracts can leave — in particular never above the
 *    queue's on the same basis (a unit test and a property test check this).
 * 4. Closes are at the defaulted position's bankruptcy price B; the charge Rᵢ is split over the
 *    counterparties pro rata to the quantity closed, cents by largest remainder — so, as in the
 *    queue, no counterparty pays more than its forgone profit ⌈L·q⌉ and nothing overshoots.
 * Totals: Σ charges + unallocated = residual (overshoot 0). Leverage is measured on the equity at
 * capture, before the charge, as in the paper (its reductions leave equity unchanged at the
 * reduction price); the charge is the same per contract for every counterparty of i.
 * Cost: O(n log n) bigint per defaulted position.
 */
export const waterFillingPolicy: AllocationPolicy<Record<string, never>> = (basis, residual, positions) => {
  const exposures = exposuresOf(basis, positions);
  const capacity = (e: DefaultedExposure): bigint => {
    if (e.lossPerContract === 0n) return 0n;
    let openInterest = 0n;
    for (const h of oppositeHoldings(basis, e)) openInterest += h.position.quantity;
    const closable = openInterest < e.position.quantity ? openInterest : e.position.quantity;
    return (e.lossPerContract * closable) / VALUE_PER_CENT;
  };
  const split = splitAcrossExposures(residual, exposures, (e) => e.loss, capacity);
  const allocations: AllocationCharge[] = [];
  for (const e of exposures) {
    const share = split.perInstrument.get(e.position.instrumentId) ?? 0n;
    if (share === 0n) continue;
    const needed = ceilDiv(share * VALUE_PER_CENT, e.lossPerContract);
    const takes = waterFill(oppositeHoldings(basis, e), needed);
    let closed = 0n;
    for (const t of takes) closed += t.quantity;
    invariant(closed === needed, `water-filling on ${e.position.instrumentId} closes exactly the ${needed} contracts needed`);
    const amounts = allocateLargestRemainder(
      share,
      takes.map((t) => ({ key: t.holding.account.accountId, weight: t.quantity })),
    );
    allocations.push(...adlCloseCharges(e, takes.map((t) => ({ holding: t.holding, quantity: t.quantity, amount: amounts.get(t.holding.account.accountId) ?? 0n }))));
  }
  const sorted = sortCharges(allocations);
  return {
    allocations: sorted,
    unallocated: split.unallocated,
    overshoot: 0n,
    fairness: computeFairness({ basis, residual, unallocated: split.unallocated, allocations: sorted, profitOf: accountProfit }),
  };
};

function oppositeHoldings(basis: AllocationBasis, e: DefaultedExposure): Holding[] {
  return basis.holdings(e.position.instrumentId).filter((h) => h.position.side !== e.position.side);
}

export interface WaterFillTake {
  readonly holding: Holding;
  /** contracts closed (scale 8), > 0 */
  readonly quantity: bigint;
}

/**
 * Closes exactly `needed` contracts (≤ Σ held) from `holdings` of one instrument so that the
 * largest remaining quantity ÷ equity is as small as it can be. Returns the closes with quantity
 * > 0, in accountId order.
 */
export function waterFill(holdings: readonly Holding[], needed: bigint): WaterFillTake[] {
  invariant(needed >= 0n, 'the quantity to close is not negative');
  let total = 0n;
  for (const h of holdings) total += h.position.quantity;
  invariant(needed <= total, `the pool holds the ${needed} contracts to close`);
  const closedOf = new Map<Holding, bigint>();

  // (2) infinitely levered first: equity ≤ 0, accountId ascending
  const insolvent = holdings.filter((h) => h.account.equity <= 0n).sort((a, b) => compareIds(a.account.accountId, b.account.accountId));
  let remaining = needed;
  for (const h of insolvent) {
    if (remaining === 0n) break;
    const take = h.position.quantity < remaining ? h.position.quantity : remaining;
    closedOf.set(h, take);
    remaining -= take;
  }

  if (remaining > 0n) {
    // (3) solvent holdings by leverage n/e descending (exact; a 2^64-scaled key first, ties accountId)
    const solvent = holdings
      .filter((h) => h.account.equity > 0n)
      .map((h) => ({ h, n: h.position.quantity, e: h.account.equity, key: (h.position.quantity << 64n) / h.account.equity }));
    solvent.sort((a, b) => {
      if (a.key !== b.key) return a.key > b.key ? -1 : 1;
      const left = a.n * b.e;
      const right = b.n * a.e;
      return left > right ? -1 : left < right ? 1 : compareIds(a.h.account.accountId, b.h.account.accountId);
    });
    // smallest prefix j whose continuous level μ_j = (S_n − q) / S_e does not reach below the next
    // holding's leverage: holdings after j keep their whole position
    let sumN = 0n;
    let sumE = 0n;
    let j = 0;
    for (; j < solvent.length; j++) {
      const s = solvent[j]!;
      sumN += s.n;
      sumE += s.e;
      if (sumN < remaining) continue; // cannot close q from the prefix alone: the level is below 0
      const next = solvent[j + 1];
      // μ_j ≥ n_next / e_next  ⇔  (sumN − q)·e_next ≥ n_next·sumE
      if (next === undefined || (sumN - remaining) * next.e >= next.n * sumE) break;
    }
    const active = solvent.slice(0, j + 1);
    const num = sumN - remaining; // μ_c = num / sumE ≥ 0
    const kept = new Map<(typeof active)[number], bigint>();
    let keptTotal = 0n;
    for (const s of active) {
      const r = (num * s.e) / sumE; // ⌊μ_c·e⌋ ≤ n since μ_c ≤ n/e for an active holding
      kept.set(s, r);
      keptTotal += r;
    }
    // the floors closed `excess` contracts too many (< j + 1): hand them back, each to the holding
    // whose next contract leaves the lowest leverage (r + 1)/e, ties accountId
    let excess = sumN - remaining - keptTotal;
    invariant(excess >= 0n && excess <= BigInt(active.length), 'the floors close at most one contract per holding too many');
    if (excess > 0n) {
      const heap = new StepHeap();
      for (const s of active) {
        const r = kept.get(s)!;
        if (r < s.n) heap.push({ ref: s, num: r + 1n, den: s.e, id: s.h.account.accountId });
      }
      while (excess > 0n) {
        const step = heap.pop();
        invariant(step !== undefined, 'a holding can take back a contract');
        const s = step.ref as (typeof active)[number];
        const r = kept.get(s)! + 1n;
        kept.set(s, r);
        excess -= 1n;
        if (r < s.n) heap.push({ ref: s, num: r + 1n, den: s.e, id: s.h.account.accountId });
      }
    }
    for (const s of active) {
      const take = s.n - kept.get(s)!;
      if (take > 0n) closedOf.set(s.h, take);
    }
  }

  const takes: WaterFillTake[] = [];
  for (const [holding, quantity] of closedOf) if (quantity > 0n) takes.push({ holding, quantity });
  takes.sort((a, b) => compareIds(a.holding.account.accountId, b.holding.account.accountId));
  return takes;
}

interface Step {
  readonly ref: unknown;
  /** the leverage after the step, num / den (contracts per cent of equity) */
  readonly num: bigint;
  readonly den: bigint;
  readonly id: string;
}

/** A binary min-heap of steps by num/den (exact cross-multiplication), ties by id. */
class StepHeap {
  private readonly items: Step[] = [];

  private less(a: Step, b: Step): boolean {
    const left = a.num * b.den;
    const right = b.num * a.den;
    return left !== right ? left < right : compareIds(a.id, b.id) < 0;
  }

  push(step: Step): void {
    const items = this.items;
    items.push(step);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Step | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The largest leverage left among the holdings of one instrument after some closes, as a rational
 * remaining quantity ÷ equity (contracts per cent): `infinite` when an account with equity ≤ 0
 * still holds a position. Used by tests and the study to compare policies on the same basis.
 */
export interface MaxLeverage {
  readonly infinite: boolean;
  readonly num: bigint;
  readonly den: bigint;
}

export function maxLeverageAfter(holdings: readonly Holding[], closed: ReadonlyMap<string, bigint>): MaxLeverage {
  let best: MaxLeverage = { infinite: false, num: 0n, den: 1n };
  for (const h of holdings) {
    const left = h.position.quantity - (closed.get(h.account.accountId) ?? 0n);
    if (left <= 0n) continue;
    if (h.account.equity <= 0n) return { infinite: true, num: 1n, den: 0n };
    if (left * best.den > best.num * h.account.equity) best = { infinite: false, num: left, den: h.account.equity };
  }
  return best;
}

/** a ≤ b for two MaxLeverage values */
export function leverageAtMost(a: MaxLeverage, b: MaxLeverage): boolean {
  if (b.infinite) return true;
  if (a.infinite) return false;
  return a.num * b.den <= b.num * a.den;
}
