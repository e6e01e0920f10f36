import fc from 'fast-check';
import { DECIMAL_FIGURE_INTEGER_DIGITS_MAX, DECIMAL_FRACTION_DIGITS_MAX, DECIMAL_INTEGER_DIGITS_MAX, parseDecimal, toMinorExact } from '@ccp/money';
import { decimalString, figureDecimal, identifier, nonNegativeDecimal, parseWith, positiveDecimal, positiveFigure } from './schema-primitives';
import { REJECTION_CODES } from './rejection';

const RUNS = Number(process.env['FC_RUNS'] ?? 500);
const digits = (n: number, first = '9') => (n === 0 ? '' : first + '9'.repeat(n - 1));

describe('decimal bounds: every decimal string at the boundary is bounded', () => {
  it('the bounds are 16 integer digits for inputs, 38 for figures, 24 fraction digits for both', () => {
    expect([DECIMAL_INTEGER_DIGITS_MAX, DECIMAL_FIGURE_INTEGER_DIGITS_MAX, DECIMAL_FRACTION_DIGITS_MAX]).toEqual([16, 38, 24]);
  });

  it.each([
    { name: 'a 401-digit amount (1e400)', schema: positiveDecimal, value: `1${'0'.repeat(400)}`, message: /at most 16 integer digits \(magnitude below 10\^16\); this one has 401/ },
    { name: '17 integer digits', schema: decimalString, value: `-${digits(17, '1')}`, message: /at most 16 integer digits/ },
    { name: '25 fraction digits', schema: nonNegativeDecimal, value: `0.${'1'.repeat(25)}`, message: /at most 24 fraction digits; this one has 25/ },
    { name: 'a 39-digit figure', schema: figureDecimal, value: digits(39), message: /a computed decimal figure has at most 38 integer digits/ },
    { name: 'a figure with 25 fraction digits', schema: positiveFigure, value: `1.${'0'.repeat(24)}1`, message: /at most 24 fraction digits/ },
  ])('$name → invalid_amount naming the limit', ({ schema, value, message }) => {
    const parsed = parseWith(schema, { amount: value }.amount, 'payload.amount');
    expect(parsed).toMatchObject({ ok: false, rejection: { code: 'invalid_amount', path: 'payload.amount' } });
    if (!parsed.ok) expect(parsed.rejection.message).toMatch(message);
  });

  it.each([
    { schema: decimalString, value: `-${digits(16)}.${digits(24)}` },
    { schema: positiveDecimal, value: `${digits(16)}` },
    { schema: figureDecimal, value: `-${digits(38)}.${digits(24)}` },
  ])('accepts $value at the limit', ({ schema, value }) => {
    expect(parseWith(schema, value)).toEqual({ ok: true, value });
  });

  it('malformed decimals are still reported as the format problem, not the bound', () => {
    expect(parseWith(decimalString, '1e400')).toMatchObject({ ok: false, rejection: { code: 'invalid_amount', message: expect.stringMatching(/plain decimal/) } });
  });

  it('property: an input within the bound is exact under the money library (Decimal and minor units at scale ≤ 24)', () => {
    const bounded = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }), fc.integer({ min: 0, max: 24 }), fc.bigInt({ min: 0n, max: 10n ** 24n - 1n }))
      .map(([negative, whole, scale, fraction]) => {
        const f = (fraction % 10n ** BigInt(scale)).toString().padStart(scale, '0');
        return { text: `${negative && (whole > 0n || /[1-9]/.test(f)) ? '-' : ''}${whole}${scale > 0 ? `.${f}` : ''}`, scale };
      });
    fc.assert(
      fc.property(bounded, ({ text, scale }) => {
        expect(parseWith(decimalString, text).ok).toBe(true);
        expect(parseDecimal(text).toFixed(scale)).toBe(text);
        const minor = toMinorExact(text, scale);
        expect(minor.toString()).toBe(text.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1'));
      }),
      { numRuns: RUNS },
    );
  });

  it('property: longer than the bound is always invalid_amount, never accepted and never thrown', () => {
    fc.assert(
      fc.property(fc.integer({ min: 17, max: 600 }), fc.integer({ min: 0, max: 40 }), (integerDigits, fractionDigits) => {
        const value = `${digits(integerDigits, '1')}${fractionDigits ? `.${'5'.repeat(fractionDigits)}` : ''}`;
        const parsed = parseWith(positiveDecimal, value, 'payload.quantity');
        expect(parsed).toMatchObject({ ok: false, rejection: { code: 'invalid_amount', path: 'payload.quantity' } });
        if (!parsed.ok) expect(Object.keys(REJECTION_CODES)).toContain(parsed.rejection.code);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('identifiers never collide with the keys untrusted JSON refuses', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('%s is not an identifier', (id) => {
    expect(identifier.safeParse(id).success).toBe(false);
  });

  it.each(['constructors', 'BTC-PERP', 'proto'])('%s still is', (id) => {
    expect(identifier.safeParse(id).success).toBe(true);
  });
});
