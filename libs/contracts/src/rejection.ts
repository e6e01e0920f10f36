/**
 * Rejections are a closed set of codes (style.md §9), ordered by precedence: when a command breaks
 * several rules, the first in this list is the one reported. `retryable` tells a consumer whether to
 * retry later (state may change) or dead-letter now.
 */
export const REJECTION_CODES = {
  malformed: { retryable: false, description: 'the message does not match its schema' },
  unknown_type: { retryable: false, description: 'no schema for this message type and version' },
  invalid_amount: { retryable: false, description: 'an amount is negative, non-numeric, has too many digits or decimals, or exceeds a configured maximum' },
  unknown_member: { retryable: false, description: 'the member is not registered' },
  unknown_account: { retryable: false, description: 'the account is not open' },
  unknown_instrument: { retryable: false, description: 'the instrument is not listed' },
  unknown_default: { retryable: false, description: 'no such default case' },
  duplicate: { retryable: false, description: 'the entity or command was already applied' },
  time_regressed: { retryable: false, description: "the input is older than the journal's clock (the latest accepted upstream input)" },
  stale_price: { retryable: false, description: 'the mark is older than the one in force' },
  not_breached: { retryable: false, description: 'the account is not below maintenance margin' },
  insufficient_collateral: { retryable: false, description: 'the withdrawal or trade would breach initial margin' },
  parameters_missing: { retryable: true, description: 'parameters for this instrument or policy are not yet in force' },
  invariant_violated: { retryable: false, description: 'the command would break a conservation invariant' },
} as const;

export type RejectionCode = keyof typeof REJECTION_CODES;

export interface Rejection {
  readonly code: RejectionCode;
  /** dotted path of the offending field, '' for the whole message */
  readonly path: string;
  readonly message: string;
  readonly retryable: boolean;
}

export function rejection(code: RejectionCode, path: string, message: string): Rejection {
  return { code, path, message, retryable: REJECTION_CODES[code].retryable };
}

/** Thrown at a boundary (parsing, scenario loading) to carry a Rejection; deciders return it instead. */
export class RejectionError extends Error {
  constructor(readonly rejection: Rejection) {
    super(`${rejection.code}${rejection.path ? ` at ${rejection.path}` : ''}: ${rejection.message}`);
    this.name = 'RejectionError';
  }
}
