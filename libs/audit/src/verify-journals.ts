import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalJson,
  Command,
  CommandMeta,
  DomainEvent,
  EventEnvelope,
  HashChainVerifier,
  INPUT_TOPICS,
  JOURNAL_TOPICS,
  Producer,
  PRODUCERS,
  recordId,
  WIRE_EVENT_SCHEMAS,
} from '@ccp/contracts';
import { CommandGuard, commandIdOfInput, CommandRejectedPayload, DECIDERS, guardCommand, JournaledDecider, journalFileName, newCommandGuard, streamOf } from '@ccp/engine';
import { canonicalProblem, lineForm } from './canonical-line';
import { checkDefault, DefaultFacts, emptyDefaultFacts, InvariantResult } from './default-invariants';
import { AnchorBook, AnchorCheck, ExpectedHead, GivenKeyring, JournalAnchorResult, JournalAnchorWatch, KeyringProvenance, readAnchors, resolveTrust } from './journal-anchors';
import { readRawLines } from './journal-lines';
import { firstDifference } from './payload-diff';

/** The venue's upstream topics: inputs recorded from them have no journal record to point at. */
const UPSTREAM_TOPICS: ReadonlySet<string> = new Set(Object.values(INPUT_TOPICS));

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
}

/** What a recorded event must equal, as re-decided from its input. */
interface ExpectedRecord {
  readonly type: string;
  readonly stream: string;
  readonly payload: unknown;
  readonly correlationId: string | null;
  readonly rejectionCode?: string;
}

interface PendingInput {
  readonly input: EventEnvelope;
  readonly expected: readonly ExpectedRecord[];
  readonly events: readonly DomainEvent[];
  next: number;
}

/** A wire event seen in a source journal, and a digest of each command it becomes for each consumer. */
interface WireFact {
  readonly type: string;
  readonly digests: Map<Producer, string[]>;
}

interface RoutedInputFact {
  readonly journal: Producer;
  readonly position: number;
  readonly recordId: string;
  readonly sourceJournal: Producer | null;
  readonly topic: string;
  readonly offset: string;
  readonly causationId: string | null;
  readonly digest: string;
}

const isWireEvent = (type: string): boolean => Object.prototype.hasOwnProperty.call(WIRE_EVENT_SCHEMAS, type);
const producerOfTopic = new Map<string, Producer>(PRODUCERS.map((p) => [JOURNAL_TOPICS[p], p]));
const commandDigest = (type: string, payload: unknown): string =>
  createHash('sha256')
    .update(canonicalJson({ type, payload }))
    .digest('hex')
    .slice(0, 32);

/**
 * Verifies the four file journals in `dir` (design.md §3, §5; docs/adr/0007-signed-journal-heads.md):
 * each line is exactly the canonical serialization of its record (no whitespace, CR, blank line,
 * duplicate key), the hash chain is intact, every recorded input re-decides to exactly the recorded
 * events, each journal's last record is a head its owner validly signed, every anchor and pinned head
 * is still in the journal (not truncated, not rewritten), and the cross-journal invariants hold
 * (every default walked to the end of its waterfall, conservation to the cent, tranche order,
 * allocation of every residual, routed inputs point at real wire events).
 * Journals are streamed; only small facts (per default, per wire event, per anchor) are kept.
 */
export async function verifyJournals(dir: string, deciders: Readonly<Record<Producer, JournaledDecider>> = DECIDERS, options: VerifyOptions = {}): Promise<VerificationReport> {
  const { onProgress } = options;
  const progressEvery = Math.max(1, options.progressEvery ?? 10_000);
  let recordsRead = 0;
  const findings: Finding[] = [];
  let firstFinding: Finding | null = null;
  const report = (f: Finding): void => {
    firstFinding ??= f;
    if (findings.length < MAX_FINDINGS) findings.push(f);
  };
  const journals: JournalSummary[] = [];
  const broken = new Set<Producer>();
  const defaults = new Map<string, DefaultFacts>();
  const factsOf = (id: string): DefaultFacts => {
    let f = defaults.get(id);
    if (!f) {
      f = emptyDefaultFacts(id);
      defaults.set(id, f);
    }
    return f;
  };
  const wire = new Map<Producer, Map<number, WireFact>>(PRODUCERS.map((p) => [p, new Map()]));
  const routed: RoutedInputFact[] = [];

  // (a) who wrote them: the keyring, the anchors
  const trust = resolveTrust(dir, options.keyring);
  if (trust.problem) report({ journal: 'keyring', position: -1, recordId: null, field: 'file', reason: trust.problem });
  const read = await readAnchors(dir, options.anchorFiles ?? [], trust.keyring);
  for (const p of read.problems) report({ journal: 'anchors', position: p.position, recordId: null, field: p.position < 0 ? 'file' : 'line', reason: p.reason });
  const book = new AnchorBook(read.entries, options.expectedHeads ?? []);

  for (const producer of PRODUCERS) {
    const path = join(dir, journalFileName(producer));
    const watch = book.watch(producer);
    if (!existsSync(path)) {
      const settled = watch.settle(null, trust.keyring !== null);
      const anchored = settled.findings.find((f) => f.field === 'file');
      report({ journal: producer, position: -1, recordId: null, field: 'file', reason: `journal file ${journalFileName(producer)} is missing${anchored ? `: ${anchored.reason}` : ''}` });
      for (const f of settled.findings) if (f !== anchored) report({ journal: producer, position: -1, recordId: null, field: f.field, reason: f.reason });
      broken.add(producer);
      journals.push({ producer, records: 0, headHash: '', ...anchorSummary(settled) });
      continue;
    }
    const { decider } = deciders[producer];
    const chain = new HashChainVerifier();
    let state: unknown = decider.initialState();
    let pending: PendingInput | null = null;
    /** the upstream command ids this journal decided and its clock, rebuilt as the runtime rebuilds them */
    const guard = newCommandGuard();
    let records = 0;
    let failed = false;
    const fail = (f: Finding): void => {
      report(f);
      failed = true;
      broken.add(producer);
    };
    /** record indices after which a blank line came (to name a record's line from its index) */
    const blanksAfter: number[] = [];

    for await (const line of readRawLines(path)) {
      const { position } = line;
      recordsRead += 1;
      if (onProgress && recordsRead % progressEvery === 0) onProgress({ journal: producer, position, recordsRead });
      const form = lineForm(line);
      const formProblems = (id: string | null): void => {
        for (const problem of form.problems) report({ journal: producer, position, recordId: id, field: 'line', reason: problem });
      };
      if (form.body === null) {
        if (!failed) formProblems(null);
        blanksAfter.push(records);
        continue; // a blank line holds no record
      }
      const index = records;
      records += 1;
      const text = form.body;
      if (failed) {
        // state is unreliable after the first finding: only count the lines, and note the hashes anchors need
        if (watch.wants(index)) observeHash(watch, index, text);
        continue;
      }
      let record: EventEnvelope;
      try {
        record = JSON.parse(text) as EventEnvelope;
        if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error('not an object');
      } catch (e) {
        formProblems(null);
        fail({ journal: producer, position, recordId: null, field: 'line', reason: `line is not a JSON record: ${(e as Error).message}` });
        continue;
      }
      const id = typeof record.id === 'string' ? record.id : null;
      const at = (field: string, reason: string): Finding => ({ journal: producer, position, recordId: id, field, reason });
      formProblems(id);
      if (typeof record.hash === 'string') watch.observe(index, record.hash);

      // (b) the bytes: the line is exactly its record's canonical serialization
      const notCanonical = canonicalProblem(text, record);
      if (notCanonical) report(at('line', notCanonical));

      // (c) the hash chain; (d) re-deciding. A structural chain break (seq, id, prevHash, producer:
      // deleted, inserted, reordered) is reported as such; an edited record (hash) is pinpointed to
      // the field by re-deciding when it can be.
      let chainBreak: Finding | null = null;
      try {
        // a canonical line is hashed as read: the bytes the journal holds, serialized once (by its writer)
        const b = chain.next(record, position, notCanonical ? undefined : text);
        if (b) chainBreak = at(b.field, b.reason);
      } catch (e) {
        chainBreak = at('hash', `record cannot be hashed: ${(e as Error).message}`);
      }
      if (chainBreak && chainBreak.field !== 'hash') {
        fail(chainBreak);
        continue;
      }

      let decideFinding: Finding | null = null;
      try {
        const r = redecide(record, pending, state, decider, guard, at);
        pending = r.pending;
        state = r.state;
        decideFinding = r.finding;
      } catch (e) {
        decideFinding = at('payload', `decider threw while re-deciding: ${(e as Error).message}`);
      }
      if (decideFinding) {
        fail(chainBreak ? { ...decideFinding, reason: `${decideFinding.reason}; the record's hash does not match its content (record was edited)` } : decideFinding);
        continue;
      }
      if (chainBreak) {
        fail(chainBreak);
        continue;
      }
      collectFacts(producer, position, record, deciders, factsOf, wire, routed);
    }
    if (!failed && pending && pending.next < pending.expected.length) {
      const missing = pending.expected[pending.next]!;
      fail({
        journal: producer,
        position: records,
        recordId: null,
        field: 'type',
        reason: `journal ends before ${missing.type} decided from ${pending.input.id} (${pending.expected.length - pending.next} record(s) missing)`,
      });
    }

    // (e) signed: the last record is a head its owner signed; every anchor and pinned head still holds
    const settled = watch.settle(records, trust.keyring !== null);
    const positionOf = (index: number): number => (index >= records ? -1 : index + blanksAfter.filter((b) => b <= index).length);
    for (const f of settled.findings) {
      const position = f.index < 0 ? -1 : positionOf(f.index);
      // reported, not marked broken: the journal's facts were all collected, and the cross-journal checks name the consequences
      report({ journal: producer, position, recordId: position < 0 ? null : recordId(producer, f.index), field: f.field, reason: f.reason });
    }
    journals.push({ producer, records, headHash: chain.head.hash, ...anchorSummary(settled) });
  }

  // (f) cross-journal checks over the collected facts
  let defaultsChecked = 0;
  const intact = (j: string): boolean => !broken.has(j as Producer);
  for (const f of defaults.values()) {
    if (!f.defaulted) {
      if (intact('liquidation') && (f.terminal || f.tranches.length > 0)) {
        const at = f.terminal ?? f.tranches[0]!;
        report({ journal: at.journal, position: at.position, recordId: at.recordId, field: 'payload.defaultId', reason: `waterfall for ${f.defaultId}, which no AccountDefaulted declared` });
      }
      continue;
    }
    defaultsChecked += 1;
    for (const r of checkDefault(f, intact)) if (!r.ok) report(toFinding(r));
  }
  checkRouting(routed, wire, intact, report);

  return { ok: firstFinding === null, keyring: trust.provenance, warnings: trust.warnings, journals, defaultsChecked, firstFinding, findings };
}

function anchorSummary(settled: JournalAnchorResult): Pick<JournalSummary, 'signedThrough' | 'latestAnchor' | 'anchorsChecked' | 'expectedHeads'> {
  const anchors = settled.checks.filter((c) => c.signature !== null);
  return { signedThrough: settled.signedThrough, latestAnchor: settled.latest, anchorsChecked: anchors.length, expectedHeads: settled.checks.filter((c) => c.signature === null) };
}

/** The hash of a line's record, when an anchor needs it and the line was not otherwise parsed. */
function observeHash(watch: JournalAnchorWatch, index: number, text: string): void {
  try {
    const hash = (JSON.parse(text) as { hash?: unknown } | null)?.hash;
    if (typeof hash === 'string') watch.observe(index, hash);
  } catch {
    // unparsable: the anchor at this seq does not match it
  }
}

/**
 * One finding as a line of text: `margin line 17 (margin:16): not the canonical serialization …`,
 * `liquidation line 5 (liquidation:4) payload.amount: …`, `anchors file: …`. Lines count from 1.
 */
export function formatFinding(f: Finding): string {
  const where = `${f.journal}${f.position >= 0 ? ` line ${f.position + 1}` : ''}${f.recordId ? ` (${f.recordId})` : ''}`;
  return f.field === 'line' ? `${where}: ${f.reason}` : `${where} ${f.field}: ${f.reason}`;
}

const toFinding = (r: InvariantResult): Finding =>
  r.at
    ? { journal: r.at.journal, position: r.at.position, recordId: r.at.recordId, field: r.at.field, reason: `${r.name}: ${r.detail}` }
    : { journal: 'cross-journal', position: -1, recordId: null, field: r.name, reason: r.detail };

/** The envelope version every record of these journals carries (events are versioned by their schemas). */
const RECORD_VERSION = 1;

/** Re-decides an input, or checks a recorded event against the pending input's decision. */
function redecide(
  record: EventEnvelope,
  pending: PendingInput | null,
  state: unknown,
  decider: JournaledDecider['decider'],
  guard: CommandGuard,
  at: (field: string, reason: string) => Finding,
): { pending: PendingInput | null; state: unknown; finding: Finding | null } {
  if (record.version !== RECORD_VERSION) return { pending, state, finding: at('version', `record version ${record.version} ≠ ${RECORD_VERSION}, the only version the deciders write`) };
  if (pending && pending.next < pending.expected.length) {
    const exp = pending.expected[pending.next]!;
    const input = pending.input;
    const mismatch = compareEvent(record, exp, input);
    if (mismatch) return { pending, state, finding: at(mismatch.field, mismatch.reason) };
    pending.next += 1;
    if (pending.next === pending.expected.length) {
      // the input's decision is fully recorded: evolve with the decided events
      let s = state;
      for (const e of pending.events) s = decider.evolve(s, e);
      return { pending: null, state: s, finding: null };
    }
    return { pending, state, finding: null };
  }
  if (record.kind !== 'input') return { pending, state, finding: at('kind', `${record.type} is not decided by any input: every event must follow the input that caused it`) };
  const meta: CommandMeta = { occurredAt: record.occurredAt, correlationId: record.correlationId };
  const command: Command = { type: record.type, payload: record.payload, meta };
  if (record.stream !== streamOf(command)) return { pending, state, finding: at('stream', `input stream ${record.stream} ≠ ${streamOf(command)}`) };
  if (record.source === null && commandIdOfInput(record.causationId) === null) {
    // upstream inputs (scenario steps, input topics) carry no journal source; routed ones must
    if (typeof record.causationId === 'string' && /^[a-z-]+:\d+$/.test(record.causationId)) return { pending, state, finding: at('source', `routed input from ${record.causationId} has no source`) };
  }
  // an upstream command passes the journal's command guard first (duplicate id, time going backwards)
  const commandId = commandIdOfInput(record.causationId);
  const refused = commandId === null ? null : guardCommand(guard, commandId, record.occurredAt);
  const decision = refused ? { kind: 'rejected' as const, rejection: refused } : decider.decide(command, state);
  if (decision.kind === 'rejected') {
    const r = decision.rejection;
    const payload: CommandRejectedPayload = { commandType: record.type, code: r.code, path: r.path, message: r.message, retryable: r.retryable };
    return { pending: { input: record, expected: [{ type: 'CommandRejected', stream: record.stream, payload, correlationId: meta.correlationId, rejectionCode: r.code }], events: [], next: 0 }, state, finding: null };
  }
  const events = decision.events as readonly DomainEvent[];
  if (events.length === 0) return { pending: null, state, finding: null };
  const expected = events.map((e) => ({ type: e.type, stream: e.stream, payload: e.payload, correlationId: e.correlationId ?? meta.correlationId }));
  return { pending: { input: record, expected, events, next: 0 }, state, finding: null };
}

function compareEvent(record: EventEnvelope, exp: ExpectedRecord, input: EventEnvelope): { field: string; reason: string } | null {
  const want = `re-deciding ${input.id} (${input.type})`;
  if (record.kind !== 'event') return { field: 'kind', reason: `${want} gives ${exp.type} here, found ${record.kind} ${record.type} (event missing)` };
  if (record.type !== exp.type) return { field: 'type', reason: `${want} gives ${exp.type}, recorded ${record.type}` };
  if (record.causationId !== input.id) return { field: 'causationId', reason: `${want}: causationId ${record.causationId} ≠ ${input.id}` };
  if (record.occurredAt !== input.occurredAt) return { field: 'occurredAt', reason: `${want}: occurredAt ${record.occurredAt} ≠ the input's ${input.occurredAt}` };
  if (record.correlationId !== exp.correlationId) return { field: 'correlationId', reason: `${want}: correlationId ${record.correlationId} ≠ ${exp.correlationId}` };
  if (record.stream !== exp.stream) return { field: 'stream', reason: `${want}: stream ${record.stream} ≠ ${exp.stream}` };
  if (record.source !== null) return { field: 'source', reason: `${want}: a decided event has no source` };
  if (exp.rejectionCode !== undefined) {
    const p = record.payload as Partial<CommandRejectedPayload> | null;
    if (!p || p.code !== exp.rejectionCode) return { field: 'payload.code', reason: `${want} rejects with ${exp.rejectionCode}, recorded ${p?.code}` };
    if (p.commandType !== input.type) return { field: 'payload.commandType', reason: `${want}: commandType ${p.commandType} ≠ ${input.type}` };
    return null;
  }
  const diff = firstDifference(exp.payload, record.payload, 'payload');
  if (diff) return { field: diff, reason: `${want}: recorded ${exp.type} differs at ${diff} from the decided event` };
  return null;
}

function collectFacts(
  producer: Producer,
  position: number,
  record: EventEnvelope,
  deciders: Readonly<Record<Producer, JournaledDecider>>,
  factsOf: (id: string) => DefaultFacts,
  wire: Map<Producer, Map<number, WireFact>>,
  routed: RoutedInputFact[],
): void {
  const loc = { journal: producer, position, recordId: record.id };
  if (record.kind === 'input') {
    if (record.source) {
      routed.push({
        ...loc,
        sourceJournal: producerOfTopic.get(record.source.topic) ?? null,
        topic: record.source.topic,
        offset: record.source.offset,
        causationId: record.causationId,
        digest: commandDigest(record.type, record.payload),
      });
    }
    return;
  }
  if (isWireEvent(record.type)) {
    const digests = new Map<Producer, string[]>();
    const meta: CommandMeta = { occurredAt: record.occurredAt, correlationId: record.correlationId };
    for (const consumer of PRODUCERS) {
      if (consumer === producer) continue;
      const translate = (deciders[consumer].wireInputs as Record<string, unknown>)[record.type] as
        | ((payload: unknown, m: CommandMeta) => readonly Command[])
        | undefined;
      if (translate) digests.set(consumer, translate(record.payload, meta).map((c) => commandDigest(c.type, c.payload)));
    }
    wire.get(producer)!.set(record.seq, { type: record.type, digests });
  }
  const p = record.payload as Record<string, unknown>;
  switch (record.type) {
    case 'AccountDefaulted':
      if (producer === 'liquidation') factsOf(String(p['defaultId'])).defaulted = { ...loc, deficit: String(p['deficit']), marginApplied: String(p['marginApplied']) };
      return;
    case 'WaterfallTrancheApplied':
      factsOf(String(p['defaultId'])).tranches.push({
        ...loc,
        order: Number(p['order']),
        kind: String(p['kind']),
        effect: String(p['effect']),
        capacity: String(p['capacity']),
        amount: String(p['amount']),
      });
      return;
    case 'DefaultCovered':
      factsOf(String(p['defaultId'])).terminal = { ...loc, type: 'DefaultCovered', deficit: String(p['deficit']), covered: String(p['deficit']), residual: '0' };
      return;
    case 'ResidualLossForwarded':
      factsOf(String(p['defaultId'])).terminal = {
        ...loc,
        type: 'ResidualLossForwarded',
        deficit: String(p['deficit']),
        covered: String(p['covered']),
        residual: String(p['residual']),
      };
      return;
    case 'LossAllocated': {
      const allocations = (p['allocations'] as { amount: string }[] | undefined) ?? [];
      const fairness = (p['fairness'] as { overshoot?: string } | undefined) ?? {};
      factsOf(String(p['defaultId'])).allocation = {
        ...loc,
        residual: String(p['residual']),
        amounts: allocations.map((a) => String(a.amount)),
        unallocated: String(p['unallocated']),
        overshoot: String(fairness.overshoot ?? '0'),
      };
      return;
    }
    case 'LossAllocationApplied':
      if (producer === 'margin') factsOf(String(p['defaultId'])).applied = { ...loc, totalCharged: String(p['totalCharged']), lines: ((p['lines'] as unknown[] | undefined) ?? []).length };
      return;
    default:
      return;
  }
}

/** Every routed input points at a wire event of its source journal that translates to exactly this command; and no wire event is left unconsumed. */
function checkRouting(routed: readonly RoutedInputFact[], wire: Map<Producer, Map<number, WireFact>>, intact: (j: string) => boolean, report: (f: Finding) => void): void {
  const consumed = new Map<string, number>();
  for (const r of routed) {
    const at = (field: string, reason: string): void => report({ journal: r.journal, position: r.position, recordId: r.recordId, field, reason });
    if (!r.sourceJournal) {
      // Upstream inputs (trades, prices, collateral, parameters) come from the venue, not a journal: nothing to cross-check.
      if (UPSTREAM_TOPICS.has(r.topic)) continue;
      at('source.topic', `source topic ${r.topic} is neither a journal nor an upstream input topic`);
      continue;
    }
    if (!intact(r.sourceJournal)) continue;
    const seq = /^\d+$/.test(r.offset) ? Number(r.offset) : NaN;
    const fact = Number.isSafeInteger(seq) ? wire.get(r.sourceJournal)!.get(seq) : undefined;
    if (!fact) {
      at('source.offset', `source ${r.sourceJournal}:${r.offset} is not a wire event of the ${r.sourceJournal} journal`);
      continue;
    }
    if (r.causationId !== `${r.sourceJournal}:${seq}`) {
      at('causationId', `causationId ${r.causationId} ≠ source record ${r.sourceJournal}:${seq}`);
      continue;
    }
    const digests = fact.digests.get(r.journal) ?? [];
    if (!digests.includes(r.digest)) {
      at('payload', `input is not what ${fact.type} at ${r.sourceJournal}:${seq} translates to for ${r.journal}`);
      continue;
    }
    const key = `${r.journal}|${r.sourceJournal}:${seq}`;
    consumed.set(key, (consumed.get(key) ?? 0) + 1);
  }
  // completeness: each wire event's commands were all applied by their consumer
  for (const [source, facts] of wire) {
    if (!intact(source)) continue;
    for (const [seq, fact] of facts) {
      for (const [consumer, digests] of fact.digests) {
        if (!intact(consumer)) continue;
        const n = consumed.get(`${consumer}|${source}:${seq}`) ?? 0;
        if (n !== digests.length) {
          report({
            journal: consumer,
            position: -1,
            recordId: `${source}:${seq}`,
            field: 'source',
            reason: `${fact.type} at ${source}:${seq} becomes ${digests.length} input(s) of ${consumer}; ${n} recorded`,
          });
        }
      }
    }
  }
}
