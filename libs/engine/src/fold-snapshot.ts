import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { canonicalJson, EventEnvelope, Producer } from '@ccp/contracts';
import { CommandGuard, commandIdOfInput, guardCommand, newCommandGuard } from './command-guard';
import { JournaledDecider } from './registry';

/**
 * What folding a journal up to a record yields (docs/adr/0012-snapshots.md): the decider's state,
 * the command guard, and the last applied position of every source topic. A snapshot is this at a
 * signed head, so a restart folds only the records after it.
 */
export interface FoldPoint {
  readonly state: unknown;
  readonly guard: CommandGuard;
  /** logical source topic → last applied position (input topics: Kafka offset; journals: seq) */
  readonly lastApplied: ReadonlyMap<string, bigint>;
}

/**
 * Folds a journal's records, in order, into a fold point: events evolve the state (a recorded
 * rejection changes nothing), inputs advance the guard and their source's position. The Kafka
 * runtime's start, the snapshot check of the audit and the tests fold through this one loop.
 */
export class JournalFold {
  private state: unknown;
  private readonly guard: CommandGuard;
  private readonly lastApplied: Map<string, bigint>;
  records = 0;

  constructor(
    private readonly decider: JournaledDecider,
    from?: FoldPoint,
  ) {
    this.state = from ? from.state : decider.decider.initialState();
    this.guard = from ? from.guard : newCommandGuard();
    this.lastApplied = from ? new Map(from.lastApplied) : new Map();
  }

  apply(record: EventEnvelope): void {
    this.records += 1;
    if (record.kind === 'input') {
      if (record.source) this.lastApplied.set(record.source.topic, BigInt(record.source.offset));
      const commandId = commandIdOfInput(record.causationId);
      if (commandId !== null) guardCommand(this.guard, commandId, record.occurredAt);
    } else if (record.type !== 'CommandRejected') {
      this.state = this.decider.decider.evolve(this.state, { type: record.type, stream: record.stream, payload: record.payload, correlationId: record.correlationId ?? undefined });
    }
  }

  /** The fold so far (the live objects: encode it before folding on). */
  point(): FoldPoint {
    return { state: this.state, guard: this.guard, lastApplied: this.lastApplied };
  }
}

/**
 * How a decider's state travels in a snapshot. The bytes are V8's structured clone of the fold
 * point (Maps, Sets, bigints and shared references as they are: a margin account is one object in
 * its map, its instrument's holders and its index block); `restore` gives back what structured
 * clone drops (class prototypes). `picture` is a canonical-JSON-able view of the whole state, the
 * same for equal states however they were built: the audit compares a snapshot with the fold of the
 * journal through it by that picture's digest, never by the bytes.
 */
export interface StateSnapshotCodec {
  readonly picture: (state: unknown) => unknown;
  readonly restore?: (state: unknown) => unknown;
}

/** Sorted entries of a Map, sorted members of a Set, bigints as strings: one picture of plain state. */
export function plainStatePicture(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (types.isMap(value)) {
    return [...value.entries()].map(([k, v]) => [plainStatePicture(k), plainStatePicture(v)]).sort((a, b) => compareText(canonicalJson(a[0]), canonicalJson(b[0])));
  }
  if (types.isSet(value)) return [...value].map(plainStatePicture).sort((a, b) => compareText(canonicalJson(a), canonicalJson(b)));
  if (Array.isArray(value)) return value.map(plainStatePicture);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainStatePicture(v);
  return out;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const PLAIN: StateSnapshotCodec = { picture: plainStatePicture };

const codecOf = (decider: JournaledDecider): StateSnapshotCodec => decider.snapshot ?? PLAIN;

/** The snapshot bytes of a fold point (V8 structured clone; the format is V8's and versioned by it). */
export function encodeFoldPoint(point: FoldPoint): Buffer {
  return serialize({ state: point.state, guard: point.guard, lastApplied: point.lastApplied });
}

/**
 * The fold point in snapshot bytes, prototypes restored; throws on bytes that are not one. (Maps and
 * Sets are recognized with util.types: a structured clone's come from the main realm, which is not
 * the realm of code run in a vm context such as a test's.)
 */
export function decodeFoldPoint(decider: JournaledDecider, bytes: Buffer): FoldPoint {
  const raw = deserialize(bytes) as { state?: unknown; guard?: CommandGuard; lastApplied?: Map<string, bigint> } | null;
  if (raw === null || typeof raw !== 'object' || !types.isMap(raw.lastApplied) || !types.isSet(raw.guard?.commandIds) || typeof raw.guard.clock !== 'string') {
    throw new Error(`not a snapshot of the ${decider.producer} fold (state, guard, lastApplied)`);
  }
  const restore = codecOf(decider).restore;
  return { state: restore ? restore(raw.state) : raw.state, guard: raw.guard!, lastApplied: raw.lastApplied! };
}

/** SHA-256 (hex) of the canonical picture of a fold point: equal for equal folds, whatever built them. */
export function foldPointDigest(decider: JournaledDecider, point: FoldPoint): string {
  const picture = {
    // copied into plain objects of this realm (a structured clone's objects may come from another)
    state: plainStatePicture(codecOf(decider).picture(point.state)),
    commandIds: [...point.guard.commandIds].sort(compareText),
    clock: point.guard.clock,
    lastApplied: [...point.lastApplied].map(([topic, at]) => [topic, at.toString()]).sort((a, b) => compareText(a[0]!, b[0]!)),
  };
  return createHash('sha256').update(canonicalJson(picture)).digest('hex');
}

/** SHA-256 (hex) of snapshot bytes: what the snapshot's signature covers. */
export const snapshotBytesHash = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The text an owner signs for a snapshot of its journal at (seq, head hash), resumed at `offset`. */
export function snapshotSigningText(snapshot: { readonly journal: Producer; readonly seq: number; readonly headHash: string; readonly offset: string; readonly bytesHash: string }): string {
  return canonicalJson({ kind: 'ccp-fold-snapshot', journal: snapshot.journal, seq: snapshot.seq, headHash: snapshot.headHash, offset: snapshot.offset, bytesHash: snapshot.bytesHash });
}
