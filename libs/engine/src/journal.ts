import { EventEnvelope, GENESIS_HASH, Producer, sealRecordWithLine, UnsealedEnvelope } from '@ccp/contracts';

/**
 * Where a journal's sealed records go. The file journal writes JSON lines; the Kafka runtime
 * produces them to the journal topic. Both receive the same canonical bytes.
 */
export interface JournalSink {
  append(record: EventEnvelope, line: string): void;
}

/** Keeps records in memory (unit tests and dry runs of the embedded engine; not a Kafka stand-in). */
export class MemoryJournalSink implements JournalSink {
  readonly records: EventEnvelope[] = [];
  readonly lines: string[] = [];
  append(record: EventEnvelope, line: string): void {
    this.records.push(record);
    this.lines.push(line);
  }
}

/** The single writer of one journal: assigns seq, links the hash chain, hands canonical bytes to the sink. */
export class JournalWriter {
  private seq = 0;
  private prevHash = GENESIS_HASH;

  constructor(
    readonly producer: Producer,
    private readonly sink: JournalSink,
  ) {}

  get nextSeq(): number {
    return this.seq;
  }

  get headHash(): string {
    return this.prevHash;
  }

  append<TType extends string, TPayload>(record: Omit<UnsealedEnvelope<TType, TPayload>, 'seq' | 'producer'>): EventEnvelope<TType, TPayload> {
    const { record: sealed, line } = sealRecordWithLine({ ...record, producer: this.producer, seq: this.seq }, this.prevHash);
    this.sink.append(sealed, line);
    this.seq += 1;
    this.prevHash = sealed.hash;
    return sealed;
  }
}
