import { canonicalJson } from './canonical-json';
import { instantProblem } from './schema-primitives';
import { EventEnvelope, Producer, PRODUCERS } from './envelope';
import { JournalSigner, SignedHead } from './journal-signature';

/**
 * An anchor: a signed journal head published outside the journal (docs/adr/0007-signed-journal-heads.md)
 * — on the anchor topic and in the read models by the services, in `anchors.jsonl` beside the journals
 * by the embedded engine and by exports. Whoever holds an anchor can later prove a journal was
 * truncated ("margin ends at 42, anchored at 55") or rewritten (hash at 55 ≠ anchored).
 *
 * Anchors are taken at deterministic points of the journal itself — every ANCHOR_INTERVAL records
 * and at the record that closes a default's part in that journal — so the embedded engine and the
 * services anchor the same seqs. `head` anchors mark where a run or an export ended.
 */
export type AnchorReason = 'interval' | 'default-closed' | 'head';

export interface JournalAnchor extends SignedHead {
  readonly reason: AnchorReason;
  /** the default whose close this anchors (reason default-closed), else null */
  readonly defaultId: string | null;
  /** occurredAt of the head record: input time, never the clock */
  readonly occurredAt: string;
}

export const ANCHOR_INTERVAL = 10_000;

/** The record types that close a default's part in each journal. */
export const DEFAULT_CLOSING_TYPES: Readonly<Record<Producer, readonly string[]>> = {
  margin: ['LossAllocationApplied'],
  liquidation: ['AccountDefaulted'],
  'default-fund': ['DefaultCovered', 'ResidualLossForwarded'],
  'loss-allocation': ['LossAllocated'],
};

/** Why a record is anchored, or null: interval points first, then default closes. */
export function anchorReasonOf(record: EventEnvelope): Exclude<AnchorReason, 'head'> | null {
  if ((record.seq + 1) % ANCHOR_INTERVAL === 0) return 'interval';
  if (record.kind === 'event' && DEFAULT_CLOSING_TYPES[record.producer].includes(record.type)) return 'default-closed';
  return null;
}

export function anchorOf(record: EventEnvelope, signed: SignedHead, reason: AnchorReason): JournalAnchor {
  return {
    ...signed,
    reason,
    defaultId: reason === 'default-closed' ? record.correlationId : null,
    occurredAt: record.occurredAt,
  };
}

/** The anchor a record calls for under the rule above, signed by its journal's owner; null if none. */
export function anchorFor(record: EventEnvelope, signer: JournalSigner): JournalAnchor | null {
  const reason = anchorReasonOf(record);
  return reason ? anchorOf(record, signer.signHead(record.seq, record.hash), reason) : null;
}

export const ANCHORS_FILE = 'anchors.jsonl';
export const KEYRING_FILE = 'keyring.json';

export function serializeAnchor(anchor: JournalAnchor): string {
  return canonicalJson(anchor);
}

/** Parses one anchor (a line of anchors.jsonl, an anchor topic value); throws naming the field. */
export function parseAnchor(value: unknown): JournalAnchor {
  const a = value as Partial<JournalAnchor> | null;
  const fail = (field: string, expected: string): never => {
    throw new Error(`anchor.${field}: expected ${expected}`);
  };
  if (!a || typeof a !== 'object') return fail('', 'an object');
  if (!(PRODUCERS as readonly unknown[]).includes(a.journal)) fail('journal', `one of ${PRODUCERS.join(', ')}`);
  if (!Number.isSafeInteger(a.seq) || (a.seq as number) < 0) fail('seq', 'a non-negative integer');
  if (typeof a.hash !== 'string' || !/^[0-9a-f]{64}$/.test(a.hash)) fail('hash', '64 hex digits');
  if (typeof a.signature !== 'string') fail('signature', 'a base64url Ed25519 signature');
  if (!['interval', 'default-closed', 'head'].includes(a.reason as string)) fail('reason', 'interval, default-closed or head');
  if (a.defaultId !== null && typeof a.defaultId !== 'string') fail('defaultId', 'a string or null');
  if (typeof a.occurredAt !== 'string' || instantProblem(a.occurredAt) !== undefined) fail('occurredAt', `a real ISO-8601 UTC instant (${typeof a.occurredAt === 'string' ? instantProblem(a.occurredAt) : 'not a string'})`);
  const { journal, seq, hash, signature, reason, defaultId, occurredAt } = a as JournalAnchor;
  return { journal, seq, hash, signature, reason, defaultId, occurredAt };
}

/** The latest anchor per journal (highest seq), from any number of anchors. */
export function latestAnchors(anchors: Iterable<JournalAnchor>): Map<Producer, JournalAnchor> {
  const latest = new Map<Producer, JournalAnchor>();
  for (const a of anchors) {
    const seen = latest.get(a.journal);
    if (!seen || a.seq > seen.seq) latest.set(a.journal, a);
  }
  return latest;
}
