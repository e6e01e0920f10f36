import { Producer, PRODUCERS, Rejection } from '@ccp/contracts';
import { applyCommand, EngineObserver, JournalSlot, RoutedCommand } from './apply';
import { JournalSink, JournalWriter } from './journal';
import { newCommandGuard } from './command-guard';
import { JournaledDecider } from './registry';

export { streamOf, type CommandRejectedPayload, type EngineObserver, type RoutedCommand } from './apply';

/**
 * The embedded engine (design.md §3): the four deciders in one process, each the single writer of
 * its own journal, with wire events routed between them as the Kafka services route them.
 * Every input is recorded in the consuming journal before its decision, in the order applied;
 * routing is a FIFO queue, so the interleaving is a function of the inputs alone. The apply step
 * itself (apply.ts) is the one the Kafka runtime runs.
 */
export class EmbeddedEngine {
  private readonly slots = new Map<Producer, JournalSlot & { readonly writer: JournalWriter }>();
  private readonly queue: RoutedCommand[] = [];
  private queueHead = 0;

  constructor(
    private readonly deciders: Readonly<Record<Producer, JournaledDecider>>,
    sinks: Readonly<Record<Producer, JournalSink>>,
    private readonly observer: EngineObserver = {},
  ) {
    for (const producer of PRODUCERS) {
      this.slots.set(producer, { writer: new JournalWriter(producer, sinks[producer]), state: deciders[producer].decider.initialState(), guard: newCommandGuard() });
    }
  }

  state<S>(producer: Producer): S {
    return this.slots.get(producer)!.state as S;
  }

  writer(producer: Producer): JournalWriter {
    return this.slots.get(producer)!.writer;
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

  private apply(input: RoutedCommand): Rejection | null {
    const outcome = applyCommand(this.deciders, this.slots.get(input.target)!, input, this.observer);
    for (const routed of outcome.routed) this.queue.push(routed);
    return outcome.rejection;
  }
}
