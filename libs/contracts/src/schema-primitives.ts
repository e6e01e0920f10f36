import { z } from 'zod';
import { DECIMAL_FIGURE_INTEGER_DIGITS_MAX, DECIMAL_FRACTION_DIGITS_MAX, DECIMAL_INTEGER_DIGITS_MAX, DECIMAL_STRING, decimalDigitCounts } from '@ccp/money';
import { rejection, Rejection, RejectionCode } from './rejection';
import { FORBIDDEN_JSON_KEYS, findForbiddenKey } from './untrusted-json';

/** A custom issue carrying this param is reported with that rejection code (see codeFor). */
const invalidAmount = { rejectionCode: 'invalid_amount' } as const;

const SHORTEST_BOUND = Math.min(DECIMAL_INTEGER_DIGITS_MAX, DECIMAL_FRACTION_DIGITS_MAX);

/** A well-formed decimal string within `integerDigitsMax` integer and DECIMAL_FRACTION_DIGITS_MAX fraction digits. */
function boundedDecimalString(integerDigitsMax: number, what: string) {
  return z
    .string()
    .regex(DECIMAL_STRING, 'expected a plain decimal string such as "1250.5"')
    .superRefine((s, ctx) => {
      // Short strings cannot break either bound (the common case, checked first); zod runs this after a
      // failed format check too, so only a well-formed decimal is measured.
      if (s.length <= SHORTEST_BOUND || !DECIMAL_STRING.test(s)) return;
      const { integerDigits, fractionDigits } = decimalDigitCounts(s);
      if (integerDigits > integerDigitsMax) {
        ctx.addIssue({
          code: 'custom',
          params: invalidAmount,
          message: `${what} has at most ${integerDigitsMax} integer digits (magnitude below 10^${integerDigitsMax}); this one has ${integerDigits}`,
        });
      } else if (fractionDigits > DECIMAL_FRACTION_DIGITS_MAX) {
        ctx.addIssue({ code: 'custom', params: invalidAmount, message: `${what} has at most ${DECIMAL_FRACTION_DIGITS_MAX} fraction digits; this one has ${fractionDigits}` });
      }
    });
}
const notNegative = (s: string): boolean => !s.startsWith('-');
const aboveZero = (s: string): boolean => !s.startsWith('-') && /[1-9]/.test(s);

/**
 * Building blocks for every payload schema. Amounts are decimal strings, never numbers, and bounded in
 * two tiers (why these bounds: libs/money/src/decimal.ts); beyond its bound a decimal is invalid_amount,
 * the message naming the limit.
 *
 * Inputs — amounts, prices, quantities, sizes, rates given by upstream commands: at most
 * DECIMAL_INTEGER_DIGITS_MAX (16) integer digits and DECIMAL_FRACTION_DIGITS_MAX (24) fraction digits.
 */
export const decimalString = boundedDecimalString(DECIMAL_INTEGER_DIGITS_MAX, 'an input decimal (amount, price, quantity, rate)');
export const nonNegativeDecimal = decimalString.refine(notNegative, 'must not be negative');
export const positiveDecimal = decimalString.refine(aboveZero, 'must be greater than zero');
/**
 * Figures — computed by the deciders and carried in events (and so in the wire-driven commands):
 * at most DECIMAL_FIGURE_INTEGER_DIGITS_MAX (38) integer digits, 24 fraction digits.
 */
export const figureDecimal = boundedDecimalString(DECIMAL_FIGURE_INTEGER_DIGITS_MAX, 'a computed decimal figure');
export const nonNegativeFigure = figureDecimal.refine(notNegative, 'must not be negative');
export const positiveFigure = figureDecimal.refine(aboveZero, 'must be greater than zero');
export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@\-/]*$/, 'letters, digits and . _ : @ - / only')
  // Identifiers become object keys (AllocationBasisCaptured.marks): never one that untrusted JSON refuses.
  .refine((s) => !FORBIDDEN_JSON_KEYS.has(s), 'must not be __proto__, constructor or prototype');
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Why `text` is not a real UTC instant (undefined when it is): the shape is RFC 3339 with `Z`, and the fields must name a
 * day of the proleptic Gregorian calendar and a time of day (no 2025-13-10, no 2025-02-30, no 24:00, no leap second —
 * a leap second cannot be ordered against the instants around it, and no venue timestamps one).
 */
export function instantProblem(text: string): string | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return 'expected an ISO-8601 UTC instant such as 2025-10-10T21:15:00Z';
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return `month ${m[2]} does not exist (01-12)`;
  if (day < 1 || day > daysInMonth(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]} (it has ${daysInMonth(year, month)} days)`;
  if (hour > 23) return `hour ${m[4]} does not exist (00-23)`;
  if (minute > 59) return `minute ${m[5]} does not exist (00-59)`;
  if (second > 59) return `second ${m[6]} does not exist (00-59; leap seconds are not accepted)`;
  return undefined;
}

/** A real UTC instant (see instantProblem); the pattern stays on the schema so generated JSON Schema / OpenAPI shows it. */
export const isoInstant = z
  .string()
  .regex(ISO_INSTANT, 'expected an ISO-8601 UTC instant such as 2025-10-10T21:15:00Z')
  .superRefine((text, ctx) => {
    if (!ISO_INSTANT.test(text)) return; // the pattern reported it
    const problem = instantProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
export const side = z.enum(['long', 'short']);
export type Side = z.infer<typeof side>;

/** True for the issue of a decimal beyond its bound (digits), as opposed to a malformed one. */
export function isDecimalBoundIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && (issue.params as { rejectionCode?: unknown } | undefined)?.rejectionCode === 'invalid_amount';
}

/** Which rejection code a schema failure maps to: amounts get their own code. */
function codeFor(issue: z.core.$ZodIssue): RejectionCode {
  if (isDecimalBoundIssue(issue)) return 'invalid_amount';
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
/**
 * Parses at a boundary: the value or the first issue as a Rejection naming the field. A forbidden key
 * (`__proto__`, `constructor`, `prototype`; untrusted-json.ts) anywhere in the input is malformed at its
 * path — checked first, because schemas would drop `__proto__` silently rather than report it. An
 * unrecognized key is named in the path (`payload.extra`), not just the object that holds it.
 */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, basePath = ''): { ok: true; value: T } | { ok: false; rejection: Rejection } {
  const forbidden = findForbiddenKey(input);
  if (forbidden !== null) return { ok: false, rejection: rejection('malformed', joinPath(basePath, forbidden.path), forbidden.message) };
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const at = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
  return { ok: false, rejection: rejection(codeFor(issue), joinPath(basePath, pathOf(at)), issue.message) };
}

const joinPath = (base: string, path: string): string => (base === '' ? path : path === '' ? base : path.startsWith('[') ? `${base}${path}` : `${base}.${path}`);
