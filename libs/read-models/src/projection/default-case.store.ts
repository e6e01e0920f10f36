import type { EventEnvelope, Producer } from '@ccp/contracts';
import { DefaultCaseEntity } from '@ccp/persistence';
import type { EntityManager } from 'typeorm';
import { bulkUpsert, chunks, ColumnSpec, RowCache } from './bulk-upsert.sql';
import { CommandRejectedPayload, defaultIdOf, emptyPart, PartsByProducer, timelineEntry } from './default-case.parts';

/** The columns of `default_case` one journal owns: its part, the seq it reflects, its summary columns. */
interface OwnedColumns {
  readonly part: string;
  readonly seq: string;
  readonly summary: readonly { readonly column: string; readonly sqlType: 'text' | 'numeric' }[];
}

const OWNED: Readonly<Record<Producer, OwnedColumns>> = {
  liquidation: {
    part: 'liquidation',
    seq: 'liquidation_seq',
    summary: [
      { column: 'declared_at', sqlType: 'text' },
      { column: 'deficit', sqlType: 'numeric' },
      { column: 'margin_applied', sqlType: 'numeric' },
    ],
  },
  'default-fund': {
    part: 'default_fund',
    seq: 'default_fund_seq',
    summary: [
      { column: 'waterfall_outcome', sqlType: 'text' },
      { column: 'covered', sqlType: 'numeric' },
      { column: 'residual', sqlType: 'numeric' },
    ],
  },
  'loss-allocation': {
    part: 'loss_allocation',
    seq: 'loss_allocation_seq',
    summary: [
      { column: 'policy', sqlType: 'text' },
      { column: 'allocated', sqlType: 'numeric' },
      { column: 'unallocated', sqlType: 'numeric' },
    ],
  },
  margin: { part: 'margin', seq: 'margin_seq', summary: [] },
};

/** One default as one journal's projector holds it: its own part and summary columns only. */
export interface OwnedCase<P extends Producer> {
  readonly defaultId: string;
  accountId: string | null;
  memberId: string | null;
  part: PartsByProducer[P];
  /** summary column → value (decimal strings for numeric columns) */
  summary: Record<string, string | null>;
  seq: number;
}

interface WireRow {
  default_id: string;
  account_id: string | null;
  member_id: string | null;
  part: unknown;
  seq: string | null;
  [summaryColumn: string]: unknown;
}

/**
 * The default cases of one batch, as one journal sees them. Reads and writes only that journal's
 * columns of `default_case` (plus account/member, filled in by whichever part comes first).
 */
export class DefaultCaseStore<P extends Producer> {
  private readonly owned: OwnedColumns;
  private readonly cache: RowCache<OwnedCase<P>>;

  constructor(
    private readonly manager: EntityManager,
    private readonly producer: P,
  ) {
    this.owned = OWNED[producer];
    this.cache = new RowCache((keys) => this.load(keys));
  }

  private get table(): string {
    return this.manager.getRepository(DefaultCaseEntity).metadata.tablePath;
  }

  private async load(keys: readonly string[]): Promise<Map<string, OwnedCase<P>>> {
    const found = new Map<string, OwnedCase<P>>();
    const summary = this.owned.summary.map((s) => `${s.column}::text AS ${s.column}`);
    for (const chunk of chunks(keys)) {
      const rows: WireRow[] = await this.manager.query(
        `SELECT default_id, account_id, member_id, ${this.owned.part} AS part, ${this.owned.seq}::text AS seq${summary.map((s) => `, ${s}`).join('')}
           FROM ${this.table} WHERE default_id = ANY($1::text[])`,
        [chunk],
      );
      for (const row of rows) {
        found.set(row.default_id, {
          defaultId: row.default_id,
          accountId: row.account_id,
          memberId: row.member_id,
          part: (row.part as PartsByProducer[P] | null) ?? emptyPart(this.producer),
          summary: Object.fromEntries(this.owned.summary.map((s) => [s.column, (row[s.column] as string | null) ?? null])),
          seq: row.seq === null ? -1 : Number(row.seq),
        });
      }
    }
    return found;
  }

  async prefetch(records: readonly EventEnvelope[]): Promise<void> {
    const ids = new Set<string>();
    for (const r of records) {
      const id = defaultIdOf(r);
      if (id !== null) ids.add(id);
    }
    await this.cache.prefetch(ids);
  }

  /** The case of this default, created empty if this journal never mentioned it; marked changed. */
  async open(defaultId: string): Promise<OwnedCase<P>> {
    let row = await this.cache.get(defaultId);
    if (row === undefined) {
      row = {
        defaultId,
        accountId: null,
        memberId: null,
        part: emptyPart(this.producer),
        summary: Object.fromEntries(this.owned.summary.map((s) => [s.column, null])),
        seq: -1,
      };
    }
    this.cache.set(defaultId, row);
    return row;
  }

  /**
   * Every record of a default goes on its timeline; CommandRejected also on its rejections.
   * Returns the case (or null when the record belongs to no default).
   */
  async touch(record: EventEnvelope): Promise<OwnedCase<P> | null> {
    const defaultId = defaultIdOf(record);
    if (defaultId === null) return null;
    const c = await this.open(defaultId);
    c.part.timeline.push(timelineEntry(record));
    c.seq = record.seq;
    const payload = record.payload as { accountId?: unknown; memberId?: unknown };
    if (c.accountId === null && typeof payload.accountId === 'string') c.accountId = payload.accountId;
    if (c.memberId === null && typeof payload.memberId === 'string') c.memberId = payload.memberId;
    if (record.kind === 'event' && record.type === 'CommandRejected') {
      const p = record.payload as CommandRejectedPayload;
      c.part.rejections.push({ seq: record.seq, commandType: p.commandType, code: p.code, path: p.path, message: p.message });
    }
    return c;
  }

  async flush(): Promise<void> {
    type Flat = Record<string, unknown>;
    const columns: ColumnSpec<Flat>[] = [
      { property: 'default_id', column: 'default_id', sqlType: 'text' },
      { property: 'account_id', column: 'account_id', sqlType: 'text', keepExisting: true },
      { property: 'member_id', column: 'member_id', sqlType: 'text', keepExisting: true },
      { property: 'part', column: this.owned.part, sqlType: 'jsonb' },
      { property: 'seq', column: this.owned.seq, sqlType: 'bigint' },
      ...this.owned.summary.map((s) => ({ property: s.column, column: s.column, sqlType: s.sqlType })),
    ];
    const rows: Flat[] = this.cache.changed().map((c) => ({
      default_id: c.defaultId,
      account_id: c.accountId,
      member_id: c.memberId,
      part: c.part,
      seq: String(c.seq),
      ...c.summary,
    }));
    await bulkUpsert(this.manager, this.table, ['default_id'], columns, rows);
  }
}
