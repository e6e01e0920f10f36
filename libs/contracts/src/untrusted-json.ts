/**
 * JSON from outside (Kafka messages, scenario files, key files) may carry keys that mean something to
 * JavaScript itself. `JSON.parse` keeps `"__proto__"` as an own property, but the first copy through
 * ordinary assignment (a spread, zod's `z.record`, a loose object) hits the prototype setter and the
 * key vanishes silently — or, merged into a plain object, changes its prototype. These keys are never
 * part of any of our formats, so a message that carries one is rejected, naming where, instead of
 * being quietly reshaped into something else.
 */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type UntrustedJsonFailure = {
  readonly ok: false;
  /** where: `steps[3].payload.__proto__`; '' for the whole text */
  readonly path: string;
  readonly message: string;
  /** `invalid_json`: the text is not JSON; `forbidden_key`: it is, but carries a forbidden key */
  readonly reason: 'invalid_json' | 'forbidden_key';
};
export type UntrustedJson = { readonly ok: true; readonly value: unknown } | UntrustedJsonFailure;

/** Parses JSON text and rejects any object key `__proto__`, `constructor` or `prototype`, at any depth. */
export function parseUntrustedJson(text: string): UntrustedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error: unknown) {
    return { ok: false, path: '', message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}`, reason: 'invalid_json' };
  }
  // Without a backslash no key can be spelled with escapes, so a forbidden key would appear verbatim.
  if (!text.includes('\\') && !FORBIDDEN_IN_TEXT.test(text)) return { ok: true, value };
  const found = findForbiddenKey(value);
  return found === null ? { ok: true, value } : { ok: false, path: found.path, message: found.message, reason: 'forbidden_key' };
}

const FORBIDDEN_IN_TEXT = /"(?:__proto__|constructor|prototype)"/;

interface Pending {
  readonly value: unknown;
  readonly parent: Pending | null;
  readonly key: string | number | null;
}

type Found = { readonly path: string; readonly key: string; readonly message: string };

/** Below this depth the fast walk recurses; deeper (or cyclic) values take the iterative walk. */
const RECURSION_DEPTH_MAX = 64;

/**
 * The first forbidden own key in a JSON-shaped value (depth first, keys in order), with its path, or
 * null. A fast recursive walk over ordinary values; anything nested deeper than 64 levels (or cyclic,
 * from an in-process caller) is walked again iteratively, each object once, so it cannot overflow the stack.
 */
export function findForbiddenKey(value: unknown): Found | null {
  const fast = walkShallow(value, 0);
  if (fast === TOO_DEEP) return walkIteratively(value);
  return fast === null ? null : found(fast.keys, fast.key);
}

const TOO_DEEP = Symbol('too deep');
type Shallow = { key: string; keys: (string | number)[] } | null | typeof TOO_DEEP;

/** The forbidden key and the keys leading to it (in reverse), null, or TOO_DEEP. */
function walkShallow(value: unknown, depth: number): Shallow {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > RECURSION_DEPTH_MAX) return TOO_DEEP;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const inner = walkShallow(value[i], depth + 1);
      if (inner === TOO_DEEP) return inner;
      if (inner !== null) {
        inner.keys.push(i);
        return inner;
      }
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_JSON_KEYS.has(key)) return { key, keys: [key] };
    const inner = walkShallow((value as Record<string, unknown>)[key], depth + 1);
    if (inner === TOO_DEEP) return inner;
    if (inner !== null) {
      inner.keys.push(key);
      return inner;
    }
  }
  return null;
}

function walkIteratively(value: unknown): Found | null {
  const seen = new Set<object>();
  const stack: Pending[] = [{ value, parent: null, key: null }];
  while (stack.length > 0) {
    const at = stack.pop()!;
    const v = at.value;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    const children: Pending[] = [];
    if (Array.isArray(v)) {
      v.forEach((item, i) => children.push({ value: item, parent: at, key: i }));
    } else {
      for (const key of Object.keys(v)) {
        if (FORBIDDEN_JSON_KEYS.has(key)) return found(keysOf({ value: undefined, parent: at, key }), key);
        children.push({ value: (v as Record<string, unknown>)[key], parent: at, key });
      }
    }
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]!);
  }
  return null;
}

/** A finding from the keys leading to the forbidden key, innermost first. */
function found(reversedKeys: readonly (string | number)[], key: string): Found {
  const keys = [...reversedKeys].reverse();
  const path = keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  return { path, key, message: `the key ${JSON.stringify(key)} is not allowed in a message (__proto__, constructor and prototype are rejected at any depth)` };
}

/** The keys from the root down to `at`, innermost first. */
function keysOf(at: Pending): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let p: Pending | null = at; p !== null; p = p.parent) if (p.key !== null) keys.push(p.key);
  return keys;
}
