import { createHash, Hash, hash as oneShotHash } from 'node:crypto';
import { ChainBreak, EventEnvelope, GENESIS_HASH, hashRecord, recordId } from '@ccp/contracts';

/** Below this many characters a string is hashed in one call (cheapest); above, piece by piece without copying. */
const ONE_SHOT_CHARS = 1 << 16;

/**
 * sha256 (hex) of the UTF-8 bytes of the pieces, concatenated — what `createHash('sha256')
 * .update(a).update(b)…` gives, but cheaper: short input in one call; long input without joining
 * the pieces, and an ASCII piece (all of a journal, in practice) handed over as its bytes
 * ('latin1' is then exactly its UTF-8) instead of re-encoded.
 */
export function sha256Hex(...pieces: readonly string[]): string {
  if (length(pieces) < ONE_SHOT_CHARS) return oneShotHash('sha256', pieces.join(''), 'hex');
  return incremental(pieces).digest('hex');
}

/** sha256Hex's digest as bytes. */
export function sha256(pieces: readonly string[]): Buffer {
  if (length(pieces) < ONE_SHOT_CHARS) return oneShotHash('sha256', pieces.join(''), 'buffer');
  return incremental(pieces).digest();
}

function length(pieces: readonly string[]): number {
  let chars = 0;
  for (const p of pieces) chars += p.length;
  return chars;
}

/** A long piece is handed over a slice at a time: each is copied into a buffer of its own, so one of megabytes would be a fresh allocation per piece. */
const SLICE_CHARS = 1 << 18;

function incremental(pieces: readonly string[]): Hash {
  const h = createHash('sha256');
  for (const p of pieces) {
    if (Buffer.byteLength(p, 'utf8') !== p.length) h.update(p, 'utf8'); // not ASCII: whole, so no character is cut in two
    else for (let at = 0; at < p.length; at += SLICE_CHARS) h.update(p.slice(at, at + SLICE_CHARS), 'latin1');
  }
  return h;
}

const HASH_MEMBER = ',"hash":"';
/** `,"hash":"` + 64 hex digits + `"` */
const HASH_MEMBER_CHARS = HASH_MEMBER.length + 64 + 1;

/**
 * The hash of a sealed record from its canonical line, as `hashOfCanonicalLine` (contracts) defines
 * it: sha256(prevHash + the line without its `,"hash":"…"` member). Only for a line known to be
 * canonical; else null.
 */
export function hashOfCanonicalText(line: string, prevHash: string): string | null {
  const at = line.indexOf(HASH_MEMBER);
  if (at < 0 || line.charCodeAt(at + HASH_MEMBER_CHARS - 1) !== 34 /* " */) return null;
  return sha256Hex(prevHash, line.slice(0, at), line.slice(at + HASH_MEMBER_CHARS));
}

/**
 * A journal's hash chain as the audit walks it: the checks and findings of HashChainVerifier
 * (contracts), and what the next record must be (its seq, prevHash, producer), so a line can be
 * compared with the record re-deciding expects there without being parsed (`accept`).
 */
export class JournalChain {
  private expectedSeq = 0;
  private prevHash = GENESIS_HASH;
  private producer: string | null = null;

  /** Returns the break at this record, or null if it extends the chain (HashChainVerifier.next). */
  next(record: EventEnvelope, position: number, canonicalLine?: string): ChainBreak | null {
    const at = (field: ChainBreak['field'], reason: string): ChainBreak => ({ position, recordId: record.id ?? null, field, reason });
    if (this.producer !== null && record.producer !== this.producer) return at('producer', `journal of ${this.producer} holds a record of ${record.producer}`);
    if (record.seq !== this.expectedSeq) return at('seq', `expected seq ${this.expectedSeq}, found ${record.seq} (deleted, inserted or reordered record)`);
    if (record.id !== recordId(record.producer, record.seq)) return at('id', `id ${record.id} does not match ${recordId(record.producer, record.seq)}`);
    if (record.prevHash !== this.prevHash) return at('prevHash', `prevHash does not link to the previous record's hash`);
    const { hash, ...rest } = record;
    const recomputed = (canonicalLine !== undefined ? hashOfCanonicalText(canonicalLine, record.prevHash) : null) ?? hashRecord(rest);
    if (hash !== recomputed) return at('hash', `content does not match its hash (record was edited)`);
    this.producer = record.producer;
    this.prevHash = hash;
    this.expectedSeq += 1;
    return null;
  }

  /** What the next record must carry; producer null before the first record. */
  get expected(): { seq: number; prevHash: string; producer: string | null } {
    return { seq: this.expectedSeq, prevHash: this.prevHash, producer: this.producer };
  }

  /** The next record, checked by the caller to be exactly the `expected` record sealed with this hash. */
  accept(hash: string): void {
    this.prevHash = hash;
    this.expectedSeq += 1;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.expectedSeq, hash: this.prevHash };
  }
}
