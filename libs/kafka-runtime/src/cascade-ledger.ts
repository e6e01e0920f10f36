import { EventEnvelope, JOURNAL_TOPICS, Producer, PRODUCERS } from '@ccp/contracts';
import { JournaledDecider, wireCommandsFor } from '@ccp/engine';
import type { DeadLetterRecord } from './journal-runtime';
import type { Topology } from './topology';

/**
 * The exact accounts by which a cascade is known to be settled (not a timer): which inputs each
 * journal recorded (by logical source topic and offset), which inputs every wire event seen so far
 * obliges each consumer to record (DECIDERS[c].wireInputs), and which published steps were
 * dead-lettered. Fed every record of the four journals and the dead-letter topic, in any order.
 */
export class CascadeLedger {
  /** `${consumer}|${logical topic}|${offset}` → inputs recorded */
  private readonly recorded = new Map<string, number>();
  /** same key → inputs owed */
  private readonly owed = new Map<string, number>();
  /** `${physical topic}|${offset}` of dead-lettered messages */
  private readonly deadLettered = new Set<string>();

  constructor(
    private readonly topo: Topology,
    private readonly deciders: Readonly<Record<Producer, JournaledDecider>>,
  ) {}

  deadLetter(dl: DeadLetterRecord): void {
    this.deadLettered.add(`${dl.source.topic}|${dl.source.offset}`);
  }

  record(record: EventEnvelope): void {
    if (record.kind === 'input' && record.source) {
      const key = `${record.producer}|${record.source.topic}|${record.source.offset}`;
      this.recorded.set(key, (this.recorded.get(key) ?? 0) + 1);
      return;
    }
    for (const consumer of PRODUCERS) {
      const owed = wireCommandsFor(this.deciders, consumer, record).length;
      if (owed > 0) this.owed.set(`${consumer}|${JOURNAL_TOPICS[record.producer]}|${record.seq}`, owed);
    }
  }

  /** The step published at `offset` of `physicalTopic` is recorded by `target`, or dead-lettered. */
  stepDone(target: Producer, physicalTopic: string, offset: string): boolean {
    return (this.recorded.get(`${target}|${this.topo.logical(physicalTopic)}|${offset}`) ?? 0) > 0 || this.deadLettered.has(`${physicalTopic}|${offset}`);
  }

  /** The inputs owed but not (yet) recorded. */
  outstanding(): string[] {
    const out: string[] = [];
    for (const [key, n] of this.owed) if ((this.recorded.get(key) ?? 0) < n) out.push(`${key} (${this.recorded.get(key) ?? 0}/${n})`);
    return out;
  }

  /** After a settled phase nothing is owed: forget the accounts so far (keeps the maps small at 100k accounts). */
  forgetSettled(): void {
    this.owed.clear();
    this.recorded.clear();
  }
}
