import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { EventEnvelope } from '@ccp/contracts';
import { canonicalProblem, lineForm, nonCanonicalCauses } from './canonical-line';
import { RawLine, readRawLines } from './journal-lines';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ccp-lines-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function linesOf(content: string | Buffer, chunkBytes?: number): Promise<RawLine[]> {
  const path = join(root, 'file.jsonl');
  writeFileSync(path, content);
  const out: RawLine[] = [];
  for await (const line of readRawLines(path, chunkBytes)) out.push(line);
  return out;
}

describe('readRawLines', () => {
  it.each([
    ['an empty file', '', []],
    ['one line', 'a\n', [{ position: 0, text: 'a', terminated: true, utf8: true }]],
    ['a blank line and a CR are kept', 'a\n\nb\r\n', [
      { position: 0, text: 'a', terminated: true, utf8: true },
      { position: 1, text: '', terminated: true, utf8: true },
      { position: 2, text: 'b\r', terminated: true, utf8: true },
    ]],
    ['a last line without newline', 'a\nb', [
      { position: 0, text: 'a', terminated: true, utf8: true },
      { position: 1, text: 'b', terminated: false, utf8: true },
    ]],
  ] as const)('%s', async (_name, content, expected) => {
    expect(await linesOf(content)).toEqual(expected);
  });

  it('bytes that are not UTF-8 are flagged; a U+FFFD written in the file is not', async () => {
    const lines = await linesOf(Buffer.concat([Buffer.from('ok\uFFFD\n'), Buffer.from([0x61, 0xff, 0x0a])]));
    expect(lines.map((l) => l.utf8)).toEqual([true, false]);
  });

  it('splits exactly on LF whatever the chunk size, multi-byte characters across chunk edges included', async () => {
    const lineArb = fc.array(fc.constantFrom('a', '{', '"', '\r', ' ', 'é', '€', '😀', '\\'), { maxLength: 12 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { maxLength: 8 }), fc.boolean(), fc.integer({ min: 1, max: 9 }), async (lines, endsInNewline, chunkBytes) => {
        const content = lines.join('\n') + (endsInNewline && lines.length > 0 ? '\n' : '');
        const read = await linesOf(content, chunkBytes);
        expect(read.map((l) => l.text).join('\n') + (read.length > 0 && read[read.length - 1]!.terminated ? '\n' : '')).toBe(content);
        expect(read.every((l) => l.utf8)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a line across chunks reads as in one chunk: its text, and whether its bytes are UTF-8, invalid bytes at the chunk edges included', async () => {
    const byte = fc.oneof(fc.constantFrom(0x0a, 0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0xef, 0xbf, 0xbd, 0xf0, 0x9f), fc.integer({ min: 0, max: 255 }));
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (bytes, chunkBytes) => {
        const content = Buffer.from(bytes);
        expect(await linesOf(content, chunkBytes)).toEqual(await linesOf(content));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the canonical form of a line', () => {
  const raw = (text: string, terminated = true): RawLine => ({ position: 0, text, terminated, utf8: true });

  it('lineForm: a CR is taken off for parsing and named; a blank line holds no record', () => {
    expect(lineForm(raw('{"a":1}\r'))).toEqual({ body: '{"a":1}', problems: [expect.stringMatching(/^ends in CR/)] });
    expect(lineForm(raw(''))).toEqual({ body: null, problems: [expect.stringMatching(/^blank line/)] });
    expect(lineForm(raw('\r'))).toEqual({ body: null, problems: [expect.stringMatching(/^blank line \(only a CR\)/)] });
    expect(lineForm(raw('{}', false)).problems).toEqual([expect.stringMatching(/^no newline at the end/)]);
    expect(lineForm(raw('{}'))).toEqual({ body: '{}', problems: [] });
  });

  it.each([
    ['{"a":1,"a":2}', /^duplicate key "a" at the top level/],
    ['{"p":{"b":1,"a":2}}', /^keys out of order in p \("b" before "a"\)/],
    ['{"p":[{"x":1},{"y":1,"y":2}]}', /^duplicate key "y" in p\[1\]/],
    ['{"a": 1}', /^whitespace between tokens$/],
    ['{"a":"\\u0041"}', /^a string escaped otherwise/],
    ['{"a":1e2}', /^a number written otherwise than canonical JSON writes it \(1e2\)/],
    ['{"a":true,"b":false,"c":null,"d":-3}', null],
  ] as const)('nonCanonicalCauses(%s)', (json, cause) => {
    const causes = nonCanonicalCauses(json);
    if (cause === null) expect(causes).toEqual([]);
    else expect(causes[0]).toMatch(cause);
  });

  it('canonicalProblem: null for the canonical bytes, the cause and where they first differ otherwise', () => {
    const record = { b: 1, a: 'x' } as unknown as EventEnvelope;
    expect(canonicalProblem('{"a":"x","b":1}', record)).toBeNull();
    expect(canonicalProblem('{"b":1,"a":"x"}', record)).toBe('not the canonical serialization of its record (keys out of order at the top level ("b" before "a"); first difference at character 3)');
    expect(canonicalProblem('{"a":"x","b":1.5}', { a: 'x', b: 1.5 } as unknown as EventEnvelope)).toMatch(/^its record has no canonical serialization: cannot canonicalize b/);
  });
});
