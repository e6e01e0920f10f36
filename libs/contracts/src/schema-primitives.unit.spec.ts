import fc from 'fast-check';
import { DECIMAL_FIGURE_INTEGER_DIGITS_MAX, DECIMAL_FRACTION_DIGITS_MAX, DECIMAL_INTEGER_DIGITS_MAX, parseDecimal, toMinorExact } from '@ccp/money';
import { decimalString, figureDecimal, identifier, instantProblem, isoInstant, nonNegativeDecimal, parseWith, positiveDecimal, positiveFigure } from './schema-primitives';
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

describe('isoInstant: a timestamp is a real UTC instant', () => {
  it.each([
    { value: '2025-13-10T00:00:00Z', message: /month 13 does not exist/ },
    { value: '2025-00-10T00:00:00Z', message: /month 00 does not exist/ },
    { value: '2025-02-30T00:00:00Z', message: /day 30 does not exist in 2025-02 \(it has 28 days\)/ },
    { value: '2025-02-29T00:00:00Z', message: /day 29 does not exist in 2025-02/ },
    { value: '1900-02-29T00:00:00Z', message: /day 29 does not exist in 1900-02/ },
    { value: '2025-04-31T00:00:00Z', message: /day 31 does not exist in 2025-04 \(it has 30 days\)/ },
    { value: '2025-10-00T00:00:00Z', message: /day 00 does not exist/ },
    { value: '2025-10-10T24:00:00Z', message: /hour 24 does not exist/ },
    { value: '2025-10-10T21:60:00Z', message: /minute 60 does not exist/ },
    { value: '2016-12-31T23:59:60Z', message: /second 60 does not exist .*leap seconds/ },
    { value: '2025-10-10 21:15:00Z', message: /expected an ISO-8601 UTC instant/ },
    { value: '2025-10-10T21:15:00+00:00', message: /expected an ISO-8601 UTC instant/ },
  ])('rejects $value as malformed, naming the field and the reason', ({ value, message }) => {
    const parsed = parseWith(isoInstant, value, 'meta.occurredAt');
    expect(parsed).toMatchObject({ ok: false, rejection: { code: 'malformed', path: 'meta.occurredAt' } });
    if (!parsed.ok) expect(parsed.rejection.message).toMatch(message);
  });

  it.each(['2024-02-29T00:00:00Z', '2000-02-29T23:59:59.999999999Z', '2025-10-10T21:15:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])('accepts %s', (value) => {
    expect(parseWith(isoInstant, value)).toEqual({ ok: true, value });
  });

  const instant = fc
    .record({ year: fc.integer({ min: 1, max: 9999 }), month: fc.integer({ min: 0, max: 13 }), day: fc.integer({ min: 0, max: 32 }), hour: fc.integer({ min: 0, max: 25 }), minute: fc.integer({ min: 0, max: 61 }), second: fc.integer({ min: 0, max: 61 }), ms: fc.option(fc.integer({ min: 0, max: 999 })) })
    .map((f) => {
      const pad = (n: number, w = 2) => String(n).padStart(w, '0');
      const text = `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}${f.ms === null ? '' : `.${pad(f.ms, 3)}`}Z`;
      return { ...f, text };
    });

  it('property: accepted exactly when the independent calendar (Date.UTC) round-trips every field', () => {
    fc.assert(
      fc.property(instant, (f) => {
        const d = new Date(0);
        d.setUTCFullYear(f.year, f.month - 1, f.day);
        d.setUTCHours(f.hour, f.minute, f.second, f.ms ?? 0);
        const real =
          d.getUTCFullYear() === f.year && d.getUTCMonth() === f.month - 1 && d.getUTCDate() === f.day && d.getUTCHours() === f.hour && d.getUTCMinutes() === f.minute && d.getUTCSeconds() === f.second;
        expect(isoInstant.safeParse(f.text).success).toBe(real);
        expect(instantProblem(f.text) === undefined).toBe(real);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});
