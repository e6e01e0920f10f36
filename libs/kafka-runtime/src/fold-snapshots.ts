import type { DataSource } from 'typeorm';
import { JournalKeyring, JournalSigner, Producer, verifySnapshotSignature } from '@ccp/contracts';
import { decodeFoldPoint, encodeFoldPoint, FoldPoint, JournaledDecider, snapshotBytesHash, snapshotSigningText } from '@ccp/engine';
import { foldSnapshots, saveFoldSnapshot, type StoredFoldSnapshot } from '@ccp/persistence';
import type { FoldStart } from './journal-fold';

/**
 * Snapshots of a service's fold of its own journal (docs/adr/0012-snapshots.md), kept in PostgreSQL
 * beside its read models. A snapshot only ever shortens a restart: it is signed by the journal's
 * owner, its bytes are checked against the hash the signature covers, and the records after it must
 * continue its head on the topic — anything else and the service folds from the journal's start.
 */

/** A snapshot after this many journal records unless configured (CCP_SNAPSHOT_EVERY: service-config). */
export const DEFAULT_SNAPSHOT_EVERY = 100_000;

/** The snapshot of a fold point at a signed head, signed by the journal's owner. */
export function takeSnapshot(signer: JournalSigner, journalTopic: string, point: FoldPoint, head: { readonly seq: number; readonly hash: string; readonly offset: bigint }): StoredFoldSnapshot {
  const state = encodeFoldPoint(point);
  const stateSha256 = snapshotBytesHash(state);
  const description = snapshotSigningText({ journal: signer.journal, seq: head.seq, headHash: head.hash, offset: head.offset.toString(), bytesHash: stateSha256 });
  return { journalTopic, producer: signer.journal, seq: head.seq, headHash: head.hash, resumeOffset: head.offset.toString(), state, stateSha256, signature: signer.signSnapshot(description) };
}

/** Why a stored snapshot is not used (it never is unless all of its checks pass). */
export type SnapshotRefusal = { readonly seq: number; readonly reason: string };

/** The fold start a stored snapshot gives, or why it gives none. */
export function openSnapshot(decider: JournaledDecider, keyring: JournalKeyring, stored: StoredFoldSnapshot): FoldStart | SnapshotRefusal {
  const refuse = (reason: string): SnapshotRefusal => ({ seq: stored.seq, reason });
  if (stored.producer !== decider.producer) return refuse(`it is a snapshot of ${stored.producer}, not ${decider.producer}`);
  const description = snapshotSigningText({ journal: decider.producer as Producer, seq: stored.seq, headHash: stored.headHash, offset: stored.resumeOffset, bytesHash: stored.stateSha256 });
  if (!verifySnapshotSignature(keyring, decider.producer, description, stored.signature)) return refuse(`its signature does not verify against ${decider.producer}'s key`);
  if (snapshotBytesHash(stored.state) !== stored.stateSha256) return refuse('its bytes do not hash to the SHA-256 its signature covers');
  try {
    return { point: decodeFoldPoint(decider, stored.state), seq: stored.seq, headHash: stored.headHash, offset: BigInt(stored.resumeOffset) };
  } catch (error: unknown) {
    return refuse(`its bytes do not decode: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const isRefusal = (opened: FoldStart | SnapshotRefusal): opened is SnapshotRefusal => 'reason' in opened;

/** The journal's stored snapshots a restart may start from, latest first: only those whose records the read models have all projected. */
export const snapshotsBefore = (dataSource: DataSource, journalTopic: string, producer: Producer, projectedBelowSeq: number): Promise<StoredFoldSnapshot[]> =>
  foldSnapshots(dataSource.manager, journalTopic, producer, projectedBelowSeq);

/**
 * Takes a snapshot every `every` records of the journal, one write at a time: the fold point is
 * encoded at once (the state changes with the next batch), the write runs in the background, and a
 * snapshot due while one is being written waits for the next batch. Keeps the latest three.
 */
export class SnapshotSchedule {
  private lastSeq: number;
  private writing: Promise<void> | null = null;
  taken = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: JournalSigner,
    private readonly journalTopic: string,
    private readonly every: number,
    private readonly log: (message: string) => void,
  ) {
    this.lastSeq = -1;
  }

  /** The seq of the snapshot the fold started from (-1: none): the next is due `every` records after it. */
  resetTo(seq: number): void {
    this.lastSeq = seq;
  }

  /** Whether the journal has grown by `every` records since the last snapshot. */
  due(headSeq: number): boolean {
    return this.every > 0 && this.writing === null && headSeq - this.lastSeq >= this.every;
  }

  /** Snapshots the fold point at the head now; stores it in the background. */
  take(point: FoldPoint, head: { readonly seq: number; readonly hash: string; readonly offset: bigint }): void {
    const started = performance.now();
    const snapshot = takeSnapshot(this.signer, this.journalTopic, point, head);
    const encodedMs = Math.round(performance.now() - started);
    this.lastSeq = head.seq;
    this.writing = saveFoldSnapshot(this.dataSource.manager, snapshot)
      .then(() => {
        this.taken += 1;
        this.log(`snapshot of ${this.journalTopic} at seq ${head.seq} stored (${snapshot.state.length} bytes; encoded in ${encodedMs} ms, stored in ${Math.round(performance.now() - started) - encodedMs} ms)`);
      })
      .catch((error: unknown) => this.log(`snapshot of ${this.journalTopic} at seq ${head.seq} not stored: ${error instanceof Error ? error.message : String(error)} (the next one is tried after ${this.every} more records)`))
      .finally(() => {
        this.writing = null;
      });
  }

  /** Waits for the write in flight, if any. */
  async settle(): Promise<void> {
    await this.writing;
  }
}
