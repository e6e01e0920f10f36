import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { EventEnvelope } from '@ccp/contracts';
import { JournalSink } from './journal';

/** A journal as a JSON-lines file: one canonical record per line, written through a buffer. */
export class FileJournalSink implements JournalSink {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly flushAtChars = 1 << 20,
  ) {
    this.fd = openSync(path, 'w');
  }

  append(_record: EventEnvelope, line: string): void {
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
    this.buffer.push(line, '\n');
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= this.flushAtChars) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bufferedChars = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }
}

export interface JournalLine {
  /** 0-based line number */
  readonly position: number;
  readonly text: string;
}

/** Streams a file journal line by line: memory stays flat however long the journal is. */
export async function* readJournalLines(path: string): AsyncGenerator<JournalLine> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let position = 0;
  for await (const text of rl) {
    if (text.length === 0) continue;
    yield { position, text };
    position += 1;
  }
}
