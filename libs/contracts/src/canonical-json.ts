/**
 * Canonical JSON: the one byte form of a value, so the same event always hashes the same.
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
  // The hot path (every record is hashed and written once, and re-hashed by the audit) carries no
  // path; only when a value is refused is the walk repeated to name where.
  try {
    return write(value);
  } catch (error) {
    if (error instanceof Refused) explain(value, '');
    throw error;
  }
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
        value.forEach((v, i) => explain(v, `${path}[${i}]`));
        return;
      }
      const record = value as Record<string, unknown>;
      for (const k of Object.keys(record).sort()) if (record[k] !== undefined) explain(record[k], path ? `${path}.${k}` : k);
      return;
    }
    default:
      throw new CanonicalJsonError(path, `${typeof value} is not serializable`);
  }
}
