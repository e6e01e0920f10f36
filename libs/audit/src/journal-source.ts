import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventEnvelope, Producer } from '@ccp/contracts';
import { journalFileName, readJournalLines } from '@ccp/engine';

/** Journals already in memory (e.g. `simulate(...).journals[p].records`), by producer. */
export type LoadedJournals = Readonly<Partial<Record<Producer, readonly EventEnvelope[]>>>;

/** Where the audit reads journals from: a directory of file journals, or records in memory. */
export type JournalSource = string | LoadedJournals;

export interface PositionedRecord {
  /** 0-based position in the journal */
  readonly position: number;
  readonly record: EventEnvelope;
}

export function hasJournal(source: JournalSource, producer: Producer): boolean {
  return typeof source === 'string' ? existsSync(join(source, journalFileName(producer))) : source[producer] !== undefined;
}

/**
 * The records of one journal, in order. A file journal is streamed line by line; `mayMatch` is a
 * cheap pre-filter on the raw line (e.g. "contains this default id"), so lines that cannot matter
 * are never parsed. Unparsable lines are skipped: `verifyJournals` is what reports them.
 */
export async function* recordsOf(source: JournalSource, producer: Producer, mayMatch?: (line: string) => boolean): AsyncGenerator<PositionedRecord> {
  if (typeof source !== 'string') {
    const records = source[producer] ?? [];
    for (let position = 0; position < records.length; position += 1) yield { position, record: records[position]! };
    return;
  }
  const path = join(source, journalFileName(producer));
  if (!existsSync(path)) return;
  for await (const { position, text } of readJournalLines(path)) {
    if (mayMatch && !mayMatch(text)) continue;
    let record: EventEnvelope;
    try {
      record = JSON.parse(text) as EventEnvelope;
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null) continue;
    yield { position, record };
  }
}
