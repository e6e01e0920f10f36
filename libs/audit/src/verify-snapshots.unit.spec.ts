import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateJournalKeys, Producer, signerOf } from '@ccp/contracts';
import { DECIDERS, encodeFoldPoint, FoldPoint, JournalFold, simulate, snapshotBytesHash, snapshotSigningText } from '@ccp/engine';
import { AuditedSnapshot, verifySnapshots } from './verify-snapshots';

const scenario = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios/ccp-member-default.json'), 'utf8')) as unknown;
const keys = generateJournalKeys();
const journals = simulate(scenario, DECIDERS, { keys }).journals!;
const source = Object.fromEntries(Object.entries(journals).map(([p, sink]) => [p, sink.records]));

/** The snapshot a service would store after folding its journal through `seq` (fold-snapshots.ts in the runtime). */
function snapshotThrough(producer: Producer, seq: number, alter?: (point: FoldPoint) => void, signWith = keys.privateKeys[producer]): AuditedSnapshot {
  const fold = new JournalFold(DECIDERS[producer]);
  for (const record of journals[producer].records.slice(0, seq + 1)) fold.apply(record);
  alter?.(fold.point());
  const state = encodeFoldPoint(fold.point());
  const headHash = journals[producer].records[seq]!.hash;
  const stateSha256 = snapshotBytesHash(state);
  const signature = signerOf(producer, signWith).signSnapshot(snapshotSigningText({ journal: producer, seq, headHash, offset: String(seq + 7), bytesHash: stateSha256 }));
  return { producer, seq, headHash, resumeOffset: String(seq + 7), state, stateSha256, signature };
}

describe('verifySnapshots (docs/adr/0012-snapshots.md)', () => {
  it('passes every honest snapshot, of every journal, at any seq', async () => {
    const snapshots = (['margin', 'liquidation', 'default-fund', 'loss-allocation'] as const).flatMap((p) => {
      const n = journals[p].records.length;
      return [0, Math.floor(n / 2), n - 1].map((seq) => snapshotThrough(p, seq));
    });
    const checks = await verifySnapshots(source, snapshots, keys.keyring);
    expect(checks).toHaveLength(snapshots.length);
    expect(checks.filter((c) => c.problem !== null)).toEqual([]);
  });

  it('reports a snapshot whose state is not the fold, though its owner signed it', async () => {
    const seq = journals.margin.records.length - 1;
    const richer = snapshotThrough('margin', seq, (point) => {
      const account = [...(point.state as { accounts: Map<string, { cash: bigint }> }).accounts.values()][0]!;
      account.cash += 100n;
    });
    const [check] = await verifySnapshots(source, [richer], keys.keyring);
    expect(check!.problem).toMatch(/its state is not the fold of margin's journal through seq/);
  });

  it('reports tampered bytes, a foreign signature, a head the journal does not have and a seq past its end', async () => {
    const seq = 3;
    const honest = snapshotThrough('default-fund', seq);
    const flipped = Buffer.from(honest.state);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0xff;
    const other = generateJournalKeys();
    const foreign = snapshotThrough('default-fund', seq, undefined, other.privateKeys['default-fund']);
    const wrongHead = { ...honest, headHash: journals['default-fund'].records[seq + 1]!.hash };
    const pastEnd = { ...snapshotThrough('liquidation', 1), seq: journals.liquidation.records.length + 5 };
    const checks = await verifySnapshots(source, [{ ...honest, state: flipped }, foreign, wrongHead, pastEnd], keys.keyring);
    expect(checks.map((c) => c.problem)).toEqual([
      expect.stringMatching(/do not hash to the SHA-256/),
      expect.stringMatching(/signature does not verify/),
      expect.stringMatching(/signature does not verify/),
      expect.stringMatching(/signature does not verify/),
    ]);
    // signed anew by the owner, the wrong head and the seq past the end are caught by the journal itself
    const resigned = (s: AuditedSnapshot): AuditedSnapshot => ({
      ...s,
      signature: signerOf(s.producer, keys.privateKeys[s.producer]).signSnapshot(snapshotSigningText({ journal: s.producer, seq: s.seq, headHash: s.headHash, offset: s.resumeOffset, bytesHash: s.stateSha256 })),
    });
    const [head, end] = await verifySnapshots(source, [resigned(wrongHead), resigned(pastEnd)], keys.keyring);
    expect(head!.problem).toMatch(/record at seq 3 has hash .* the snapshot's head is/);
    expect(end!.problem).toMatch(/the journal ends at seq \d+, before the snapshot's seq/);
  });
});
