import type { AllocationBasisCapturedPayload, BasisParticipant, DefaultedPosition, ResidualLossForwardedPayload } from '@ccp/contracts';
import { Decimal, fromMinor, pow10, toMinor } from '@ccp/money';
import type { AdlAccountRow, EventSummary } from './hyperliquid-import';

/**
 * Turns the imported rows into our allocation basis (AllocationBasisCaptured) and the deficit into
 * one default (ResidualLossForwarded). The data has one row per ADL'd account, aggregated over 162
 * assets and both sides; our allocation works on positions. The assumptions that bridge the two —
 * each is repeated in docs/studies/hyperliquid-2025-10-10.md:
 *
 * A1 One aggregate instrument. Every account's ADL'd exposure is one position on a synthetic
 *    instrument STUDY_INSTRUMENT whose unit is one US dollar of notional at the mark: mark price 1,
 *    contract size 1, quantity = adl_notional (8 decimals, half-even). Cross-asset differences
 *    (per-coin marks, per-coin queues) are not derivable from the per-account file.
 * A2 Side. ADL closes positions opposite the defaulted ones; in the 2025-10-10 crash the
 *    liquidated side was long, so every ADL'd position is modeled as a *short* and the default as
 *    a long. The file has no side column: the side is an assumption, not a reading.
 * A3 Entry price from the realized PnL: for a short at mark 1, pnl = q × (entry − 1), so
 *    entry = 1 + closed_pnl ÷ adl_notional (8 decimals, half-even); unrealized PnL = closed_pnl
 *    (the profit the forced close realized was the position's unrealized profit just before).
 *    A row whose loss is at least its notional would need an entry ≤ 0: it cannot be held as a
 *    short at mark 1 and is excluded from the basis (counted, reason `unrepresentable`).
 * A4 Cash = account_value_realtime (the upstream's *cash-only* account value at the first ADL
 *    fill); equity = cash + unrealized PnL; the account's position notional is the ADL'd notional,
 *    so our leverage = adl_notional ÷ equity (Hyperliquid's "notional ÷ account value", account
 *    value including unrealized PnL). The upstream leverage column (÷ cash, averaged over fills)
 *    is reported beside it, not used.
 * A5 The accounts the upstream found in negative equity at an ADL fill (is_negative_equity) are
 *    the ones whose negative equity makes the deficit: they are the defaulters, not counterparties,
 *    and are excluded from the basis (counted, reason `negative-equity`).
 * A6 The deficit to cover = −negative_equity_total of the summary, to the cent (half-even), the
 *    whole of it left to allocation (nothing covered by an insurance fund or HLP first).
 * A7 Maintenance margin = MAINTENANCE_MARGIN_RATE × notional (BTC's 40× maximum leverage:
 *    maintenance is half of the 2.5% initial margin). Only the Binance ranking reads it; a uniform
 *    rate scales every Binance score by the same factor, so it does not change that queue's order.
 * A8 Variation-margin gain of the cycle = the unrealized PnL (the event is inside one settlement
 *    cycle); each account is its own member (memberId = accountId).
 * A9 The defaulted quantity (see `defaultedDefault`): ADL closes counterparties quantity for
 *    quantity against the defaulted positions, so the headline scenario defaults exactly the
 *    basis's open interest (what the ADL actually closed of these accounts); the bankruptcy price
 *    is then set so the loss beyond it equals the deficit: B − 1 = ⌈deficit ÷ Q⌉ at 8 decimals.
 */
export const STUDY_INSTRUMENT = 'HL-ADL-2025-10-10';
export const STUDY_DEFAULT_ID = 'hyperliquid-2025-10-10';
/** the aggregate of the negative-equity accounts (A5), excluded from the basis */
export const STUDY_DEFAULTER = 'hyperliquid-2025-10-10-negative-equity';
export const MAINTENANCE_MARGIN_RATE = '0.0125';

const PRICE_SCALE = 8;
const ONE = pow10(PRICE_SCALE);

export type ExclusionReason = 'negative-equity' | 'unrepresentable';

export interface BasisExclusion {
  readonly line: number;
  readonly user: string;
  readonly reason: ExclusionReason;
  readonly detail: string;
}

export interface StudyBasis {
  readonly payload: AllocationBasisCapturedPayload;
  /** rows held in the basis, accountId order */
  readonly included: readonly AdlAccountRow[];
  readonly excluded: readonly BasisExclusion[];
  /** Σ quantity of the basis on STUDY_INSTRUMENT, 1e-8 units (= dollars of notional × 1e8) */
  readonly openInterest: bigint;
  /** the deficit to cover, cents */
  readonly deficit: bigint;
}

export function buildStudyBasis(rows: readonly AdlAccountRow[], summary: EventSummary): StudyBasis {
  const included: AdlAccountRow[] = [];
  const excluded: BasisExclusion[] = [];
  const participants: BasisParticipant[] = [];
  let openInterest = 0n;
  const rate = new Decimal(MAINTENANCE_MARGIN_RATE);
  for (const row of [...rows].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))) {
    if (row.negativeEquity) {
      excluded.push({ line: row.line, user: row.user, reason: 'negative-equity', detail: 'negative equity at an ADL fill: a defaulter (A5)' });
      continue;
    }
    const quantity = toMinor(row.adlNotional, PRICE_SCALE, 'halfEven');
    const entry = toMinor(new Decimal(1).plus(row.closedPnl.div(row.adlNotional)), PRICE_SCALE, 'halfEven');
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
    const upnl = toMinor(row.closedPnl, 2, 'halfEven');
    const cash = toMinor(row.accountValue, 2, 'halfEven');
    const maintenance = toMinor(row.adlNotional.times(rate), 2, 'halfEven');
    participants.push({
      accountId: row.user,
      memberId: row.user,
      cashBalance: fromMinor(cash, 2),
      equity: fromMinor(cash + upnl, 2),
      variationMarginGain: fromMinor(upnl, 2),
      positions: [
        {
          instrumentId: STUDY_INSTRUMENT,
          side: 'short',
          quantity: fromMinor(quantity, PRICE_SCALE),
          entryPrice: fromMinor(entry, PRICE_SCALE),
          markPrice: '1',
          contractSize: '1',
          unrealizedPnl: fromMinor(upnl, 2),
          maintenanceMarginRequired: fromMinor(maintenance, 2),
        },
      ],
    });
    included.push(row);
    openInterest += quantity;
  }
  const deficit = toMinor(summary.deficit, 2, 'halfEven');
  return {
    payload: { defaultId: STUDY_DEFAULT_ID, marks: { [STUDY_INSTRUMENT]: '1' }, participants },
    included,
    excluded,
    openInterest,
    deficit,
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
 * The default to allocate (A6, A9): a long of Q = ⌈open interest × share⌉ on STUDY_INSTRUMENT at
 * mark 1, bankruptcy price B = 1 + ⌈deficit × 10^14 ÷ Q⌉ × 10^-8 (rounded up so the loss beyond B
 * covers the deficit: (B − 1) × Q ≥ deficit), residual = deficit, nothing covered.
 */
export function studyDefault(basis: StudyBasis, share: DefaultedShare = HEADLINE_SHARE): ResidualLossForwardedPayload {
  if (share.num <= 0n || share.den <= 0n || share.num > share.den) throw new RangeError(`defaulted share ${share.label} must be in (0, 1]`);
  if (basis.openInterest <= 0n) throw new RangeError('the basis holds no open interest to deleverage');
  if (basis.deficit <= 0n) throw new RangeError('the deficit must be positive');
  const quantity = (basis.openInterest * share.num + share.den - 1n) / share.den;
  // (B − M) in 1e-8 price units: deficit cents × 10^22 (value per cent) ÷ (Q × contract size 10^8)
  const numerator = basis.deficit * 10n ** 14n;
  const gap = (numerator + quantity - 1n) / quantity;
  const positions: DefaultedPosition[] = [
    {
      instrumentId: STUDY_INSTRUMENT,
      side: 'long',
      quantity: fromMinor(quantity, PRICE_SCALE),
      markPrice: '1',
      bankruptcyPrice: fromMinor(ONE + gap, PRICE_SCALE),
      contractSize: '1',
    },
  ];
  const deficit = fromMinor(basis.deficit, 2);
  return { defaultId: STUDY_DEFAULT_ID, accountId: STUDY_DEFAULTER, memberId: STUDY_DEFAULTER, deficit, covered: '0', residual: deficit, positions };
}
