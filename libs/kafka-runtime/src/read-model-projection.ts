import type { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, JournalAnchor, Producer } from '@ccp/contracts';

/** The journal a projection reads: producer, namespace and physical topic (read models are keyed by them). */
export interface ProjectedJournalRef {
  readonly producer: Producer;
  readonly namespace: string;
  readonly topic: string;
}

/** Projects one journal's committed records into the read models (implemented by @ccp/read-models). */
export interface ReadModelProjector {
  /** projects the records and the anchors signed among them, and advances the projected position, in the caller's transaction */
  project(manager: EntityManager, journal: ProjectedJournalRef, records: readonly EventEnvelope[], anchors: readonly JournalAnchor[]): Promise<void>;
  /** the next journal seq the read models have not seen; throws if they project another namespace */
  nextSeq(manager: EntityManager, journal: ProjectedJournalRef): Promise<number>;
}

export interface ProjectionLogger {
  error(message: string): void;
}

/**
 * Keeps PostgreSQL's read models behind the journal by committed records only: each call projects
 * records in ONE database transaction together with the position they reflect (next seq), so a crash
 * leaves the models and their position consistent, and a restart projects exactly the tail the
 * database has not seen. Runs serially; a failure is retried with the same records.
 */
export class ReadModelProjection {
  private chain: Promise<void> = Promise.resolve();
  private projectedUpTo = -1;
  private failures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly projector: ReadModelProjector,
    private readonly journal: ProjectedJournalRef,
    private readonly logger: ProjectionLogger,
  ) {}

  private get producer(): Producer {
    return this.journal.producer;
  }

  /** The next journal seq the read models have not seen. */
  async nextSeq(): Promise<number> {
    return this.projector.nextSeq(this.dataSource.manager, this.journal);
  }

  /** Queues committed records (and the anchors signed among them) for projection, in order. */
  enqueue(records: readonly EventEnvelope[], anchors: readonly JournalAnchor[] = []): void {
    if (records.length === 0) return;
    this.chain = this.chain.then(() => this.projectWithRetry(records, anchors));
  }

  /** Resolves when everything enqueued so far is projected. */
  drain(): Promise<void> {
    return this.chain;
  }

  get lastProjectedSeq(): number {
    return this.projectedUpTo;
  }

  private async projectWithRetry(records: readonly EventEnvelope[], anchors: readonly JournalAnchor[]): Promise<void> {
    const fresh = records.filter((r) => r.seq > this.projectedUpTo);
    if (fresh.length === 0) return;
    for (;;) {
      try {
        await this.dataSource.transaction(async (manager) => {
          // the projector advances its own position (read_model_position) in this same transaction
          await this.projector.project(manager, this.journal, fresh, anchors);
        });
        this.projectedUpTo = fresh.at(-1)!.seq;
        this.failures = 0;
        return;
      } catch (error: unknown) {
        this.failures += 1;
        this.logger.error(`read-model projection of ${this.producer} seq ${fresh[0]!.seq}..${fresh.at(-1)!.seq} failed (attempt ${this.failures}): ${error instanceof Error ? error.message : String(error)}`);
        if (!this.dataSource.isInitialized) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6))));
      }
    }
  }
}
