import fc from 'fast-check';
import { canonicalDecimal, Decimal, parseDecimal } from './decimal';
import { divRound, fromMinor, toMinor, toMinorExact } from './minor-units';

describe('minor units', () => {
  it.each([
    { amount: '1.005', scale: 2, rounding: 'halfEven' as const, minor: 100n },
    { amount: '1.015', scale: 2, rounding: 'halfEven' as const, minor: 102n },
    { amount: '1.001', scale: 2, rounding: 'ceil' as const, minor: 101n },
    { amount: '-1.001', scale: 2, rounding: 'ceil' as const, minor: -100n },
    { amount: '-1.001', scale: 2, rounding: 'floor' as const, minor: -101n },
    { amount: '12345678901234567890.123456', scale: 6, rounding: 'down' as const, minor: 12345678901234567890123456n },
  ])('$amount rounds $rounding to $minor at scale $scale', ({ amount, scale, rounding, minor }) => {
    expect(toMinor(amount, scale, rounding)).toBe(minor);
  });

  it.each(['1e5', '', ' 1', '1.', '.5', 'NaN', 'Infinity', '01', '--1', '1,5'])('rejects %j as an amount', (bad) => {
    expect(() => parseDecimal(bad)).toThrow(/invalid amount/);
  });

  it('refuses to round silently where an exact amount is required', () => {
    expect(() => toMinorExact('1.234', 2)).toThrow(/more than 2 decimal places/);
    expect(toMinorExact('1.23', 2)).toBe(123n);
  });

  it('round-trips minor units through their canonical string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (minor, scale) => {
        const text = fromMinor(minor, scale);
        expect(text).toBe(canonicalDecimal(new Decimal(text)));
        expect(toMinorExact(text, scale)).toBe(minor);
      }),
      { numRuns: 1000 },
    );
  });

  it('canonical decimals have one text per number', () => {
    expect(canonicalDecimal('1.500')).toBe('1.5');
    expect(canonicalDecimal('-0.00')).toBe('0');
    expect(canonicalDecimal(new Decimal('1e-7'))).toBe('0.0000001');
    expect(canonicalDecimal(new Decimal('1e25'))).toBe('10000000000000000000000000');
  });

  it.each([
    { n: 7n, d: 2n, mode: 'floor' as const, q: 3n },
    { n: -7n, d: 2n, mode: 'floor' as const, q: -4n },
    { n: 7n, d: 2n, mode: 'ceil' as const, q: 4n },
    { n: -7n, d: 2n, mode: 'ceil' as const, q: -3n },
    { n: -7n, d: 2n, mode: 'up' as const, q: -4n },
    { n: -7n, d: 2n, mode: 'down' as const, q: -3n },
  ])('divRound($n, $d, $mode) = $q', ({ n, d, mode, q }) => {
    expect(divRound(n, d, mode)).toBe(q);
  });
});
