import { CONTRACT_SIZE_SCALE, PRICE_SCALE, QUANTITY_SCALE, SETTLEMENT_ASSET } from '@ccp/contracts';
import { fromMinor, pow10 } from '@ccp/money';

/**
 * Fixed-point units of the margin hot path (design.md §7). Every number in state is a bigint count of
 * one of these units; nothing on the hot path is a Decimal or a float.
 *
 *   cents   — USD minor unit (SETTLEMENT_ASSET.scale = 2)
 *   price   — 1e-8 USD per contract-size unit (PRICE_SCALE)
 *   qty     — 1e-8 contract (QUANTITY_SCALE)
 *   size    — 1e-8 (CONTRACT_SIZE_SCALE)
 *   rate    — 1e-8 (RATE_SCALE): a margin rate of 10% is 10_000_000
 *   fine    — qty × price × size = 1e-24 USD: a notional, exact
 *   superFine — fine × rate = 1e-32 USD: a margin requirement before rounding, exact
 */
export const CENT_SCALE = SETTLEMENT_ASSET.scale;
export const RATE_SCALE = 8;
export const RATE_ONE = pow10(RATE_SCALE);
/** fine units in one cent: 10^(8 + 8 + 8 − 2) */
export const FINE_PER_CENT = pow10(QUANTITY_SCALE + PRICE_SCALE + CONTRACT_SIZE_SCALE - CENT_SCALE);
/** superFine units in one fine unit (one rate unit's denominator) */
export const SUPER_FINE_PER_FINE = RATE_ONE;
/** superFine units in one cent */
export const SUPER_FINE_PER_CENT = FINE_PER_CENT * SUPER_FINE_PER_FINE;

const PLAIN_DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * Parses a plain decimal string into an exact count of 10^-scale units; null when the value needs more
 * than `scale` decimals (trailing zeros are fine) or is not a plain decimal. No rounding ever happens here.
 */
export function parseScaled(value: string, scale: number): bigint | null {
  const match = PLAIN_DECIMAL.exec(value);
  if (match === null) return null;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) return null;
  const digits = BigInt(`${match[2] ?? '0'}${fraction.padEnd(scale, '0')}`);
  return match[1] === '-' ? -digits : digits;
}

export const usd = (cents: bigint): string => fromMinor(cents, CENT_SCALE);
export const price = (units: bigint): string => fromMinor(units, PRICE_SCALE);
export const quantity = (units: bigint): string => fromMinor(units, QUANTITY_SCALE);
export const rate = (units: bigint): string => fromMinor(units, RATE_SCALE);
export const contractSize = (units: bigint): string => fromMinor(units, CONTRACT_SIZE_SCALE);

export const abs = (a: bigint): bigint => (a < 0n ? -a : a);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** ⌊n ÷ d⌋ for d > 0 (toward −∞). */
export function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n < 0n && q * d !== n ? q - 1n : q;
}

/** ⌈n ÷ d⌉ for d > 0 (toward +∞). */
export function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n > 0n && q * d !== n ? q + 1n : q;
}

/**
 * n ÷ d for d > 0, to nearest, ties to even (banker's rounding). Symmetric — halfEven(−x) = −halfEven(x) —
 * so a long and a short realizing the same PnL round to exactly opposite cents.
 */
export function divHalfEven(n: bigint, d: bigint): bigint {
  const q = floorDiv(n, d);
  const twice = 2n * (n - q * d); // 0 ≤ remainder < d
  if (twice > d) return q + 1n;
  if (twice === d) return q % 2n === 0n ? q : q + 1n;
  return q;
}
