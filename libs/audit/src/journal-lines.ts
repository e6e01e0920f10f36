import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** One line of a file journal exactly as stored: nothing stripped, nothing skipped. */
export interface RawLine {
  /** 0-based line of the file, blank lines counted */
  readonly position: number;
  /** the line without its '\n' — a '\r' before it is kept */
  readonly text: string;
  /** false only for a last line the file does not end with '\n' (a torn write) */
  readonly terminated: boolean;
  /** false if the line's bytes are not valid UTF-8 (`text` then holds U+FFFD where they were) */
  readonly utf8: boolean;
}

const NEWLINE = 0x0a;
/** small enough that a chunk is garbage before the young generation would keep it (then it is freed at once) */
const CHUNK_BYTES = 1 << 16;

/**
 * Streams a file line by line, splitting on '\n' only, for the byte-exact audit: unlike a
 * readline-based reader it keeps a '\r' before the '\n', yields blank lines, and says when the file
 * does not end with a newline or a line is not valid UTF-8. Memory holds one chunk and the line
 * that straddles it, however long the file.
 */
export async function* readRawLines(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<RawLine> {
  const cursor = new LineCursor(path, chunkBytes);
  for (;;) {
    const line = cursor.take();
    if (line) yield line;
    else if (!(await cursor.fill())) return;
  }
}

/**
 * One file's lines (as `readRawLines` splits them) for a reader that walks millions of lines: `peek`
 * and `take` are synchronous within the chunk read so far, `fill` awaits the next chunk. A line's
 * text is decoded only when it is looked at, so it is garbage as soon as its reader is done with it.
 */
export class LineCursor {
  private readonly chunks: AsyncIterator<Buffer>;
  private chunk: Buffer = Buffer.alloc(0);
  /** offset in `chunk` of the next line's first byte */
  private start = 0;
  /** the start of a line that began in earlier chunks */
  private carry: Buffer[] = [];
  private ended = false;
  private position = 0;
  private peeked: RawLine | undefined = undefined;

  constructor(path: string, chunkBytes = CHUNK_BYTES) {
    this.chunks = (createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** The next line, or undefined when the chunk read so far holds no whole line (then `fill`). */
  peek(): RawLine | undefined {
    this.peeked ??= this.split();
    return this.peeked;
  }

  take(): RawLine | undefined {
    const line = this.peek();
    this.peeked = undefined;
    return line;
  }

  /** Reads on until a whole line is at hand; false when the file holds no more lines. */
  async fill(): Promise<boolean> {
    while (this.peek() === undefined) {
      if (this.ended) return false;
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        continue;
      }
      if (this.start < this.chunk.length) this.carry.push(this.chunk.subarray(this.start));
      this.chunk = next.value;
      this.start = 0;
    }
    return true;
  }

  /** The next whole line of the chunk (with what was carried over), consumed; undefined if there is none. */
  private split(): RawLine | undefined {
    const end = this.chunk.indexOf(NEWLINE, this.start);
    if (end < 0) {
      if (!this.ended) return undefined;
      // the file ends without a newline: what is left is a torn last line
      if (this.start < this.chunk.length) this.carry.push(this.chunk.subarray(this.start));
      this.start = this.chunk.length;
      if (this.carry.length === 0) return undefined;
      return this.carriedLine(false);
    }
    const piece = this.chunk.subarray(this.start, end);
    this.start = end + 1;
    if (this.carry.length === 0) return this.lineOf(piece, true);
    this.carry.push(piece);
    return this.carriedLine(true);
  }

  /** A line that spans chunks, decoded piece by piece (not copied into one buffer first: such lines are the long ones). */
  private carriedLine(terminated: boolean): RawLine {
    const pieces = this.carry;
    this.carry = [];
    const decoder = new StringDecoder('utf8');
    const text = pieces.map((p) => decoder.write(p)).join('') + decoder.end();
    // a U+FFFD (written, or for bytes that are not UTF-8): decoded whole, as any other line
    return text.includes('\uFFFD') ? this.lineOf(Buffer.concat(pieces), terminated) : { position: this.position++, text, terminated, utf8: true };
  }

  private lineOf(bytes: Buffer, terminated: boolean): RawLine {
    const text = bytes.toString('utf8');
    // valid UTF-8 decodes without U+FFFD unless the text holds one itself: check the bytes only then
    const utf8 = !text.includes('\uFFFD') || isUtf8(bytes);
    return { position: this.position++, text, terminated, utf8 };
  }
}
