import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

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

/**
 * Streams a file line by line, splitting on '\n' only, for the byte-exact audit: unlike a
 * readline-based reader it keeps a '\r' before the '\n', yields blank lines, and says when the file
 * does not end with a newline or a line is not valid UTF-8. Memory holds one chunk and the line
 * that straddles it, however long the file.
 */
export async function* readRawLines(path: string, chunkBytes = 1 << 20): AsyncGenerator<RawLine> {
  let position = 0;
  let carry: Buffer[] = [];
  const lineOf = (bytes: Buffer, terminated: boolean): RawLine => {
    const text = bytes.toString('utf8');
    // valid UTF-8 decodes without U+FFFD unless the text holds one itself: check the bytes only then
    const utf8 = !text.includes('\uFFFD') || isUtf8(bytes);
    return { position: position++, text, terminated, utf8 };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, end);
      if (carry.length > 0) {
        carry.push(piece);
        const whole = Buffer.concat(carry);
        carry = [];
        yield lineOf(whole, true);
      } else yield lineOf(piece, true);
      start = end + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield lineOf(Buffer.concat(carry), false);
}
