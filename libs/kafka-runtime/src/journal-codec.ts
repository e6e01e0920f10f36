import { z } from 'zod';
import { EventEnvelope, hashRecord, isoInstant, parseUntrustedJson, PRODUCERS, recordId, WIRE_EVENT_SCHEMAS, WireEventType } from '@ccp/contracts';

/** Why a message could not be applied: what a dead-letter record carries. */
export interface DeadLetterReason {
  /** malformed_json | forbidden_key | malformed | unknown_type | wrong_topic | hash_invalid | schema_invalid | … (rejection codes) */
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason };

const int = z.number().int().nonnegative();
const envelopeSchema = z
  .object({
    id: z.string(),
    type: z.string().min(1),
    version: int,
    stream: z.string(),
    seq: int,
    occurredAt: isoInstant,
    causationId: z.string().nullable(),
    correlationId: z.string().nullable(),
    producer: z.enum(PRODUCERS),
    kind: z.enum(['input', 'event']),
    source: z.object({ topic: z.string(), partition: int, offset: z.string().regex(/^\d+$/) }).strict().nullable(),
    payload: z.unknown(),
    prevHash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

const pathOf = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** A message's JSON: `malformed_json` if it is none, `forbidden_key` (with its path) if it carries `__proto__`, `constructor` or `prototype`. */
export function parseJson(bytes: Buffer | null): Decoded<unknown> {
  if (bytes === null) return { ok: false, reason: { code: 'malformed_json', path: '', message: 'the message has no value' } };
  const json = parseUntrustedJson(bytes.toString('utf8'));
  if (json.ok) return json;
  return { ok: false, reason: { code: json.reason === 'forbidden_key' ? 'forbidden_key' : 'malformed_json', path: json.path, message: json.message } };
}

/**
 * A record read from a journal topic: parsed, shape-checked, its own hash and id recomputed, its
 * producer the journal's, and — for a wire event — its payload valid against the wire schema.
 * (Linking prevHash to the previous record is checked by the caller, which sees the sequence.)
 */
export function decodeJournalRecord(bytes: Buffer | null, expectedProducer: string): Decoded<EventEnvelope> {
  const json = parseJson(bytes);
  if (!json.ok) return json;
  const parsed = envelopeSchema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: { code: 'malformed', path: pathOf(issue.path), message: issue.message } };
  }
  const record = json.value as EventEnvelope;
  if (record.producer !== expectedProducer) {
    return { ok: false, reason: { code: 'hash_invalid', path: 'producer', message: `record of ${record.producer} in the journal of ${expectedProducer}` } };
  }
  if (record.id !== recordId(record.producer, record.seq)) return { ok: false, reason: { code: 'hash_invalid', path: 'id', message: `id ${record.id} ≠ ${recordId(record.producer, record.seq)}` } };
  const { hash, ...rest } = record;
  if (hashRecord(rest) !== hash) return { ok: false, reason: { code: 'hash_invalid', path: 'hash', message: 'content does not match its hash' } };
  if (record.kind === 'event' && Object.prototype.hasOwnProperty.call(WIRE_EVENT_SCHEMAS, record.type)) {
    const wire = WIRE_EVENT_SCHEMAS[record.type as WireEventType].safeParse(record.payload);
    if (!wire.success) {
      const issue = wire.error.issues[0]!;
      return { ok: false, reason: { code: 'schema_invalid', path: pathOf(['payload', ...issue.path]), message: issue.message } };
    }
  }
  return { ok: true, value: record };
}
