import type { EventEnvelope } from '@ccp/contracts';

/** Applies one journal's records to its read models within one batch (one DB transaction). */
export interface Projector {
  /** loads, in bulk, the rows the batch's records will touch */
  prefetch(records: readonly EventEnvelope[]): Promise<void>;
  /** applies one record in memory (records come in seq order, each exactly once) */
  apply(record: EventEnvelope): Promise<void>;
  /** writes every changed row */
  flush(): Promise<void>;
}
