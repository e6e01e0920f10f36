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
