import { invariant } from '@ccp/contracts';
import { FINE_PER_CENT, SUPER_FINE_PER_CENT, SUPER_FINE_PER_FINE, abs, ceilDiv, divHalfEven, floorDiv, min } from './fixed-point.util';
import type { Book, Bracket, InstrumentState, PositionFigures } from './margin.types';

/**
 * Margin arithmetic, all bigint fixed-point (units in fixed-point.util.ts). The stated rounding modes:
 *
 * - notional = |quantity| × price × contractSize, exact (fine units, never rounded);
 * - a requirement (initial or maintenance) = Σ over brackets of rate × notional in the bracket, computed
 *   exactly, then rounded UP to the cent (ceil, toward +∞) once per position: the house never asks
 *   for less than the rate says;
 * - unrealized PnL = (mark − entry) × quantity × contractSize for a long (mirror for a short), computed
 *   exactly against the exact entry cost, then rounded DOWN to the cent (floor, toward −∞) per position:
 *   a gain is never overstated, a loss never understated;
 * - equity = cash + Σ unrealized PnL (each already in cents); breach when equity < Σ maintenance requirement;
 * - realized PnL (trades, fills, closes) is rounded half-even to the cent: symmetric, so a long and a
 *   short of the same size at the same prices realize exactly opposite cents.
 */

export type RequirementKind = 'initial' | 'maintenance';

/** The requirement of a notional, exact, in superFine units (rate × fine). */
export function requirementSuperFine(notionalFine: bigint, brackets: readonly Bracket[], kind: RequirementKind): bigint {
  let bracket: Bracket | undefined;
  for (const b of brackets) {
    if (b.floorFine > notionalFine) break;
    bracket = b;
  }
  invariant(bracket !== undefined, 'a margin schedule has a bracket from zero notional');
  return kind === 'maintenance'
    ? bracket.maintenanceBelowSuperFine + bracket.maintenanceRate * (notionalFine - bracket.floorFine)
    : bracket.initialBelowSuperFine + bracket.initialRate * (notionalFine - bracket.floorFine);
}

/** A position's requirement at a price, in cents, rounded up. */
export function requirementCents(position: PositionFigures, priceUnits: bigint, kind: RequirementKind): bigint {
  const notional = abs(position.quantity) * priceUnits * position.instrument.contractSize;
  return ceilDiv(requirementSuperFine(notional, position.instrument.brackets, kind), SUPER_FINE_PER_CENT);
}

/** A position's unrealized PnL at a price, in cents, rounded toward −∞. */
export function unrealizedCents(position: PositionFigures, priceUnits: bigint): bigint {
  const { quantity, entryCost } = position;
  const value = quantity > 0n ? quantity * priceUnits - entryCost : entryCost + quantity * priceUnits;
  return floorDiv(value * position.instrument.contractSize, FINE_PER_CENT);
}

/** The price a position is valued at: the mark in force, or the last trade price before the first mark. */
export function valuationPrice(instrument: InstrumentState): bigint {
  const p = instrument.markPrice ?? instrument.lastTradePrice;
  invariant(p !== null, `instrument ${instrument.instrumentId} has a price once a position is held`);
  return p;
}

/**
 * Is the book below maintenance when `instrument` is marked at `markUnits` (other instruments at their
 * valuation prices)? The hot path: bigint only, no Decimal, and no division unless the answer is within
 * rounding of the line. With U_i, M_i exact and n positions, f = cash + Σ U_i − Σ M_i:
 * f < 0 ⇒ breached (cash + Σ⌊U_i⌋ ≤ cash + Σ U_i < Σ M_i ≤ Σ⌈M_i⌉); f ≥ 2n cents ⇒ not breached
 * (each ⌊⌋ loses < 1¢, each ⌈⌉ adds < 1¢); in between, the exact rounded figures decide.
 */
export function isBreachedAt(book: Book, instrument: InstrumentState, markUnits: bigint): boolean {
  let slackSuperFine = book.cash * SUPER_FINE_PER_CENT;
  for (const position of book.positions) {
    const p = position.instrument === instrument ? markUnits : valuationPrice(position.instrument);
    const { quantity, entryCost } = position;
    const size = position.instrument.contractSize;
    const gross = quantity > 0n ? quantity * p : -quantity * p;
    const value = quantity > 0n ? gross - entryCost : entryCost - gross;
    slackSuperFine += value * size * SUPER_FINE_PER_FINE - requirementSuperFine(gross * size, position.instrument.brackets, 'maintenance');
  }
  if (slackSuperFine < 0n) return true;
  if (slackSuperFine >= 2n * BigInt(book.positions.length) * SUPER_FINE_PER_CENT) return false;
  const f = bookFigures(book, instrument, markUnits);
  return f.equity < f.maintenance;
}

export interface BookFigures {
  readonly equity: bigint;
  readonly initial: bigint;
  readonly maintenance: bigint;
}

/** Equity and requirements of a book at its valuation prices (optionally one instrument overridden). */
export function bookFigures(book: Book, instrument?: InstrumentState, markUnits?: bigint): BookFigures {
  let equity = book.cash;
  let initial = 0n;
  let maintenance = 0n;
  for (const position of book.positions) {
    const p = position.instrument === instrument && markUnits !== undefined ? markUnits : valuationPrice(position.instrument);
    equity += unrealizedCents(position, p);
    initial += requirementCents(position, p, 'initial');
    maintenance += requirementCents(position, p, 'maintenance');
  }
  return { equity, initial, maintenance };
}

export interface FillOutcome {
  /** signed qty units after the fill (0 = flat) */
  readonly quantity: bigint;
  readonly entryCost: bigint;
  /** cents, half-even */
  readonly realizedPnl: bigint;
  /** qty units closed by the fill (0 when it only opened or increased) */
  readonly closed: bigint;
}

/**
 * A fill of `delta` (signed qty units: + buys, − sells) at `priceUnits` against a position.
 * - opening or increasing: the entry cost grows by |delta| × price (exact; the average entry price is
 *   entryCost ÷ quantity, so it is the quantity-weighted average of the fills);
 * - reducing: the closed part takes entryCost × closed ÷ open of the cost (half-even in qty × price
 *   units; all of it when the position closes, so nothing is left behind), and realizes
 *   (proceeds − cost) × contractSize for a long, the mirror for a short, half-even to the cent;
 * - flipping: close the whole position as above, then open the rest at the fill price.
 */
export function applyFill(quantity: bigint, entryCost: bigint, delta: bigint, priceUnits: bigint, contractSize: bigint): FillOutcome {
  invariant(delta !== 0n, 'a fill has a quantity');
  if (quantity === 0n || quantity > 0n === delta > 0n) {
    return { quantity: quantity + delta, entryCost: entryCost + abs(delta) * priceUnits, realizedPnl: 0n, closed: 0n };
  }
  const open = abs(quantity);
  const fill = abs(delta);
  const closed = min(open, fill);
  const costClosed = closed === open ? entryCost : divHalfEven(entryCost * closed, open);
  const proceeds = closed * priceUnits;
  const gain = quantity > 0n ? proceeds - costClosed : costClosed - proceeds;
  const realizedPnl = divHalfEven(gain * contractSize, FINE_PER_CENT);
  if (fill > open) {
    const opened = fill - open;
    return { quantity: delta > 0n ? opened : -opened, entryCost: opened * priceUnits, realizedPnl, closed };
  }
  return { quantity: quantity + delta, entryCost: entryCost - costClosed, realizedPnl, closed };
}

/** Average entry price in price units, half-even (display only; state keeps the exact cost). */
export function averageEntryPrice(position: PositionFigures): bigint {
  const avg = divHalfEven(position.entryCost, abs(position.quantity));
  return avg > 0n ? avg : 1n;
}

/**
 * The liquidation-price bound of a single-position book, as an index key.
 *
 * Exact breach at price P: cash + ⌊U(P)⌋ < ⌈M(P)⌉ (cents). Since cash + ⌊U⌋ ≤ ⌈M⌉ − 1 and U < ⌊U⌋ + 1
 * and ⌈M⌉ < M + 1, a breach implies f(P) = cash + U(P) − M(P) < 1 cent, with U and M exact.
 * In notional N = q·P·s (fine units), working in superFine (× 10^8):
 * - long:  f < 1¢ ⟺ g(N) = N − M(N) < T = 1¢ − cash + entryCost·s. M's slope in N is the bracket rate
 *   ≤ 1, so g is non-decreasing: with N⋆ the least integer where g(N⋆) ≥ T, a breach implies N < N⋆,
 *   i.e. P < N⋆/(q·s) ≤ ⌈N⋆/(q·s)⌉ = key. A long is a candidate when mark ≤ key.
 *   (T ≤ 0: no price breaches it, key 0. A last bracket at rate 1 that never reaches T: key +∞.)
 * - short: f < 1¢ ⟺ h(N) = N + M(N) > T = cash + entryCost·s − 1¢. h is strictly increasing: with
 *   N⋆ the greatest integer where h(N⋆) ≤ T, a breach implies N > N⋆, i.e. P > N⋆/(q·s) ≥ ⌊N⋆/(q·s)⌋ = key.
 *   A short is a candidate when mark ≥ key. (T < 0: every price may breach it, key 0.)
 * Candidates are then checked exactly, so the index finds exactly the breaches a full scan finds;
 * the bound only admits accounts within about a cent of their liquidation price.
 */
export function liquidationKey(cash: bigint, position: PositionFigures): number {
  const { quantity, entryCost, instrument } = position;
  const size = instrument.contractSize;
  const brackets = instrument.brackets;
  const perPrice = abs(quantity) * size; // fine units per price unit
  const costSuperFine = entryCost * size * SUPER_FINE_PER_FINE;
  const cashSuperFine = cash * SUPER_FINE_PER_CENT;
  if (quantity > 0n) {
    const target = SUPER_FINE_PER_CENT - cashSuperFine + costSuperFine;
    if (target <= 0n) return 0;
    for (const [i, bracket] of brackets.entries()) {
      const atFloor = bracket.floorFine * SUPER_FINE_PER_FINE - bracket.maintenanceBelowSuperFine;
      const slope = SUPER_FINE_PER_FINE - bracket.maintenanceRate;
      const need = target - atFloor;
      const next = brackets[i + 1];
      if (next !== undefined && slope * (next.floorFine - bracket.floorFine) < need) continue;
      if (slope === 0n) return Number.POSITIVE_INFINITY;
      const notionalStar = bracket.floorFine + ceilDiv(need, slope);
      return Number(ceilDiv(notionalStar, perPrice));
    }
    return Number.POSITIVE_INFINITY;
  }
  const target = cashSuperFine + costSuperFine - SUPER_FINE_PER_CENT;
  if (target < 0n) return 0;
  for (const [i, bracket] of brackets.entries()) {
    const atFloor = bracket.floorFine * SUPER_FINE_PER_FINE + bracket.maintenanceBelowSuperFine;
    const slope = SUPER_FINE_PER_FINE + bracket.maintenanceRate;
    const next = brackets[i + 1];
    if (next !== undefined && next.floorFine * SUPER_FINE_PER_FINE + next.maintenanceBelowSuperFine <= target) continue;
    const notionalStar = bracket.floorFine + floorDiv(target - atFloor, slope);
    return Number(floorDiv(notionalStar, perPrice));
  }
  return 0;
}
