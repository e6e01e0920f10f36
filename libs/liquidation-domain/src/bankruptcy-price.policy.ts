import { PRICE_SCALE, Side } from '@ccp/contracts';
import { fromMinor } from '@ccp/money';
import { add, div, mul, parseRatio, Ratio, sub, toUnits, ZERO } from './rational.math';

/**
 * Bankruptcy price (mechanics.md): the price of one position at which the account's equity is
 * exactly zero, every other position held at its mark.
 *
 *   equity(P) = cash + U_others + s · q · c · (P − entry) = 0
 *   ⇒ P = entry − s · (cash + U_others) / (q · c)          s = +1 long, −1 short
 *
 * For an isolated long (U_others = 0): entry − cash / (q · c); for a short: entry + cash / (q · c) —
 * the BitMEX / Binance isolated-margin formulas with the maintenance margin set to zero.
 * The result may be ≤ 0 (a long whose cash covers the whole notional can never go bankrupt).
 *
 * Rounding, to PRICE_SCALE (10⁻⁸), chosen so that closing at the rounded price never needs the fund
 * (dYdX v4 `GetBankruptcyPriceInQuoteQuantums` rounds the quote toward +∞ for the same reason):
 *   - long  (closed by a sell): toward +∞ (ceil) — the account receives at least the exact amount;
 *   - short (closed by a buy):  toward −∞ (floor) — the account pays at most the exact amount.
 * Hence, closing q at the rounded price leaves 0 ≤ equity < q · c · 10⁻⁸ USD (one price tick of the
 * position), which is below one cent whenever q · c ≤ 10⁶.
 */
export interface BankruptcyPriceInput {
  readonly side: Side;
  /** contracts, > 0 */
  readonly quantity: string;
  readonly entryPrice: string;
  /** value of one contract per unit of price, > 0 */
  readonly contractSize: string;
  /** the account's cash balance (collateral plus realized PnL), USD */
  readonly cashBalance: string;
  /** unrealized PnL of the account's other positions at their marks, USD; "0" (default) for an isolated position */
  readonly otherUnrealizedPnl?: string;
}

/** The exact (unrounded) bankruptcy price, from exact terms. */
export function bankruptcyPriceExactOf(side: Side, quantity: Ratio, contractSize: Ratio, entryPrice: Ratio, cashPlusOthers: Ratio): Ratio {
  const exposure = mul(quantity, contractSize);
  const shift = div(cashPlusOthers, exposure);
  return side === 'long' ? sub(entryPrice, shift) : add(entryPrice, shift);
}

/** Rounds an exact bankruptcy price to 10⁻⁸ ticks: long toward +∞, short toward −∞. */
export function roundBankruptcyPrice(exact: Ratio, side: Side): bigint {
  return toUnits(exact, PRICE_SCALE, side === 'long' ? 'ceil' : 'floor');
}

export function bankruptcyPriceExact(input: BankruptcyPriceInput): Ratio {
  const cashPlusOthers = add(parseRatio(input.cashBalance), input.otherUnrealizedPnl === undefined ? ZERO : parseRatio(input.otherUnrealizedPnl));
  return bankruptcyPriceExactOf(input.side, parseRatio(input.quantity), parseRatio(input.contractSize), parseRatio(input.entryPrice), cashPlusOthers);
}

/** The bankruptcy price as a canonical decimal string with at most 8 decimals (rounding above). */
export function bankruptcyPrice(input: BankruptcyPriceInput): string {
  return fromMinor(roundBankruptcyPrice(bankruptcyPriceExact(input), input.side), PRICE_SCALE);
}
