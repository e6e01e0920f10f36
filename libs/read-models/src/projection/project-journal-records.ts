import { GENESIS_HASH, JOURNAL_TOPICS, PRODUCERS, type EventEnvelope, type JournalAnchor, type Producer } from '@ccp/contracts';
import { JournalAnchorEntity, ReadModelOwnerEntity, ReadModelPositionEntity } from '@ccp/persistence';
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

/** Which journal a projection reads: its producer, the namespace it runs in and its physical topic. */
export interface ProjectedJournal {
  readonly producer: Producer;
  /** the topic namespace ('' = the catalogue's names) */
  readonly namespace: string;
  /** the journal's physical topic: namespace + catalogue name */
  readonly topic: string;
}

/** The un-namespaced catalogue's journal of a producer (tests, tools). */
export function catalogueJournal(producer: Producer, namespace = ''): ProjectedJournal {
  return { producer, namespace, topic: `${namespace}${JOURNAL_TOPICS[producer]}` };
}

/** The schema's read models were projected from another namespace's journals: never served, never continued. */
export class ForeignNamespaceError extends Error {}

function foreign(owner: string, namespace: string): ForeignNamespaceError {
  return new ForeignNamespaceError(
    `these read models project the journals of namespace '${owner}', not '${namespace}': run each namespace on its own PostgreSQL schema (CCP_DATABASE_SCHEMA; by default the services derive one from CCP_TOPIC_NAMESPACE)`,
  );
}

/** The namespace whose journals this schema projects, or null before any projection claimed it. */
export async function readModelOwner(manager: EntityManager): Promise<string | null> {
  const table = manager.getRepository(ReadModelOwnerEntity).metadata.tablePath;
  const rows: Array<{ namespace: string }> = await manager.query(`SELECT namespace FROM ${table}`);
  return rows[0]?.namespace ?? null;
}

/** Claims the schema for a namespace (first projection), or throws if another namespace holds it. */
async function claimOwnership(manager: EntityManager, namespace: string): Promise<void> {
  const table = manager.getRepository(ReadModelOwnerEntity).metadata.tablePath;
  const rows: Array<{ namespace: string }> = await manager.query(
    `INSERT INTO ${table} AS o (singleton, namespace) VALUES (true, $1)
     ON CONFLICT (singleton) DO UPDATE SET namespace = o.namespace
     RETURNING namespace`,
    [namespace],
  );
  const owner = rows[0]!.namespace;
  if (owner !== namespace) throw foreign(owner, namespace);
}

/** Locks and returns the projection position of one journal (creating it at the genesis). */
async function lockPosition(manager: EntityManager, journal: ProjectedJournal): Promise<ProjectionPosition> {
  await claimOwnership(manager, journal.namespace);
  const table = manager.getRepository(ReadModelPositionEntity).metadata.tablePath;
  // one round trip: creates the row at the genesis if missing, and either way locks and returns it
  const rows: Array<{ next_seq: string; head_hash: string }> = await manager.query(
    `INSERT INTO ${table} AS p (journal_topic, producer, next_seq, head_hash) VALUES ($1, $2, 0, $3)
     ON CONFLICT (journal_topic, producer) DO UPDATE SET producer = p.producer
     RETURNING next_seq::text AS next_seq, head_hash`,
    [journal.topic, journal.producer, GENESIS_HASH],
  );
  const row = rows[0]!;
  return { nextSeq: Number(row.next_seq), headHash: row.head_hash };
}

/**
 * How far the read models reflect each journal of a namespace (no lock; for start, health checks
 * and tests). Throws ForeignNamespaceError if the schema projects another namespace's journals.
 */
export async function readProjectionPositions(manager: EntityManager, namespace = ''): Promise<Record<Producer, ProjectionPosition>> {
  const owner = await readModelOwner(manager);
  if (owner !== null && owner !== namespace) throw foreign(owner, namespace);
  const table = manager.getRepository(ReadModelPositionEntity).metadata.tablePath;
  const rows: Array<{ journal_topic: string; producer: Producer; next_seq: string; head_hash: string }> = await manager.query(
    `SELECT journal_topic, producer, next_seq::text AS next_seq, head_hash FROM ${table}`,
  );
  const out = Object.fromEntries(PRODUCERS.map((p) => [p, { nextSeq: 0, headHash: GENESIS_HASH }])) as Record<Producer, ProjectionPosition>;
  for (const r of rows) {
    if (r.journal_topic !== catalogueJournal(r.producer, namespace).topic) throw new ForeignNamespaceError(`read model position of ${r.producer} reads ${r.journal_topic}, not a journal of namespace '${namespace}'`);
    out[r.producer] = { nextSeq: Number(r.next_seq), headHash: r.head_hash };
  }
  return out;
}

/** The latest anchor per journal the read models hold (highest seq), for auditors to pin. */
export async function readLatestAnchors(manager: EntityManager): Promise<JournalAnchor[]> {
  const table = manager.getRepository(JournalAnchorEntity).metadata.tablePath;
  const rows: Array<{ producer: Producer; seq: string; hash: string; signature: string; reason: JournalAnchor['reason']; default_id: string | null; occurred_at: string }> = await manager.query(
    `SELECT DISTINCT ON (a.producer) a.producer, a.seq::text AS seq, a.hash, a.signature, a.reason, a.default_id, a.occurred_at
       FROM ${table} a ORDER BY a.producer, a.seq DESC`,
  );
  return rows
    .map((r) => ({ journal: r.producer, seq: Number(r.seq), hash: r.hash, signature: r.signature, reason: r.reason, defaultId: r.default_id, occurredAt: r.occurred_at }))
    .sort((a, b) => PRODUCERS.indexOf(a.journal) - PRODUCERS.indexOf(b.journal));
}

async function saveAnchors(manager: EntityManager, journal: ProjectedJournal, anchors: readonly JournalAnchor[]): Promise<void> {
  if (anchors.length === 0) return;
  for (const a of anchors) {
    if (a.journal !== journal.producer) throw new Error(`anchor of ${a.journal} seq ${a.seq} offered with the records of ${journal.producer}`);
  }
  const table = manager.getRepository(JournalAnchorEntity).metadata.tablePath;
  await manager.query(
    `INSERT INTO ${table} (journal_topic, producer, seq, hash, signature, reason, default_id, occurred_at)
     SELECT $1, $2, a.seq, a.hash, a.signature, a.reason, a."defaultId", a."occurredAt"
       FROM jsonb_to_recordset($3::jsonb) AS a(seq bigint, hash text, signature text, reason text, "defaultId" text, "occurredAt" text)
     ON CONFLICT (journal_topic, producer, seq) DO NOTHING`,
    [journal.topic, journal.producer, JSON.stringify(anchors)],
  );
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
export async function projectJournalRecords(
  manager: EntityManager,
  journal: ProjectedJournal,
  records: readonly EventEnvelope[],
  anchors: readonly JournalAnchor[] = [],
): Promise<void> {
  const producer = journal.producer;
  if (!PRODUCERS.includes(producer)) throw new Error(`producer must be one of ${PRODUCERS.join(', ')}; got '${String(producer)}'`);
  if (journal.topic !== catalogueJournal(producer, journal.namespace).topic) throw new Error(`${journal.topic} is not the ${producer} journal of namespace '${journal.namespace}'`);
  if (records.length === 0) return;
  for (const r of records) {
    if (r.producer !== producer) throw new Error(`record ${r.id} was written by ${r.producer}, not ${producer}: project each journal on its own`);
  }
  const position = await lockPosition(manager, journal);
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
  await manager.query(`UPDATE ${table} SET next_seq = $3, head_hash = $4, updated_at = now() WHERE journal_topic = $1 AND producer = $2`, [journal.topic, producer, String(expectedSeq), expectedPrevHash]);
  // the anchors that sign heads among these records (earlier ones were saved with their records)
  const firstFresh = fresh[0]!.seq;
  const byHash = new Map(fresh.map((r) => [r.seq, r.hash]));
  const own = anchors.filter((a) => a.seq >= firstFresh && a.seq < expectedSeq);
  for (const a of own) {
    if (byHash.get(a.seq) !== a.hash) throw new Error(`anchor of ${producer} seq ${a.seq} signs hash ${a.hash}, not the record's ${byHash.get(a.seq)}`);
  }
  await saveAnchors(manager, journal, own);
}
