import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventEnvelope, Producer, PRODUCERS } from '@ccp/contracts';
import { DECIDERS, JournaledDecider, journalFileName } from '@ccp/engine';
import { lineForm } from './canonical-line';
import { CollectedFacts, CrossFinding, StreamingCrossChecks } from './cross-journal-facts';
import { AUDIT_HEAP_GROWTH_PERCENT, withBoundedHeapGrowth } from './heap-growth';
import { AnchorBook, AnchorCheck, ExpectedHead, GivenKeyring, JournalAnchorResult, KeyringProvenance, readAnchors, resolveTrust } from './journal-anchors';
import { LineCursor, readRawLines } from './journal-lines';
import { JournalReplay } from './journal-replay';

export interface Finding {
  /**
   * the producer whose journal holds the record ('cross-journal' for a check with no record to pin
   * it to; 'anchors' / 'keyring' for the files of signed heads and public keys beside the journals)
   */
  readonly journal: string;
  /** 0-based line of the journal file; -1 when the finding is about a record that is missing */
  readonly position: number;
  readonly recordId: string | null;
  /** the field that is wrong (`payload.amount`, `hash`, `seq`, `type`, `signature`, …; `line` for the line's bytes) */
  readonly field: string;
  readonly reason: string;
}

export interface JournalSummary {
  readonly producer: Producer;
  readonly records: number;
  /** hash of the last record whose chain verified */
  readonly headHash: string;
  /** seq of the last record a valid signed head of the owner covers; -1 if none */
  readonly signedThrough: number;
  /** the latest anchor (highest seq) this journal was checked against, with what it found; null if none */
  readonly latestAnchor: AnchorCheck | null;
  /** how many distinct anchors of this journal were checked */
  readonly anchorsChecked: number;
  /** the heads the auditor pinned for this journal (--expect-head), checked */
  readonly expectedHeads: AnchorCheck[];
}

export interface VerificationReport {
  readonly ok: boolean;
  /** where the public keys the signatures were checked against came from; null if there were none */
  readonly keyring: KeyringProvenance | null;
  /** what the reader must know that is not a failure (keys from the audited directory, development keys) */
  readonly warnings: string[];
  readonly journals: JournalSummary[];
  readonly defaultsChecked: number;
  readonly firstFinding: Finding | null;
  /** at most MAX_FINDINGS */
  readonly findings: Finding[];
}

export const MAX_FINDINGS = 100;

/** Where a long replay is (for a progress line): the journal being read and the line reached. */
export interface VerifyProgress {
  readonly journal: Producer;
  /** 0-based line of the journal just read (its seq, when the journal is intact) */
  readonly position: number;
  /** lines read so far, all journals */
  readonly recordsRead: number;
}

export interface VerifyOptions {
  /** called every `progressEvery` lines read */
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** default 10,000 */
  readonly progressEvery?: number;
  /** the journal owners' public keys; default the directory's own keyring.json (and a warning that says so) */
  readonly keyring?: GivenKeyring;
  /** anchors files the auditor holds (the anchor topic, the read model, an earlier export), besides the directory's anchors.jsonl */
  readonly anchorFiles?: readonly string[];
  /** heads the auditor pins: each journal must reach the seq, and its record there have the hash */
  readonly expectedHeads?: readonly ExpectedHead[];
  /** how far V8's heap may grow past the live heap while verifying, in percent (heap-growth.ts); default 50, 0 leaves V8's own policy */
  readonly heapGrowthPercent?: number;
}

/**
 * Verifies the four file journals in `dir` (design.md §3, §5; docs/adr/0007-signed-journal-heads.md):
 * each line is exactly the canonical serialization of its record (no whitespace, CR, blank line,
 * duplicate key), the hash chain is intact, every recorded input re-decides to exactly the recorded
 * events, each journal's last record is a head its owner validly signed, every anchor and pinned head
 * is still in the journal (not truncated, not rewritten), and the cross-journal invariants hold
 * (every default walked to the end of its waterfall, conservation to the cent, tranche order,
 * allocation of every residual, routed inputs point at real wire events).
 * The journals are streamed one after the other, each with only its own decider's state, and each
 * record is dropped once checked: besides that state, what is held is what a pending check still
 * waits for — the decision being recorded, the commands in flight between two journals (16 bytes
 * and a seq each), the defaults whose waterfall is not read yet — not what was ever read. When a
 * cross-journal check fails, or a journal does not verify, the journals are read a second time to
 * collect every fact and name each failure.
 */
export async function verifyJournals(dir: string, deciders: Readonly<Record<Producer, JournaledDecider>> = DECIDERS, options: VerifyOptions = {}): Promise<VerificationReport> {
  return withBoundedHeapGrowth(options.heapGrowthPercent ?? AUDIT_HEAP_GROWTH_PERCENT, () => verify(dir, deciders, options));
}

async function verify(dir: string, deciders: Readonly<Record<Producer, JournaledDecider>>, options: VerifyOptions): Promise<VerificationReport> {
  const { onProgress } = options;
  const progressEvery = Math.max(1, options.progressEvery ?? 10_000);
  let recordsRead = 0;
  const tick = (journal: Producer, position: number): void => {
    recordsRead += 1;
    if (onProgress && recordsRead % progressEvery === 0) onProgress({ journal, position, recordsRead });
  };
  // findings in the order the report lists them: keys and anchors, then each journal's, then the cross-journal ones
  const head = new FindingLog();
  const byJournal = new Map<Producer, FindingLog>(PRODUCERS.map((p) => [p, new FindingLog()]));
  const crossJournal = new FindingLog();
  const broken = new Set<Producer>();

  // (a) who wrote them: the keyring, the anchors
  const trust = resolveTrust(dir, options.keyring);
  if (trust.problem) head.add({ journal: 'keyring', position: -1, recordId: null, field: 'file', reason: trust.problem });
  const read = await readAnchors(dir, options.anchorFiles ?? [], trust.keyring);
  for (const p of read.problems) head.add({ journal: 'anchors', position: p.position, recordId: null, field: p.position < 0 ? 'file' : 'line', reason: p.reason });
  const book = new AnchorBook(read.entries, options.expectedHeads ?? []);
  const keyringAvailable = trust.keyring !== null;

  // (b)–(e) each journal in turn: its lines, chain, re-decided inputs and signed heads
  const cross = new StreamingCrossChecks(deciders);
  const journals: JournalSummary[] = [];
  /** per journal read, how many of its records verified before the first that did not (the facts a second read collects) */
  const collected = new Map<Producer, number>();
  for (const producer of PRODUCERS) {
    const log = byJournal.get(producer)!;
    const watch = book.watch(producer);
    const path = join(dir, journalFileName(producer));
    if (!existsSync(path)) {
      const settled = watch.settle(null, keyringAvailable);
      const anchored = settled.findings.find((f) => f.field === 'file');
      log.add({ journal: producer, position: -1, recordId: null, field: 'file', reason: `journal file ${journalFileName(producer)} is missing${anchored ? `: ${anchored.reason}` : ''}` });
      for (const f of settled.findings) if (f !== anchored) log.add({ journal: producer, position: -1, recordId: null, field: f.field, reason: f.reason });
      broken.add(producer);
      cross.spoil(`${producer} is missing`);
      journals.push({ producer, records: 0, headHash: '', ...anchorSummary(settled) });
      continue;
    }
    cross.begin(producer);
    const replay = new JournalReplay(producer, deciders[producer], watch, cross, (f) => log.add(f));
    const lines = new LineCursor(path);
    for (;;) {
      const line = lines.take();
      if (line) {
        tick(producer, line.position);
        replay.step(line);
      } else if (!(await lines.fill())) break;
    }
    const settled = replay.finish(keyringAvailable);
    if (replay.failed) broken.add(producer);
    collected.set(producer, replay.collected);
    journals.push({ producer, records: replay.records, headHash: settled.headHash, ...anchorSummary(settled) });
  }

  // (f) the cross-journal checks: vouched for while reading, or else every fact collected and checked
  let defaultsChecked = cross.defaultsChecked;
  if (!cross.finish()) {
    const facts = new CollectedFacts(deciders);
    for (const [producer, count] of collected) await collectAgain(dir, producer, count, facts);
    defaultsChecked = facts.check((j) => !broken.has(j as Producer), (f: CrossFinding) => crossJournal.add(f));
  }

  const logs = [head, ...PRODUCERS.map((p) => byJournal.get(p)!), crossJournal];
  const findings = logs.flatMap((l) => l.findings).slice(0, MAX_FINDINGS);
  const firstFinding = findings[0] ?? null;
  return { ok: firstFinding === null, keyring: trust.provenance, warnings: trust.warnings, journals, defaultsChecked, firstFinding, findings };
}

/** The first MAX_FINDINGS findings of one part of the report (the report lists no more). */
class FindingLog {
  readonly findings: Finding[] = [];

  add(f: Finding): void {
    if (this.findings.length < MAX_FINDINGS) this.findings.push(f);
  }
}

/** The facts of a journal's verified records (all before its first failing one), read again. */
async function collectAgain(dir: string, producer: Producer, count: number, facts: CollectedFacts): Promise<void> {
  let index = 0;
  for await (const line of readRawLines(join(dir, journalFileName(producer)))) {
    const text = lineForm(line).body;
    if (text === null) continue;
    if (index >= count) return;
    index += 1;
    let record: EventEnvelope;
    try {
      record = JSON.parse(text) as EventEnvelope;
    } catch {
      throw new Error(`${journalFileName(producer)} changed while it was audited: line ${line.position + 1} verified, and no longer parses`);
    }
    facts.collect(producer, line.position, record);
  }
}

function anchorSummary(settled: JournalAnchorResult): Pick<JournalSummary, 'signedThrough' | 'latestAnchor' | 'anchorsChecked' | 'expectedHeads'> {
  return { signedThrough: settled.signedThrough, latestAnchor: settled.latest, anchorsChecked: settled.anchorsChecked, expectedHeads: settled.expectedHeads };
}

/**
 * One finding as a line of text: `margin line 17 (margin:16): not the canonical serialization …`,
 * `liquidation line 5 (liquidation:4) payload.amount: …`, `anchors file: …`. Lines count from 1.
 */
export function formatFinding(f: Finding): string {
  const where = `${f.journal}${f.position >= 0 ? ` line ${f.position + 1}` : ''}${f.recordId ? ` (${f.recordId})` : ''}`;
  return f.field === 'line' ? `${where}: ${f.reason}` : `${where} ${f.field}: ${f.reason}`;
}
