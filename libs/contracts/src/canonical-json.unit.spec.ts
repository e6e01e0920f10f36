import fc from 'fast-check';
// RFC 8785 (JSON Canonicalization Scheme), by one of its authors: an independent implementation.
import jcs from 'canonicalize';
import { canonicalJson, CanonicalJsonError } from './canonical-json';
import { sealRecordWithLine } from './envelope';

/** JSON values canonicalJson accepts: safe integers (money travels as strings), any string, nested objects and arrays. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string({ unit: 'binary' }), fc.boolean(), fc.constant(null), fc.maxSafeInteger(), fc.integer()),
  array: fc.array(tie('node'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('a', 'b', '10', '2', '01', '4294967295', '-1', 'id', 'é', '\u{1F600}')), tie('node'), { maxKeys: 6 }),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object')),
})).node;

const record = fc.record({
  type: fc.constantFrom('AccountDefaulted', 'LossAllocated', 'ApplyMarkPrice'),
  version: fc.constant(1),
  stream: fc.string({ minLength: 1 }),
  seq: fc.nat(),
  occurredAt: fc.constant('2025-10-10T21:15:00Z'),
  causationId: fc.option(fc.string()),
  correlationId: fc.option(fc.string()),
  producer: fc.constantFrom('margin' as const, 'liquidation' as const, 'default-fund' as const, 'loss-allocation' as const),
  kind: fc.constantFrom('input' as const, 'event' as const),
  source: fc.option(fc.record({ topic: fc.string(), partition: fc.nat(), offset: fc.nat().map(String) })),
  payload: value,
});

describe('canonicalJson is RFC 8785 (JCS) for the values it accepts', () => {
  it('equals the independent JCS implementation on any JSON value of safe integers, strings, objects and arrays', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(jcs(v));
      }),
      { numRuns: 2_000 },
    );
  });

  it('equals it on generated journal records, sealed as the writers seal them', () => {
    fc.assert(
      fc.property(record, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), (unsealed, prevHash) => {
        const { record: sealed, line } = sealRecordWithLine(unsealed, prevHash);
        expect(line).toBe(jcs(sealed));
        expect(canonicalJson(JSON.parse(line))).toBe(line);
      }),
      { numRuns: 500 },
    );
  });

  it('writes array-index-like keys in code-unit order, where V8 would list them first', () => {
    expect(canonicalJson({ b: 1, '10': 2, '2': 3, a: { '1': [], '0': null } })).toBe('{"10":2,"2":3,"a":{"0":null,"1":[]},"b":1}');
  });

  it.each([
    [{ amount: 1.5 }, 'amount'],
    [{ list: [1, undefined] }, 'list[1]'],
    [{ big: 10n }, 'big'],
    [{ when: new Date(0) }, 'when'],
    [{ n: Number.NaN }, 'n'],
  ])('refuses %p naming %s', (v, path) => {
    expect(() => canonicalJson(v)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(v)).toThrow(path);
  });

  it('drops undefined properties, as JCS input would not have them', () => {
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}');
  });
});
