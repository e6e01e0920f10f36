import fc from 'fast-check';
import { canonicalDecimal, Decimal } from '@ccp/money';
import { add, cmp, div, mul, parseRatio, ratio, sub, toDecimalString, toUnits } from './rational.math';

const NUM_RUNS = Number(process.env.FC_RUNS ?? 1000);

describe('rational arithmetic', () => {
  it.each([
    { text: '-12.50', n: -25n, d: 2n },
    { text: '0.000', n: 0n, d: 1n },
    { text: '100', n: 100n, d: 1n },
  ])('parses $text exactly to $n/$d', ({ text, n, d }) => {
    expect(parseRatio(text)).toEqual({ n, d });
  });

  it.each(['1e5', '', '.5', 'NaN'])('refuses %j', (bad) => {
    expect(() => parseRatio(bad)).toThrow(/invalid amount/);
  });

  it.each([
    { value: '-0.005', mode: 'floor' as const, cents: -1n },
    { value: '-0.005', mode: 'ceil' as const, cents: 0n },
    { value: '0.009', mode: 'down' as const, cents: 0n },
    { value: '0.001', mode: 'up' as const, cents: 1n },
  ])('rounds $value $mode to $cents cents', ({ value, mode, cents }) => {
    expect(toUnits(parseRatio(value), 2, mode)).toBe(cents);
  });

  it('refuses to print a fraction with no finite decimal form', () => {
    expect(toDecimalString(ratio(1n, 4n))).toBe('0.25');
    expect(() => toDecimalString(ratio(1n, 3n))).toThrow(/no finite decimal form/);
  });

  it('agrees with decimal.js on + − × ÷ of 8-decimal values', () => {
    const decimal8 = fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }).map((units) => canonicalDecimal(new Decimal(units.toString()).div(1e8)));
    fc.assert(
      fc.property(decimal8, decimal8, (a, b) => {
        const ra = parseRatio(a);
        const rb = parseRatio(b);
        expect(toDecimalString(add(ra, rb))).toBe(canonicalDecimal(new Decimal(a).plus(b)));
        expect(toDecimalString(sub(ra, rb))).toBe(canonicalDecimal(new Decimal(a).minus(b)));
        expect(toDecimalString(mul(ra, rb))).toBe(canonicalDecimal(new Decimal(a).times(b)));
        expect(cmp(ra, rb)).toBe(new Decimal(a).comparedTo(b));
        if (rb.n !== 0n) expect(cmp(mul(div(ra, rb), rb), ra)).toBe(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
