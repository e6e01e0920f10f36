import type { EntityManager } from 'typeorm';
import { FoldSnapshotEntity } from './entities/snapshot.entity';

export interface StoredFoldSnapshot {
  readonly journalTopic: string;
  readonly producer: string;
  readonly seq: number;
  readonly headHash: string;
  /** decimal string (a Kafka offset) */
  readonly resumeOffset: string;
  readonly state: Buffer;
  readonly stateSha256: string;
  readonly signature: string;
}

const tableOf = (manager: EntityManager): string => manager.getRepository(FoldSnapshotEntity).metadata.tablePath;

/**
 * Stores a snapshot and keeps the `keep` latest of its journal. One at a seq that has one replaces
 * it: the fold through a seq is one state, so that happens only when the stored one was refused at
 * start (altered, unreadable) and the service, having folded past it, snapshots the same head again.
 */
export async function saveFoldSnapshot(manager: EntityManager, snapshot: StoredFoldSnapshot, keep = 3): Promise<void> {
  const table = tableOf(manager);
  await manager.transaction(async (tx) => {
    await tx.query(`INSERT INTO ${table} (journal_topic, producer, seq, head_hash, resume_offset, state, state_sha256, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (journal_topic, producer, seq) DO UPDATE SET head_hash = EXCLUDED.head_hash, resume_offset = EXCLUDED.resume_offset, state = EXCLUDED.state, state_sha256 = EXCLUDED.state_sha256, signature = EXCLUDED.signature, created_at = now()`,
      [
      snapshot.journalTopic,
      snapshot.producer,
      String(snapshot.seq),
      snapshot.headHash,
      snapshot.resumeOffset,
      snapshot.state,
      snapshot.stateSha256,
      snapshot.signature,
    ]);
    await tx.query(
      `DELETE FROM ${table} WHERE journal_topic = $1 AND producer = $2 AND seq < (SELECT min(seq) FROM (SELECT seq FROM ${table} WHERE journal_topic = $1 AND producer = $2 ORDER BY seq DESC LIMIT $3) AS kept)`,
      [snapshot.journalTopic, snapshot.producer, keep],
    );
  });
}

const rowOf = (row: FoldSnapshotEntity): StoredFoldSnapshot => ({
  journalTopic: row.journalTopic,
  producer: row.producer,
  seq: Number(row.seq),
  headHash: row.headHash,
  resumeOffset: String(row.resumeOffset),
  state: row.state,
  stateSha256: row.stateSha256,
  signature: row.signature,
});

/** The journal's snapshots, latest first; `beforeSeq`: only those with seq < beforeSeq. */
export async function foldSnapshots(manager: EntityManager, journalTopic: string, producer: string, beforeSeq?: number): Promise<StoredFoldSnapshot[]> {
  const query = manager
    .getRepository(FoldSnapshotEntity)
    .createQueryBuilder('s')
    .where('s.journal_topic = :journalTopic AND s.producer = :producer', { journalTopic, producer })
    .orderBy('s.seq', 'DESC');
  if (beforeSeq !== undefined && Number.isFinite(beforeSeq)) query.andWhere('s.seq < :beforeSeq', { beforeSeq: String(beforeSeq) });
  return (await query.getMany()).map(rowOf);
}
