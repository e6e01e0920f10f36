import type { AllocationBasisCapturedPayload, BasisParticipant, DefaultedPosition, ResidualLossForwardedPayload } from '@ccp/contracts';
import { defaultIdOf } from '@ccp/liquidation-domain';
import { Decimal, fromMinor, pow10, toMinor } from '@ccp/money';
import type { AdlAccountRow, EventSummary } from './hyperliquid-import';

/**
 * Turns the imported rows into the book margin holds (accounts, collateral, one short each) and
 * the basis margin will capture from it, and the deficit into one defaulter account. The data has
 * one row per ADL'd account, aggregated over 162 assets and both sides; our clearinghouse works on
 * positions. The assumptions that bridge the two — each is repeated in
 * docs/studies/hyperliquid-2025-10-10.md:
 *
 * A1 One aggregate instrument. Every account's ADL'd exposure is one position on a synthetic
 *    instrument STUDY_INSTRUMENT whose unit is one US dollar of notional at the mark: mark price 1,
 *    contract size 1, quantity = adl_notional (8 decimals, half-even).
 * A2 Side. ADL closes positions opposite the defaulted ones; in the 2025-10-10 crash the
 *    liquidated side was long, so every ADL'd position is a *short* and the default a long.
 * A3 Entry price from the realized PnL: for a short at mark 1, pnl = q × (entry − 1), so
 *    entry = 1 + closed_pnl ÷ adl_notional (8 decimals, half-even). Margin values the short at the
 *    mark: unrealized PnL = q × (entry − 1) rounded toward −∞ to the cent (margin's rule), i.e.
 *    closed_pnl within the rounding of the entry price. A loss ≥ the notional would need an entry
 *    ≤ 0: excluded (reason `unrepresentable`).
 * A4 Cash = account_value_realtime (the upstream's cash-only account value at the first ADL fill),
 *    to the cent. Positive cash is deposited (DepositCollateral); a negative cash can only be a
 *    realized loss in margin, so it is booked as one: the account sells q + |cash| at the entry
 *    price and buys |cash| back at entry + 1 (realized −|cash| exactly, the remaining short q at the
 *    entry price). Equity = cash + unrealized PnL; leverage = notional ÷ equity.
 * A5 Accounts the upstream found in negative equity at an ADL fill are the defaulters: excluded
 *    (reason `negative-equity`); their loss is the deficit (A6), carried by one defaulter account.
 * A6 The deficit = −negative_equity_total of the summary, to the cent (half-even).
 * A7 Margin parameters: maintenance MAINTENANCE_MARGIN_RATE, initial INITIAL_MARGIN_RATE, uniform,
 *    no tiers — low enough that every account of the data, which was ADL'd and not liquidated, is
 *    at or above maintenance at the mark (checked: buildStudyBasis excludes, with reason
 *    `below-maintenance`, an account margin would liquidate at the mark instead — the accounts
 *    with equity ≤ 0). Trades are executed facts: margin does not refuse them for margin.
 * A8 One clearing member (STUDY_MEMBER): Hyperliquid is its own clearinghouse, the users are its
 *    accounts. Variation-margin gain = equity − deposits (margin's rule): the unrealized PnL, plus
 *    the realized loss of A4 for an account with negative cash.
 * A9 The defaulter (STUDY_DEFAULTER) holds the long opposite the basis's whole open interest Q
 *    (ADL closes counterparties quantity for quantity), bought at entry E = 1 + ⌈deficit ÷ Q⌉
 *    (8 decimals), with cash ⌈Q × (E − 1)⌉ − deficit: at the mark 1 its close-out loses exactly
 *    the deficit beyond its cash, and its bankruptcy price is E.
 */
export const STUDY_INSTRUMENT = 'HL-ADL-2025-10-10';
export const STUDY_MEMBER = 'hyperliquid';
/** the aggregate of the negative-equity accounts (A5, A9): the one account that defaults */
export const STUDY_DEFAULTER = 'hl-2025-10-10-negative-equity';
/** margin journal seq of the mark is not known in advance; the mark's own sequence number is */
export const STUDY_MARK_SEQ = 0;
/** liquidation's deterministic default id for the defaulter's breach at the study mark */
export const STUDY_DEFAULT_ID = defaultIdOf(STUDY_DEFAULTER, `${STUDY_DEFAULTER}@${STUDY_MARK_SEQ}`);
export const MAINTENANCE_MARGIN_RATE = '0.0005';
export const INITIAL_MARGIN_RATE = '0.001';
/** Hyperliquid's maintenance rate at BTC's 40× maximum leverage (half the 2.5% initial), for comparison only */
export const HYPERLIQUID_BTC_MAINTENANCE_RATE = '0.0125';

const SCALE = 8;
const ONE = pow10(SCALE);
/** 1e-8 quantity × 1e-8 price = 1e-16 dollars = 1e-14 cents */
const FINE_PER_CENT = 10n ** 14n;

const floorDiv = (n: bigint, d: bigint): bigint => (n >= 0n ? n / d : -((-n + d - 1n) / d));
const ceilDiv = (n: bigint, d: bigint): bigint => -floorDiv(-n, d);

export type ExclusionReason = 'negative-equity' | 'unrepresentable' | 'below-maintenance';

export interface BasisExclusion {
  readonly line: number;
  readonly user: string;
  readonly reason: ExclusionReason;
  readonly detail: string;
  /** cents, for `below-maintenance`: the equity margin would hold at the mark */
  readonly equity?: bigint;
}

/** One account as margin holds it: cents, and 1e-8 units of quantity and price. */
export interface StudyAccount {
  readonly accountId: string;
  readonly cash: bigint;
  readonly quantity: bigint;
  readonly entry: bigint;
}

export interface StudyDefaulter {
  readonly accountId: string;
  /** the long, 1e-8 units: the basis's open interest */
  readonly quantity: bigint;
  /** 1e-8 price units */
  readonly entry: bigint;
  /** cents, ≥ 0 */
  readonly cash: bigint;
}

export interface StudyBasis {
  /** the basis margin must capture for STUDY_DEFAULT_ID (the study checks the captured one equals it) */
  readonly payload: AllocationBasisCapturedPayload;
  /** accountId order */
  readonly accounts: readonly StudyAccount[];
  /** rows held in the basis, accountId order */
  readonly included: readonly AdlAccountRow[];
  readonly excluded: readonly BasisExclusion[];
  /** Σ quantity of the basis on STUDY_INSTRUMENT, 1e-8 units (= dollars of notional × 1e8) */
  readonly openInterest: bigint;
  /** the deficit to cover, cents */
  readonly deficit: bigint;
  readonly defaulter: StudyDefaulter;
  /** accounts of the basis whose equity is below HYPERLIQUID_BTC_MAINTENANCE_RATE × notional (A7) */
  readonly belowHyperliquidMaintenance: number;
}

/** Margin's figures of a short of `quantity` at `entry`, marked at 1 (margin-requirement.policy: PnL toward −∞, requirement toward +∞). */
export function shortAtMark(quantity: bigint, entry: bigint): { unrealized: bigint; maintenance: bigint } {
  const rate = toMinor(new Decimal(MAINTENANCE_MARGIN_RATE), SCALE, 'halfEven');
  return { unrealized: floorDiv(quantity * (entry - ONE), FINE_PER_CENT), maintenance: ceilDiv(rate * quantity, FINE_PER_CENT) };
}

function participant(a: StudyAccount): BasisParticipant {
  const { unrealized, maintenance } = shortAtMark(a.quantity, a.entry);
  const equity = a.cash + unrealized;
  const deposits = a.cash > 0n ? a.cash : 0n;
  return {
    accountId: a.accountId,
    memberId: STUDY_MEMBER,
    cashBalance: fromMinor(a.cash, 2),
    equity: fromMinor(equity, 2),
    variationMarginGain: fromMinor(equity - deposits, 2),
    positions: [
      {
        instrumentId: STUDY_INSTRUMENT,
        side: 'short',
        quantity: fromMinor(a.quantity, SCALE),
        entryPrice: fromMinor(a.entry, SCALE),
        markPrice: '1',
        contractSize: '1',
        unrealizedPnl: fromMinor(unrealized, 2),
        maintenanceMarginRequired: fromMinor(maintenance, 2),
      },
    ],
  };
}

export function buildStudyBasis(rows: readonly AdlAccountRow[], summary: EventSummary): StudyBasis {
  const included: AdlAccountRow[] = [];
  const excluded: BasisExclusion[] = [];
  const accounts: StudyAccount[] = [];
  let openInterest = 0n;
  for (const row of [...rows].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))) {
    if (row.negativeEquity) {
      excluded.push({ line: row.line, user: row.user, reason: 'negative-equity', detail: 'negative equity at an ADL fill: a defaulter (A5)' });
      continue;
    }
    const quantity = toMinor(row.adlNotional, SCALE, 'halfEven');
    const entry = toMinor(new Decimal(1).plus(row.closedPnl.div(row.adlNotional)), SCALE, 'halfEven');
    if (quantity <= 0n) {
      excluded.push({ line: row.line, user: row.user, reason: 'unrepresentable', detail: `notional ${row.adlNotional.toString()} rounds to 0 at 8 decimals` });
      continue;
    }
    if (entry <= 0n) {
      excluded.push({
        line: row.line,
        user: row.user,
        reason: 'unrepresentable',
        detail: `loss ${row.closedPnl.toString()} ≥ notional ${row.adlNotional.toString()}: a short at mark 1 would need an entry price ≤ 0 (A3)`,
      });
      continue;
    }
    const cash = toMinor(row.accountValue, 2, 'halfEven');
    const { unrealized, maintenance } = shortAtMark(quantity, entry);
    if (cash + unrealized < maintenance) {
      excluded.push({
        line: row.line,
        user: row.user,
        reason: 'below-maintenance',
        detail: `equity ${fromMinor(cash + unrealized, 2)} < maintenance ${fromMinor(maintenance, 2)} at the mark: margin would liquidate it (A7)`,
        equity: cash + unrealized,
      });
      continue;
    }
    accounts.push({ accountId: row.user, cash, quantity, entry });
    included.push(row);
    openInterest += quantity;
  }
  const hlRate = toMinor(new Decimal(HYPERLIQUID_BTC_MAINTENANCE_RATE), SCALE, 'halfEven');
  const belowHyperliquidMaintenance = accounts.filter((a) => a.cash + shortAtMark(a.quantity, a.entry).unrealized < ceilDiv(hlRate * a.quantity, FINE_PER_CENT)).length;
  const deficit = toMinor(summary.deficit, 2, 'halfEven');
  if (openInterest <= 0n) throw new RangeError('the basis holds no open interest to deleverage');
  if (deficit <= 0n) throw new RangeError('the deficit must be positive');
  // A9: E − 1 = ⌈deficit ÷ Q⌉ in 1e-8 price units; the loss at mark 1 is ⌈Q × (E − 1)⌉ cents (liquidation realizes toward −∞)
  const gap = ceilDiv(deficit * FINE_PER_CENT, openInterest);
  const defaulter: StudyDefaulter = { accountId: STUDY_DEFAULTER, quantity: openInterest, entry: ONE + gap, cash: ceilDiv(openInterest * gap, FINE_PER_CENT) - deficit };
  return {
    payload: { defaultId: STUDY_DEFAULT_ID, marks: { [STUDY_INSTRUMENT]: '1' }, participants: accounts.map(participant) },
    accounts,
    included,
    excluded,
    openInterest,
    deficit,
    defaulter,
    belowHyperliquidMaintenance,
  };
}

/** A share of the basis's open interest, as a fraction num/den in (0, 1]. */
export interface DefaultedShare {
  readonly label: string;
  readonly num: bigint;
  readonly den: bigint;
}

export const HEADLINE_SHARE: DefaultedShare = { label: '100%', num: 1n, den: 1n };

/**
 * A hypothetical default for the sensitivity scenarios (section 3): the same deficit on a long of
 * Q = ⌈open interest × share⌉ at mark 1, bankruptcy price B = 1 + ⌈deficit ÷ Q⌉ (8 decimals, rounded
 * up so (B − 1) × Q ≥ deficit), nothing covered. With share 1 it is the journaled default.
 */
export function studyDefault(basis: StudyBasis, share: DefaultedShare = HEADLINE_SHARE): ResidualLossForwardedPayload {
  if (share.num <= 0n || share.den <= 0n || share.num > share.den) throw new RangeError(`defaulted share ${share.label} must be in (0, 1]`);
  const quantity = (basis.openInterest * share.num + share.den - 1n) / share.den;
  const gap = ceilDiv(basis.deficit * FINE_PER_CENT, quantity);
  const positions: DefaultedPosition[] = [
    { instrumentId: STUDY_INSTRUMENT, side: 'long', quantity: fromMinor(quantity, SCALE), markPrice: '1', bankruptcyPrice: fromMinor(ONE + gap, SCALE), contractSize: '1' },
  ];
  const deficit = fromMinor(basis.deficit, 2);
  return { defaultId: STUDY_DEFAULT_ID, accountId: STUDY_DEFAULTER, memberId: STUDY_MEMBER, deficit, covered: '0', residual: deficit, positions };
}
