import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * The journal record (design.md §2). Every journal — a Kafka topic or a JSON-lines file — is a
 * sequence of these, hash-chained: hash = sha256(prevHash + canonical JSON of the record without
 * `hash`). Editing, deleting or reordering any record breaks the chain at that record.
 */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  /** `${producer}:${seq}` — derived, never random */
  readonly id: string;
  readonly type: TType;
  /** schema version of the payload */
  readonly version: number;
  /** aggregate id: an account, a default, an instrument, a fund */
  readonly stream: string;
  /** position in the producer's journal, from 0, gap-free */
  readonly seq: number;
  /** ISO-8601 UTC instant taken from the input, never from the clock */
  readonly occurredAt: string;
  /** id of the record that caused this one (the input's id), null for a genesis record */
  readonly causationId: string | null;
  /** the default id where there is one, else the scenario or upstream correlation id */
  readonly correlationId: string | null;
  /** the journal's single writer: margin, liquidation, default-fund, loss-allocation */
  readonly producer: Producer;
  /** record kind: an input applied by this journal's decider, or an event it decided */
  readonly kind: RecordKind;
  /** where an input came from (source topic/partition/offset or file journal and seq); null for decided events */
  readonly source: InputSource | null;
  readonly payload: TPayload;
  readonly prevHash: string;
  readonly hash: string;
}

export type RecordKind = 'input' | 'event';

export const PRODUCERS = ['margin', 'liquidation', 'default-fund', 'loss-allocation'] as const;
export type Producer = (typeof PRODUCERS)[number];

export interface InputSource {
  /** Kafka topic, or the journal name in embedded mode */
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string (int64), or the upstream record's seq */
  readonly offset: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export type UnsealedEnvelope<TType extends string = string, TPayload = unknown> = Omit<EventEnvelope<TType, TPayload>, 'hash' | 'prevHash' | 'id'>;

export function recordId(producer: Producer, seq: number): string {
  return `${producer}:${seq}`;
}

export function hashRecord(record: Omit<EventEnvelope, 'hash'>): string {
  return createHash('sha256').update(record.prevHash).update(canonicalJson(record)).digest('hex');
}

/** Assigns id, prevHash and hash: the only way a record enters a journal. */
export function sealRecord<TType extends string, TPayload>(unsealed: UnsealedEnvelope<TType, TPayload>, prevHash: string): EventEnvelope<TType, TPayload> {
  return sealRecordWithLine(unsealed, prevHash).record;
}

/**
 * Seals a record and returns its canonical bytes too, canonicalizing it once instead of twice: the
 * bytes are the hashed body with `"hash"` inserted in its sorted place (after `correlationId`, before
 * `id`; no string value can contain the unescaped `,"id":"` that marks it). Equal to
 * serializeRecord(sealRecord(...)), and hashes what hashRecord hashes — a property test holds them together.
 */
export function sealRecordWithLine<TType extends string, TPayload>(
  unsealed: UnsealedEnvelope<TType, TPayload>,
  prevHash: string,
): { record: EventEnvelope<TType, TPayload>; line: string } {
  // built in sorted key order, so canonicalJson writes it without copying (canonical-json.ts fast path)
  const withoutHash = {
    causationId: unsealed.causationId,
    correlationId: unsealed.correlationId,
    id: recordId(unsealed.producer, unsealed.seq),
    kind: unsealed.kind,
    occurredAt: unsealed.occurredAt,
    payload: unsealed.payload,
    prevHash,
    producer: unsealed.producer,
    seq: unsealed.seq,
    source: unsealed.source,
    stream: unsealed.stream,
    type: unsealed.type,
    version: unsealed.version,
  };
  const body = canonicalJson(withoutHash);
  const hash = createHash('sha256').update(prevHash).update(body).digest('hex'); // = hashRecord(withoutHash)
  const at = body.indexOf(',"id":"');
  if (at < 0) throw new Error('a sealed record has an id');
  return { record: { ...withoutHash, hash }, line: `${body.slice(0, at)},"hash":"${hash}"${body.slice(at)}` };
}

/**
 * The hash of a sealed record from its canonical bytes, without re-serializing: the hashed body is
 * the line with its `,"hash":"…"` member taken out (the first one: it precedes `id`, and the only
 * earlier values, causationId and correlationId, are strings, which cannot hold an unescaped `"`).
 * Only for a line known to be canonical (the audit checks that first); else null.
 */
export function hashOfCanonicalLine(line: string, prevHash: string): string | null {
  const at = line.indexOf(',"hash":"');
  if (at < 0 || line.charCodeAt(at + 9 + 64) !== 34 /* " */) return null;
  const body = line.slice(0, at) + line.slice(at + 9 + 64 + 1);
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

/** The canonical bytes of a sealed record: one line of a file journal, one Kafka message value. */
export function serializeRecord(record: EventEnvelope): string {
  return canonicalJson(record);
}
