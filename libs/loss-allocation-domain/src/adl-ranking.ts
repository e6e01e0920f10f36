import { assertNever } from '@ccp/contracts';
import type { Holding } from './allocation-basis';
import { compareIds, floorDiv, ONE_DOLLAR, VALUE_PER_CENT } from './fixed-point';

export const ADL_RANKINGS = ['bitmex', 'binance', 'hyperliquid'] as const;
export type AdlRanking = (typeof ADL_RANKINGS)[number];

/** Scores are fixed point with 18 decimals, rounded toward −∞ (floor). */
export const SCORE_SCALE = 10n ** 18n;

/**
 * A position's place in the ADL queue. `solvent` is false when the account's equity is ≤ 0: such an
 * account is itself bankrupt and is queued after every solvent one (our guard: the venues' formulas
 * divide by equity and are undefined there). Within a tier: higher score first, then accountId
 * ascending (deterministic tie-break).
 */
export interface RankedHolding {
  readonly holding: Holding;
  readonly solvent: boolean;
  readonly score: bigint;
}

/**
 * The venues' ranking keys, generalized to this basis (cents for amounts, scale 8 for prices,
 * quantities and contract sizes; values q × price × contract size at cents × 10^22):
 *
 * - `bitmex` (BitMEX ADL docs): PnL% × EffLev if PnL% > 0, else PnL% ÷ EffLev, with
 *   PnL% = (MarkValue − AvgEntryValue) ÷ |AvgEntryValue| = unrealizedPnl ÷ entry value of the
 *   position, and EffLev = |MarkValue| ÷ (MarkValue − BankruptValue). MarkValue − BankruptValue is
 *   what the position can lose before the participant's own bankruptcy price, derived from its cash:
 *   its equity (cash + unrealized PnL) under cross margin. So EffLev = |mark notional| ÷ equity.
 * - `binance` (Binance ADL docs), account level: PnL% × MarginRatio, PnL% = max(0, UPnL) ÷
 *   max(1 USD, WalletBalance), MarginRatio = MaintMargin ÷ (WalletBalance + UPnL) (0 when equity ≤ 0);
 *   WalletBalance = cashBalance, UPnL = Σ unrealized PnL, MaintMargin = Σ maintenance margin.
 *   Binance shows the score as a quantile light; the queue itself follows the score.
 * - `hyperliquid` (Hyperliquid docs, "Auto-deleveraging"): (mark ÷ entry) × (notional ÷ account value),
 *   notional = |mark notional|, account value = equity. The docs give the key for a position in
 *   profit; read literally for a short it would put losing shorts first, so for a short we use the
 *   same profit ratio mirrored, entry ÷ mark (a short at entry 110, mark 100 gains like a long at
 *   entry 100, mark 110). Accounts with no open position are never in the queue (docs' invariant).
 */
export function rankQueue(queue: readonly Holding[], ranking: AdlRanking): RankedHolding[] {
  const ranked = queue.map((holding) => scoreOf(holding, ranking));
  ranked.sort(compareRanked);
  return ranked;
}

export function compareRanked(a: RankedHolding, b: RankedHolding): number {
  if (a.solvent !== b.solvent) return a.solvent ? -1 : 1;
  if (a.score !== b.score) return a.score > b.score ? -1 : 1;
  return compareIds(a.holding.account.accountId, b.holding.account.accountId);
}

export function scoreOf(holding: Holding, ranking: AdlRanking): RankedHolding {
  const { account, position } = holding;
  const equity = account.equity;
  if (equity <= 0n) return { holding, solvent: false, score: 0n };
  const markNotional = position.quantity * position.markPrice * position.contractSize;
  switch (ranking) {
    case 'bitmex': {
      const entryValue = position.quantity * position.entryPrice * position.contractSize;
      const pnl = position.unrealizedPnl;
      // PnL% = pnl·10^22 ÷ entryValue; EffLev = markNotional ÷ (equity·10^22)
      const score =
        pnl > 0n
          ? floorDiv(pnl * markNotional * SCORE_SCALE, entryValue * equity)
          : floorDiv(pnl * equity * VALUE_PER_CENT * VALUE_PER_CENT * SCORE_SCALE, entryValue * markNotional);
      return { holding, solvent: true, score };
    }
    case 'binance': {
      const profit = account.unrealizedPnl > 0n ? account.unrealizedPnl : 0n;
      const wallet = account.cashBalance > ONE_DOLLAR ? account.cashBalance : ONE_DOLLAR;
      return { holding, solvent: true, score: floorDiv(profit * account.maintenanceMargin * SCORE_SCALE, wallet * equity) };
    }
    case 'hyperliquid': {
      const [num, den] = position.side === 'long' ? [position.markPrice, position.entryPrice] : [position.entryPrice, position.markPrice];
      return { holding, solvent: true, score: floorDiv(num * markNotional * SCORE_SCALE, den * equity * VALUE_PER_CENT) };
    }
    default:
      return assertNever(ranking, 'ADL ranking');
  }
}
