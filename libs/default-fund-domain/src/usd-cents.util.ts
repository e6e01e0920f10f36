import { SETTLEMENT_ASSET } from '@ccp/contracts';
import { Decimal, RoundingMode, canonicalDecimal, fromMinor, toMinorExact } from '@ccp/money';

/** Amounts of this domain: bigint counts of cents of the settlement asset (USD, scale 2). */
const SCALE = SETTLEMENT_ASSET.scale;

/** Exact: the schemas have already refused more than 2 decimals, so no rounding can happen here. */
export const cents = (amount: string): bigint => toMinorExact(amount, SCALE);
export const usd = (minor: bigint): string => fromMinor(minor, SCALE);

/** floor(multiple × base): a cap derived from a multiple never exceeds the multiple (rounded toward −∞). */
export function multipleOf(base: bigint, multiple: string): bigint {
  const product = new Decimal(base.toString()).times(new Decimal(multiple)).toDecimalPlaces(0, RoundingMode.floor);
  return BigInt(product.toFixed(0));
}

/** part ÷ whole as a decimal string with at most 8 decimals, half-even (informational ratios only). */
export function ratio(part: bigint, whole: bigint): string {
  if (whole === 0n) return '0';
  return canonicalDecimal(new Decimal(part.toString()).dividedBy(new Decimal(whole.toString())).toDecimalPlaces(8, RoundingMode.halfEven));
}
