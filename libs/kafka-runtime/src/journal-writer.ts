import type { Message } from 'kafkajs';
import { anchorFor, EventEnvelope, JournalAnchor, JournalSigner, Producer, sealRecordWithLine, serializeAnchor, UnsealedEnvelope } from '@ccp/contracts';
import type { RecordAppender } from '@ccp/engine';

/** The Kafka header that carries the owner's signature of the head at a record (the last of its transaction). */
export const HEAD_SIGNATURE_HEADER = 'ccp-head-signature';

/** What one transaction writes: the journal's messages (the last one signed), its records, its anchors. */
export interface TransactionRecords {
  readonly messages: Message[];
  readonly records: EventEnvelope[];
  readonly anchors: JournalAnchor[];
  readonly anchorMessages: Message[];
}

/**
 * The single writer of one journal on Kafka: seq and hash chain restored by the fold, records kept
 * until their transaction is sent. `take()` signs the head at the transaction's last record
 * (docs/adr/0007-signed-journal-heads.md): one Ed25519 signature per transaction, carried in that
 * message's headers, vouches for every record of the journal up to it.
 */
export class TransactionalJournalWriter implements RecordAppender {
  private pending: Message[] = [];
  private pendingRecords: EventEnvelope[] = [];
  private pendingAnchors: JournalAnchor[] = [];
  /** trace headers for the records appended next */
  headers: Record<string, string> = {};

  constructor(
    readonly producer: Producer,
    private seq: number,
    private prevHash: string,
    private readonly signer: JournalSigner,
  ) {
    if (signer.journal !== producer) throw new Error(`the writer of ${producer} was given the signing key of ${signer.journal}`);
  }

  get nextSeq(): number {
    return this.seq;
  }

  get headHash(): string {
    return this.prevHash;
  }

  append<TType extends string, TPayload>(record: Omit<UnsealedEnvelope<TType, TPayload>, 'seq' | 'producer'>): EventEnvelope<TType, TPayload> {
    const { record: sealed, line } = sealRecordWithLine({ ...record, producer: this.producer, seq: this.seq }, this.prevHash);
    this.pending.push({
      key: sealed.stream,
      value: line,
      headers: { ...this.headers, 'ccp-producer': this.producer, 'ccp-seq': String(sealed.seq), 'ccp-type': sealed.type },
    });
    this.pendingRecords.push(sealed);
    const anchor = anchorFor(sealed, this.signer);
    if (anchor) this.pendingAnchors.push(anchor);
    this.seq += 1;
    this.prevHash = sealed.hash;
    return sealed;
  }

  /** The transaction's records, its last message signed; the writer starts the next transaction empty. */
  take(): TransactionRecords {
    const last = this.pendingRecords[this.pendingRecords.length - 1];
    if (last) {
      const message = this.pending[this.pending.length - 1]!;
      message.headers = { ...message.headers, [HEAD_SIGNATURE_HEADER]: this.signer.signHead(last.seq, last.hash).signature };
    }
    const anchorMessages = this.pendingAnchors.map((a) => ({ key: a.journal, value: serializeAnchor(a) }));
    const out = { messages: this.pending, records: this.pendingRecords, anchors: this.pendingAnchors, anchorMessages };
    this.pending = [];
    this.pendingRecords = [];
    this.pendingAnchors = [];
    return out;
  }
}

/** The head signature a journal message carries, or null. */
export function headSignatureOf(headers: Message['headers'] | undefined): string | null {
  const value = headers?.[HEAD_SIGNATURE_HEADER];
  if (value === undefined || value === null) return null;
  const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
  return text.length > 0 ? text : null;
}
