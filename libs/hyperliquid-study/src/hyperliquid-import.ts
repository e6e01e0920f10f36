import { parseUntrustedJson } from '@ccp/contracts';
import { Decimal } from '@ccp/money';

/**
 * Importer of the public reconstruction of the 2025-10-10 Hyperliquid auto-deleveraging
 * (ConejoCapital/HyperMultiAssetedADL, commit 79bad0f, "cash-only" canonical outputs; copied
 * unchanged to the data directory given to the study (`--data`)). It reads, it does not interpret:
 * rows are parsed exactly (decimal.js, never JS floats), checked, and either kept or rejected
 * with a reason — every row is accounted for (kept + rejected = data rows).
 *
 * What the upstream columns mean (full_analysis_realtime.py, groupby('user') over the 34,983 ADL
 * fills; we read the script, we did not re-run it):
 * - `adl_notional`   Σ |fill size| × fill price of the user's ADL fills (USD);
 * - `closed_pnl`     Σ closedPnl of those fills: the profit realized by the forced close (USD);
 * - `leverage_realtime` MEAN over the user's fills of |position| × price ÷ cash account value
 *                    (0 when the cash account value is ≤ 0);
 * - `pnl_percent`    MEAN over the fills of the position's PnL ÷ its notional, in percent;
 * - `account_value_realtime` the *cash* account value (snapshot account value minus its unrealized
 *                    PnL, plus realized PnL, fees, funding and transfers replayed) at the user's
 *                    FIRST ADL fill;
 * - `is_negative_equity` True if at ANY of the user's fills cash + unrealized PnL was < 0;
 * - `num_adl_events` number of ADL fills.
 * The summary's `negative_equity_total` (−$23,191,104.48) sums that equity over the 302 fills
 * where it was negative (fills, not accounts: one account can count more than once), and
 * `total_adl_notional` / `adl_events_analyzed` are the sums over all fills.
 */

export const USER_CSV_COLUMNS = [
  'user',
  'adl_notional',
  'closed_pnl',
  'leverage_realtime',
  'pnl_percent',
  'account_value_realtime',
  'is_negative_equity',
  'num_adl_events',
] as const;

/** Why a row was not kept. `malformed`: cannot be read; `inconsistent`: contradicts itself or the upstream definitions. */
export type RejectionKind = 'malformed' | 'inconsistent';

export interface RejectedRow {
  /** 1-based line number in the file (the header is line 1) */
  readonly line: number;
  readonly kind: RejectionKind;
  /** the column at fault, or `row` */
  readonly field: string;
  readonly reason: string;
}

/** One ADL'd account as read: exact decimals, nothing rounded yet. */
export interface AdlAccountRow {
  readonly line: number;
  readonly user: string;
  readonly adlNotional: Decimal;
  readonly closedPnl: Decimal;
  readonly leverageReported: Decimal;
  readonly pnlPercent: Decimal;
  readonly accountValue: Decimal;
  readonly negativeEquity: boolean;
  readonly adlEvents: number;
}

export interface UserCsvImport {
  /** data lines read (excluding the header and empty lines) */
  readonly rowsRead: number;
  readonly accepted: readonly AdlAccountRow[];
  readonly rejected: readonly RejectedRow[];
  /** rejected rows counted by `${kind}: ${field}` */
  readonly rejectedBy: ReadonlyMap<string, number>;
}

/** An input file that cannot be imported at all (wrong header, empty file, bad JSON). */
export class StudyInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'StudyInputError';
  }
}

const ADDRESS = /^0x[0-9a-f]{40}$/;
/** Python's float repr: optional sign, digits with an optional fraction, optional exponent. */
const FLOAT_TEXT = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
/** Relative tolerance for the float round-off of the upstream's own divisions (it computed in binary64). */
const FLOAT_TOLERANCE = new Decimal('1e-9');

class RowError extends Error {
  constructor(
    readonly kind: RejectionKind,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function number(text: string, field: string): Decimal {
  if (!FLOAT_TEXT.test(text)) throw new RowError('malformed', field, `not a finite number: ${JSON.stringify(text)}`);
  return new Decimal(text);
}

/**
 * Parses `adl_by_user_REALTIME.csv`. The header must be exactly USER_CSV_COLUMNS (else the whole
 * file is refused); each data row is kept or rejected:
 * - malformed: wrong number of columns, quotes, an address that is not 0x + 40 lowercase hex,
 *   a number that is not a finite decimal (NaN, inf, empty), a flag other than True/False,
 *   a fill count that is not a positive integer, a user seen before (duplicate);
 * - inconsistent: adl_notional ≤ 0 (an ADL fill closes something); leverage < 0; with one fill,
 *   a cash account value ≤ 0 but a leverage ≠ 0 (upstream sets it to 0 there), or a leverage
 *   below notional ÷ account value (the position cannot be smaller than what was closed of it,
 *   1e-9 relative tolerance for the upstream's float division).
 */
export function parseUserCsv(text: string): UserCsvImport {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim() ?? '';
  if (header !== USER_CSV_COLUMNS.join(',')) throw new StudyInputError('header', `expected "${USER_CSV_COLUMNS.join(',')}", found "${header}"`);
  const accepted: AdlAccountRow[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Set<string>();
  let rowsRead = 0;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    rowsRead += 1;
    const line = i + 1;
    try {
      const row = parseRow(raw, line);
      if (seen.has(row.user)) throw new RowError('malformed', 'user', `duplicate user ${row.user}`);
      seen.add(row.user);
      accepted.push(row);
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      rejected.push({ line, kind: error.kind, field: error.field, reason: error.message });
    }
  }
  const rejectedBy = new Map<string, number>();
  for (const r of rejected) rejectedBy.set(`${r.kind}: ${r.field}`, (rejectedBy.get(`${r.kind}: ${r.field}`) ?? 0) + 1);
  return { rowsRead, accepted, rejected, rejectedBy };
}

function parseRow(raw: string, line: number): AdlAccountRow {
  if (raw.includes('"')) throw new RowError('malformed', 'row', 'quoted fields are not expected in this file');
  const cells = raw.split(',').map((c) => c.trim());
  if (cells.length !== USER_CSV_COLUMNS.length) throw new RowError('malformed', 'row', `expected ${USER_CSV_COLUMNS.length} columns, found ${cells.length}`);
  const [user, notional, pnl, leverage, pnlPercent, accountValue, flag, events] = cells as [string, string, string, string, string, string, string, string];
  if (!ADDRESS.test(user)) throw new RowError('malformed', 'user', `not an address (0x + 40 lowercase hex): ${JSON.stringify(user)}`);
  const adlNotional = number(notional, 'adl_notional');
  const closedPnl = number(pnl, 'closed_pnl');
  const leverageReported = number(leverage, 'leverage_realtime');
  const pnlPct = number(pnlPercent, 'pnl_percent');
  const value = number(accountValue, 'account_value_realtime');
  if (flag !== 'True' && flag !== 'False') throw new RowError('malformed', 'is_negative_equity', `expected True or False, found ${JSON.stringify(flag)}`);
  if (!/^[1-9]\d{0,8}$/.test(events)) throw new RowError('malformed', 'num_adl_events', `expected a positive integer, found ${JSON.stringify(events)}`);
  const adlEvents = Number(events);

  if (adlNotional.lte(0)) throw new RowError('inconsistent', 'adl_notional', `an ADL'd account closed a positive notional, found ${notional}`);
  if (leverageReported.lt(0)) throw new RowError('inconsistent', 'leverage_realtime', `leverage cannot be negative, found ${leverage}`);
  if (adlEvents === 1) {
    if (value.lte(0) && !leverageReported.isZero()) {
      throw new RowError('inconsistent', 'leverage_realtime', `with a cash account value ≤ 0 (${accountValue}) upstream reports leverage 0, found ${leverage}`);
    }
    if (value.gt(0)) {
      const floor = adlNotional.div(value);
      if (leverageReported.lt(floor.times(new Decimal(1).minus(FLOAT_TOLERANCE)))) {
        throw new RowError('inconsistent', 'leverage_realtime', `leverage ${leverage} is below closed notional ÷ account value = ${floor.toSignificantDigits(12).toString()}: the position was smaller than what ADL closed of it`);
      }
    }
  }
  return { line, user, adlNotional, closedPnl, leverageReported, pnlPercent: pnlPct, accountValue: value, negativeEquity: flag === 'True', adlEvents };
}

/** The headline figures of `realtime_analysis_summary.json`, exact. */
export interface EventSummary {
  readonly adlEvents: number;
  readonly accountsTracked: number;
  readonly eventsProcessed: number;
  readonly negativeEquityCount: number;
  /** the deficit to cover: −negative_equity_total, USD, > 0 */
  readonly deficit: Decimal;
  readonly totalAdlNotional: Decimal;
}

/**
 * Parses the summary JSON. JSON numbers are read from the *text* (a reviver would already have made
 * them binary64 floats): each headline field must be present and finite, the negative-equity total
 * negative, the counts non-negative integers.
 */
export function parseSummary(text: string): EventSummary {
  const parsed = parseUntrustedJson(text);
  if (!parsed.ok) throw new StudyInputError(parsed.path === '' ? 'summary' : `summary.${parsed.path}`, parsed.reason === 'invalid_json' ? parsed.message.replace(/^not valid JSON/, 'not JSON') : parsed.message);
  const json = parsed.value;
  const findings = (json as { key_findings?: unknown } | null)?.key_findings;
  if (typeof findings !== 'object' || findings === null) throw new StudyInputError('summary.key_findings', 'missing');
  const exact = (field: string): Decimal => {
    // the literal as written in the file, e.g. "negative_equity_total": -23191104.484828815
    const match = new RegExp(`"${field}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)`).exec(text);
    if (match === null || !FLOAT_TEXT.test(match[1]!)) throw new StudyInputError(`summary.${field}`, 'missing or not a finite number');
    return new Decimal(match[1]!);
  };
  const count = (field: string): number => {
    const d = exact(field);
    if (!d.isInteger() || d.isNegative()) throw new StudyInputError(`summary.${field}`, `expected a non-negative integer, found ${d.toString()}`);
    return d.toNumber();
  };
  const negativeEquityTotal = exact('negative_equity_total');
  if (!negativeEquityTotal.isNegative()) throw new StudyInputError('summary.negative_equity_total', `the aggregate negative equity must be < 0, found ${negativeEquityTotal.toString()}`);
  return {
    adlEvents: count('adl_events_analyzed'),
    accountsTracked: count('accounts_tracked'),
    eventsProcessed: count('events_processed'),
    negativeEquityCount: count('negative_equity_count'),
    deficit: negativeEquityTotal.neg(),
    totalAdlNotional: exact('total_adl_notional'),
  };
}
