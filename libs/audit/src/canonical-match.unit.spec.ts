import fc from 'fast-check';
import { canonicalJson } from '@ccp/contracts';
import { isCanonicalJsonOf, isCanonicalJsonWith } from './canonical-match';
import { payloadTextOf } from './cross-journal-facts';

/**
 * The audit compares long lines with the record as it is walked, and takes a payload's bytes out
 * of its line: both must agree with canonicalJson (contracts) exactly, for every value, or the
 * audit would accept a line that is not the record's canonical serialization.
 */
const canonical = (v: unknown): string | null => {
  try {
    return canonicalJson(v);
  } catch {
    return null;
  }
};

/** JSON-like values with the awkward cases: index-like and unsorted keys, escapes, surrogates, -0, floats, undefined */
const key = fc.oneof(fc.constantFrom('a', 'b', 'payload', 'prevHash', '10', '9', '0', '__proto__', 'é', '"q"', 'hash', 'id'), fc.string({ maxLength: 4 }));
const leaf = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, 1, -7, 2 ** 53 - 1, 2 ** 53, 1.5, undefined, '', 'x', '"', '\\', '\n', '\u0000', '\ud800', '😀', 'é'),
  fc.string({ maxLength: 6 }),
  fc.integer(),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
})).v;

const hasProtoKey = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (Array.isArray(v) ? v.some(hasProtoKey) : Object.keys(v).includes('__proto__') || Object.values(v).some(hasProtoKey));

describe('isCanonicalJsonOf: exactly canonicalJson(value) === text', () => {
  it('holds for the canonical text of every value it accepts, and for no other text', () => {
    fc.assert(
      fc.property(value, fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), (v, at, code) => {
        const text = canonical(v);
        if (text === null) {
          expect(isCanonicalJsonOf(v, JSON.stringify(v) ?? 'null')).toBe(false);
          return;
        }
        // a "__proto__" key is left to the full path (canonicalJson's result for it depends on key order)
        expect(isCanonicalJsonOf(v, text)).toBe(!hasProtoKey(v));
        const i = at % Math.max(1, text.length);
        const edited = text.slice(0, i) + String.fromCharCode(code) + text.slice(i + 1);
        expect(isCanonicalJsonOf(v, edited)).toBe(edited === text && !hasProtoKey(v));
        expect(isCanonicalJsonOf(v, `${text} `)).toBe(false);
        expect(isCanonicalJsonOf(v, text.slice(0, -1))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what canonicalJson refuses, and text in another form', () => {
    expect(isCanonicalJsonOf({ a: 1.5 }, '{"a":1.5}')).toBe(false);
    expect(isCanonicalJsonOf({ b: 1, a: 2 }, '{"b":1,"a":2}')).toBe(false);
    expect(isCanonicalJsonOf({ b: 1, a: 2 }, '{"a":2,"b":1}')).toBe(true);
    expect(isCanonicalJsonOf({ a: 'A' }, '{"a":"\\u0041"}')).toBe(false);
    expect(isCanonicalJsonOf({ a: [undefined] }, '{"a":[null]}')).toBe(false);
    expect(isCanonicalJsonOf(new Date(0), '"1970-01-01T00:00:00.000Z"')).toBe(false);
    expect(isCanonicalJsonOf({ a: -0 }, '{"a":0}')).toBe(true);
  });
});

describe('isCanonicalJsonWith: the text is the value with one more member in its sorted place', () => {
  const sealed = { causationId: 'margin:0', correlationId: null, id: 'margin:1', kind: 'event', payload: { b: [1, { d: 'x', c: null }], a: 'y' }, seq: 1 };
  const withHash = (text: string, at: number) => ({ key: 'hash', from: at, to: at + ',"hash":"h"'.length });

  it('only where canonicalJson would put it', () => {
    const line = canonicalJson({ ...sealed, hash: 'h' });
    const at = line.indexOf(',"hash":"');
    expect(isCanonicalJsonWith(sealed, line, withHash(line, at))).toBe(true);
    // the same member after "id": not the canonical serialization of any record
    const misplaced = line.replace(',"hash":"h"', '').replace(',"kind":', ',"hash":"h","kind":');
    expect(isCanonicalJsonWith(sealed, misplaced, withHash(misplaced, misplaced.indexOf(',"hash":"')))).toBe(false);
    // not before every member
    const first = canonicalJson({ ...sealed, causationId: undefined, correlationId: undefined, hash: 'h' });
    expect(isCanonicalJsonWith({ ...sealed, causationId: undefined, correlationId: undefined }, first, withHash(first, 1))).toBe(false);
  });

  it('fails for a value that already has that member', () => {
    const line = canonicalJson({ ...sealed, hash: 'h' });
    expect(isCanonicalJsonWith({ ...sealed, hash: 'h' }, line, withHash(line, line.indexOf(',"hash":"')))).toBe(false);
  });
});

describe('payloadTextOf: the payload bytes of a canonical line', () => {
  const record = fc.record(
    {
      causationId: fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null), value),
      hash: fc.constantFrom('0'.repeat(64), 'ab'),
      kind: fc.constantFrom('input', 'event'),
      payload: value,
      prevHash: fc.oneof(fc.constant('f'.repeat(64)), value),
      source: fc.oneof(fc.constant(null), fc.record({ offset: fc.string({ maxLength: 3 }), partition: fc.integer(), topic: fc.string({ maxLength: 4 }) }), fc.dictionary(key, leaf, { maxKeys: 3 })),
      stream: fc.string({ maxLength: 3 }),
      zed: value,
    },
    { requiredKeys: ['payload'] },
  );

  it('is canonicalJson(record.payload), or null when the record has no payload', () => {
    fc.assert(
      fc.property(record, (r) => {
        const line = canonical(r);
        fc.pre(line !== null);
        const parsed = JSON.parse(line!) as Record<string, unknown>;
        const expected = parsed['payload'] === undefined ? null : canonicalJson(parsed['payload']);
        expect(payloadTextOf(line!, parsed)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
