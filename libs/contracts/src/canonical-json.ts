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
  return write(value, '');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(path, `number ${value} is not a safe integer; send decimals as strings`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], path ? `${path}.${k}` : k)}`).join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(path, `${typeof value} is not serializable`);
  }
}
