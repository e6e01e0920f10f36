import { AllocationInputError, ceilDiv, divHalfEven, floorDiv, parseScaled, ratioString } from './fixed-point';

describe('fixed point', () => {
  it.each([
    { text: '1250.5', scale: 2, value: 125050n },
    { text: '-0.01', scale: 2, value: -1n },
    { text: '0', scale: 8, value: 0n },
    { text: '95.12345678', scale: 8, value: 9512345678n },
    { text: '1.50000000000', scale: 2, value: 150n }, // trailing zeros beyond the scale are exact
  ])('parses $text at scale $scale to $value', ({ text, scale, value }) => {
    expect(parseScaled(text, scale, 'x')).toBe(value);
  });

  it.each([
    { text: '1.005', scale: 2 },
    { text: '1e3', scale: 2 },
    { text: '01', scale: 2 },
    { text: '0.123456789', scale: 8 },
  ])('refuses $text at scale $scale as an invalid amount, naming the field', ({ text, scale }) => {
    expect(() => parseScaled(text, scale, 'payload.residual')).toThrow(AllocationInputError);
    try {
      parseScaled(text, scale, 'payload.residual');
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_amount', path: 'payload.residual' });
    }
  });

  it.each([
    { a: 1n, b: 3n, text: '0.333333' },
    { a: 2n, b: 3n, text: '0.666667' },
    { a: 1n, b: 8n, text: '0.125' },
    { a: 5n, b: 10_000_000n, text: '0' }, // 0.0000005 → half-even to 0
    { a: 15n, b: 10_000_000n, text: '0.000002' }, // 0.0000015 → half-even to 0.000002
    { a: 25n, b: 10_000_000n, text: '0.000002' }, // 0.0000025 → half-even to 0.000002
    { a: 7n, b: 7n, text: '1' },
  ])('ratio $a / $b = $text (6 decimals, half-even)', ({ a, b, text }) => {
    expect(ratioString(a, b)).toBe(text);
  });

  it('divides with the stated roundings', () => {
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
    expect(floorDiv(-7n, 2n)).toBe(-4n);
    expect(floorDiv(7n, 2n)).toBe(3n);
    expect(divHalfEven(5n, 2n)).toBe(2n);
    expect(divHalfEven(7n, 2n)).toBe(4n);
  });
});
