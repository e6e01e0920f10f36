/**
 * Whether a text is exactly the canonical JSON of a value (`canonicalJson(value) === text`,
 * contracts' canonical-json.ts: RFC 8785 for the values it accepts), found by walking the value
 * against the text instead of serializing it: a journal line of megabytes (an allocation basis)
 * is compared without a second string of megabytes. Any value canonicalJson refuses does not match,
 * nor one with a "__proto__" key (canonicalJson's result for it depends on the key order).
 */
export function isCanonicalJsonOf(value: unknown, text: string): boolean {
  return match(value, text, 0) === text.length;
}

/**
 * `text` is the canonical JSON of the object `value` with one more top-level member, `key`, at
 * `[from, to)` (`,"key":…`, its leading comma included): the member must sit in its sorted place
 * among value's members, after at least one of them; what it holds is the caller's to check. A sealed
 * journal line against the record re-deciding expects, the line's `"hash"` member apart.
 */
export function isCanonicalJsonWith(value: Record<string, unknown>, text: string, member: { key: string; from: number; to: number }): boolean {
  return matchObject(value, text, 0, member) === text.length;
}

/** a top-level member of the text that is not in the value (isCanonicalJsonWith) */
interface ExtraMember {
  readonly key: string;
  readonly from: number;
  readonly to: number;
}

const QUOTE = 34;

/** The end of the canonical JSON of `value` written at `at` in `text`, or -1 if it is not there. */
function match(value: unknown, text: string, at: number): number {
  if (value === null) return text.startsWith('null', at) ? at + 4 : -1;
  switch (typeof value) {
    case 'string':
      return matchString(value, text, at);
    case 'boolean': {
      const word = value ? 'true' : 'false';
      return text.startsWith(word, at) ? at + word.length : -1;
    }
    case 'number': {
      if (!Number.isSafeInteger(value)) return -1;
      const digits = Object.is(value, -0) ? '0' : String(value);
      return text.startsWith(digits, at) ? at + digits.length : -1;
    }
    case 'object':
      return Array.isArray(value) ? matchArray(value, text, at) : matchObject(value as Record<string, unknown>, text, at, null);
    default:
      return -1;
  }
}

function matchString(value: string, text: string, at: number): number {
  if (text.charCodeAt(at) !== QUOTE) return -1;
  const start = at + 1;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    // a character JSON.stringify may write otherwise than as itself: control, quote, backslash, a surrogate (lone ones are escaped)
    if (c < 0x20 || c === QUOTE || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return matchWritten(value, text, at);
    if (text.charCodeAt(start + i) !== c) return -1;
  }
  const end = start + value.length;
  return text.charCodeAt(end) === QUOTE ? end + 1 : -1;
}

function matchWritten(value: string, text: string, at: number): number {
  const written = JSON.stringify(value);
  return text.startsWith(written, at) ? at + written.length : -1;
}

function matchArray(value: readonly unknown[], text: string, at: number): number {
  if (text.charCodeAt(at) !== 91 /* [ */) return -1;
  let p = at + 1;
  for (let i = 0; i < value.length; i += 1) {
    if (i > 0) {
      if (text.charCodeAt(p) !== 44 /* , */) return -1;
      p += 1;
    }
    const item = value[i];
    if (item === undefined) return -1;
    p = match(item, text, p);
    if (p < 0) return -1;
  }
  return text.charCodeAt(p) === 93 /* ] */ ? p + 1 : -1;
}

function matchObject(value: Record<string, unknown>, text: string, at: number, extra: ExtraMember | null): number {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return -1;
  if (text.charCodeAt(at) !== 123 /* { */) return -1;
  const keys = Object.keys(value);
  const order = orderOf(keys);
  // canonicalJson copies an unsorted object, and a copy's "__proto__" is its prototype, not a key: not walked here
  if (order === PROTO_KEY) return -1;
  if (order === UNSORTED) keys.sort();
  let p = at + 1;
  let first = true;
  let pending = extra;
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    if (pending && k === pending.key) return -1;
    if (pending && k > pending.key) {
      // the extra member goes here, after at least one member
      if (first || p !== pending.from) return -1;
      p = pending.to;
      pending = null;
    }
    if (!first) {
      if (text.charCodeAt(p) !== 44 /* , */) return -1;
      p += 1;
    }
    first = false;
    p = matchString(k, text, p);
    if (p < 0 || text.charCodeAt(p) !== 58 /* : */) return -1;
    p = match(v, text, p + 1);
    if (p < 0) return -1;
  }
  if (pending) {
    if (first || p !== pending.from) return -1;
    p = pending.to;
  }
  return text.charCodeAt(p) === 125 /* } */ ? p + 1 : -1;
}

const SORTED = 0;
const UNSORTED = 1;
const PROTO_KEY = 2;

/** whether the keys are in code-unit order already (objects built or parsed in canonical order need no sort), or one is "__proto__" */
function orderOf(keys: readonly string[]): number {
  let order = SORTED;
  for (let i = 0; i < keys.length; i += 1) {
    const k = keys[i]!;
    if (k === '__proto__') return PROTO_KEY;
    if (i > 0 && keys[i - 1]! > k) order = UNSORTED;
  }
  return order;
}
