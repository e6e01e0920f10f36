import { generateJournalKeys, JournalAnchor, signerOf } from '@ccp/contracts';
import { AnchorBook, AnchorStore } from './journal-anchors';

describe('AnchorStore: anchors held compactly', () => {
  const keys = generateJournalKeys();
  const anchor = (seq: number, hash: string, reason: JournalAnchor['reason'] = 'interval', defaultId: string | null = null): JournalAnchor => ({
    ...signerOf('margin', keys.privateKeys.margin).signHead(seq, hash),
    reason,
    defaultId,
    occurredAt: '2025-01-01T00:00:00Z',
  });

  it('gives back each anchor as read, with its origin and validity', () => {
    const store = new AnchorStore();
    const file = store.label('anchors.jsonl');
    const a = anchor(7, 'ab'.repeat(32), 'default-closed', 'default:a1@1');
    const odd = { ...anchor(8, 'cd'.repeat(32)), signature: 'not-base64url!' };
    store.add(a, file, 3, true);
    store.add(odd, file, 4, false);
    expect(store.entry(0)).toEqual({ anchor: a, origin: 'anchors.jsonl line 4', signatureValid: true });
    expect(store.entry(1)).toEqual({ anchor: odd, origin: 'anchors.jsonl line 5', signatureValid: false });
    expect(store.indexOf(a)).toBe(0);
    expect(store.indexOf({ ...a, signature: odd.signature })).toBe(-1);
    expect(store.indexOf({ ...a, seq: 9 })).toBe(-1);
  });

  it('grows past its first capacity', () => {
    const store = new AnchorStore();
    const file = store.label('held.jsonl');
    for (let seq = 0; seq < 300; seq += 1) store.add(anchor(seq, seq.toString(16).padStart(64, '0')), file, seq, null);
    expect(store.count).toBe(300);
    expect(store.entry(299).anchor.seq).toBe(299);
    expect(new AnchorBook(store).anchorsOf('margin')).toHaveLength(300);
    expect(new AnchorBook(store).anchorsOf('liquidation')).toEqual([]);
  });
});
