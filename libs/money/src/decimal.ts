import DecimalJs from 'decimal.js';

/**
 * The money arithmetic of the whole system: decimal.js with explicit precision and rounding.
 * 40 significant digits hold any amount we clear (1e18 USD to 1e-18) with room for ratios.
 * Every value that becomes an amount is rounded to its asset's minor unit with a stated mode;
 * this default mode only governs intermediate results (divisions, ratios).
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export const RoundingMode = {
  /** toward zero */
  down: DecimalJs.ROUND_DOWN,
  /** away from zero */
  up: DecimalJs.ROUND_UP,
  /** toward +∞ (dYdX rounds the bankruptcy quote this way) */
  ceil: DecimalJs.ROUND_CEIL,
  /** toward −∞ */
  floor: DecimalJs.ROUND_FLOOR,
  /** banker's rounding */
  halfEven: DecimalJs.ROUND_HALF_EVEN,
  halfUp: DecimalJs.ROUND_HALF_UP,
} as const;
export type RoundingModeName = keyof typeof RoundingMode;

/** A decimal string as it travels in events: optional minus, digits, optional fraction, no exponent. */
export const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * The bounds of the decimal strings accepted at a boundary (contracts' schema-primitives.ts), in two
 * tiers, both at most 24 fraction digits — the finest value the deciders write exactly, a notional:
 * quantity (8) × price (8) × contract size (8) decimals.
 *
 * - Inputs — what people and feeds give (amounts, prices, quantities, contract sizes, rates, thresholds):
 *   at most 16 integer digits, so |value| < 10^16. As a count of cents that is below 10^18 < 2^63: any
 *   input amount fits a signed 64-bit count of minor units (PostgreSQL `bigint`, a Java `long`) as well
 *   as our bigints, and with 24 fraction digits it is at most 40 significant digits — the precision of
 *   `Decimal` below — so it is held and scaled (`toMinor`, `toMinorExact`) exactly. 10^16 USD is more
 *   than ten times the notional of all OTC derivatives outstanding worldwide: a longer input is a
 *   mistake or an attack (a 401-digit "amount" is 1e400).
 * - Figures — what the deciders compute from inputs and carry in events (balances, equity, PnL, margin
 *   required, bankruptcy prices), which are also the payloads of the wire-driven commands: at most 38
 *   integer digits. Sums and quotients of inputs outgrow 16 digits legitimately — a dust position's
 *   bankruptcy price is its loss over an exposure as small as 10^-8 × 10^-8 contracts, so a 10^16 USD
 *   loss gives a price near 10^32 — and 38 leaves a millionfold room above that while a figure in cents
 *   (38 + 2 digits) is still exact under `Decimal`'s 40 digits.
 */
export const DECIMAL_INTEGER_DIGITS_MAX = 16;
export const DECIMAL_FIGURE_INTEGER_DIGITS_MAX = 38;
export const DECIMAL_FRACTION_DIGITS_MAX = 24;

/** Integer and fraction digits of a plain decimal string (sign excluded); "0.5" has 1 and 1. */
export function decimalDigitCounts(text: string): { readonly integerDigits: number; readonly fractionDigits: number } {
  const body = text.startsWith('-') ? text.slice(1) : text;
  const dot = body.indexOf('.');
  return dot < 0 ? { integerDigits: body.length, fractionDigits: 0 } : { integerDigits: dot, fractionDigits: body.length - dot - 1 };
}

export class InvalidAmountError extends Error {
  constructor(
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`invalid amount ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidAmountError';
  }
}

/** Parses a decimal string exactly; rejects exponents, NaN, Infinity, empty and non-strings. */
export function parseDecimal(value: unknown): Decimal {
  if (typeof value !== 'string') throw new InvalidAmountError(value, 'expected a decimal string');
  if (!DECIMAL_STRING.test(value)) throw new InvalidAmountError(value, 'not a plain decimal number');
  return new Decimal(value);
}

/**
 * The one canonical text of a decimal: no exponent, no trailing fractional zeros, no "-0".
 * Two equal numbers always serialize to the same bytes.
 */
export function canonicalDecimal(value: Decimal | string | bigint | number): string {
  const d = value instanceof Decimal ? value : new Decimal(typeof value === 'bigint' ? value.toString() : value);
  if (!d.isFinite()) throw new InvalidAmountError(String(value), 'not finite');
  if (d.isZero()) return '0';
  const fixed = d.toFixed();
  if (!fixed.includes('.')) return fixed;
  return fixed.replace(/0+$/, '').replace(/\.$/, '');
}
