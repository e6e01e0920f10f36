import fc from 'fast-check';
import { Decimal, RoundingMode } from '@ccp/money';
import { ceilDiv, divHalfEven, floorDiv, parseScaled } from './fixed-point.util';

const runs = Number(process.env['FC_RUNS'] ?? 1000);
/** the reference needs every digit of a 40-digit quotient and its remainder: more precision than the money default */
const Exact = Decimal.clone({ precision: 120 });

describe('fixed-point helpers', () => {
  it.each([
    { value: '1.5', scale: 2, units: 150n },
    { value: '-0.01', scale: 2, units: -1n },
    { value: '60000', scale: 8, units: 6_000_000_000_000n },
    { value: '1.50000000000', scale: 2, units: 150n }, // trailing zeros are exact
    { value: '0.001', scale: 2, units: null },
    { value: '1e3', scale: 2, units: null },
    { value: '01', scale: 2, units: null },
  ])('parseScaled($value, $scale) = $units', ({ value, scale, units }) => {
    expect(parseScaled(value, scale)).toBe(units);
  });

  it('floor, ceil and half-even division agree with decimal.js in those modes; half-even is symmetric', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.bigInt({ min: 1n, max: 10n ** 25n }), (n, d) => {
        const exact = new Exact(n.toString()).dividedBy(new Exact(d.toString()));
        const by = (mode: number) => BigInt(exact.toDecimalPlaces(0, mode as never).toFixed(0));
        expect(floorDiv(n, d)).toBe(by(RoundingMode.floor));
        expect(ceilDiv(n, d)).toBe(by(RoundingMode.ceil));
        expect(divHalfEven(n, d)).toBe(by(RoundingMode.halfEven));
        expect(divHalfEven(-n, d)).toBe(-divHalfEven(n, d));
      }),
      { numRuns: runs },
    );
  });
});
