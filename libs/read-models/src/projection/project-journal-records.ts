import { GENESIS_HASH, PRODUCERS, type EventEnvelope, type Producer } from '@ccp/contracts';
import { ReadModelPositionEntity } from '@ccp/persistence';
import type { EntityManager } from 'typeorm';
import { DefaultFundProjector } from './default-fund.projector';
import { LiquidationProjector } from './liquidation.projector';
import { LossAllocationProjector } from './loss-allocation.projector';
import { MarginProjector } from './margin.projector';
import type { Projector } from './projector';

/** The read models of a journal are not where the records say they should continue from. */
export class ProjectionGapError extends Error {}

export interface ProjectionPosition {
  /** the seq of the next record to project (records projected so far) */
  readonly nextSeq: number;
  /** hash of the last record projected; the genesis hash before the first */
  readonly headHash: string;
}

function projectorFor(producer: Producer, manager: EntityManager): Projector {
  switch (producer) {
    case 'margin':
      return new MarginProjector(manager);
    case 'liquidation':
      return new LiquidationProjector(manager);
    case 'default-fund':
      return new DefaultFundProjector(manager);
    case 'loss-allocation':
      return new LossAllocationProjector(manager);
    default: {
      const never: never = producer;
      throw new Error(`producer must be one of ${PRODUCERS.join(', ')}; got '${String(never)}'`);
    }
  }
}

/** Locks and returns the projection position of one journal (creating it at the genesis). */
async function lockPosition(manager: EntityManager, producer: Producer): Promise<ProjectionPosition> {
  const table = manager.getRepository(ReadModelPositionEntity).metadata.tablePath;
  // one round trip: creates the row at the genesis if missing, and either way locks and returns it
  const rows: Array<{ next_seq: string; head_hash: string }> = await manager.query(
    `INSERT INTO ${table} AS p (producer, next_seq, head_hash) VALUES ($1, 0, $2)
     ON CONFLICT (producer) DO UPDATE SET producer = p.producer
     RETURNING next_seq::text AS next_seq, head_hash`,
    [producer, GENESIS_HASH],
  );
  const row = rows[0]!;
  return { nextSeq: Number(row.next_seq), headHash: row.head_hash };
}

/** How far the read models reflect each journal (no lock; for health checks and tests). */
export async function readProjectionPositions(manager: EntityManager): Promise<Record<Producer, ProjectionPosition>> {
  const table = manager.getRepository(ReadModelPositionEntity).metadata.tablePath;
  const rows: Array<{ producer: Producer; next_seq: string; head_hash: string }> = await manager.query(
    `SELECT producer, next_seq::text AS next_seq, head_hash FROM ${table}`,
  );
  const out = Object.fromEntries(PRODUCERS.map((p) => [p, { nextSeq: 0, headHash: GENESIS_HASH }])) as Record<Producer, ProjectionPosition>;
  for (const r of rows) out[r.producer] = { nextSeq: Number(r.next_seq), headHash: r.head_hash };
  return out;
}

/**
 * Applies committed records of one producer's journal to the read-model tables. Call it inside the
 * transaction that advances the journal position (it opens none of its own): the read models and
 * the position they reflect commit together or not at all.
 *
 * Idempotent per record: records below the projected position are skipped, so projecting the same
 * records again changes nothing. The rest must continue the projected chain exactly — the next seq,
 * linked by prevHash — otherwise nothing is written and ProjectionGapError names the record.
 */
export async function projectJournalRecords(manager: EntityManager, producer: Producer, records: readonly EventEnvelope[]): Promise<void> {
  if (!PRODUCERS.includes(producer)) throw new Error(`producer must be one of ${PRODUCERS.join(', ')}; got '${String(producer)}'`);
  if (records.length === 0) return;
  for (const r of records) {
    if (r.producer !== producer) throw new Error(`record ${r.id} was written by ${r.producer}, not ${producer}: project each journal on its own`);
  }
  const position = await lockPosition(manager, producer);
  const fresh = records.filter((r) => r.seq >= position.nextSeq);
  if (fresh.length === 0) return;

  let expectedSeq = position.nextSeq;
  let expectedPrevHash = position.headHash;
  for (const r of fresh) {
    if (r.seq !== expectedSeq) {
      throw new ProjectionGapError(`${producer} read models are at seq ${expectedSeq}; record ${r.id} (seq ${r.seq}) does not continue them (records must be consecutive)`);
    }
    if (r.prevHash !== expectedPrevHash) {
      throw new ProjectionGapError(`${producer} record ${r.id}: prevHash ${r.prevHash} does not link to the last record projected (${expectedPrevHash}): another chain`);
    }
    expectedSeq += 1;
    expectedPrevHash = r.hash;
  }

  const projector = projectorFor(producer, manager);
  await projector.prefetch(fresh);
  for (const r of fresh) await projector.apply(r);
  await projector.flush();

  const table = manager.getRepository(ReadModelPositionEntity).metadata.tablePath;
  await manager.query(`UPDATE ${table} SET next_seq = $2, head_hash = $3, updated_at = now() WHERE producer = $1`, [producer, String(expectedSeq), expectedPrevHash]);
}
