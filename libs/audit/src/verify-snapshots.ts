import { readFileSync } from 'node:fs';
import { EventEnvelope, ExportedSnapshot, JournalKeyring, parseSnapshotLines, Producer, verifySnapshotSignature } from '@ccp/contracts';
import { decodeFoldPoint, DECIDERS, foldPointDigest, JournalFold, snapshotBytesHash, snapshotSigningText } from '@ccp/engine';
import { JournalSource, recordsOf } from './journal-source';

/** A fold snapshot as a service stored it (persistence: fold_snapshot; contracts: snapshots.jsonl). */
export type AuditedSnapshot = ExportedSnapshot;

export interface SnapshotCheck {
  readonly producer: Producer;
  readonly seq: number;
  /** null: the snapshot is the fold of its journal through seq, signed by the journal's owner */
  readonly problem: string | null;
}

/**
 * Checks each snapshot against the journal it was taken from (docs/adr/0012-snapshots.md): the
 * owner's signature over (journal, seq, head hash, resume offset, SHA-256 of the bytes), the bytes'
 * hash, the journal's record at seq having that head hash, and — the point — the snapshot's state,
 * command guard and source positions being exactly the fold of the journal's records 0..seq
 * (compared by the canonical picture's digest). One pass per journal, however many snapshots.
 *
 * The journal itself is verified by verifyJournals (chains, signatures, every input re-decided);
 * this adds that a restart from any of these snapshots starts where a full fold would have.
 */
export async function verifySnapshots(source: JournalSource, snapshots: readonly AuditedSnapshot[], keyring: JournalKeyring): Promise<SnapshotCheck[]> {
  const checks: SnapshotCheck[] = [];
  const byJournal = new Map<Producer, AuditedSnapshot[]>();
  for (const s of snapshots) byJournal.set(s.producer, [...(byJournal.get(s.producer) ?? []), s]);
  for (const [producer, list] of byJournal) {
    const decider = DECIDERS[producer];
    const pending = [...list].sort((a, b) => a.seq - b.seq);
    const expected = new Map<AuditedSnapshot, string>();
    for (const s of pending) {
      const description = snapshotSigningText({ journal: producer, seq: s.seq, headHash: s.headHash, offset: s.resumeOffset, bytesHash: s.stateSha256 });
      if (!verifySnapshotSignature(keyring, producer, description, s.signature)) checks.push({ producer, seq: s.seq, problem: `the signature does not verify against ${producer}'s key` });
      else if (snapshotBytesHash(s.state) !== s.stateSha256) checks.push({ producer, seq: s.seq, problem: 'the bytes do not hash to the SHA-256 the signature covers' });
      else {
        try {
          expected.set(s, foldPointDigest(decider, decodeFoldPoint(decider, Buffer.from(s.state))));
        } catch (error: unknown) {
          checks.push({ producer, seq: s.seq, problem: `the bytes do not decode: ${error instanceof Error ? error.message : String(error)}` });
        }
      }
    }
    const toCheck = pending.filter((s) => expected.has(s));
    if (toCheck.length === 0) continue;
    const fold = new JournalFold(decider);
    let next = 0;
    let last: EventEnvelope | null = null;
    for await (const { record } of recordsOf(source, producer)) {
      if (next >= toCheck.length) break;
      fold.apply(record);
      last = record;
      while (next < toCheck.length && toCheck[next]!.seq <= record.seq) {
        const s = toCheck[next]!;
        next += 1;
        if (s.seq !== record.seq) checks.push({ producer, seq: s.seq, problem: `the journal has no record at seq ${s.seq} (it goes on at seq ${record.seq})` });
        else if (record.hash !== s.headHash) checks.push({ producer, seq: s.seq, problem: `the journal's record at seq ${s.seq} has hash ${record.hash}, the snapshot's head is ${s.headHash}` });
        else {
          const folded = foldPointDigest(decider, fold.point());
          checks.push({ producer, seq: s.seq, problem: folded === expected.get(s) ? null : `its state is not the fold of ${producer}'s journal through seq ${s.seq} (digest ${expected.get(s)!.slice(0, 16)}…, the fold's ${folded.slice(0, 16)}…)` });
        }
      }
    }
    for (const s of toCheck.slice(next)) checks.push({ producer, seq: s.seq, problem: `the journal ends at seq ${last?.seq ?? -1}, before the snapshot's seq ${s.seq}` });
  }
  return checks.sort((a, b) => (a.producer === b.producer ? a.seq - b.seq : a.producer < b.producer ? -1 : 1));
}

/** The snapshots of a snapshots.jsonl file (ccp audit verify --kafka exports it beside the journals). */
export const readSnapshotsFile = (path: string): AuditedSnapshot[] => parseSnapshotLines(readFileSync(path, 'utf8'), path);
