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

/**
 * Reads one anchors file (one JSON anchor a line; blank lines and CR endings tolerated — an anchor
 * vouches for itself by its signature). A missing file is a problem of the file as a whole.
 */
export async function readAnchorFile(
  path: string,
  label: string,
  keyring: JournalKeyring | null,
  /** signature checks already made (journal|seq|hash|signature → valid): the same anchor held twice is checked once */
  verified: Map<string, boolean> = new Map(),
): Promise<{ entries: AnchorEntry[]; problems: AnchorFileProblem[] }> {
  const entries: AnchorEntry[] = [];
  const problems: AnchorFileProblem[] = [];
  if (!existsSync(path)) return { entries, problems: [{ file: label, position: -1, reason: `${label} does not exist` }] };
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
    let signatureValid: boolean | null = null;
    if (keyring) {
      const key = `${anchor.journal}|${anchor.seq}|${anchor.hash}|${anchor.signature}`;
      signatureValid = verified.get(key) ?? verifyHead(keyring, anchor);
      verified.set(key, signatureValid);
    }
    entries.push({ anchor, origin: `${label} line ${line.position + 1}`, signatureValid });
  }
  return { entries, problems };
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
  /** every anchor and pinned head of this journal, checked */
  readonly checks: AnchorCheck[];
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
  private readonly byJournal = new Map<Producer, AnchorEntry[]>();
  private readonly expectedByJournal = new Map<Producer, ExpectedHead[]>();

  constructor(entries: readonly AnchorEntry[], expected: readonly ExpectedHead[] = []) {
    const seen = new Set<string>();
    for (const e of entries) {
      const a = e.anchor;
      const key = `${a.journal}|${a.seq}|${a.hash}|${a.signature}`;
      if (seen.has(key)) continue; // the same signed head from two sources
      seen.add(key);
      const list = this.byJournal.get(a.journal) ?? [];
      list.push(e);
      this.byJournal.set(a.journal, list);
    }
    for (const h of expected) {
      const list = this.expectedByJournal.get(h.journal) ?? [];
      list.push(h);
      this.expectedByJournal.set(h.journal, list);
    }
  }

  anchorsOf(journal: Producer): readonly AnchorEntry[] {
    return this.byJournal.get(journal) ?? [];
  }

  watch(journal: Producer): JournalAnchorWatch {
    return new JournalAnchorWatch(journal, this.anchorsOf(journal), this.expectedByJournal.get(journal) ?? []);
  }
}

export class JournalAnchorWatch {
  private readonly wanted = new Map<number, { hash: string } | null>();

  constructor(
    readonly journal: Producer,
    private readonly anchors: readonly AnchorEntry[],
    private readonly expected: readonly ExpectedHead[],
  ) {
    for (const e of anchors) this.wanted.set(e.anchor.seq, null);
    for (const h of expected) this.wanted.set(h.seq, null);
  }

  /** Whether the hash of the record at this index is needed (the caller may skip parsing it otherwise). */
  wants(index: number): boolean {
    return this.wanted.has(index);
  }

  /** The record at `index` (0-based among the journal's records) has this hash. */
  observe(index: number, hash: string): void {
    if (this.wanted.has(index) && this.wanted.get(index) === null) this.wanted.set(index, { hash });
  }

  /**
   * Checks every anchor and pinned head against what was observed, and that the last record is
   * covered by a valid signed head; `records` is the journal's record count, null if its file is missing.
   */
  settle(records: number | null, keyringAvailable: boolean): JournalAnchorResult {
    const journal = this.journal;
    const statusAt = (seq: number, hash: string): AnchorStatus => {
      if (records === null) return 'journal-missing';
      if (seq >= records) return 'beyond-end';
      const seen = this.wanted.get(seq);
      return seen && seen.hash === hash ? 'verified' : 'hash-mismatch';
    };
    const checks: AnchorCheck[] = [];
    for (const { anchor: a, origin, signatureValid } of this.anchors) {
      const status: AnchorStatus = signatureValid === null ? 'unchecked' : signatureValid ? statusAt(a.seq, a.hash) : 'signature-invalid';
      checks.push({ journal, seq: a.seq, hash: a.hash, signature: a.signature, reason: a.reason, defaultId: a.defaultId, origin, signatureValid, status });
    }
    for (const h of this.expected) {
      checks.push({ journal, seq: h.seq, hash: h.hash, signature: null, reason: 'expected', defaultId: null, origin: '--expect-head', signatureValid: null, status: statusAt(h.seq, h.hash) });
    }

    const findings: AnchorFinding[] = [];
    for (const c of checks.filter((c) => c.status === 'signature-invalid')) {
      findings.push({ journal, index: -1, field: 'signature', reason: `the anchor of ${journal} seq ${c.seq} (${c.origin}) is not signed by ${journal}'s key: not used` });
    }
    // anchors with a valid signature, and pinned heads (the auditor's word), each group reported on its own
    const describe = (c: AnchorCheck): string => (c.signature === null ? `expected head at seq ${c.seq} (--expect-head)` : `anchored at seq ${c.seq} (${c.origin})`);
    const groups = [checks.filter((c) => c.signature !== null && c.signatureValid === true), checks.filter((c) => c.signature === null)];
    const missing: AnchorCheck[] = [];
    for (const used of groups) {
      const noun = used[0]?.signature === null ? 'pinned head(s)' : 'anchor(s)';
      const beyond = used.filter((c) => c.status === 'beyond-end').sort((x, y) => y.seq - x.seq);
      if (beyond.length > 0 && records !== null) {
        const c = beyond[0]!;
        const more = beyond.length > 1 ? `; ${beyond.length - 1} more ${noun} beyond its end` : '';
        const end = records === 0 ? `${journal} is empty` : `${journal} ends at seq ${records - 1}`;
        findings.push({ journal, index: records, field: 'seq', reason: `${end}, ${describe(c)}: the journal was truncated${more}` });
      }
      const rewritten = used.filter((c) => c.status === 'hash-mismatch').sort((x, y) => x.seq - y.seq);
      if (rewritten.length > 0) {
        const c = rewritten[0]!;
        const seen = this.wanted.get(c.seq)?.hash;
        const more = rewritten.length > 1 ? `; ${rewritten.length - 1} more ${noun} disagree` : '';
        findings.push({
          journal,
          index: c.seq,
          field: 'hash',
          reason: `${journal} seq ${c.seq}: ${seen ? `hash ${short(seen)}` : 'an unreadable record'} ≠ ${c.signature === null ? 'expected' : 'anchored'} hash ${short(c.hash)} (${c.origin}): the chain was rewritten${more}`,
        });
      }
      missing.push(...used.filter((c) => c.status === 'journal-missing'));
    }
    const latestMissing = missing.sort((x, y) => y.seq - x.seq)[0];
    if (latestMissing) findings.push({ journal, index: -1, field: 'file', reason: `${journal} journal is missing, ${describe(latestMissing)}` });

    // signature coverage: the last record must be a head the owner validly signed
    const signed = checks.filter((c) => c.signature !== null && c.status === 'verified');
    const signedThrough = signed.reduce((m, c) => Math.max(m, c.seq), -1);
    if (records !== null && records - 1 > signedThrough) {
      const from = signedThrough + 1;
      const through = records - 1;
      const why = !keyringAvailable
        ? 'there is no keyring to check signatures against'
        : signedThrough >= 0
          ? `the last valid signed head is at seq ${signedThrough} (${signed.find((c) => c.seq === signedThrough)!.origin})`
          : 'no anchor of this journal with a valid signature matches it';
      findings.push({
        journal,
        index: from,
        field: 'signature',
        reason: `${journal} records ${from}..${through} carry no signature of ${journal}'s key (${why})`
      });
    }

    const anchorChecks = checks.filter((c) => c.signature !== null);
    const rank = (c: AnchorCheck): number => (c.status === 'verified' ? 1 : 0);
    const latest = anchorChecks.reduce<AnchorCheck | null>((best, c) => (!best || c.seq > best.seq || (c.seq === best.seq && rank(c) > rank(best)) ? c : best), null);
    return { journal, checks, latest, signedThrough, findings };
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
): Promise<{ entries: AnchorEntry[]; problems: AnchorFileProblem[]; directoryHasAnchors: boolean }> {
  const entries: AnchorEntry[] = [];
  const problems: AnchorFileProblem[] = [];
  const verified = new Map<string, boolean>();
  const own = join(dir, ANCHORS_FILE);
  const directoryHasAnchors = existsSync(own);
  if (directoryHasAnchors) {
    const r = await readAnchorFile(own, ANCHORS_FILE, keyring, verified);
    entries.push(...r.entries);
    problems.push(...r.problems);
  } else {
    problems.push({
      file: ANCHORS_FILE,
      position: -1,
      reason: `${ANCHORS_FILE} is missing from the journal directory: nothing says the journals' owners wrote them (ccp simulate and the Kafka export write it beside the journals)`,
    });
  }
  for (const file of anchorFiles) {
    const r = await readAnchorFile(file, file, keyring, verified);
    entries.push(...r.entries);
    problems.push(...r.problems);
  }
  return { entries, problems, directoryHasAnchors };
}
