import type { EventEnvelope, Producer } from '@ccp/contracts';
import { ParameterReadModelEntity } from '@ccp/persistence';
import type { EntityManager } from 'typeorm';

/** Records a parameter event's payload as the one in force (waterfall, policy, liquidation parameters). */
export async function setParameter(manager: EntityManager, producer: Producer, name: string, record: EventEnvelope): Promise<void> {
  const table = manager.getRepository(ParameterReadModelEntity).metadata.tablePath;
  await manager.query(
    `INSERT INTO ${table} AS target (producer, name, value, journal_seq, updated_at) VALUES ($1, $2, $3::jsonb, $4, now())
     ON CONFLICT (producer, name) DO UPDATE SET value = EXCLUDED.value, journal_seq = EXCLUDED.journal_seq, updated_at = now()`,
    [producer, name, JSON.stringify(record.payload), String(record.seq)],
  );
}
