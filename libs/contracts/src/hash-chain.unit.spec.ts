import fc from 'fast-check';
import { canonicalJson, CanonicalJsonError } from './canonical-json';
import { EventEnvelope, GENESIS_HASH, sealRecord, UnsealedEnvelope } from './envelope';
import { HashChainVerifier } from './hash-chain';

function journal(n: number): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 0; seq < n; seq += 1) {
    const unsealed: UnsealedEnvelope = {
      type: seq % 2 ? 'CollateralDeposited' : 'DepositCollateral',
      version: 1,
      stream: `a${seq % 3}`,
      seq,
      occurredAt: '2025-10-10T21:00:00Z',
      causationId: seq ? `margin:${seq - 1}` : null,
      correlationId: null,
      producer: 'margin',
      kind: seq % 2 ? 'event' : 'input',
      source: null,
      payload: { accountId: `a${seq % 3}`, amount: `${seq}.5` },
    };
    const sealed = sealRecord(unsealed, prev);
    out.push(sealed);
    prev = sealed.hash;
  }
  return out;
}

function firstBreak(records: EventEnvelope[]) {
  const v = new HashChainVerifier();
  for (const [i, r] of records.entries()) {
    const b = v.next(r, i);
    if (b) return b;
  }
  return null;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined properties', () => {
    expect(canonicalJson({ b: { d: 1, c: [true, null] }, a: 'x', u: undefined })).toBe('{"a":"x","b":{"c":[true,null],"d":1}}');
  });
  it.each([
    [{ amount: 1.5 }, 'amount'],
    [{ list: [1, Number.NaN] }, 'list[1]'],
    [{ big: 10n }, 'big'],
  ])('refuses %p at %s', (value, path) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(value)).toThrow(path);
  });
  it('gives one text per value whatever the key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('journal hash chain', () => {
  it('verifies an untouched journal', () => {
    expect(firstBreak(journal(20))).toBeNull();
  });

  it.each([
    {
      tamper: 'one payload byte changed',
      edit: (j: EventEnvelope[]) => (j[7] = { ...j[7]!, payload: { accountId: 'a1', amount: '7.6' } }),
      expected: { position: 7, field: 'hash' },
    },
    { tamper: 'a record deleted', edit: (j: EventEnvelope[]) => j.splice(4, 1), expected: { position: 4, field: 'seq' } },
    {
      tamper: 'two records swapped',
      edit: (j: EventEnvelope[]) => ([j[5], j[6]] = [j[6]!, j[5]!]),
      expected: { position: 5, field: 'seq' },
    },
    {
      tamper: 'a record re-sealed after an edit (hash recomputed)',
      edit: (j: EventEnvelope[]) => {
        const { hash: _h, id: _i, prevHash, ...rest } = j[3]!;
        j[3] = sealRecord({ ...rest, payload: { accountId: 'a0', amount: '999' } }, prevHash);
      },
      expected: { position: 4, field: 'prevHash' },
    },
  ])('pinpoints $tamper', ({ edit, expected }) => {
    const j = journal(12);
    edit(j);
    expect(firstBreak(j)).toMatchObject(expected);
  });

  it('detects any single-record payload edit at its position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 29 }), fc.string(), (position, text) => {
        const j = journal(30);
        const original = j[position]!;
        fc.pre(text !== (original.payload as { amount: string }).amount);
        j[position] = { ...original, payload: { ...(original.payload as object), amount: text } };
        expect(firstBreak(j)).toMatchObject({ position, field: 'hash' });
      }),
      { numRuns: 300 },
    );
  });
});
