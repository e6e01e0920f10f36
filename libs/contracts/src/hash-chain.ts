import { EventEnvelope, GENESIS_HASH, hashOfCanonicalLine, hashRecord, recordId } from './envelope';

export interface ChainBreak {
  /** position in the journal where the chain breaks (0-based line / offset) */
  readonly position: number;
  readonly recordId: string | null;
  readonly field: 'seq' | 'id' | 'prevHash' | 'hash' | 'producer';
  readonly reason: string;
}

/**
 * Incremental verifier of one journal's hash chain: feed records in order, get the first break.
 * Keeps only the previous hash, so memory stays flat however long the journal.
 */
export class HashChainVerifier {
  private expectedSeq = 0;
  private prevHash = GENESIS_HASH;
  private producer: string | null = null;

  /**
   * Returns the break at this record, or null if the record extends the chain. Given the record's
   * line, already checked to be its canonical serialization, the hash is taken over those bytes
   * instead of serializing the record again (the same bytes, so the same hash).
   */
  next(record: EventEnvelope, position: number, canonicalLine?: string): ChainBreak | null {
    const at = (field: ChainBreak['field'], reason: string): ChainBreak => ({ position, recordId: record.id ?? null, field, reason });
    if (this.producer !== null && record.producer !== this.producer) return at('producer', `journal of ${this.producer} holds a record of ${record.producer}`);
    if (record.seq !== this.expectedSeq) return at('seq', `expected seq ${this.expectedSeq}, found ${record.seq} (deleted, inserted or reordered record)`);
    if (record.id !== recordId(record.producer, record.seq)) return at('id', `id ${record.id} does not match ${recordId(record.producer, record.seq)}`);
    if (record.prevHash !== this.prevHash) return at('prevHash', `prevHash does not link to the previous record's hash`);
    const { hash, ...rest } = record;
    const recomputed = (canonicalLine !== undefined ? hashOfCanonicalLine(canonicalLine, record.prevHash) : null) ?? hashRecord(rest);
    if (hash !== recomputed) return at('hash', `content does not match its hash (record was edited)`);
    this.producer = record.producer;
    this.prevHash = hash;
    this.expectedSeq += 1;
    return null;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.expectedSeq, hash: this.prevHash };
  }
}
