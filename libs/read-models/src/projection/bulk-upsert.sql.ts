import type { EntityManager } from 'typeorm';

/** One column written by a projector: the row property, the SQL column and its type. */
export interface ColumnSpec<R> {
  readonly property: keyof R & string;
  readonly column: string;
  readonly sqlType: 'text' | 'numeric' | 'bigint' | 'jsonb' | 'boolean';
  /** on conflict keep the stored value when it is set (columns every part may fill in) */
  readonly keepExisting?: boolean;
}

const CHUNK_ROWS = 2_000;

/**
 * INSERT … ON CONFLICT DO UPDATE of many rows in one statement per chunk: the rows travel as one
 * jsonb parameter and `jsonb_to_recordset` types them (amounts stay decimal text → numeric, exact).
 * Only the listed columns are written, so a projector never touches another journal's columns.
 */
export async function bulkUpsert<R>(
  manager: EntityManager,
  table: string,
  keyColumns: readonly string[],
  columns: readonly ColumnSpec<R>[],
  rows: readonly R[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((c) => c.column);
  const recordset = columns.map((c) => `${c.column} ${c.sqlType}`).join(', ');
  const updates = columns
    .filter((c) => !keyColumns.includes(c.column))
    .map((c) => (c.keepExisting ? `${c.column} = COALESCE(target.${c.column}, EXCLUDED.${c.column})` : `${c.column} = EXCLUDED.${c.column}`));
  const sql = `INSERT INTO ${table} AS target (${names.join(', ')}, updated_at)
    SELECT ${names.join(', ')}, now() FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (${recordset})) WITH ORDINALITY AS t(${names.join(', ')}, ordinal)
    ORDER BY ordinal
    ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${[...updates, 'updated_at = now()'].join(', ')}`;
  // Rows in key order: every writer locks shared rows (default_case) in the same order, so two
  // services' transactions can wait on each other but never deadlock.
  const flat = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c.column] = row[c.property] ?? null;
    return out;
  });
  const keyOf = (row: Record<string, unknown>): string => keyColumns.map((k) => String(row[k])).join('\u0000');
  flat.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  for (let start = 0; start < flat.length; start += CHUNK_ROWS) {
    const chunk = flat.slice(start, start + CHUNK_ROWS);
    await manager.query(sql, [JSON.stringify(chunk)]);
  }
}

/**
 * Rows of one table for one projection batch: loaded once (in bulk where the keys are known up
 * front), changed in memory record by record, written back once.
 */
export class RowCache<R> {
  private readonly rows = new Map<string, R>();
  private readonly looked = new Set<string>();
  private readonly dirty = new Set<string>();

  constructor(private readonly load: (keys: readonly string[]) => Promise<ReadonlyMap<string, R>>) {}

  async prefetch(keys: Iterable<string>): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.looked.has(k));
    if (missing.length === 0) return;
    for (const k of missing) this.looked.add(k);
    const found = await this.load(missing);
    for (const [k, row] of found) if (!this.rows.has(k)) this.rows.set(k, row);
  }

  async get(key: string): Promise<R | undefined> {
    await this.prefetch([key]);
    return this.rows.get(key);
  }

  /** Every row loaded or set in this batch. */
  values(): IterableIterator<R> {
    return this.rows.values();
  }

  set(key: string, row: R): void {
    this.looked.add(key);
    this.rows.set(key, row);
    this.dirty.add(key);
  }

  markDirty(key: string): void {
    this.dirty.add(key);
  }

  changed(): R[] {
    return [...this.dirty].map((k) => this.rows.get(k)!);
  }
}

export function chunks<T>(items: readonly T[], size = 5_000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
