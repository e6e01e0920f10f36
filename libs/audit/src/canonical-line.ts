import { EventEnvelope, serializeRecord } from '@ccp/contracts';
import type { RawLine } from './journal-lines';

/**
 * The byte-exact form of a journal line (design.md §2): a line is exactly the canonical
 * serialization of its record, `serializeRecord(JSON.parse(line)) === line`, ended by a single LF.
 * Anything else — whitespace, a CRLF ending, a blank line, a duplicate key (JSON.parse keeps the
 * last value, another reader may keep the first), keys out of order, `1.0` for `1`, an escape where
 * none is needed — is a line two readers may read differently, so the audit refuses it.
 */
export interface LineForm {
  /** the text to parse (a trailing CR removed); null for a blank line, which holds no record */
  readonly body: string | null;
  /** what is wrong with the line's form (without the line number: the finding carries it) */
  readonly problems: string[];
}

export function lineForm(line: RawLine): LineForm {
  const problems: string[] = [];
  let body = line.text;
  const cr = body.endsWith('\r');
  if (cr) body = body.slice(0, -1);
  if (body.length === 0) problems.push(cr ? 'blank line (only a CR): a journal has one record on every line' : 'blank line: a journal has one record on every line');
  else if (cr) problems.push('ends in CR (a CRLF line ending): a journal line ends in LF alone');
  if (!line.terminated) problems.push('no newline at the end of the file: every journal line ends in LF (a torn or cut write?)');
  if (!line.utf8) problems.push('not valid UTF-8');
  return { body: body.length === 0 ? null : body, problems };
}

/** null if `body` is exactly the canonical serialization of `record`, else why not. */
export function canonicalProblem(body: string, record: EventEnvelope): string | null {
  let canonical: string;
  try {
    canonical = serializeRecord(record);
  } catch (error) {
    return `its record has no canonical serialization: ${(error as Error).message}`;
  }
  if (canonical === body) return null;
  let at = 0;
  while (at < body.length && at < canonical.length && body.charCodeAt(at) === canonical.charCodeAt(at)) at += 1;
  const causes = nonCanonicalCauses(body);
  return `not the canonical serialization of its record (${causes.length > 0 ? causes.join('; ') : 'whitespace / duplicate key / key order'}; first difference at character ${at + 1})`;
}

interface ObjectFrame {
  readonly kind: 'object';
  readonly path: string;
  readonly keys: Set<string>;
  lastKey: string | null;
  expectKey: boolean;
}
interface ArrayFrame {
  readonly kind: 'array';
  readonly path: string;
  index: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER_CHAR = /[-+0-9.eE]/;

/**
 * What makes a line (valid JSON) differ from canonical JSON: duplicate keys, keys out of order,
 * whitespace between tokens, a string or a number written in another form. Only run on a line
 * that failed the comparison, so it may be slow; at most one cause of each kind, the first found.
 */
export function nonCanonicalCauses(json: string): string[] {
  const causes = new Map<string, string>();
  const note = (kind: string, text: string): void => {
    if (!causes.has(kind)) causes.set(kind, text);
  };
  const stack: (ObjectFrame | ArrayFrame)[] = [];
  let memberKey: string | null = null;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return `${top.path}[${top.index}]`;
    return top.path ? `${top.path}.${memberKey ?? '?'}` : (memberKey ?? '?');
  };
  const where = (path: string): string => (path ? `in ${path}` : 'at the top level');
  for (let i = 0; i < json.length; i += 1) {
    const c = json[i]!;
    if (WHITESPACE.has(c)) {
      note('whitespace', 'whitespace between tokens');
      continue;
    }
    const top = stack[stack.length - 1];
    switch (c) {
      case '{':
        stack.push({ kind: 'object', path: childPath(), keys: new Set(), lastKey: null, expectKey: true });
        continue;
      case '[':
        stack.push({ kind: 'array', path: childPath(), index: 0 });
        continue;
      case '}':
      case ']':
        stack.pop();
        continue;
      case ',':
        if (top?.kind === 'object') top.expectKey = true;
        else if (top?.kind === 'array') top.index += 1;
        continue;
      case ':':
        if (top?.kind === 'object') top.expectKey = false;
        continue;
      case '"': {
        let j = i + 1;
        while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
        const token = json.slice(i, j + 1);
        const value = JSON.parse(token) as string;
        if (JSON.stringify(value) !== token) note('string', `a string escaped otherwise than canonical JSON writes it (${clip(token)})`);
        if (top?.kind === 'object' && top.expectKey) {
          if (top.keys.has(value)) note('duplicate', `duplicate key ${JSON.stringify(value)} ${where(top.path)} (JSON.parse keeps the last value; another reader may keep the first)`);
          else if (top.lastKey !== null && top.lastKey > value) note('order', `keys out of order ${where(top.path)} (${JSON.stringify(top.lastKey)} before ${JSON.stringify(value)})`);
          top.keys.add(value);
          top.lastKey = value;
          memberKey = value;
        }
        i = j;
        continue;
      }
      default: {
        if (c !== '-' && (c < '0' || c > '9')) {
          i += (json.startsWith('true', i) ? 4 : json.startsWith('false', i) ? 5 : 4) - 1; // true / false / null
          continue;
        }
        let j = i;
        while (j < json.length && NUMBER_CHAR.test(json[j]!)) j += 1;
        const token = json.slice(i, j);
        if (String(Number(token)) !== token) note('number', `a number written otherwise than canonical JSON writes it (${token})`);
        i = j - 1;
        continue;
      }
    }
  }
  return ['duplicate', 'order', 'whitespace', 'string', 'number'].filter((k) => causes.has(k)).map((k) => causes.get(k)!);
}

const clip = (s: string): string => (s.length <= 40 ? s : `${s.slice(0, 39)}…`);
