import fc from 'fast-check';
import { EventEnvelope, GENESIS_HASH, Producer, sealRecord } from './envelope';
import { developmentJournalKeys, generateJournalKeys, JournalSigner, signerOf, verifyHead } from './journal-signature';
import { SignedChainReader } from './signed-chain';

const keys = generateJournalKeys();
const signer: JournalSigner = signerOf('liquidation', keys.privateKeys.liquidation);

/** A journal of n records; `signedAt` are the seqs whose message carries the owner's head signature. */
function journal(n: number, producer: Producer = 'liquidation', from: { seq: number; hash: string } = { seq: -1, hash: GENESIS_HASH }, tag = 'genuine'): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  let prev = from.hash;
  for (let i = 0; i < n; i += 1) {
    const r = sealRecord(
      { type: 'AccountDefaulted', version: 1, stream: `acct-${i}`, seq: from.seq + 1 + i, occurredAt: '2025-10-10T20:00:00Z', causationId: null, correlationId: null, producer, kind: 'event', source: null, payload: { i, tag } },
      prev,
    );
    out.push(r);
    prev = r.hash;
  }
  return out;
}

const signatureAt = (record: EventEnvelope, by: JournalSigner = signer): string => by.signHead(record.seq, record.hash).signature;

function offerAll(reader: SignedChainReader<number>, messages: { record: EventEnvelope; signature: string | null }[]) {
  const accepted: number[] = [];
  const quarantined: { seq: number; code: string }[] = [];
  messages.forEach((m, position) => {
    const v = reader.offer(m.record, m.signature, position);
    accepted.push(...v.accepted.map((a) => a.record.seq));
    quarantined.push(...v.quarantined.map((q) => ({ seq: q.record.seq, code: q.reason.code })));
  });
  return { accepted, quarantined };
}

describe('signed heads', () => {
  it('verify with the owner key only, and the signature is deterministic', () => {
    const head = signer.signHead(7, 'ab'.repeat(32));
    expect(verifyHead(keys.keyring, head)).toBe(true);
    expect(signer.signHead(7, 'ab'.repeat(32)).signature).toBe(head.signature);
    expect(verifyHead(keys.keyring, { ...head, seq: 8 })).toBe(false);
    expect(verifyHead(keys.keyring, { ...head, journal: 'margin' })).toBe(false);
    expect(verifyHead(developmentJournalKeys().keyring, head)).toBe(false);
  });
});

describe('SignedChainReader', () => {
  it('accepts records only when the signed head of their transaction arrives', () => {
    const records = journal(5);
    const reader = new SignedChainReader<number>('liquidation', keys.keyring);
    const messages = records.map((record, i) => ({ record, signature: i === 2 || i === 4 ? signatureAt(record) : null }));
    const seen: number[][] = messages.map((m, i) => reader.offer(m.record, m.signature, i).accepted.map((a) => a.record.seq));
    expect(seen).toEqual([[], [], [0, 1, 2], [], [3, 4]]);
    expect(reader.acceptedHead).toEqual({ seq: 4, hash: records[4]!.hash });
  });

  it('quarantines a well-chained forgery that collides with the genuine next record', () => {
    const records = journal(4);
    const forged = journal(1, 'liquidation', { seq: 1, hash: records[1]!.hash }, 'forged')[0]!; // a correctly chained seq 2 nobody signed
    const reader = new SignedChainReader<number>('liquidation', keys.keyring);
    const out = offerAll(reader, [
      { record: records[0]!, signature: null },
      { record: records[1]!, signature: signatureAt(records[1]!) },
      { record: forged, signature: null },
      { record: records[2]!, signature: null },
      { record: records[3]!, signature: signatureAt(records[3]!) },
    ]);
    expect(out.accepted).toEqual([0, 1, 2, 3]);
    expect(out.quarantined).toEqual([{ seq: 2, code: 'forged_or_replayed' }]);
    expect(reader.acceptedHead?.hash).toBe(records[3]!.hash);
  });

  it('refuses a forged signature, a replay and an unsigned tail', () => {
    const records = journal(3);
    const other = signerOf('liquidation', generateJournalKeys().privateKeys.liquidation);
    const reader = new SignedChainReader<number>('liquidation', keys.keyring);
    const out = offerAll(reader, [
      { record: records[0]!, signature: signatureAt(records[0]!) },
      { record: records[1]!, signature: signatureAt(records[1]!, other) },
      { record: records[0]!, signature: signatureAt(records[0]!) },
      { record: records[2]!, signature: null },
    ]);
    expect(out.accepted).toEqual([0]);
    expect(out.quarantined.map((q) => q.code)).toEqual(['signature_invalid', 'forged_or_replayed']);
    expect(reader.drainUnsigned().map((q) => [q.record.seq, q.reason.code])).toEqual([
      [2, 'unsigned'],
    ]);
  });

  it('reading from the start, a signed head past a gap means lost records: it throws; resuming, it is expected', () => {
    const records = journal(4);
    const strict = new SignedChainReader<number>('liquidation', keys.keyring);
    strict.offer(records[0]!, signatureAt(records[0]!), 0);
    expect(() => strict.offer(records[3]!, signatureAt(records[3]!), 1)).toThrow(/records are missing/);
    const resuming = new SignedChainReader<number>('liquidation', keys.keyring, { resumeAfterSeq: 0 }, { gaps: 'tolerate' });
    const out = offerAll(resuming, [
      { record: records[0]!, signature: signatureAt(records[0]!) },
      { record: records[2]!, signature: null },
      { record: records[3]!, signature: signatureAt(records[3]!) },
    ]);
    expect(out.accepted).toEqual([2, 3]);
  });

  it('property: whatever forged records are interleaved, exactly the genuine journal is accepted, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(40), fc.nat(40)), { maxLength: 12 }),
        (n, sealAt, forgeries) => {
          const records = journal(n);
          const messages: { record: EventEnvelope; signature: string | null }[] = records.map((record, i) => ({
            record,
            signature: sealAt[i] || i === n - 1 ? signatureAt(record) : null,
          }));
          for (const [where, linkTo] of forgeries) {
            const anchor = linkTo % (n + 1) === 0 ? { seq: -1, hash: GENESIS_HASH } : { seq: records[(linkTo % (n + 1)) - 1]!.seq, hash: records[(linkTo % (n + 1)) - 1]!.hash };
            const forged = journal(2, 'liquidation', anchor, `forged-${where}`);
            // a well-chained forgery (two records), and a copy of a genuine record, anywhere in the topic
            messages.splice(where % (messages.length + 1), 0, { record: forged[0]!, signature: null }, { record: forged[1]!, signature: null });
            const copy = records[where % n]!;
            messages.splice(linkTo % (messages.length + 1), 0, { record: copy, signature: null });
          }
          const reader = new SignedChainReader<number>('liquidation', keys.keyring);
          const out = offerAll(reader, messages);
          expect(out.accepted).toEqual(records.map((r) => r.seq));
          expect(reader.acceptedHead?.hash).toBe(records[n - 1]!.hash);
        },
      ),
      { numRuns: 150 },
    );
  });
});
