import { canonicalJson } from '@ccp/contracts';

/**
 * The first path at which two canonical-JSON-able values differ (`payload.tranches[1].amount`),
 * or null when their canonical forms are equal. Object keys are visited in canonical (sorted) order.
 */
export function firstDifference(expected: unknown, actual: unknown, path: string): string | null {
  if (sameCanonical(expected, actual)) return null;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i += 1) {
      if (i >= expected.length || i >= actual.length) return `${path}[${i}]`;
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return path;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) {
      const d = firstDifference(expected[k], actual[k], `${path}.${k}`);
      if (d) return d;
    }
    return path;
  }
  return path;
}

function sameCanonical(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
