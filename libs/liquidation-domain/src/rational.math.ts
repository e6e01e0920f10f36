import { DECIMAL_STRING, divRound, fromMinor, InvalidAmountError, pow10 } from '@ccp/money';

/**
 * Exact rational arithmetic over bigint, for the close-out: quantity × contract size × price has up to
 * 24 fractional digits and the bankruptcy price divides by quantity × contract size, so no fixed
 * decimal precision is exact. Every value that leaves this lib is rounded once, with a stated mode,
 * to its scale (cents for amounts, 10⁻⁸ for prices and quantities).
 */
export interface Ratio {
  readonly n: bigint;
  /** always > 0; the fraction is kept in lowest terms */
  readonly d: bigint;
}

export type Rounding = 'floor' | 'ceil' | 'down' | 'up';

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

export function ratio(n: bigint, d = 1n): Ratio {
  if (d === 0n) throw new RangeError('ratio with a zero denominator');
  const sn = d < 0n ? -n : n;
  const sd = d < 0n ? -d : d;
  const g = gcd(sn, sd);
  return g > 1n ? { n: sn / g, d: sd / g } : { n: sn, d: sd };
}

export const ZERO: Ratio = { n: 0n, d: 1n };
export const ONE: Ratio = { n: 1n, d: 1n };

/** Parses a plain decimal string exactly ("-12.5" → -25/2). */
export function parseRatio(text: string): Ratio {
  if (!DECIMAL_STRING.test(text)) throw new InvalidAmountError(text, 'not a plain decimal number');
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole, fraction = ''] = body.split('.');
  const n = BigInt(`${whole}${fraction}`);
  return ratio(negative ? -n : n, pow10(fraction.length));
}

/** units × 10^-scale, e.g. cents (scale 2) or price ticks (scale 8). */
export const fromUnits = (units: bigint, scale: number): Ratio => ratio(units, pow10(scale));

export const add = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.n, a.d * b.d);
export const div = (a: Ratio, b: Ratio): Ratio => {
  if (b.n === 0n) throw new RangeError('division by zero');
  return ratio(a.n * b.d, a.d * b.n);
};
export const neg = (a: Ratio): Ratio => ({ n: -a.n, d: a.d });
export const sign = (a: Ratio): -1 | 0 | 1 => (a.n < 0n ? -1 : a.n > 0n ? 1 : 0);
export const cmp = (a: Ratio, b: Ratio): -1 | 0 | 1 => sign(sub(a, b));
export const min = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) <= 0 ? a : b);
export const max = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) >= 0 ? a : b);
export const sum = (values: Iterable<Ratio>): Ratio => {
  let s = ZERO;
  for (const v of values) s = add(s, v);
  return s;
};

/** Rounds to a whole count of 10^-scale units with the stated mode. */
export function toUnits(value: Ratio, scale: number, rounding: Rounding): bigint {
  return divRound(value.n * pow10(scale), value.d, rounding);
}

/** The canonical decimal text of an exact value whose denominator divides a power of ten. */
export function toDecimalString(value: Ratio): string {
  let scale = 0;
  while (pow10(scale) % value.d !== 0n) {
    scale += 1;
    if (scale > 80) throw new RangeError(`${value.n}/${value.d} has no finite decimal form`);
  }
  return fromMinor((value.n * pow10(scale)) / value.d, scale);
}
