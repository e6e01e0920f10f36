import { canonicalJson, Command, CommandMeta, DomainEvent, EventEnvelope, Producer, recordId } from '@ccp/contracts';
import { CommandGuard, commandIdOfInput, CommandRejectedPayload, guardCommand, JournaledDecider, streamOf } from '@ccp/engine';
import { canonicalProblem, lineForm } from './canonical-line';
import { isCanonicalJsonOf, isCanonicalJsonWith } from './canonical-match';
import { compactCommandGuard } from './command-id-set';
import { StreamingCrossChecks } from './cross-journal-facts';
import { JournalChain, sha256Hex } from './journal-chain';
import { JournalAnchorResult, JournalAnchorWatch } from './journal-anchors';
import type { RawLine } from './journal-lines';
import { firstDifference } from './payload-diff';

/** A finding of one journal's replay (the shape of verify-journals' Finding). */
export interface ReplayFinding {
  readonly journal: string;
  readonly position: number;
  readonly recordId: string | null;
  readonly field: string;
  readonly reason: string;
}

/** What a recorded event must equal, as re-decided from its input. */
interface ExpectedRecord {
  readonly type: string;
  readonly stream: string;
  readonly payload: unknown;
  readonly correlationId: string | null;
  readonly rejectionCode?: string;
}

/** What the events of a decision are compared with of their input (not the whole record: an input may be megabytes). */
type InputOfDecision = Pick<EventEnvelope, 'id' | 'type' | 'occurredAt'>;

interface PendingInput {
  readonly input: InputOfDecision;
  readonly expected: readonly ExpectedRecord[];
  readonly events: readonly DomainEvent[];
  next: number;
}

/** The envelope version every record of these journals carries (events are versioned by their schemas). */
const RECORD_VERSION = 1;

/** A string, null or absent: a field compared with `!==` that a canonical line round-trips exactly. */
const isScalar = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string';

/**
 * One journal replayed line by line (design.md §3): each line's form, its record's canonical bytes,
 * the hash chain, every input re-decided and every event compared with the decision — the checks
 * and findings of `verifyJournals`, one journal's share. Facts for the cross-journal checks go to
 * `cross` as each record verifies.
 *
 * An event that re-deciding expects is first compared as bytes: the record the decision gives,
 * sealed where the chain is, serialized canonically — if the line is exactly that, every check on it
 * holds (form, canonical bytes, chain, hash, the comparison) and the line is not parsed. Any other
 * line takes the full path, which names what differs.
 */
export class JournalReplay {
  /** the journal's records (non-blank lines) stepped so far */
  records = 0;
  /** records whose facts went to the cross-journal checks: all before the first failing record */
  collected = 0;
  failed = false;
  private readonly chain = new JournalChain();
  private readonly guard: CommandGuard = compactCommandGuard();
  private readonly decider: JournaledDecider['decider'];
  private state: unknown;
  private pending: PendingInput | null = null;
  /** record indices after which a blank line came (to name a record's line from its index) */
  private readonly blanksAfter: number[] = [];

  constructor(
    readonly producer: Producer,
    journaled: JournaledDecider,
    private readonly watch: JournalAnchorWatch,
    private readonly cross: StreamingCrossChecks,
    private readonly report: (f: ReplayFinding) => void,
  ) {
    this.decider = journaled.decider;
    this.state = this.decider.initialState();
  }

  /** Whether the journal's next record must be an event of the decision being recorded. */
  private get midDecision(): boolean {
    return this.pending !== null && this.pending.next < this.pending.expected.length;
  }

  step(line: RawLine): void {
    const { position } = line;
    const form = lineForm(line);
    const formProblems = (id: string | null): void => {
      for (const problem of form.problems) this.report({ journal: this.producer, position, recordId: id, field: 'line', reason: problem });
    };
    if (form.body === null) {
      if (!this.failed) formProblems(null);
      this.blanksAfter.push(this.records);
      return; // a blank line holds no record
    }
    const index = this.records;
    this.records += 1;
    const text = form.body;
    if (this.failed) {
      // state is unreliable after the first finding: only count the lines, and note the hashes anchors need
      if (this.watch.wants(index)) observeHash(this.watch, index, text);
      return;
    }
    if (form.problems.length === 0 && this.midDecision && this.acceptDecidedEvent(text, index, position)) return;
    const parsed = parseRecord(text);
    if ('error' in parsed) {
      formProblems(null);
      this.fail({ journal: this.producer, position, recordId: null, field: 'line', reason: `line is not a JSON record: ${parsed.error.message}` });
      return;
    }
    this.verifyRecord(parsed.record, text, index, position, formProblems);
  }

  /** The end of the journal: a decision left incomplete, then the anchors and signatures. */
  finish(keyringAvailable: boolean): JournalAnchorResult & { readonly headHash: string } {
    if (!this.failed && this.pending && this.pending.next < this.pending.expected.length) {
      const missing = this.pending.expected[this.pending.next]!;
      this.fail({
        journal: this.producer,
        position: this.records,
        recordId: null,
        field: 'type',
        reason: `journal ends before ${missing.type} decided from ${this.pending.input.id} (${this.pending.expected.length - this.pending.next} record(s) missing)`,
      });
    }
    const settled = this.watch.settle(this.records, keyringAvailable);
    const blanks = this.blanksAfter;
    const positionOf = (index: number): number => (index >= this.records ? -1 : index + blanks.filter((b) => b <= index).length);
    for (const f of settled.findings) {
      const position = f.index < 0 ? -1 : positionOf(f.index);
      // reported, not marked broken: the journal's facts were all collected, and the cross-journal checks name the consequences
      this.report({ journal: this.producer, position, recordId: position < 0 ? null : recordId(this.producer, f.index), field: f.field, reason: f.reason });
    }
    return { ...settled, headHash: this.chain.head.hash };
  }

  private fail(f: ReplayFinding): void {
    this.report(f);
    this.failed = true;
    this.cross.spoil(`${this.producer} did not verify`);
  }

  /** The full checks of one parsed record, each finding named. */
  private verifyRecord(record: EventEnvelope, text: string, index: number, position: number, formProblems: (id: string | null) => void): void {
    const id = typeof record.id === 'string' ? record.id : null;
    const at = (field: string, reason: string): ReplayFinding => ({ journal: this.producer, position, recordId: id, field, reason });
    formProblems(id);
    if (typeof record.hash === 'string') this.watch.observe(index, record.hash);

    // (b) the bytes: the line is exactly its record's canonical serialization (a long line is
    // compared as it is walked, not serialized again)
    const notCanonical = text.length >= LONG_LINE && isCanonicalJsonOf(record, text) ? null : canonicalProblem(text, record);
    if (notCanonical) this.report(at('line', notCanonical));

    // (c) the hash chain; (d) re-deciding. A structural chain break (seq, id, prevHash, producer:
    // deleted, inserted, reordered) is reported as such; an edited record (hash) is pinpointed to
    // the field by re-deciding when it can be.
    let chainBreak: ReplayFinding | null = null;
    try {
      // a canonical line is hashed as read: the bytes the journal holds, serialized once (by its writer)
      const b = this.chain.next(record, position, notCanonical ? undefined : text);
      if (b) chainBreak = at(b.field, b.reason);
    } catch (e) {
      chainBreak = at('hash', `record cannot be hashed: ${(e as Error).message}`);
    }
    if (chainBreak && chainBreak.field !== 'hash') {
      this.fail(chainBreak);
      return;
    }

    let decideFinding: ReplayFinding | null = null;
    try {
      const r = redecide(record, this.pending, this.state, this.decider, this.guard, at);
      this.pending = r.pending;
      this.state = r.state;
      decideFinding = r.finding;
    } catch (e) {
      decideFinding = at('payload', `decider threw while re-deciding: ${(e as Error).message}`);
    }
    if (decideFinding) {
      this.fail(chainBreak ? { ...decideFinding, reason: `${decideFinding.reason}; the record's hash does not match its content (record was edited)` } : decideFinding);
      return;
    }
    if (chainBreak) {
      this.fail(chainBreak);
      return;
    }
    this.cross.take(this.producer, index, position, record, notCanonical ? null : text);
    this.collected = index + 1;
  }

  /**
   * The line is exactly the next event the pending decision expects, sealed on the chain: then it is
   * taken as verified, and true. False (nothing changed) for anything else: the full path decides.
   * A rejection is not compared this way (its message may differ; only its code is checked).
   */
  private acceptDecidedEvent(text: string, index: number, position: number): boolean {
    const pending = this.pending!;
    const exp = pending.expected[pending.next]!;
    const input = pending.input;
    const { seq, prevHash, producer } = this.chain.expected;
    if (exp.rejectionCode !== undefined || producer === null) return false;
    // fields compared with !== on the full path must be ones a canonical line gives back exactly
    if (!isScalar(exp.type) || !isScalar(exp.stream) || !isScalar(exp.correlationId) || !isScalar(input.occurredAt) || typeof input.id !== 'string') return false;
    const id = recordId(producer as Producer, seq);
    const unsealed = {
      causationId: input.id,
      correlationId: exp.correlationId,
      id,
      kind: 'event' as const,
      occurredAt: input.occurredAt,
      payload: exp.payload,
      prevHash,
      producer: producer as Producer,
      seq,
      source: null,
      stream: exp.stream,
      type: exp.type,
      version: RECORD_VERSION,
    };
    const hash = sealedHash(unsealed, text, prevHash);
    if (hash === null) return false;

    this.watch.observe(index, hash);
    this.chain.accept(hash);
    pending.next += 1;
    if (pending.next === pending.expected.length) {
      try {
        let s = this.state;
        for (const e of pending.events) s = this.decider.evolve(s, e);
        this.state = s;
        this.pending = null;
      } catch (e) {
        this.fail({ journal: this.producer, position, recordId: id, field: 'payload', reason: `decider threw while re-deciding: ${(e as Error).message}` });
        return true;
      }
    }
    this.cross.take(this.producer, index, position, { ...unsealed, hash } as EventEnvelope, text);
    this.collected = index + 1;
    return true;
  }
}

/** Lines this long are compared with the record as it is walked (isCanonicalJsonOf), not by serializing the record again. */
const LONG_LINE = 1 << 16;
/** `,"hash":"` + 64 hex digits + `"` */
const HASH_MEMBER_CHARS = 74;

/**
 * The hash if `text` is `unsealed` sealed on the chain, else null: its canonical JSON with
 * `,"hash":"<sha256 of prevHash + that JSON>"` in its sorted place, before `,"id":"`
 * (sealRecordWithLine). A short line is compared with the record serialized; a long one as the
 * record is walked (no second string of megabytes), and hashed as read.
 */
function sealedHash(unsealed: Record<string, unknown>, text: string, prevHash: string): string | null {
  return text.length < LONG_LINE ? sealedHashOfShort(unsealed, text, prevHash) : sealedHashOfLong(unsealed, text, prevHash);
}

function sealedHashOfShort(unsealed: Record<string, unknown>, text: string, prevHash: string): string | null {
  let body: string;
  try {
    body = canonicalJson(unsealed);
  } catch {
    return null;
  }
  const at = body.indexOf(',"id":"');
  if (at < 0 || text.length !== body.length + HASH_MEMBER_CHARS) return null;
  const hash = sha256Hex(prevHash, body);
  return text === `${body.slice(0, at)},"hash":"${hash}"${body.slice(at)}` ? hash : null;
}

function sealedHashOfLong(unsealed: Record<string, unknown>, text: string, prevHash: string): string | null {
  const at = text.indexOf(',"hash":"');
  if (at < 0 || text.charCodeAt(at + HASH_MEMBER_CHARS - 1) !== 34) return null;
  if (!isCanonicalJsonWith(unsealed, text, { key: 'hash', from: at, to: at + HASH_MEMBER_CHARS })) return null;
  const hash = sha256Hex(prevHash, text.slice(0, at), text.slice(at + HASH_MEMBER_CHARS));
  return text.startsWith(hash, at + 9) ? hash : null;
}

function parseRecord(text: string): { record: EventEnvelope } | { error: Error } {
  try {
    const record = JSON.parse(text) as EventEnvelope;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error('not an object');
    return { record };
  } catch (e) {
    return { error: e as Error };
  }
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

/** Re-decides an input, or checks a recorded event against the pending input's decision. */
function redecide(
  record: EventEnvelope,
  pending: PendingInput | null,
  state: unknown,
  decider: JournaledDecider['decider'],
  guard: CommandGuard,
  at: (field: string, reason: string) => ReplayFinding,
): { pending: PendingInput | null; state: unknown; finding: ReplayFinding | null } {
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
    return { pending: { input: inputOf(record), expected: [{ type: 'CommandRejected', stream: record.stream, payload, correlationId: meta.correlationId, rejectionCode: r.code }], events: [], next: 0 }, state, finding: null };
  }
  const events = decision.events as readonly DomainEvent[];
  if (events.length === 0) return { pending: null, state, finding: null };
  const expected = events.map((e) => ({ type: e.type, stream: e.stream, payload: e.payload, correlationId: e.correlationId ?? meta.correlationId }));
  return { pending: { input: inputOf(record), expected, events, next: 0 }, state, finding: null };
}

const inputOf = (record: EventEnvelope): InputOfDecision => ({ id: record.id, type: record.type, occurredAt: record.occurredAt });

function compareEvent(record: EventEnvelope, exp: ExpectedRecord, input: InputOfDecision): { field: string; reason: string } | null {
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
