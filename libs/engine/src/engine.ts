import {
  Command,
  CommandMeta,
  DomainEvent,
  EventEnvelope,
  InputSource,
  JOURNAL_TOPICS,
  Producer,
  PRODUCERS,
  Rejection,
  WireEventType,
  WIRE_EVENT_SCHEMAS,
} from '@ccp/contracts';
import { JournalSink, JournalWriter } from './journal';
import { JournaledDecider } from './registry';

/** A command addressed to one journal's decider, with where it came from. */
export interface RoutedCommand {
  readonly target: Producer;
  readonly command: Command;
  /** id of the record or scenario step that caused it */
  readonly causationId: string | null;
  readonly source: InputSource | null;
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

const isWireEvent = (type: string): type is WireEventType => Object.prototype.hasOwnProperty.call(WIRE_EVENT_SCHEMAS, type);

/**
 * The embedded engine (design.md §3): the four deciders in one process, each the single writer of
 * its own journal, with wire events routed between them as the Kafka services route them.
 * Every input is recorded in the consuming journal before its decision, in the order applied;
 * routing is a FIFO queue, so the interleaving is a function of the inputs alone.
 */
export class EmbeddedEngine {
  private readonly states = new Map<Producer, unknown>();
  private readonly writers = new Map<Producer, JournalWriter>();
  private readonly queue: RoutedCommand[] = [];
  private queueHead = 0;

  constructor(
    private readonly deciders: Readonly<Record<Producer, JournaledDecider>>,
    sinks: Readonly<Record<Producer, JournalSink>>,
    private readonly observer: EngineObserver = {},
  ) {
    for (const producer of PRODUCERS) {
      this.states.set(producer, deciders[producer].decider.initialState());
      this.writers.set(producer, new JournalWriter(producer, sinks[producer]));
    }
  }

  state<S>(producer: Producer): S {
    return this.states.get(producer) as S;
  }

  writer(producer: Producer): JournalWriter {
    return this.writers.get(producer)!;
  }

  /** Submits an upstream command and runs every consequence to quiescence. Returns the input's rejection, if any. */
  submit(input: RoutedCommand): Rejection | null {
    const first = this.apply(input);
    this.drain();
    return first;
  }

  private drain(): void {
    while (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead]!;
      this.queueHead += 1;
      this.apply(next);
      if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
    }
  }

  /** Records the input, decides, records the outcome, evolves, routes. */
  private apply({ target, command, causationId, source }: RoutedCommand): Rejection | null {
    const journaled = this.deciders[target];
    const writer = this.writers.get(target)!;
    const meta: CommandMeta = command.meta;
    const inputRecord = writer.append({
      type: command.type,
      version: 1,
      stream: streamOf(command),
      occurredAt: meta.occurredAt,
      causationId,
      correlationId: meta.correlationId,
      kind: 'input',
      source,
      payload: command.payload,
    });
    this.observer.onRecord?.(inputRecord);
    const decision = journaled.decider.decide(command, this.states.get(target));
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
      this.observer.onRecord?.(rejected);
      this.observer.onRejected?.(target, command, r, inputRecord);
      return r;
    }
    let state = this.states.get(target);
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
      this.observer.onRecord?.(record);
      state = journaled.decider.evolve(state, event);
      this.route(target, event, record);
    }
    this.states.set(target, state);
    return null;
  }

  private route(producer: Producer, event: DomainEvent, record: EventEnvelope): void {
    if (!isWireEvent(event.type)) return;
    const source: InputSource = { topic: JOURNAL_TOPICS[producer], partition: 0, offset: String(record.seq) };
    const meta: CommandMeta = { occurredAt: record.occurredAt, correlationId: record.correlationId };
    for (const consumer of PRODUCERS) {
      if (consumer === producer) continue;
      const translate = this.deciders[consumer].wireInputs[event.type] as
        | ((payload: unknown, m: CommandMeta) => readonly Command[])
        | undefined;
      if (!translate) continue;
      for (const command of translate(event.payload, meta)) {
        this.queue.push({ target: consumer, command, causationId: record.id, source });
      }
    }
  }
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
