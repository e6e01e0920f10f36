/**
 * Canonical JSON: the one byte form of a value, so the same event always hashes the same. For every
 * value it accepts it is exactly RFC 8785, the JSON Canonicalization Scheme (JCS) — keys sorted by
 * UTF-16 code unit, ECMAScript string escaping, integers as ECMAScript writes them — which a property
 * test holds against an independent JCS implementation (canonical-json.unit.spec.ts).
 * - object keys sorted by code unit, no whitespace;
 * - numbers only as safe integers (counts, sequence numbers, versions); money and ratios travel as
 *   decimal strings, so a float here is a programmer error and is refused;
 * - undefined properties are dropped; undefined elsewhere, NaN, functions, bigint are refused.
 */
export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot canonicalize ${path || '<root>'}: ${reason}`);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  // The hot path (every record is serialized once, and checked by the audit) carries no path; only
  // when a value is refused is the walk repeated to name where.
  try {
    // Fast path: a copy of the value with every object's keys in sorted order — objects that are
    // already sorted are reused, not copied — written by the engine's own JSON.stringify. Equal to
    // the writer below whenever no object has an array-index-like key (V8 would list those first).
    return JSON.stringify(inSortedOrder(value));
  } catch (error) {
    if (error === INDEX_LIKE_KEY) return slowPath(value);
    if (error instanceof Refused) explain(value, '');
    throw error;
  }
}

function slowPath(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error instanceof Refused) explain(value, '');
    throw error;
  }
}

const INDEX_LIKE_KEY = new Error('an array-index-like key');

/** 0 … 2^32 − 2 written without leading zeros: V8 orders such keys numerically, before all others. */
function isIndexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  if (key.length > 1 && c === 48) return false;
  for (let i = 1; i < key.length; i += 1) {
    const d = key.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return key.length < 10 || Number(key) < 4294967295;
}

/** The value itself if every object in it is already in sorted key order, else a copy that is; refuses what the writer refuses. */
function inSortedOrder(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Refused();
      return value;
    case 'object': {
      if (Array.isArray(value)) {
        let copy: unknown[] | null = null;
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          if (item === undefined) throw new Refused();
          const normalized = inSortedOrder(item);
          if (normalized !== item && copy === null) copy = value.slice(0, i);
          if (copy !== null) copy.push(normalized);
        }
        return copy ?? value;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new Refused();
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      let sorted = true;
      for (let i = 0; i < keys.length; i += 1) {
        const k = keys[i]!;
        if (isIndexLike(k)) throw INDEX_LIKE_KEY;
        if (i > 0 && keys[i - 1]! > k) sorted = false;
      }
      let copy: Record<string, unknown> | null = null;
      if (!sorted) {
        keys.sort();
        copy = {};
      }
      for (let i = 0; i < keys.length; i += 1) {
        const k = keys[i]!;
        const v = record[k];
        if (v === undefined) {
          // dropped, as the writer drops it (JSON.stringify drops it too)
          if (copy === null) copy = copyOf(record, keys, i);
          continue;
        }
        const normalized = inSortedOrder(v);
        if (normalized !== v && copy === null) copy = copyOf(record, keys, i);
        if (copy !== null) copy[k] = normalized;
      }
      return copy ?? record;
    }
    default:
      throw new Refused();
  }
}

/** A fresh object with the first `n` keys of `keys` (sorted) copied from `record`, undefined ones left out. */
function copyOf(record: Record<string, unknown>, keys: readonly string[], n: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < n; i += 1) {
    const k = keys[i]!;
    if (record[k] !== undefined) copy[k] = record[k];
  }
  return copy;
}

class Refused extends Error {}

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Refused();
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) out += i === 0 ? write(value[i]) : `,${write(value[i])}`;
        return `${out}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new Refused();
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${write(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new Refused();
  }
}

/** The slow walk, only after a refusal: throws CanonicalJsonError naming the first offending path. */
function explain(value: unknown, path: string): void {
  if (value === null) return;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(path, `number ${value} is not a safe integer; send decimals as strings`);
      return;
    case 'object': {
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v === undefined) throw new CanonicalJsonError(`${path}[${i}]`, 'undefined in an array is not serializable');
          explain(v, `${path}[${i}]`);
        });
        return;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(path, `a ${(proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'non-plain'} object is not plain data; convert it (e.g. a Decimal to its string) first`);
      const record = value as Record<string, unknown>;
      for (const k of Object.keys(record).sort()) if (record[k] !== undefined) explain(record[k], path ? `${path}.${k}` : k);
      return;
    }
    default:
      throw new CanonicalJsonError(path, `${typeof value} is not serializable`);
  }
}
