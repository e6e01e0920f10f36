import { hash as oneShotHash } from 'node:crypto';
import { canonicalJson, Command, CommandMeta, EventEnvelope, INPUT_TOPICS, JOURNAL_TOPICS, Producer, PRODUCERS, WIRE_EVENT_SCHEMAS } from '@ccp/contracts';
import { JournaledDecider } from '@ccp/engine';
import { checkDefault, DefaultFacts, emptyDefaultFacts, FactLocation } from './default-invariants';
import { sha256 } from './journal-chain';

/**
 * The facts the cross-journal checks need from each verified record (design.md §5), read the same
 * way for both ways of checking them: `CollectedFacts` holds every fact of the four journals and
 * checks at the end; `StreamingCrossChecks` holds only the facts a check still waits for.
 */

export type Deciders = Readonly<Record<Producer, JournaledDecider>>;

/** The venue's upstream topics: inputs recorded from them have no journal record to point at. */
export const UPSTREAM_TOPICS: ReadonlySet<string> = new Set(Object.values(INPUT_TOPICS));

const isWireEvent = (type: string): boolean => Object.prototype.hasOwnProperty.call(WIRE_EVENT_SCHEMAS, type);
const producerOfTopic = new Map<string, Producer>(PRODUCERS.map((p) => [JOURNAL_TOPICS[p], p]));

/**
 * 128 bits of sha256 of a command's canonical JSON `{"payload":…,"type":…}`. Given its payload's
 * canonical text (a span of a canonical line), the payload is not serialized again: the bytes are the same.
 */
export function commandDigest(type: unknown, payload: unknown, payloadText: string | null = null): Buffer {
  const digest = payloadText !== null && typeof type === 'string' ? sha256(['{"payload":', payloadText, ',"type":', JSON.stringify(type), '}']) : oneShotHash('sha256', canonicalJson({ type, payload }), 'buffer');
  return digest.subarray(0, DIGEST_BYTES);
}

/** a command digest: 128 bits */
const DIGEST_BYTES = 16;

const PAYLOAD_KEY = '"payload":';

/**
 * The canonical text of a record's payload inside `line`, the record's canonical serialization (the
 * caller has checked that): the line is `{` + the members before "payload" + `"payload":` + the
 * payload + the members after it + `}`. Null if the record has no payload (or the line is not laid
 * out so, which a canonical line always is).
 */
export function payloadTextOf(line: string, record: object): string | null {
  const r = record as Record<string, unknown>;
  if (r['payload'] === undefined) return null;
  return payloadTextBySearch(line, r) ?? payloadTextByMembers(line, r);
}

/**
 * The span found by searching the line, when the other members make that exact: in canonical
 * JSON a `"` inside a string is escaped, so `,"payload":` cannot occur in the scalar members
 * before it, nor `,"<next key>":` in the members after it if they are scalars or objects of scalars
 * without that key (a routed input's source). Null when they are not so.
 */
function payloadTextBySearch(line: string, r: Record<string, unknown>): string | null {
  let next: string | null = null;
  let first = true;
  for (const k of Object.keys(r)) {
    const v = r[k];
    if (k === 'payload' || v === undefined) continue;
    if (k < 'payload') {
      if (!isScalar(v)) return null;
      first = false;
    } else if (next === null || k < next) next = k;
  }
  if (next !== null) {
    for (const k of Object.keys(r)) {
      const v = r[k];
      if (k <= 'payload' || v === undefined || isScalar(v)) continue;
      if (!isFlatRecord(v) || Object.prototype.hasOwnProperty.call(v, next)) return null;
    }
  }
  const key = first ? (line.startsWith(`{${PAYLOAD_KEY}`) ? 0 : -1) : line.indexOf(`,${PAYLOAD_KEY}`);
  const start = key < 0 ? -1 : key + 1 + PAYLOAD_KEY.length;
  const end = next === null ? line.length - 1 : line.lastIndexOf(`,${JSON.stringify(next)}:`);
  return start < 0 || end <= start ? null : line.slice(start, end);
}

const isScalar = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isFlatRecord = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v as Record<string, unknown>).every((x) => x === undefined || isScalar(x));

/** The span from the members before and after the payload, serialized (any record). */
function payloadTextByMembers(line: string, r: Record<string, unknown>): string | null {
  const before: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const after: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let inBefore = 0;
  let inAfter = 0;
  for (const k of Object.keys(r)) {
    const v = r[k];
    if (k === 'payload' || v === undefined) continue;
    if (k < 'payload') {
      before[k] = v;
      inBefore += 1;
    } else {
      after[k] = v;
      inAfter += 1;
    }
  }
  const head = inBefore === 0 ? '{' : `${canonicalJson(before).slice(0, -1)},`;
  const tail = inAfter === 0 ? '}' : `,${canonicalJson(after).slice(1)}`;
  const start = head.length + PAYLOAD_KEY.length;
  const end = line.length - tail.length;
  if (end <= start || !line.startsWith(head) || !line.startsWith(PAYLOAD_KEY, head.length) || !line.endsWith(tail)) return null;
  return line.slice(start, end);
}

/** An input recorded from another journal's topic (or an upstream one), and the command it is. */
export interface RoutedInputFact<D = string> {
  readonly journal: Producer;
  readonly position: number;
  readonly recordId: string;
  readonly sourceJournal: Producer | null;
  readonly topic: string;
  readonly offset: string;
  readonly causationId: string | null;
  readonly digest: D;
}

/** A wire event seen in a source journal, and a digest of each command it becomes for each consumer. */
export interface WireFact<D = string> {
  readonly type: string;
  readonly digests: Map<Producer, D[]>;
}

/** One fact about a default, from one record. */
type DefaultFact =
  | { readonly kind: 'defaulted'; readonly value: NonNullable<DefaultFacts['defaulted']> }
  | { readonly kind: 'tranche'; readonly value: DefaultFacts['tranches'][number] }
  | { readonly kind: 'terminal'; readonly value: NonNullable<DefaultFacts['terminal']> }
  | { readonly kind: 'allocation'; readonly value: NonNullable<DefaultFacts['allocation']> }
  | { readonly kind: 'applied'; readonly value: NonNullable<DefaultFacts['applied']> };

function addFact(f: DefaultFacts, fact: DefaultFact): void {
  switch (fact.kind) {
    case 'defaulted':
      f.defaulted = fact.value;
      return;
    case 'tranche':
      f.tranches.push(fact.value);
      return;
    case 'terminal':
      f.terminal = fact.value;
      return;
    case 'allocation':
      f.allocation = fact.value;
      return;
    case 'applied':
      f.applied = fact.value;
      return;
    default: {
      const never: never = fact;
      throw new Error(`unknown default fact ${JSON.stringify(never)}`);
    }
  }
}

/** What one verified record tells the cross-journal checks. */
interface RecordFacts {
  readonly routed: RoutedInputFact<Buffer> | null;
  readonly wire: WireFact<Buffer> | null;
  readonly defaultId: string | null;
  readonly fact: DefaultFact | null;
}

const NO_FACTS: RecordFacts = { routed: null, wire: null, defaultId: null, fact: null };

/**
 * The facts of one verified record. `line` is its canonical serialization when known (then payload
 * digests are taken from its bytes), else null.
 */
function factsOfRecord(producer: Producer, position: number, record: EventEnvelope, deciders: Deciders, line: string | null): RecordFacts {
  const loc: FactLocation = { journal: producer, position, recordId: record.id };
  const payloadText = (): string | null => (line === null ? null : payloadTextOf(line, record));
  if (record.kind === 'input') {
    if (!record.source) return NO_FACTS;
    const routed: RoutedInputFact<Buffer> = {
      ...loc,
      journal: producer,
      sourceJournal: producerOfTopic.get(record.source.topic) ?? null,
      topic: record.source.topic,
      offset: record.source.offset,
      causationId: record.causationId,
      digest: commandDigest(record.type, record.payload, payloadText()),
    };
    return { ...NO_FACTS, routed };
  }
  const wire = isWireEvent(record.type) ? wireFactOf(producer, record, deciders, payloadText()) : null;
  const d = defaultFactOf(producer, loc, record);
  return { routed: null, wire, defaultId: d?.defaultId ?? null, fact: d?.fact ?? null };
}

function wireFactOf(producer: Producer, record: EventEnvelope, deciders: Deciders, payloadText: string | null): WireFact<Buffer> {
  const digests = new Map<Producer, Buffer[]>();
  const meta: CommandMeta = { occurredAt: record.occurredAt, correlationId: record.correlationId };
  for (const consumer of PRODUCERS) {
    if (consumer === producer) continue;
    const translate = (deciders[consumer].wireInputs as Record<string, unknown>)[record.type] as ((payload: unknown, m: CommandMeta) => readonly Command[]) | undefined;
    // a command that carries the wire payload itself (most do) is digested from the line's bytes
    if (translate) digests.set(consumer, translate(record.payload, meta).map((c) => commandDigest(c.type, c.payload, c.payload === record.payload ? payloadText : null)));
  }
  return { type: record.type, digests };
}

function defaultFactOf(producer: Producer, loc: FactLocation, record: EventEnvelope): { defaultId: string; fact: DefaultFact } | null {
  const p = record.payload as Record<string, unknown>;
  const of = (fact: DefaultFact): { defaultId: string; fact: DefaultFact } => ({ defaultId: String(p['defaultId']), fact });
  switch (record.type) {
    case 'AccountDefaulted':
      return producer === 'liquidation' ? of({ kind: 'defaulted', value: { ...loc, deficit: String(p['deficit']), marginApplied: String(p['marginApplied']) } }) : null;
    case 'WaterfallTrancheApplied':
      return of({
        kind: 'tranche',
        value: { ...loc, order: Number(p['order']), kind: String(p['kind']), effect: String(p['effect']), capacity: String(p['capacity']), amount: String(p['amount']) },
      });
    case 'DefaultCovered':
      return of({ kind: 'terminal', value: { ...loc, type: 'DefaultCovered', deficit: String(p['deficit']), covered: String(p['deficit']), residual: '0' } });
    case 'ResidualLossForwarded':
      return of({
        kind: 'terminal',
        value: { ...loc, type: 'ResidualLossForwarded', deficit: String(p['deficit']), covered: String(p['covered']), residual: String(p['residual']) },
      });
    case 'LossAllocated': {
      const allocations = (p['allocations'] as { amount: string }[] | undefined) ?? [];
      const fairness = (p['fairness'] as { overshoot?: string } | undefined) ?? {};
      return of({
        kind: 'allocation',
        value: { ...loc, residual: String(p['residual']), amounts: allocations.map((a) => String(a.amount)), unallocated: String(p['unallocated']), overshoot: String(fairness.overshoot ?? '0') },
      });
    }
    case 'LossAllocationApplied':
      return producer === 'margin' ? of({ kind: 'applied', value: { ...loc, totalCharged: String(p['totalCharged']), lines: ((p['lines'] as unknown[] | undefined) ?? []).length } }) : null;
    default:
      return null;
  }
}

/** A cross-journal finding before it is tied to the report: journal, position, record, field, reason. */
export interface CrossFinding {
  readonly journal: string;
  readonly position: number;
  readonly recordId: string | null;
  readonly field: string;
  readonly reason: string;
}

/**
 * Every fact of the four journals, checked once all are read: each default walked to the end of its
 * waterfall and its residual allocated and applied, every routed input a wire event's command, every
 * wire event's commands applied. Holds facts in proportion to the records: the streaming checks
 * fall back to this (a second read of the journals) only when something is wrong.
 */
export class CollectedFacts {
  private readonly defaults = new Map<string, DefaultFacts>();
  private readonly wire = new Map<Producer, Map<number, WireFact>>(PRODUCERS.map((p) => [p, new Map()]));
  private readonly routed: RoutedInputFact[] = [];

  constructor(private readonly deciders: Deciders) {}

  collect(producer: Producer, position: number, record: EventEnvelope): void {
    const facts = factsOfRecord(producer, position, record, this.deciders, null);
    if (facts.routed) this.routed.push({ ...facts.routed, digest: facts.routed.digest.toString('hex') });
    if (facts.wire) this.wire.get(producer)!.set(record.seq, { type: facts.wire.type, digests: new Map([...facts.wire.digests].map(([c, d]) => [c, d.map((x) => x.toString('hex'))])) });
    if (facts.fact) addFact(this.factsOf(facts.defaultId!), facts.fact);
  }

  /** Reports what fails; returns how many defaults were checked. */
  check(intact: (journal: string) => boolean, report: (f: CrossFinding) => void): number {
    let defaultsChecked = 0;
    for (const f of this.defaults.values()) {
      if (!f.defaulted) {
        if (intact('liquidation') && (f.terminal || f.tranches.length > 0)) {
          const at = f.terminal ?? f.tranches[0]!;
          report({ journal: at.journal, position: at.position, recordId: at.recordId, field: 'payload.defaultId', reason: `waterfall for ${f.defaultId}, which no AccountDefaulted declared` });
        }
        continue;
      }
      defaultsChecked += 1;
      for (const r of checkDefault(f, intact)) {
        if (r.ok) continue;
        report(
          r.at
            ? { journal: r.at.journal, position: r.at.position, recordId: r.at.recordId, field: r.at.field, reason: `${r.name}: ${r.detail}` }
            : { journal: 'cross-journal', position: -1, recordId: null, field: r.name, reason: r.detail },
        );
      }
    }
    this.checkRouting(intact, report);
    return defaultsChecked;
  }

  private factsOf(id: string): DefaultFacts {
    let f = this.defaults.get(id);
    if (!f) {
      f = emptyDefaultFacts(id);
      this.defaults.set(id, f);
    }
    return f;
  }

  /** Every routed input points at a wire event of its source journal that translates to exactly this command; and no wire event is left unconsumed. */
  private checkRouting(intact: (j: string) => boolean, report: (f: CrossFinding) => void): void {
    const consumed = new Map<string, number>();
    for (const r of this.routed) {
      const at = (field: string, reason: string): void => report({ journal: r.journal, position: r.position, recordId: r.recordId, field, reason });
      if (!r.sourceJournal) {
        // Upstream inputs (trades, prices, collateral, parameters) come from the venue, not a journal: nothing to cross-check.
        if (UPSTREAM_TOPICS.has(r.topic)) continue;
        at('source.topic', `source topic ${r.topic} is neither a journal nor an upstream input topic`);
        continue;
      }
      if (!intact(r.sourceJournal)) continue;
      const seq = /^\d+$/.test(r.offset) ? Number(r.offset) : NaN;
      const fact = Number.isSafeInteger(seq) ? this.wire.get(r.sourceJournal)!.get(seq) : undefined;
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
    for (const [source, facts] of this.wire) {
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
}

/**
 * Commands in flight from one journal to another, in the source journal's order: the wire events'
 * commands not yet applied (their consumer is read later), or the inputs read before the wire events
 * they cite (their source is read later). Each a seq and a 16-byte digest in typed arrays.
 */
class CommandQueue {
  private seqs = new Float64Array(256);
  private digests = new Uint8Array(256 * DIGEST_BYTES);
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(seq: number, digest: Buffer): void {
    if (this.tail === this.seqs.length) this.makeRoom();
    this.seqs[this.tail] = seq;
    this.digests.set(digest, this.tail * DIGEST_BYTES);
    this.tail += 1;
  }

  /** Takes the first command if it is this one (seq and digest); false, leaving it, if not. */
  take(seq: number, digest: Buffer): boolean {
    if (this.head === this.tail || this.seqs[this.head] !== seq) return false;
    const at = this.head * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i += 1) if (this.digests[at + i] !== digest[i]) return false;
    this.head += 1;
    if (this.head === this.tail) this.head = this.tail = 0;
    return true;
  }

  private makeRoom(): void {
    const live = this.tail - this.head;
    const capacity = live * 2 > this.seqs.length ? this.seqs.length * 2 : this.seqs.length;
    const seqs = new Float64Array(capacity);
    seqs.set(this.seqs.subarray(this.head, this.tail));
    const digests = new Uint8Array(capacity * DIGEST_BYTES);
    digests.set(this.digests.subarray(this.head * DIGEST_BYTES, this.tail * DIGEST_BYTES));
    this.seqs = seqs;
    this.digests = digests;
    this.head = 0;
    this.tail = live;
  }
}

/**
 * The cross-journal checks of `CollectedFacts`, made while the journals are read one after the
 * other, holding only what a check still waits for: the commands in flight between two journals
 * (a `CommandQueue` per source and consumer, matched in order: a consumer applies a topic's commands
 * in the order its source wrote them), and the defaults whose facts are not all read yet — each
 * checked as soon as they are, then forgotten but for its id. These checks only ever say "all
 * hold": anything else — a check that fails, a fact that does not fit (a default's second waterfall,
 * a command applied out of turn or twice) or a journal that does not verify — spoils them, and the
 * audit reads the journals again into `CollectedFacts`, whose findings are the report's.
 */
export class StreamingCrossChecks {
  private spoiledBy: string | null = null;
  /** journals read to the end, and the one being read */
  private readonly reached = new Set<Producer>();
  /** commands of wire events of `source` for `consumer`, consumer not read yet */
  private readonly commands = new Map<string, CommandQueue>();
  /** inputs of `consumer` citing records of `source`, source not read yet */
  private readonly early = new Map<string, CommandQueue>();
  private readonly open = new Map<string, DefaultFacts>();
  /** defaults checked and forgotten: a later fact about one of them spoils the checks */
  private readonly closed = new Set<string>();

  constructor(private readonly deciders: Deciders) {}

  /** why the checks cannot vouch for the journals (then `CollectedFacts` decides), or null */
  get spoiled(): string | null {
    return this.spoiledBy;
  }

  get defaultsChecked(): number {
    return this.closed.size;
  }

  spoil(why: string): void {
    if (this.spoiledBy !== null) return;
    this.spoiledBy = why;
    this.commands.clear();
    this.early.clear();
    this.open.clear();
    this.closed.clear();
  }

  /** The journal whose records come next. */
  begin(producer: Producer): void {
    this.reached.add(producer);
  }

  /** The record at `index` of `producer`'s journal verified; `line` is its canonical serialization, when known. */
  take(producer: Producer, index: number, position: number, record: EventEnvelope, line: string | null): void {
    if (this.spoiledBy !== null) return;
    const facts = factsOfRecord(producer, position, record, this.deciders, line);
    if (facts.routed) this.route(facts.routed);
    if (facts.wire) for (const [consumer, digests] of facts.wire.digests) for (const d of digests) this.emit(producer, index, consumer, d);
    if (facts.fact) this.addDefaultFact(facts.defaultId!, facts.fact);
  }

  /** All journals read: true if every check held (nothing left in flight). */
  finish(): boolean {
    if (this.spoiledBy !== null) return false;
    const left = (m: Map<string, CommandQueue>): boolean => [...m.values()].some((q) => q.size > 0);
    if (this.open.size > 0) this.spoil(`${this.open.size} default(s) not walked to the end`);
    else if (left(this.commands)) this.spoil('wire events not applied by every consumer');
    else if (left(this.early)) this.spoil('inputs citing records that are not wire events');
    return this.spoiledBy === null;
  }

  private route(r: RoutedInputFact<Buffer>): void {
    const source = r.sourceJournal;
    if (!source) {
      if (!UPSTREAM_TOPICS.has(r.topic)) this.spoil(`unknown source topic ${r.topic}`);
      return;
    }
    const seq = /^\d+$/.test(r.offset) ? Number(r.offset) : NaN;
    if (!Number.isSafeInteger(seq) || r.causationId !== `${source}:${seq}`) {
      this.spoil(`${r.recordId} cites ${source}:${r.offset} as ${r.causationId}`);
      return;
    }
    const key = pairKey(source, r.journal);
    if (!this.reached.has(source)) queueOf(this.early, key).push(seq, r.digest);
    else if (!this.commands.get(key)?.take(seq, r.digest)) this.spoil(`${r.recordId} applies ${source}:${seq}, not the next command of ${source} for ${r.journal}`);
  }

  /** `source`'s wire event at seq becomes this command of `consumer` */
  private emit(source: Producer, seq: number, consumer: Producer, digest: Buffer): void {
    const key = pairKey(source, consumer);
    if (!this.reached.has(consumer)) queueOf(this.commands, key).push(seq, digest);
    else if (!this.early.get(key)?.take(seq, digest)) this.spoil(`${source}:${seq} becomes a command ${consumer} did not apply in turn`);
  }

  private addDefaultFact(id: string, fact: DefaultFact): void {
    if (this.closed.has(id)) {
      this.spoil(`a ${fact.kind} fact about ${id}, already checked`);
      return;
    }
    let f = this.open.get(id);
    if (!f) {
      f = emptyDefaultFacts(id);
      this.open.set(id, f);
    }
    const once = fact.kind === 'tranche' ? null : fact.kind;
    if (once !== null && f[once]) {
      this.spoil(`a second ${fact.kind} fact about ${id}`);
      return;
    }
    addFact(f, compact(fact));
    if (!isWalked(f)) return;
    const failed = checkDefault(f, () => true).find((r) => !r.ok);
    if (failed) {
      this.spoil(`${id}: ${failed.name}`);
      return;
    }
    this.open.delete(id);
    this.closed.add(id);
  }
}

const pairKey = (source: Producer, consumer: Producer): string => `${source}>${consumer}`;

function queueOf(m: Map<string, CommandQueue>, key: string): CommandQueue {
  let q = m.get(key);
  if (!q) {
    q = new CommandQueue();
    m.set(key, q);
  }
  return q;
}

/** Where a fact held by the streaming checks was read does not matter (a failing check spoils them): one location for all. */
const NOWHERE: FactLocation = { journal: '', position: -1, recordId: '' };

/** A fact as the streaming checks hold it: its values, without its location (a default may wait a whole journal for its waterfall). */
function compact(fact: DefaultFact): DefaultFact {
  return { kind: fact.kind, value: { ...fact.value, ...NOWHERE } } as DefaultFact;
}

/** A default whose checks have every fact they use: declared, waterfall ended, and a residual allocated and applied. */
const isWalked = (f: DefaultFacts): boolean =>
  f.defaulted !== null && f.terminal !== null && f.tranches.length > 0 && (f.terminal.residual === '0' || (f.allocation !== null && (f.applied ?? null) !== null));
