import type { EntityManager } from 'typeorm';
import { SnapshotEntity } from './entities/snapshot.entity';
import type { JsonObject } from './json-value';

export interface Snapshot {
  readonly service: string;
  readonly journalSeq: string;
  readonly state: JsonObject;
  readonly hash: string;
}

export async function saveSnapshot(manager: EntityManager, snapshot: Snapshot): Promise<void> {
  // A plain INSERT: a second snapshot at the same (service, journal_seq) is a bug and must fail.
  const table = manager.getRepository(SnapshotEntity).metadata.tablePath;
  await manager.query(`INSERT INTO ${table} (service, journal_seq, state, hash) VALUES ($1, $2, $3::jsonb, $4)`, [
    snapshot.service,
    snapshot.journalSeq,
    JSON.stringify(snapshot.state),
    snapshot.hash,
  ]);
}

/** The snapshot with the highest journal seq for the service, if any. */
export async function latestSnapshot(manager: EntityManager, service: string): Promise<Snapshot | undefined> {
  const row = await manager.findOne(SnapshotEntity, { where: { service }, order: { journalSeq: 'DESC' } });
  return row ? { service: row.service, journalSeq: row.journalSeq, state: row.state as JsonObject, hash: row.hash } : undefined;
}
