import { Decimal, RoundingMode, RoundingModeName, InvalidAmountError, parseDecimal, canonicalDecimal } from './decimal';

/**
 * An asset's minor unit: the smallest amount that can be owed (cents for USD, 1e-6 for USDC).
 * Amounts on the hot path are bigint counts of minor units (TigerBeetle keeps every balance so).
 */
export interface Asset {
  readonly code: string;
  /** digits after the decimal point of the minor unit: 2 for USD cents, 6 for USDC */
  readonly scale: number;
}

export const USD: Asset = { code: 'USD', scale: 2 };
export const USDC: Asset = { code: 'USDC', scale: 6 };

const pow10Cache: bigint[] = [];
export function pow10(scale: number): bigint {
  let p = pow10Cache[scale];
  if (p === undefined) {
    p = 10n ** BigInt(scale);
    pow10Cache[scale] = p;
  }
  return p;
}

/** Rounds a decimal to the minor unit with the stated mode and returns the count of minor units. */
export function toMinor(amount: Decimal | string, scale: number, rounding: RoundingModeName): bigint {
  const d = typeof amount === 'string' ? parseDecimal(amount) : amount;
  const scaled = d.times(new Decimal(pow10(scale).toString())).toDecimalPlaces(0, RoundingMode[rounding]);
  return BigInt(scaled.toFixed(0));
}

/** Parses an amount that must already be a whole number of minor units (no rounding allowed). */
export function toMinorExact(amount: string, scale: number): bigint {
  const d = parseDecimal(amount);
  if (d.decimalPlaces() > scale) throw new InvalidAmountError(amount, `more than ${scale} decimal places`);
  return BigInt(d.times(new Decimal(pow10(scale).toString())).toFixed(0));
}

/** The canonical decimal string of a count of minor units. */
export function fromMinor(minor: bigint, scale: number): string {
  if (scale === 0) return minor.toString();
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const unit = pow10(scale);
  const whole = abs / unit;
  const fraction = (abs % unit).toString().padStart(scale, '0').replace(/0+$/, '');
  if (whole === 0n && fraction === '') return '0';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function minorToDecimal(minor: bigint, scale: number): Decimal {
  return new Decimal(fromMinor(minor, scale));
}

export { canonicalDecimal };

export const bigintMin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const bigintMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const bigintAbs = (a: bigint): bigint => (a < 0n ? -a : a);
export const bigintSum = (values: Iterable<bigint>): bigint => {
  let s = 0n;
  for (const v of values) s += v;
  return s;
};

/** Integer division rounded with the given mode (for bigint fixed-point on the hot path). */
export function divRound(numerator: bigint, denominator: bigint, rounding: 'floor' | 'ceil' | 'down' | 'up'): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const q = numerator / denominator; // truncates toward zero
  const r = numerator % denominator;
  if (r === 0n) return q;
  const positive = numerator < 0n === denominator < 0n;
  switch (rounding) {
    case 'down':
      return q;
    case 'up':
      return positive ? q + 1n : q - 1n;
    case 'floor':
      return positive ? q : q - 1n;
    case 'ceil':
      return positive ? q + 1n : q;
    default: {
      const exhaustive: never = rounding;
      throw new Error(`unknown rounding ${String(exhaustive)}`);
    }
  }
}
