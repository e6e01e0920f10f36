import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { EventEnvelope, HashChainVerifier, hashOfCanonicalLine, serializeRecord } from '@ccp/contracts';
import { readLines, simulateScenario } from './audit-test-support';
import { hashOfCanonicalText, JournalChain, sha256Hex } from './journal-chain';

describe('sha256Hex', () => {
  it('is the sha256 of the pieces concatenated as UTF-8, short or long, ASCII or not', () => {
    const piece = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('é€😀', '\ud800', 'x'.repeat(70_000), `${'y'.repeat(300_000)}é`));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 4 }), (pieces) => {
        const h = createHash('sha256');
        for (const p of pieces) h.update(p);
        expect(sha256Hex(...pieces)).toBe(h.digest('hex'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('JournalChain: the checks of HashChainVerifier', () => {
  let run: ReturnType<typeof simulateScenario>;
  beforeAll(() => {
    run = simulateScenario('perpetual-adl-cascade');
  });
  afterAll(() => run.cleanup());

  it('hashOfCanonicalText is hashOfCanonicalLine (contracts)', () => {
    for (const line of readLines(run.dir, 'default-fund')) {
      const prev = (JSON.parse(line) as EventEnvelope).prevHash;
      expect(hashOfCanonicalText(line, prev)).toBe(hashOfCanonicalLine(line, prev));
    }
    expect(hashOfCanonicalText('{"a":1}', '0')).toBeNull();
  });

  it('finds the same break, or none, in a journal with one record changed', () => {
    const records = readLines(run.dir, 'liquidation').map((l) => JSON.parse(l) as EventEnvelope);
    const edits: ((r: EventEnvelope) => EventEnvelope)[] = [
      (r) => r,
      (r) => ({ ...r, seq: r.seq + 1 }),
      (r) => ({ ...r, id: `${r.id}x` }),
      (r) => ({ ...r, prevHash: '1'.repeat(64) }),
      (r) => ({ ...r, hash: '2'.repeat(64) }),
      (r) => ({ ...r, producer: 'margin' }),
      (r) => ({ ...r, payload: { forged: true } }),
    ];
    fc.assert(
      fc.property(fc.nat(records.length - 1), fc.nat(edits.length - 1), fc.boolean(), (at, e, asLine) => {
        const theirs = new HashChainVerifier();
        const ours = new JournalChain();
        records.forEach((r0, i) => {
          const r = i === at ? edits[e]!(r0) : r0;
          const line = asLine ? serializeRecord(r) : undefined;
          expect(ours.next(r, i, line)).toEqual(theirs.next(r, i, line));
        });
        expect(ours.head).toEqual(theirs.head);
      }),
      { numRuns: 60 },
    );
  });

  it('accept: the next record, checked by the caller, extends the chain', () => {
    const [first, second] = readLines(run.dir, 'margin').map((l) => JSON.parse(l) as EventEnvelope);
    const chain = new JournalChain();
    expect(chain.expected).toEqual({ seq: 0, prevHash: first!.prevHash, producer: null });
    expect(chain.next(first!, 0)).toBeNull();
    expect(chain.expected).toEqual({ seq: 1, prevHash: first!.hash, producer: 'margin' });
    chain.accept(second!.hash);
    expect(chain.head).toEqual({ seq: 2, hash: second!.hash });
  });
});
