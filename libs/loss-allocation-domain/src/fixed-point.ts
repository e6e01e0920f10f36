import { DECIMAL_STRING, fromMinor, pow10 } from '@ccp/money';
import { CONTRACT_SIZE_SCALE, PRICE_SCALE, QUANTITY_SCALE, SETTLEMENT_ASSET } from '@ccp/contracts';
import type { RejectionCode } from '@ccp/contracts';

/**
 * Bigint fixed point for the allocation hot path (design.md §7): no Decimal per participant.
 *
 * - amounts: USD cents (scale 2, `SETTLEMENT_ASSET`);
 * - prices, quantities, contract sizes: scale 8;
 * - a *value* quantity × price × contract size is therefore at scale 24 USD, i.e. cents × 10^22
 *   (`VALUE_PER_CENT`); converting a value to cents states its rounding.
 */
export const AMOUNT_SCALE = SETTLEMENT_ASSET.scale;
export const VALUE_SCALE = QUANTITY_SCALE + PRICE_SCALE + CONTRACT_SIZE_SCALE;
export const VALUE_PER_CENT = pow10(VALUE_SCALE - AMOUNT_SCALE);
/** one US dollar in cents (Binance's max(1, WalletBalance)) */
export const ONE_DOLLAR = pow10(AMOUNT_SCALE);
/** ratios in events: 6 decimals, rounded half-even */
export const RATIO_PLACES = 6;

/** An input that cannot be used, with the rejection it maps to and the field that is wrong. */
export class AllocationInputError extends Error {
  constructor(
    readonly code: Extract<RejectionCode, 'malformed' | 'invalid_amount'>,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationInputError';
  }
}

/**
 * Parses a canonical decimal string to a bigint count of 10^-scale units, exactly: more decimals
 * than the scale is an invalid amount (no silent rounding).
 */
export function parseScaled(text: string, scale: number, path: string): bigint {
  if (!DECIMAL_STRING.test(text)) throw new AllocationInputError('invalid_amount', path, `not a plain decimal: ${JSON.stringify(text)}`);
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  const fraction = dot < 0 ? '' : body.slice(dot + 1);
  if (fraction.length > scale) {
    const trimmed = fraction.replace(/0+$/, '');
    if (trimmed.length > scale) throw new AllocationInputError('invalid_amount', path, `more than ${scale} decimal places: ${text}`);
    return signed(BigInt(whole + trimmed.padEnd(scale, '0')), negative);
  }
  return signed(BigInt(whole + fraction.padEnd(scale, '0')), negative);
}

function signed(value: bigint, negative: boolean): bigint {
  return negative ? -value : value;
}

export const parseAmount = (text: string, path: string): bigint => parseScaled(text, AMOUNT_SCALE, path);
export const parsePrice = (text: string, path: string): bigint => parseScaled(text, PRICE_SCALE, path);
export const parseQuantity = (text: string, path: string): bigint => parseScaled(text, QUANTITY_SCALE, path);
export const parseContractSize = (text: string, path: string): bigint => parseScaled(text, CONTRACT_SIZE_SCALE, path);

export const formatAmount = (cents: bigint): string => fromMinor(cents, AMOUNT_SCALE);
export const formatPrice = (price: bigint): string => fromMinor(price, PRICE_SCALE);
export const formatQuantity = (quantity: bigint): string => fromMinor(quantity, QUANTITY_SCALE);

/** ⌈a / b⌉ for a ≥ 0, b > 0 */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** ⌊a / b⌋ for any sign of a, b > 0 (bigint `/` truncates toward zero) */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** a / b rounded half-even, a ≥ 0, b > 0 */
export function divHalfEven(a: bigint, b: bigint): bigint {
  const q = a / b;
  const twice = 2n * (a % b);
  if (twice > b || (twice === b && q % 2n === 1n)) return q + 1n;
  return q;
}

/** The ratio a / b as a decimal string with `places` decimals, rounded half-even (a ≥ 0, b > 0). */
export function ratioString(a: bigint, b: bigint, places = RATIO_PLACES): string {
  if (b <= 0n) throw new RangeError('ratio denominator must be positive');
  if (a < 0n) throw new RangeError('ratio numerator must be non-negative');
  return fromMinor(divHalfEven(a * pow10(places), b), places);
}

/** Value (cents × 10^22) of a quantity at a price for a contract size, all scale 8. */
export function valueOf(quantity: bigint, price: bigint, contractSize: bigint): bigint {
  return quantity * price * contractSize;
}

/** Code-unit order of identifiers: the deterministic tie-break everywhere (accountId ascending). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
