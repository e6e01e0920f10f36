import { z } from 'zod';
import { DECIMAL_STRING } from '@ccp/money';
import { rejection, Rejection, RejectionCode } from './rejection';

/** Building blocks for every payload schema. Amounts are decimal strings, never numbers. */
export const decimalString = z.string().regex(DECIMAL_STRING, 'expected a plain decimal string such as "1250.5"');
export const nonNegativeDecimal = decimalString.refine((s) => !s.startsWith('-'), 'must not be negative');
export const positiveDecimal = decimalString.refine((s) => !s.startsWith('-') && /[1-9]/.test(s), 'must be greater than zero');
export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@\-/]*$/, 'letters, digits and . _ : @ - / only');
export const isoInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'expected an ISO-8601 UTC instant such as 2025-10-10T21:15:00Z');
export const side = z.enum(['long', 'short']);
export type Side = z.infer<typeof side>;

/** Which rejection code a schema failure maps to: amounts get their own code. */
function codeFor(issue: z.core.$ZodIssue): RejectionCode {
  if (issue.code === 'invalid_format' || issue.code === 'custom' || issue.code === 'too_small') {
    const msg = issue.message;
    if (/decimal|negative|greater than zero/.test(msg)) return 'invalid_amount';
  }
  return 'malformed';
}

export function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Parses at a boundary: the value or the first issue as a Rejection naming the field. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, basePath = ''): { ok: true; value: T } | { ok: false; rejection: Rejection } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const path = [basePath, pathOf(issue.path)].filter(Boolean).join('.');
  return { ok: false, rejection: rejection(codeFor(issue), path, issue.message) };
}
