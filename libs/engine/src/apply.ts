import {
  Command,
  CommandMeta,
  EventEnvelope,
  InputSource,
  JOURNAL_TOPICS,
  Producer,
  PRODUCERS,
  Rejection,
  UnsealedEnvelope,
  WireEventType,
  WIRE_EVENT_SCHEMAS,
} from '@ccp/contracts';
import { causationOfCommand, CommandGuard, guardCommand } from './command-guard';
import { JournaledDecider } from './registry';

/** A command addressed to one journal's decider, with where it came from. */
export interface RoutedCommand {
  readonly target: Producer;
  readonly command: Command;
  /** id of the record that caused a routed command (an upstream command's is `command:<commandId>`) */
  readonly causationId: string | null;
  readonly source: InputSource | null;
  /** an upstream command's id (scenario step, input topic message): decided at most once per journal */
  readonly commandId?: string;
}

export interface CommandRejectedPayload {
  readonly commandType: string;
  readonly code: Rejection['code'];
  readonly path: string;
  readonly message: string;
  readonly retryable: boolean;
}

export interface EngineObserver {
  /** every sealed record, in the order written across all journals */
  onRecord?(record: EventEnvelope): void;
  onRejected?(target: Producer, command: Command, rejection: Rejection, inputRecord: EventEnvelope): void;
}

/** What applyCommand needs of a journal's single writer (JournalWriter, or the Kafka runtime's). */
export interface RecordAppender {
  append<TType extends string, TPayload>(record: Omit<UnsealedEnvelope<TType, TPayload>, 'seq' | 'producer'>): EventEnvelope<TType, TPayload>;
}

/** The journal a command is applied to: its writer and the decider state it holds. */
export interface JournalSlot {
  readonly writer: RecordAppender;
  state: unknown;
  /** the upstream command ids decided and the journal's clock (command-guard.ts) */
  readonly guard: CommandGuard;
}

export interface ApplyOutcome {
  readonly inputRecord: EventEnvelope;
  /** the records written for this input after the input record itself (CommandRejected, or the events) */
  readonly decided: readonly EventEnvelope[];
  readonly rejection: Rejection | null;
  /** the commands other journals must apply because of the wire events among `decided` */
  readonly routed: readonly RoutedCommand[];
}

export const isWireEvent = (type: string): type is WireEventType => Object.prototype.hasOwnProperty.call(WIRE_EVENT_SCHEMAS, type);

/**
 * The one apply step, shared by the embedded engine and the Kafka runtime: record the input with
 * its source, decide, record CommandRejected or the events, evolve, and compute where each wire
 * event goes (DECIDERS[consumer].wireInputs). `slot.state` is replaced by the evolved state.
 */
export function applyCommand(
  deciders: Readonly<Record<Producer, JournaledDecider>>,
  slot: JournalSlot,
  { target, command, causationId, source, commandId }: RoutedCommand,
  observer: EngineObserver = {},
): ApplyOutcome {
  const journaled = deciders[target];
  const writer = slot.writer;
  const meta: CommandMeta = command.meta;
  const inputRecord = writer.append({
    type: command.type,
    version: 1,
    stream: streamOf(command),
    occurredAt: meta.occurredAt,
    causationId: commandId === undefined ? causationId : causationOfCommand(commandId),
    correlationId: meta.correlationId,
    kind: 'input',
    source,
    payload: command.payload,
  });
  observer.onRecord?.(inputRecord);
  const refused = commandId === undefined ? null : guardCommand(slot.guard, commandId, meta.occurredAt);
  const decision = refused ? { kind: 'rejected' as const, rejection: refused } : journaled.decider.decide(command, slot.state);
  if (decision.kind === 'rejected') {
    const r = decision.rejection;
    const payload: CommandRejectedPayload = { commandType: command.type, code: r.code, path: r.path, message: r.message, retryable: r.retryable };
    const rejected = writer.append({
      type: 'CommandRejected',
      version: 1,
      stream: inputRecord.stream,
      occurredAt: meta.occurredAt,
      causationId: inputRecord.id,
      correlationId: meta.correlationId,
      kind: 'event',
      source: null,
      payload,
    });
    observer.onRecord?.(rejected);
    observer.onRejected?.(target, command, r, inputRecord);
    return { inputRecord, decided: [rejected], rejection: r, routed: [] };
  }
  const decided: EventEnvelope[] = [];
  const routed: RoutedCommand[] = [];
  let state = slot.state;
  for (const event of decision.events) {
    const record = writer.append({
      type: event.type,
      version: 1,
      stream: event.stream,
      occurredAt: meta.occurredAt,
      causationId: inputRecord.id,
      correlationId: event.correlationId ?? meta.correlationId,
      kind: 'event',
      source: null,
      payload: event.payload,
    });
    observer.onRecord?.(record);
    decided.push(record);
    state = journaled.decider.evolve(state, event);
    for (const consumer of PRODUCERS) {
      if (consumer !== target) routed.push(...wireCommandsFor(deciders, consumer, record));
    }
  }
  slot.state = state;
  return { inputRecord, decided, rejection: null, routed };
}

/**
 * The commands `consumer` must apply because of one record of another journal: none unless the
 * record is a wire event the consumer subscribes to. The source names the record by its journal
 * (the catalogue's topic name) and its seq, so journals never depend on where they were hosted.
 */
export function wireCommandsFor(deciders: Readonly<Record<Producer, JournaledDecider>>, consumer: Producer, record: EventEnvelope): RoutedCommand[] {
  if (record.kind !== 'event' || record.producer === consumer || !isWireEvent(record.type)) return [];
  const translate = deciders[consumer].wireInputs[record.type] as ((payload: unknown, m: CommandMeta) => readonly Command[]) | undefined;
  if (!translate) return [];
  const source: InputSource = { topic: JOURNAL_TOPICS[record.producer], partition: 0, offset: String(record.seq) };
  const meta: CommandMeta = { occurredAt: record.occurredAt, correlationId: record.correlationId };
  return translate(record.payload, meta).map((command) => ({ target: consumer, command, causationId: record.id, source }));
}

/** The aggregate a command concerns, for the input record's `stream`. */
export function streamOf(command: Command): string {
  const p = command.payload as Record<string, unknown> | null;
  if (p && typeof p === 'object') {
    for (const key of ['defaultId', 'accountId', 'instrumentId', 'memberId', 'tradeId', 'scenarioId']) {
      const v = p[key];
      if (typeof v === 'string') return v;
    }
  }
  return command.type;
}
