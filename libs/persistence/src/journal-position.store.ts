import type { EntityManager } from 'typeorm';
import { JournalPositionEntity } from './entities/journal-position.entity';

export interface PartitionKey {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
}

const OFFSET = /^(0|[1-9][0-9]*)$/;

/** The next offset to apply on this partition, or undefined if the consumer never applied one. */
export async function readNextOffset(manager: EntityManager, key: PartitionKey): Promise<string | undefined> {
  const row = await manager.findOneBy(JournalPositionEntity, { consumer: key.consumer, topic: key.topic, partition: key.partition });
  return row?.nextOffset;
}

/**
 * Records that everything before `nextOffset` is applied. Call it inside the transaction that
 * updates the read models. Moving backwards is a bug (a record applied twice) and throws.
 */
export async function advanceNextOffset(manager: EntityManager, key: PartitionKey, nextOffset: string): Promise<void> {
  if (!OFFSET.test(nextOffset)) throw new Error(`nextOffset must be a non-negative integer string; got '${nextOffset}'`);
  const table = manager.getRepository(JournalPositionEntity).metadata.tablePath;
  const rows: unknown[] = await manager.query(
    `INSERT INTO ${table} AS p (consumer, topic, partition, next_offset, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (consumer, topic, partition)
     DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
       WHERE p.next_offset <= EXCLUDED.next_offset
     RETURNING next_offset`,
    [key.consumer, key.topic, key.partition, nextOffset],
  );
  if (rows.length !== 1) {
    throw new Error(`journal position of ${key.consumer} on ${key.topic}[${key.partition}] would move backwards to ${nextOffset}`);
  }
}
