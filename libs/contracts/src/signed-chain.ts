import { EventEnvelope, GENESIS_HASH, Producer } from './envelope';
import { JournalKeyring, verifyHead } from './journal-signature';

/** Why a record on a journal topic was not accepted (what its dead letter says). */
export interface QuarantineReason {
  /** forged_or_replayed | signature_invalid | unsigned */
  readonly code: 'forged_or_replayed' | 'signature_invalid' | 'unsigned';
  readonly path: string;
  readonly message: string;
}

export interface Quarantined<P> {
  readonly record: EventEnvelope;
  readonly position: P;
  readonly reason: QuarantineReason;
}

export interface ChainVerdict<P> {
  /** records now covered by a valid signed head of the owner, in journal order */
  readonly accepted: { readonly record: EventEnvelope; readonly position: P }[];
  readonly quarantined: Quarantined<P>[];
}

/** Where the reader starts: at genesis / a known head, or resuming after an applied seq whose hash it does not hold. */
export type ChainStart = { readonly seq: number; readonly hash: string } | { readonly resumeAfterSeq: number };

export const GENESIS_START: ChainStart = { seq: -1, hash: GENESIS_HASH };

interface Pending<P> {
  readonly record: EventEnvelope;
  readonly position: P;
}

/**
 * Accepts a journal topic's records only as far as its owner has signed them
 * (docs/adr/0007-signed-journal-heads.md). Records wait, unaccepted, until a record carrying a valid
 * signed head arrives; then the chain is walked back from that head through the waiting records by
 * prevHash, and exactly those records — which the signature covers through the hash chain — are
 * accepted. Anything else on the topic (a forged record however well chained, a replayed one, one
 * whose seq collides with a genuine record) is quarantined, never accepted, never a head.
 *
 * Records must be offered already decoded (shape, own hash, producer checked: journal-codec).
 * Pure and synchronous; P is whatever names a position (a Kafka offset, a line number).
 */
export class SignedChainReader<P> {
  private head: { seq: number; hash: string } | null;
  private readonly resumeAfterSeq: number;
  private readonly pending = new Map<string, Pending<P>>();

  constructor(
    readonly journal: Producer,
    private readonly keyring: JournalKeyring,
    start: ChainStart = GENESIS_START,
    private readonly options: { readonly gaps: 'refuse' | 'tolerate' } = { gaps: 'refuse' },
  ) {
    if ('resumeAfterSeq' in start) {
      this.head = null;
      this.resumeAfterSeq = start.resumeAfterSeq;
    } else {
      this.head = { seq: start.seq, hash: start.hash };
      this.resumeAfterSeq = start.seq;
    }
  }

  /** The last accepted record's seq and hash (null while resuming and nothing signed has arrived yet). */
  get acceptedHead(): { seq: number; hash: string } | null {
    return this.head;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The earliest position still waiting for a signature (a consumer must not commit past it). */
  get firstPendingPosition(): P | null {
    for (const entry of this.pending.values()) return entry.position;
    return null;
  }

  /**
   * Offers the next record of the topic, in topic order, with the head signature its message
   * carries (null if none). Returns what became accepted and what was quarantined.
   */
  offer(record: EventEnvelope, signature: string | null, position: P): ChainVerdict<P> {
    const quarantined: Quarantined<P>[] = [];
    const refuse = (reason: QuarantineReason): ChainVerdict<P> => ({ accepted: [], quarantined: [{ record, position, reason }] });
    if (record.producer !== this.journal) throw new Error(`a ${record.producer} record offered to the reader of ${this.journal}`);
    if (this.head && record.seq <= this.head.seq) {
      return refuse({ code: 'forged_or_replayed', path: 'seq', message: `seq ${record.seq} is at or before ${this.journal}'s signed head ${this.head.seq}: a replayed or forged record` });
    }
    // the same record again (a redelivery after a rebalance): nothing new, nothing to report
    if (signature === null && this.pending.has(record.hash)) return { accepted: [], quarantined };
    if (signature === null) {
      this.pending.set(record.hash, { record, position });
      return { accepted: [], quarantined };
    }
    if (!verifyHead(this.keyring, { journal: this.journal, seq: record.seq, hash: record.hash, signature })) {
      return refuse({ code: 'signature_invalid', path: 'signature', message: `the head signature on ${record.id} does not verify against ${this.journal}'s key` });
    }
    const chain = this.chainEndingAt({ record, position });
    const first = chain[0]!.record;
    if (this.head && (first.seq !== this.head.seq + 1 || first.prevHash !== this.head.hash)) {
      // A valid signature of the owner over a head that does not continue the accepted chain: the
      // records in between were never offered. Reading from the start (the owner's own fold) that
      // means the topic lost records; a consumer resuming at its committed offset skips records it
      // had already processed, so the gap is expected there.
      if (this.options.gaps === 'refuse') {
        throw new Error(`${this.journal}: signed head ${record.id} follows seq ${first.seq - 1}, but the accepted chain ends at seq ${this.head.seq}: records are missing`);
      }
    }
    for (const entry of chain) this.pending.delete(entry.record.hash);
    if (record.seq > (this.head?.seq ?? this.resumeAfterSeq)) this.head = { seq: record.seq, hash: record.hash };
    for (const [hash, entry] of this.pending) {
      if (entry.record.seq > record.seq) continue;
      this.pending.delete(hash);
      quarantined.push({ ...entry, reason: { code: 'forged_or_replayed', path: 'seq', message: `${entry.record.id} is not on the chain ${this.journal} signed at seq ${record.seq}` } });
    }
    const accepted = chain.filter((entry) => entry.record.seq > this.resumeAfterSeq);
    return { accepted, quarantined };
  }

  /** Ends the reading (the end of a topic at start-up): every record still waiting is unsigned. */
  drainUnsigned(): Quarantined<P>[] {
    const out = [...this.pending.values()].map((entry) => ({
      ...entry,
      reason: { code: 'unsigned' as const, path: 'signature', message: `${entry.record.id} is not covered by any signed head of ${this.journal}` },
    }));
    this.pending.clear();
    return out;
  }

  /** The waiting records the signed record's prevHash links back through, oldest first, ending with it. */
  private chainEndingAt(signed: Pending<P>): Pending<P>[] {
    const chain: Pending<P>[] = [signed];
    let current = signed.record;
    while (!(this.head && current.prevHash === this.head.hash)) {
      const previous = this.pending.get(current.prevHash);
      if (!previous || previous.record.seq !== current.seq - 1) break;
      chain.push(previous);
      current = previous.record;
    }
    return chain.reverse();
  }
}
