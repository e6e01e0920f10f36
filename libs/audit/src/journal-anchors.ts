import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnchorReason,
  ANCHORS_FILE,
  isDevelopmentKeyring,
  JournalAnchor,
  JournalKeyring,
  KEYRING_FILE,
  keyringFromFile,
  parseAnchor,
  Producer,
  PRODUCERS,
  verifyHead,
} from '@ccp/contracts';
import { readRawLines } from './journal-lines';

/**
 * Who wrote the journals (docs/adr/0007-signed-journal-heads.md), as the audit checks it: each
 * journal's owner signs chain heads; a signed head at seq n vouches for every record up to n through
 * the hash chain. Anchors (signed heads kept outside the journal: the directory's anchors.jsonl, and
 * whatever the auditor holds — the anchor topic, the read model, an earlier export) and heads the
 * auditor pins (`--expect-head`) are checked against the journals as they are now: a journal that
 * no longer reaches an anchored seq was truncated, one whose record there has another hash was
 * rewritten, and records beyond the last valid signed head carry no signature of their owner.
 */

/** Where the public keys came from, and whether they can prove anything. */
export interface KeyringProvenance {
  /** 'given': a keyring file the auditor named (--keyring); 'directory': the audited directory's own keyring.json */
  readonly source: 'given' | 'directory';
  readonly path: string;
  /** the public development keys: anyone can sign with them */
  readonly development: boolean;
}

/** A keyring the auditor gives, with the file it was read from (for the report). */
export interface GivenKeyring {
  readonly keyring: JournalKeyring;
  readonly path: string;
}

export interface Trust {
  /** null when there is no keyring to check against (then no signature verifies) */
  readonly keyring: JournalKeyring | null;
  readonly provenance: KeyringProvenance | null;
  /** what the reader of the report must know about the keys (not failures) */
  readonly warnings: string[];
  /** why there is no keyring (a failure), else null */
  readonly problem: string | null;
}

/** Reads a keyring.json; throws a message naming the file and what is wrong with it. */
export function readKeyringFile(path: string): JournalKeyring {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read keyring ${path}: ${(error as Error).message}`);
  }
  try {
    return keyringFromFile(value);
  } catch (error) {
    throw new Error(`keyring ${path}: ${(error as Error).message}`);
  }
}

/** The keyring to check signatures against: the one given, else the directory's own keyring.json. */
export function resolveTrust(dir: string, given?: GivenKeyring): Trust {
  const warnings: string[] = [];
  let keyring: JournalKeyring;
  let provenance: KeyringProvenance;
  if (given) {
    keyring = given.keyring;
    provenance = { source: 'given', path: given.path, development: isDevelopmentKeyring(keyring) };
  } else {
    const path = join(dir, KEYRING_FILE);
    if (!existsSync(path)) {
      return { keyring: null, provenance: null, warnings, problem: `no keyring: ${KEYRING_FILE} is missing from the journal directory and none was given (--keyring): no signature can be checked` };
    }
    try {
      keyring = readKeyringFile(path);
    } catch (error) {
      return { keyring: null, provenance: null, warnings, problem: `${(error as Error).message}: no signature can be checked` };
    }
    provenance = { source: 'directory', path, development: isDevelopmentKeyring(keyring) };
    warnings.push(
      `the journal owners' public keys came from the audited directory itself (${path}): whoever could rewrite the journals could rewrite it too — give the owners' keyring with --keyring`,
    );
  }
  if (provenance.development) {
    warnings.push('the keyring is the DEVELOPMENT keyring: its private keys derive from public seeds, anyone can sign with them, so these signatures prove nothing about who wrote the journals');
  }
  return { keyring, provenance, warnings, problem: null };
}

// --- anchors ------------------------------------------------------------------------------------------

/** An anchor as read, where from, and whether its signature is its journal owner's. */
export interface AnchorEntry {
  readonly anchor: JournalAnchor;
  /** `anchors.jsonl line 7`, `held/anchors.jsonl line 3` */
  readonly origin: string;
  /** null: no keyring to check it against */
  readonly signatureValid: boolean | null;
}

/** A line of an anchors file that is not an anchor. */
export interface AnchorFileProblem {
  readonly file: string;
  /** 0-based line; -1 for the file as a whole */
  readonly position: number;
  readonly reason: string;
}

/** A head the auditor pins: `--expect-head margin=<hash>@<seq>`. No signature needed: the auditor asserts it. */
export interface ExpectedHead {
  readonly journal: Producer;
  readonly seq: number;
  readonly hash: string;
}

/** Parses `journal=hash@seq`; throws a usage message. */
export function parseExpectedHead(text: string): ExpectedHead {
  const m = /^([a-z-]+)=([0-9a-f]{64})@(\d+)$/.exec(text);
  const journal = m?.[1];
  if (!m || !(PRODUCERS as readonly string[]).includes(journal!) || !Number.isSafeInteger(Number(m[3]))) {
    throw new Error(`--expect-head ${text}: expected <journal>=<hash, 64 hex digits>@<seq>, journal one of ${PRODUCERS.join(', ')}`);
  }
  return { journal: journal as Producer, seq: Number(m[3]), hash: m[2]! };
}

const REASONS: readonly AnchorReason[] = ['interval', 'default-closed', 'head'];
const HEX_HASH = /^[0-9a-f]{64}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

/**
 * Distinct anchors as read — there is one per default closed and journal, tens of thousands at 100k
 * accounts — each in a few typed-array slots: the hash and signature as bytes, the journal, seq,
 * reason, validity and where it was read as numbers. An anchor read again (from another file) is
 * kept once, first origin first, its signature checked once.
 */
export class AnchorStore {
  private size = 0;
  private journals = new Uint8Array(64);
  private seqs = new Float64Array(64);
  private hashes = new Uint8Array(64 * 32);
  private signatures = new Uint8Array(64 * 64);
  /** 1 valid, 0 invalid, -1 not checked (no keyring) */
  private validity = new Int8Array(64);
  private reasons = new Uint8Array(64);
  private files = new Uint16Array(64);
  private lines = new Int32Array(64);
  private readonly defaultIds: (string | null)[] = [];
  private readonly occurredAts: string[] = [];
  /** signatures that are not 86 base64url characters (so not stored as their 64 bytes), by index */
  private readonly oddSignatures = new Map<number, string>();
  private readonly labels: string[] = [];
  /** the first anchor with a given hash prefix, and each anchor's next one with the same prefix */
  private readonly byHashPrefix = new Map<number, number>();
  private nextSamePrefix = new Int32Array(64);

  get count(): number {
    return this.size;
  }

  /** Index of a label (file name) the origins of anchors read from it name. */
  label(name: string): number {
    this.labels.push(name);
    return this.labels.length - 1;
  }

  /** The index of this very anchor (journal, seq, hash and signature) if it is stored, else -1. */
  indexOf(anchor: JournalAnchor): number {
    const hash = Buffer.from(anchor.hash, 'hex');
    for (let i = this.byHashPrefix.get(hash.readUIntBE(0, 6)) ?? -1; i >= 0; i = this.nextSamePrefix[i]!) {
      if (this.seqs[i] === anchor.seq && PRODUCERS[this.journals[i]!] === anchor.journal && this.signatureOf(i) === anchor.signature && this.hashOf(i) === anchor.hash) return i;
    }
    return -1;
  }

  /** Whether the stored anchor's signature verified (null: not checked). */
  validityOf(index: number): boolean | null {
    const v = this.validity[index]!;
    return v < 0 ? null : v === 1;
  }

  add(anchor: JournalAnchor, file: number, line: number, signatureValid: boolean | null): void {
    if (!HEX_HASH.test(anchor.hash)) throw new Error('anchor.hash: expected 64 hex digits');
    if (this.size === this.seqs.length) this.grow();
    const i = this.size;
    this.size += 1;
    this.journals[i] = PRODUCERS.indexOf(anchor.journal);
    this.seqs[i] = anchor.seq;
    const hash = Buffer.from(anchor.hash, 'hex');
    hash.copy(this.hashes, i * 32);
    if (SIGNATURE.test(anchor.signature) && Buffer.from(anchor.signature, 'base64url').toString('base64url') === anchor.signature) {
      Buffer.from(anchor.signature, 'base64url').copy(this.signatures, i * 64);
    } else this.oddSignatures.set(i, anchor.signature);
    this.validity[i] = signatureValid === null ? -1 : signatureValid ? 1 : 0;
    this.reasons[i] = REASONS.indexOf(anchor.reason);
    this.files[i] = file;
    this.lines[i] = line;
    this.defaultIds.push(anchor.defaultId);
    this.occurredAts.push(anchor.occurredAt);
    const prefix = hash.readUIntBE(0, 6);
    this.nextSamePrefix[i] = this.byHashPrefix.get(prefix) ?? -1;
    this.byHashPrefix.set(prefix, i);
  }

  journalOf(index: number): Producer {
    return PRODUCERS[this.journals[index]!]!;
  }

  seqOf(index: number): number {
    return this.seqs[index]!;
  }

  hashOf(index: number): string {
    return Buffer.from(this.hashes.buffer, this.hashes.byteOffset + index * 32, 32).toString('hex');
  }

  /** Whether the stored anchor's hash is `hash`, without building its hex. */
  hashIs(index: number, hash: Uint8Array): boolean {
    return Buffer.compare(Buffer.from(this.hashes.buffer, this.hashes.byteOffset + index * 32, 32), hash) === 0;
  }

  originOf(index: number): string {
    return `${this.labels[this.files[index]!]} line ${this.lines[index]! + 1}`;
  }

  /** The anchor as read, with its origin and validity. */
  entry(index: number): AnchorEntry {
    const anchor: JournalAnchor = {
      journal: this.journalOf(index),
      seq: this.seqOf(index),
      hash: this.hashOf(index),
      signature: this.signatureOf(index),
      reason: REASONS[this.reasons[index]!]!,
      defaultId: this.defaultIds[index]!,
      occurredAt: this.occurredAts[index]!,
    };
    return { anchor, origin: this.originOf(index), signatureValid: this.validityOf(index) };
  }

  private signatureOf(index: number): string {
    return this.oddSignatures.get(index) ?? Buffer.from(this.signatures.buffer, this.signatures.byteOffset + index * 64, 64).toString('base64url');
  }

  private grow(): void {
    const n = this.seqs.length * 2;
    const bigger = <T extends Uint8Array | Int8Array | Uint16Array | Int32Array | Float64Array>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(n * per);
      b.set(a);
      return b;
    };
    this.journals = bigger(this.journals, (k) => new Uint8Array(k));
    this.seqs = bigger(this.seqs, (k) => new Float64Array(k));
    this.hashes = bigger(this.hashes, (k) => new Uint8Array(k), 32);
    this.signatures = bigger(this.signatures, (k) => new Uint8Array(k), 64);
    this.validity = bigger(this.validity, (k) => new Int8Array(k));
    this.reasons = bigger(this.reasons, (k) => new Uint8Array(k));
    this.files = bigger(this.files, (k) => new Uint16Array(k));
    this.lines = bigger(this.lines, (k) => new Int32Array(k));
    this.nextSamePrefix = bigger(this.nextSamePrefix, (k) => new Int32Array(k));
  }
}

/**
 * Reads one anchors file (one JSON anchor a line; blank lines and CR endings tolerated — an anchor
 * vouches for itself by its signature) into `store`, each distinct anchor's signature checked once.
 * A missing file is a problem of the file as a whole.
 */
export async function readAnchorFile(path: string, label: string, keyring: JournalKeyring | null, store: AnchorStore): Promise<AnchorFileProblem[]> {
  const problems: AnchorFileProblem[] = [];
  if (!existsSync(path)) return [{ file: label, position: -1, reason: `${label} does not exist` }];
  const file = store.label(label);
  for await (const line of readRawLines(path)) {
    const text = line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text;
    if (text.trim().length === 0) continue;
    let anchor: JournalAnchor;
    try {
      anchor = parseAnchor(JSON.parse(text) as unknown);
    } catch (error) {
      problems.push({ file: label, position: line.position, reason: `${label} line ${line.position + 1} is not an anchor: ${(error as Error).message}` });
      continue;
    }
    if (store.indexOf(anchor) >= 0) continue; // the same signed head from two sources (or twice in one)
    store.add(anchor, file, line.position, keyring ? verifyHead(keyring, anchor) : null);
  }
  return problems;
}

/** What an anchor or a pinned head says about the journal as it is now. */
export type AnchorStatus =
  /** the journal's record at that seq has that hash (and, for an anchor, the signature is the owner's) */
  | 'verified'
  /** an anchor whose signature is not the journal owner's: not used */
  | 'signature-invalid'
  /** an anchor that cannot be checked: there is no keyring */
  | 'unchecked'
  /** the journal file is missing */
  | 'journal-missing'
  /** the journal ends before that seq: truncated */
  | 'beyond-end'
  /** the record at that seq has another hash: rewritten */
  | 'hash-mismatch';

export interface AnchorCheck {
  readonly journal: Producer;
  readonly seq: number;
  readonly hash: string;
  /** null for a pinned head (--expect-head) */
  readonly signature: string | null;
  readonly reason: AnchorReason | 'expected';
  readonly defaultId: string | null;
  readonly origin: string;
  readonly signatureValid: boolean | null;
  readonly status: AnchorStatus;
}

/** A finding of the anchor checks, positioned by the journal's record index (its seq, when intact). */
export interface AnchorFinding {
  readonly journal: Producer;
  /** index of the record it is about (-1: none, e.g. the journal is missing) */
  readonly index: number;
  readonly field: 'signature' | 'hash' | 'seq' | 'file';
  readonly reason: string;
}

export interface JournalAnchorResult {
  readonly journal: Producer;
  /** how many distinct anchors of this journal were checked */
  readonly anchorsChecked: number;
  /** the heads pinned for this journal (--expect-head), checked */
  readonly expectedHeads: AnchorCheck[];
  /** the latest anchor checked (highest seq; a verified one among equals), or null */
  readonly latest: AnchorCheck | null;
  /** seq of the last record a valid signed head of the owner covers; -1 if none */
  readonly signedThrough: number;
  readonly findings: AnchorFinding[];
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`;
export const signaturePrefix = (signature: string): string => `${signature.slice(0, 16)}…`;

/**
 * Every anchor and pinned head, by journal. Feed each journal's records through `watch(journal)`
 * while streaming it (only the hashes at anchored seqs are kept), then `settle()` it.
 */
export class AnchorBook {
  private readonly byJournal = new Map<Producer, number[]>();
  private readonly expectedByJournal = new Map<Producer, ExpectedHead[]>();

  constructor(
    private readonly store: AnchorStore,
    expected: readonly ExpectedHead[] = [],
  ) {
    for (let i = 0; i < store.count; i += 1) {
      const journal = store.journalOf(i);
      const list = this.byJournal.get(journal) ?? [];
      list.push(i);
      this.byJournal.set(journal, list);
    }
    for (const h of expected) {
      const list = this.expectedByJournal.get(h.journal) ?? [];
      list.push(h);
      this.expectedByJournal.set(h.journal, list);
    }
  }

  anchorsOf(journal: Producer): readonly AnchorEntry[] {
    return (this.byJournal.get(journal) ?? []).map((i) => this.store.entry(i));
  }

  watch(journal: Producer): JournalAnchorWatch {
    return new JournalAnchorWatch(journal, this.store, Int32Array.from(this.byJournal.get(journal) ?? []), this.expectedByJournal.get(journal) ?? []);
  }
}

/** How a record hash observed at a wanted seq is kept: absent, as its 32 bytes, or (not 64 hex digits) as text. */
const NOT_SEEN = 0;
const SEEN_BYTES = 1;
const SEEN_TEXT = 2;

/** One group of checks (anchors with a valid signature, or pinned heads): what its findings need. */
interface GroupTally {
  beyond: number;
  /** the beyond-end check of highest seq (the first such) */
  lastBeyond: AnchorCheck | null;
  rewritten: number;
  /** the hash-mismatch check of lowest seq (the first such) */
  firstRewritten: AnchorCheck | null;
  /** the journal-missing check of highest seq (the first such) */
  lastMissing: AnchorCheck | null;
}

const emptyTally = (): GroupTally => ({ beyond: 0, lastBeyond: null, rewritten: 0, firstRewritten: null, lastMissing: null });

export class JournalAnchorWatch {
  /** the wanted seqs, ascending, distinct */
  private readonly wanted: Float64Array;
  private readonly seen: Uint8Array;
  private readonly seenBytes: Uint8Array;
  private readonly seenText = new Map<number, string>();

  constructor(
    readonly journal: Producer,
    private readonly store: AnchorStore,
    /** this journal's anchors (indices into the store), in the order read */
    private readonly anchors: Int32Array,
    private readonly expected: readonly ExpectedHead[],
  ) {
    const seqs = new Set<number>(expected.map((h) => h.seq));
    for (const i of anchors) seqs.add(store.seqOf(i));
    this.wanted = Float64Array.from([...seqs].sort((a, b) => a - b));
    this.seen = new Uint8Array(this.wanted.length);
    this.seenBytes = new Uint8Array(this.wanted.length * 32);
  }

  /** Whether the hash of the record at this index is needed (the caller may skip parsing it otherwise). */
  wants(index: number): boolean {
    return this.slotOf(index) >= 0;
  }

  /** The record at `index` (0-based among the journal's records) has this hash. */
  observe(index: number, hash: string): void {
    const slot = this.slotOf(index);
    if (slot < 0 || this.seen[slot] !== NOT_SEEN) return;
    if (HEX_HASH.test(hash)) {
      Buffer.from(hash, 'hex').copy(this.seenBytes, slot * 32);
      this.seen[slot] = SEEN_BYTES;
    } else {
      this.seenText.set(slot, hash);
      this.seen[slot] = SEEN_TEXT;
    }
  }

  /**
   * Checks every anchor and pinned head against what was observed, and that the last record is
   * covered by a valid signed head; `records` is the journal's record count, null if its file is missing.
   */
  settle(records: number | null, keyringAvailable: boolean): JournalAnchorResult {
    const journal = this.journal;
    const findings: AnchorFinding[] = [];
    const anchorsGroup = emptyTally();
    const pinnedGroup = emptyTally();
    let signedThrough = -1;
    let signedOrigin = '';
    let latest: { index: number; status: AnchorStatus } | null = null;
    for (const i of this.anchors) {
      const seq = this.store.seqOf(i);
      const valid = this.store.validityOf(i);
      const status: AnchorStatus = valid === null ? 'unchecked' : valid ? this.statusAt(records, seq, (slot) => this.seenIs(slot, i)) : 'signature-invalid';
      if (status === 'signature-invalid') {
        findings.push({ journal, index: -1, field: 'signature', reason: `the anchor of ${journal} seq ${seq} (${this.store.originOf(i)}) is not signed by ${journal}'s key: not used` });
      }
      if (valid === true) this.tally(anchorsGroup, status, seq, () => this.checkOf(i, status));
      if (status === 'verified' && seq > signedThrough) {
        signedThrough = seq;
        signedOrigin = this.store.originOf(i);
      }
      const rank = status === 'verified' ? 1 : 0;
      if (!latest || seq > this.store.seqOf(latest.index) || (seq === this.store.seqOf(latest.index) && rank > (latest.status === 'verified' ? 1 : 0))) latest = { index: i, status };
    }
    const expectedHeads = this.expected.map((h) => this.pinnedCheck(h, this.statusAt(records, h.seq, (slot) => this.seenHash(slot) === h.hash)));
    for (const c of expectedHeads) this.tally(pinnedGroup, c.status, c.seq, () => c);

    // anchors with a valid signature, and pinned heads (the auditor's word), each group reported on its own
    const describe = (c: AnchorCheck): string => (c.signature === null ? `expected head at seq ${c.seq} (--expect-head)` : `anchored at seq ${c.seq} (${c.origin})`);
    for (const [group, noun] of [
      [anchorsGroup, 'anchor(s)'],
      [pinnedGroup, 'pinned head(s)'],
    ] as const) {
      if (group.lastBeyond && records !== null) {
        const c = group.lastBeyond;
        const more = group.beyond > 1 ? `; ${group.beyond - 1} more ${noun} beyond its end` : '';
        const end = records === 0 ? `${journal} is empty` : `${journal} ends at seq ${records - 1}`;
        findings.push({ journal, index: records, field: 'seq', reason: `${end}, ${describe(c)}: the journal was truncated${more}` });
      }
      if (group.firstRewritten) {
        const c = group.firstRewritten;
        const seen = this.seenHash(this.slotOf(c.seq));
        const more = group.rewritten > 1 ? `; ${group.rewritten - 1} more ${noun} disagree` : '';
        findings.push({
          journal,
          index: c.seq,
          field: 'hash',
          reason: `${journal} seq ${c.seq}: ${seen ? `hash ${short(seen)}` : 'an unreadable record'} ≠ ${c.signature === null ? 'expected' : 'anchored'} hash ${short(c.hash)} (${c.origin}): the chain was rewritten${more}`,
        });
      }
    }
    const missing = [anchorsGroup.lastMissing, pinnedGroup.lastMissing].filter((c): c is AnchorCheck => c !== null);
    const latestMissing = missing.sort((x, y) => y.seq - x.seq)[0];
    if (latestMissing) findings.push({ journal, index: -1, field: 'file', reason: `${journal} journal is missing, ${describe(latestMissing)}` });

    // signature coverage: the last record must be a head the owner validly signed
    if (records !== null && records - 1 > signedThrough) {
      const from = signedThrough + 1;
      const through = records - 1;
      const why = !keyringAvailable
        ? 'there is no keyring to check signatures against'
        : signedThrough >= 0
          ? `the last valid signed head is at seq ${signedThrough} (${signedOrigin})`
          : 'no anchor of this journal with a valid signature matches it';
      findings.push({
        journal,
        index: from,
        field: 'signature',
        reason: `${journal} records ${from}..${through} carry no signature of ${journal}'s key (${why})`
      });
    }
    return {
      journal,
      anchorsChecked: this.anchors.length,
      expectedHeads,
      latest: latest ? this.checkOf(latest.index, latest.status) : null,
      signedThrough,
      findings,
    };
  }

  private statusAt(records: number | null, seq: number, seenMatches: (slot: number) => boolean): AnchorStatus {
    if (records === null) return 'journal-missing';
    if (seq >= records) return 'beyond-end';
    return seenMatches(this.slotOf(seq)) ? 'verified' : 'hash-mismatch';
  }

  private tally(group: GroupTally, status: AnchorStatus, seq: number, check: () => AnchorCheck): void {
    if (status === 'beyond-end') {
      group.beyond += 1;
      if (!group.lastBeyond || seq > group.lastBeyond.seq) group.lastBeyond = check();
    } else if (status === 'hash-mismatch') {
      group.rewritten += 1;
      if (!group.firstRewritten || seq < group.firstRewritten.seq) group.firstRewritten = check();
    } else if (status === 'journal-missing') {
      if (!group.lastMissing || seq > group.lastMissing.seq) group.lastMissing = check();
    }
  }

  private checkOf(index: number, status: AnchorStatus): AnchorCheck {
    const { anchor: a, origin, signatureValid } = this.store.entry(index);
    return { journal: this.journal, seq: a.seq, hash: a.hash, signature: a.signature, reason: a.reason, defaultId: a.defaultId, origin, signatureValid, status };
  }

  private pinnedCheck(h: ExpectedHead, status: AnchorStatus): AnchorCheck {
    return { journal: this.journal, seq: h.seq, hash: h.hash, signature: null, reason: 'expected', defaultId: null, origin: '--expect-head', signatureValid: null, status };
  }

  /** the slot of a wanted seq, or -1 */
  private slotOf(seq: number): number {
    let lo = 0;
    let hi = this.wanted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.wanted[mid]!;
      if (v === seq) return mid;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private seenHash(slot: number): string | undefined {
    if (slot < 0) return undefined;
    switch (this.seen[slot]) {
      case SEEN_BYTES:
        return Buffer.from(this.seenBytes.buffer, this.seenBytes.byteOffset + slot * 32, 32).toString('hex');
      case SEEN_TEXT:
        return this.seenText.get(slot);
      default:
        return undefined;
    }
  }

  /** whether the hash observed at the slot is the stored anchor's */
  private seenIs(slot: number, anchor: number): boolean {
    if (slot < 0 || this.seen[slot] !== SEEN_BYTES) return false; // an anchor's hash is 64 hex digits: text never matches
    return this.store.hashIs(anchor, this.seenBytes.subarray(slot * 32, slot * 32 + 32));
  }
}

/**
 * All anchors an audit checks: the directory's own anchors.jsonl (which must exist: without it no
 * journal is signed) and the auditor's files, each checked against the keyring.
 */
export async function readAnchors(
  dir: string,
  anchorFiles: readonly string[],
  keyring: JournalKeyring | null,
): Promise<{ entries: AnchorStore; problems: AnchorFileProblem[]; directoryHasAnchors: boolean }> {
  const store = new AnchorStore();
  const problems: AnchorFileProblem[] = [];
  const own = join(dir, ANCHORS_FILE);
  const directoryHasAnchors = existsSync(own);
  if (directoryHasAnchors) problems.push(...(await readAnchorFile(own, ANCHORS_FILE, keyring, store)));
  else {
    problems.push({
      file: ANCHORS_FILE,
      position: -1,
      reason: `${ANCHORS_FILE} is missing from the journal directory: nothing says the journals' owners wrote them (ccp simulate and the Kafka export write it beside the journals)`,
    });
  }
  for (const file of anchorFiles) problems.push(...(await readAnchorFile(file, file, keyring, store)));
  return { entries: store, problems, directoryHasAnchors };
}
