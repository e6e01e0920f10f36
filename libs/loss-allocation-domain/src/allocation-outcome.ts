import { allocateProRataCapped } from '@ccp/money';
import type { AllocationLine, FairnessFigures, Side } from '@ccp/contracts';
import type { AllocationBasis, BasisAccount, DefaultedExposure, DefaultedPositionInput } from './allocation-basis';
import { compareIds, formatAmount, formatPrice, formatQuantity } from './fixed-point';

/**
 * One charge decided by a policy, in fixed point. `amount` is the cash taken (cents). For ADL and
 * tear-up it comes with the position reduced: `quantityClosed` (scale 8) of `side` on
 * `instrumentId` at `closePrice` (scale 8). A close whose charge rounds to 0 cents is kept here (so
 * the queue can be explained) but not sent on the wire, whose lines need amount > 0; margin then
 * leaves that position open.
 */
export interface AllocationCharge {
  readonly accountId: string;
  readonly memberId: string;
  readonly amount: bigint;
  readonly instrumentId?: string;
  readonly side?: Side;
  readonly quantityClosed?: bigint;
  readonly closePrice?: bigint;
  /** scale 8, for the notional closed */
  readonly contractSize?: bigint;
}

/** What a policy returns: Σ amount + unallocated = residual + overshoot, exactly. */
export interface PolicyOutcome {
  readonly allocations: readonly AllocationCharge[];
  /** cents of the residual no participant could take (profit, gains, equity or positions exhausted) */
  readonly unallocated: bigint;
  /** cents charged beyond what the residual needed (ADL closeWholePosition only; else 0) */
  readonly overshoot: bigint;
  readonly fairness: FairnessFigures;
}

export type AllocationPolicy<P> = (
  basis: AllocationBasis,
  residual: bigint,
  defaultedPositions: readonly DefaultedPositionInput[],
  params: P,
) => PolicyOutcome;

/** Canonical line order: accountId, then instrumentId (a cash haircut first). */
export function sortCharges(charges: AllocationCharge[]): AllocationCharge[] {
  return charges.sort((a, b) => compareIds(a.accountId, b.accountId) || compareIds(a.instrumentId ?? '', b.instrumentId ?? ''));
}

/** The wire lines (LossAllocated.allocations): charges of at least one cent, amounts as strings. */
export function toAllocationLines(charges: readonly AllocationCharge[]): AllocationLine[] {
  const lines: AllocationLine[] = [];
  for (const c of charges) {
    if (c.amount <= 0n) continue;
    const line: { -readonly [K in keyof AllocationLine]: AllocationLine[K] } = { accountId: c.accountId, memberId: c.memberId, amount: formatAmount(c.amount) };
    if (c.instrumentId !== undefined) line.instrumentId = c.instrumentId;
    if (c.side !== undefined) line.side = c.side;
    if (c.quantityClosed !== undefined && c.quantityClosed > 0n) line.quantityClosed = formatQuantity(c.quantityClosed);
    if (c.closePrice !== undefined && c.quantityClosed !== undefined && c.quantityClosed > 0n) line.closePrice = formatPrice(c.closePrice);
    lines.push(line);
  }
  return lines;
}

/**
 * Splits the residual across the defaulted positions: pro rata to `weight` (value units), never
 * beyond `capacity` (cents) — largest remainder, key = instrumentId. Returns cents per instrument;
 * what no position can take is the returned `unallocated`.
 */
export function splitAcrossExposures(
  residual: bigint,
  exposures: readonly DefaultedExposure[],
  weightOf: (e: DefaultedExposure) => bigint,
  capacityOf: (e: DefaultedExposure) => bigint,
): { perInstrument: Map<string, bigint>; unallocated: bigint } {
  const shares = exposures.map((e) => ({ key: e.position.instrumentId, weight: weightOf(e), cap: capacityOf(e) }));
  const { allocated, unallocated } = allocateProRataCapped(residual, shares);
  return { perInstrument: allocated, unallocated };
}

/**
 * Instrument weights for the policies that do not close at the bankruptcy price (open-interest
 * socialization, tear-up): each defaulted position's loss beyond its bankruptcy price at the mark;
 * if none shows a loss at the mark (the mark came back), its notional at the mark.
 */
export function lossOrNotionalWeight(exposures: readonly DefaultedExposure[]): (e: DefaultedExposure) => bigint {
  const anyLoss = exposures.some((e) => e.loss > 0n);
  return anyLoss ? (e) => e.loss : (e) => e.notional;
}

/** Remaining capacity per account for policies capped at equity (a charge never makes equity < 0). */
export class EquityCaps {
  private readonly used = new Map<number, bigint>();
  remaining(account: BasisAccount): bigint {
    const free = account.equity > 0n ? account.equity : 0n;
    return free - (this.used.get(account.index) ?? 0n);
  }
  take(account: BasisAccount, amount: bigint): void {
    this.used.set(account.index, (this.used.get(account.index) ?? 0n) + amount);
  }
}
