import { invariant, LiquidationOutcome, LiquidationParametersSetPayload, MaintenanceBreachedPayload, PositionView, QUANTITY_SCALE, SETTLEMENT_ASSET, Side } from '@ccp/contracts';
import { bigintMax } from '@ccp/money';
import { bankruptcyPriceExactOf, roundBankruptcyPrice } from './bankruptcy-price.policy';
import { ticksToPrice } from './execution-price.policy';
import { add, cmp, div, fromUnits, min, mul, parseRatio, Ratio, sign, sub, sum, toUnits } from './rational.math';

const CENTS = SETTLEMENT_ASSET.scale;

/**
 * The close-out of one breached account (design.md §2, mechanics.md), as a pure plan the decider
 * turns into events. Rounding, each stated once:
 *   - realized PnL: s · qty · c · (fill − entry); the close-out's total is rounded to cents toward −∞
 *     (against the account: it never realizes a fraction of a cent it did not earn), cumulatively over
 *     the fills in position order, so each fill is within one cent of its exact PnL;
 *   - nominal fee: liquidationFeeRate × qty · c · fill, to cents toward zero;
 *   - fee budget: the equity left after the fills, to cents toward −∞, and 0 if that equity ≤ 0;
 *     fees are charged in position order, each min(nominal, budget left) — dYdX v4's
 *     min(MaxLiquidationFeePpm × |quote|, fill quote − bankruptcy quote), so a fee never makes equity negative;
 *   - partial quantity: qty × partialFraction to 10⁻⁸ contracts toward +∞, at most the position;
 *   - remaining maintenance margin: MMR × remaining / qty per position, to cents toward +∞.
 */
export interface PositionTerms {
  /** index in the snapshot's positions array (for rejection paths) */
  readonly index: number;
  readonly view: PositionView;
  readonly instrumentId: string;
  readonly side: Side;
  readonly quantity: Ratio;
  readonly contractSize: Ratio;
  readonly entryPrice: Ratio;
  readonly markPrice: Ratio;
  readonly maintenanceMargin: Ratio;
}

export interface AccountTerms {
  readonly cashCents: bigint;
  /** sorted by instrumentId in code-unit order: the order of fills and of fee allocation */
  readonly positions: readonly PositionTerms[];
}

export function accountTerms(snapshot: MaintenanceBreachedPayload): AccountTerms {
  const positions = snapshot.positions.map(
    (view, index): PositionTerms => ({
      index,
      view,
      instrumentId: view.instrumentId,
      side: view.side,
      quantity: parseRatio(view.quantity),
      contractSize: parseRatio(view.contractSize),
      entryPrice: parseRatio(view.entryPrice),
      markPrice: parseRatio(view.markPrice),
      maintenanceMargin: parseRatio(view.maintenanceMarginRequired),
    }),
  );
  positions.sort((a, b) => (a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0));
  return { cashCents: toUnits(parseRatio(snapshot.cashBalance), CENTS, 'floor'), positions };
}

const sideSign = (side: Side): Ratio => (side === 'long' ? { n: 1n, d: 1n } : { n: -1n, d: 1n });

/** s · quantity · contractSize · (price − entry), exact. */
export function pnlAt(position: PositionTerms, quantity: Ratio, price: Ratio): Ratio {
  return mul(mul(sideSign(position.side), mul(quantity, position.contractSize)), sub(price, position.entryPrice));
}

export const unrealizedAtMark = (position: PositionTerms, quantity: Ratio = position.quantity): Ratio => pnlAt(position, quantity, position.markPrice);

export interface PlannedFill {
  readonly position: PositionTerms;
  /** contracts closed, > 0, at most the position */
  readonly quantity: Ratio;
  readonly fillPriceTicks: bigint;
  readonly realizedPnlCents: bigint;
  /** before the equity cap */
  readonly nominalFeeCents: bigint;
  /** charged to the account, credited to the insurance fund */
  readonly feeCents: bigint;
}

export interface DefaultTerms {
  /** max(0, cash balance) */
  readonly marginAppliedCents: bigint;
  /** −(equity after the close-out), > 0 */
  readonly deficitCents: bigint;
  /** max(0, −cash) − Σ realized PnL = marginApplied + deficit */
  readonly closeOutLossCents: bigint;
  /** per position, in `AccountTerms.positions` order, in 10⁻⁸ ticks rounded as in bankruptcy-price.policy */
  readonly bankruptcyPrices: readonly { readonly position: PositionTerms; readonly ticks: bigint }[];
}

export interface CloseOutPlan {
  readonly step: 'partial' | 'full';
  readonly outcome: LiquidationOutcome;
  readonly fills: readonly PlannedFill[];
  readonly realizedPnlCents: bigint;
  readonly feesCents: bigint;
  /** cash + Σ unrealized PnL at mark, exact */
  readonly equityBefore: Ratio;
  /** cash + Σ realized PnL − Σ fees + unrealized PnL of what remains at mark, exact */
  readonly equityAfter: Ratio;
  readonly defaulted: DefaultTerms | null;
}

/** Fill price (10⁻⁸ ticks) of closing `closeQuantity` of a position: the execution model. */
export type PriceSource = (position: PositionTerms, closeQuantity: Ratio) => bigint;

interface UnchargedFill {
  readonly position: PositionTerms;
  readonly quantity: Ratio;
  readonly fillPriceTicks: bigint;
  readonly realizedPnlCents: bigint;
  readonly nominalFeeCents: bigint;
}

/**
 * Prices each fill. Realized PnL is rounded cumulatively: the running exact total over the fills (in
 * position order) is rounded to cents toward −∞ and each fill gets the difference, so the account's
 * total is floor(Σ exact) — one rounding per close-out, not one per fill — and each fill stays within
 * one cent of its exact PnL.
 */
interface CloseOrder {
  readonly position: PositionTerms;
  /** contracts to close */
  readonly quantity: Ratio;
}

function priceFills(orders: readonly CloseOrder[], feeRate: Ratio, priceOf: PriceSource): UnchargedFill[] {
  let exactSoFar: Ratio = { n: 0n, d: 1n };
  let centsSoFar = 0n;
  return orders.map(({ position, quantity }) => {
    invariant(sign(quantity) > 0 && cmp(quantity, position.quantity) <= 0, 'a fill closes a positive quantity no larger than the position');
    const fillPriceTicks = priceOf(position, quantity);
    invariant(fillPriceTicks > 0n, 'a fill price is positive');
    const fillPrice = ticksToPrice(fillPriceTicks);
    exactSoFar = add(exactSoFar, pnlAt(position, quantity, fillPrice));
    const flooredSoFar = toUnits(exactSoFar, CENTS, 'floor');
    const realizedPnlCents = flooredSoFar - centsSoFar;
    centsSoFar = flooredSoFar;
    const nominalFeeCents = toUnits(mul(feeRate, mul(mul(quantity, position.contractSize), fillPrice)), CENTS, 'down');
    return { position, quantity, fillPriceTicks, realizedPnlCents, nominalFeeCents };
  });
}

/** Charges fees in order from a budget of positive equity: each min(nominal, what is left). */
function chargeFees(fills: readonly UnchargedFill[], budgetCents: bigint): PlannedFill[] {
  invariant(budgetCents >= 0n, 'the fee budget is never negative');
  let left = budgetCents;
  return fills.map((fill) => {
    const feeCents = fill.nominalFeeCents < left ? fill.nominalFeeCents : left;
    left -= feeCents;
    return { ...fill, feeCents };
  });
}

const total = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);

/** Partial quantity: qty × fraction to 10⁻⁸ contracts toward +∞, at most the position. */
export function partialQuantity(quantity: Ratio, fraction: Ratio): Ratio {
  return min(quantity, fromUnits(toUnits(mul(quantity, fraction), QUANTITY_SCALE, 'ceil'), QUANTITY_SCALE));
}

/**
 * Partial step (partial mode; Hyperliquid closes 20% of a large position first): every position whose
 * mark notional exceeds `partialNotionalThreshold` is reduced by `partialFraction`, every other is closed.
 * The account is restored — and the liquidation stops — when equity after the fills and their fees is at
 * least the maintenance margin of what remains (margin's breach is equity < maintenance margin), each
 * position's requirement scaled by remaining / quantity at the same mark. Otherwise the full close-out
 * runs instead (never both: each position gets at most one fill per breach).
 */
function tryPartialStep(account: AccountTerms, parameters: LiquidationParametersSetPayload, priceOf: PriceSource, equityBefore: Ratio): CloseOutPlan | null {
  invariant(parameters.partialFraction !== undefined, 'partial mode carries a partial fraction');
  const fraction = parseRatio(parameters.partialFraction);
  const threshold = parseRatio(parameters.partialNotionalThreshold ?? '0');
  const orders = account.positions.map((position): CloseOrder => {
    const markNotional = mul(mul(position.quantity, position.contractSize), position.markPrice);
    return { position, quantity: cmp(markNotional, threshold) > 0 ? partialQuantity(position.quantity, fraction) : position.quantity };
  });
  const remaining = orders.map((o) => ({ position: o.position, quantity: sub(o.position.quantity, o.quantity) }));
  if (remaining.every((r) => sign(r.quantity) === 0)) return null; // the partial step would close everything: that is the full close-out

  const uncharged = priceFills(orders, parseRatio(parameters.liquidationFeeRate), priceOf);
  const realizedPnlCents = total(uncharged.map((f) => f.realizedPnlCents));
  const remainingUnrealized = sum(remaining.map((r) => unrealizedAtMark(r.position, r.quantity)));
  const equityAfterFills = add(fromUnits(account.cashCents + realizedPnlCents, CENTS), remainingUnrealized);
  const fills = chargeFees(uncharged, bigintMax(0n, toUnits(equityAfterFills, CENTS, 'floor')));
  const feesCents = total(fills.map((f) => f.feeCents));
  const equityAfter = sub(equityAfterFills, fromUnits(feesCents, CENTS));
  const maintenanceRemainingCents = total(
    remaining.map((r) => toUnits(div(mul(r.position.maintenanceMargin, r.quantity), r.position.quantity), CENTS, 'ceil')),
  );
  if (cmp(equityAfter, fromUnits(maintenanceRemainingCents, CENTS)) < 0) return null;
  invariant(sign(equityAfter) >= 0, 'a restored account has non-negative equity');
  return { step: 'partial', outcome: 'restored', fills, realizedPnlCents, feesCents, equityBefore, equityAfter, defaulted: null };
}

/** Full close-out: every position closed; a negative result is a default with its deficit. */
function fullCloseOut(account: AccountTerms, parameters: LiquidationParametersSetPayload, priceOf: PriceSource, equityBefore: Ratio): CloseOutPlan {
  const uncharged = priceFills(
    account.positions.map((position) => ({ position, quantity: position.quantity })),
    parseRatio(parameters.liquidationFeeRate),
    priceOf,
  );
  const realizedPnlCents = total(uncharged.map((f) => f.realizedPnlCents));
  const equityAfterFillsCents = account.cashCents + realizedPnlCents;

  if (equityAfterFillsCents < 0n) {
    const fills = chargeFees(uncharged, 0n);
    const marginAppliedCents = bigintMax(0n, account.cashCents);
    const deficitCents = -equityAfterFillsCents;
    const closeOutLossCents = bigintMax(0n, -account.cashCents) - realizedPnlCents;
    invariant(deficitCents > 0n, 'a default has a positive deficit');
    invariant(marginAppliedCents + deficitCents === closeOutLossCents, 'marginApplied + deficit = close-out loss');
    const allUnrealized = sum(account.positions.map((p) => unrealizedAtMark(p)));
    const cash = fromUnits(account.cashCents, CENTS);
    const bankruptcyPrices = account.positions.map((position) => {
      const othersAtMark = sub(allUnrealized, unrealizedAtMark(position));
      const exact = bankruptcyPriceExactOf(position.side, position.quantity, position.contractSize, position.entryPrice, add(cash, othersAtMark));
      return { position, ticks: roundBankruptcyPrice(exact, position.side) };
    });
    return {
      step: 'full',
      outcome: 'defaulted',
      fills,
      realizedPnlCents,
      feesCents: 0n,
      equityBefore,
      equityAfter: fromUnits(equityAfterFillsCents, CENTS),
      defaulted: { marginAppliedCents, deficitCents, closeOutLossCents, bankruptcyPrices },
    };
  }

  const fills = chargeFees(uncharged, equityAfterFillsCents);
  const feesCents = total(fills.map((f) => f.feeCents));
  invariant(feesCents <= equityAfterFillsCents, 'fees never exceed the equity left after the close-out');
  const equityAfter = fromUnits(equityAfterFillsCents - feesCents, CENTS);
  invariant(sign(equityAfter) >= 0, 'fees never make equity negative');
  return {
    step: 'full',
    outcome: 'closed-out',
    fills,
    realizedPnlCents,
    feesCents,
    equityBefore,
    equityAfter,
    defaulted: null,
  };
}

export function planCloseOut(account: AccountTerms, parameters: LiquidationParametersSetPayload, priceOf: PriceSource): CloseOutPlan {
  invariant(account.positions.length > 0, 'a breached account has at least one position');
  const equityBefore = add(fromUnits(account.cashCents, CENTS), sum(account.positions.map((p) => unrealizedAtMark(p))));
  if (parameters.mode === 'partial') {
    const partial = tryPartialStep(account, parameters, priceOf, equityBefore);
    if (partial !== null) return partial;
  }
  return fullCloseOut(account, parameters, priceOf, equityBefore);
}
