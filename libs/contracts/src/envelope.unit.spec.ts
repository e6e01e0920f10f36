import fc from 'fast-check';
import { canonicalJson, CanonicalJsonError } from './canonical-json';
import { GENESIS_HASH, hashOfCanonicalLine, hashRecord, PRODUCERS, sealRecord, sealRecordWithLine, serializeRecord, UnsealedEnvelope } from './envelope';

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

// strings that try to forge the marker the sealed line is spliced at
const tricky = fc.oneof(fc.string(), fc.constantFrom(',"id":"', '","id":"x', '\\",\\"id\\":\\"', 'a,"hash":"b'));

const unsealed: fc.Arbitrary<UnsealedEnvelope> = fc.record({
  type: tricky,
  version: fc.nat(),
  stream: tricky,
  seq: fc.nat(),
  occurredAt: tricky,
  causationId: fc.option(tricky),
  correlationId: fc.option(tricky),
  producer: fc.constantFrom(...PRODUCERS),
  kind: fc.constantFrom('input' as const, 'event' as const),
  source: fc.option(fc.record({ topic: tricky, partition: fc.nat(), offset: fc.nat().map(String) })),
  payload: json,
});

describe('sealRecordWithLine', () => {
  it('gives the record sealRecord gives and exactly its canonical bytes', () => {
    fc.assert(
      fc.property(unsealed, fc.constantFrom(GENESIS_HASH, 'ab'.repeat(32)), (u, prev) => {
        const { record, line } = sealRecordWithLine(u, prev);
        const sealed = sealRecord(u, prev);
        expect(record).toEqual(sealed);
        expect(line).toBe(serializeRecord(sealed));
        const { hash, ...rest } = record;
        expect(hash).toBe(hashRecord(rest));
      }),
      { numRuns: 500 },
    );
  });
});

describe('hashOfCanonicalLine', () => {
  it("hashes a canonical line to its record's hash, and an edited one to another", () => {
    fc.assert(
      fc.property(unsealed, fc.constantFrom(GENESIS_HASH, 'ab'.repeat(32)), (u, prev) => {
        const { record, line } = sealRecordWithLine(u, prev);
        expect(hashOfCanonicalLine(line, prev)).toBe(record.hash);
        const edited = serializeRecord({ ...record, seq: record.seq + 1 });
        expect(hashOfCanonicalLine(edited, prev)).not.toBe(record.hash);
        expect(hashOfCanonicalLine(line, 'cd'.repeat(32))).not.toBe(record.hash);
      }),
      { numRuns: 500 },
    );
  });

  it('is null for a line without a hash member', () => {
    expect(hashOfCanonicalLine('{"id":"margin:0"}', GENESIS_HASH)).toBeNull();
    expect(hashOfCanonicalLine('{"hash":"abc","id":"margin:0"}', GENESIS_HASH)).toBeNull();
  });
});

describe('canonicalJson refusals name the path', () => {
  it.each([
    [{ a: { b: [1, 2.5] } }, 'a.b[1]'],
    [{ z: 1, a: { f: () => 1 } }, 'a.f'],
    [[undefined], '[0]'],
    [{ n: 10n }, 'n'],
  ])('%#', (value, path) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(value);
    } catch (e) {
      expect((e as CanonicalJsonError).path).toBe(path);
    }
  });
});
