import { PRICE_SCALE } from '@ccp/contracts';
import { parseScaled } from './fixed-point.util';
import { isBreachedAt } from './margin-requirement.policy';
import type { AccountState, InstrumentState, MarginState } from './margin.types';
import { compareIds } from './margin.views';

/** Which accounts a mark puts below maintenance, and how many accounts were examined to find out. */
export interface BreachScan {
  /** sorted by account id (code-unit order): the order MaintenanceBreached events are emitted in */
  readonly accountIds: readonly string[];
  readonly examined: number;
}

/**
 * The indexed search used by decide (design.md §7): single-position accounts come from the
 * liquidation-price index — only those whose bound the mark crosses are examined — and
 * cross-margined accounts holding the instrument are checked directly. Accounts whose liquidation is
 * pending or that were written off are not examined (a breach is emitted once per breach).
 */
export function collectBreaches(instrument: InstrumentState, markUnits: bigint): { breached: AccountState[]; examined: number } {
  const breached: AccountState[] = [];
  let examined = 0;
  const check = (account: AccountState): void => {
    examined += 1;
    if (isBreachedAt(account, instrument, markUnits)) breached.push(account);
  };
  const bound = Number(markUnits);
  instrument.longIndex.visitAtOrAbove(bound, check);
  instrument.shortIndex.visitAtOrBelow(bound, check);
  for (const account of instrument.crossHolders) if (!account.liquidationPending && !account.defaulted) check(account);
  breached.sort((a, b) => compareIds(a.accountId, b.accountId));
  return { breached, examined };
}

/** The reference: check every holder of the instrument (tests compare it with the index; the benchmark times it). */
export function collectBreachesNaive(instrument: InstrumentState, markUnits: bigint): { breached: AccountState[]; examined: number } {
  const breached: AccountState[] = [];
  let examined = 0;
  for (const account of instrument.holders) {
    if (account.liquidationPending || account.defaulted) continue;
    examined += 1;
    if (isBreachedAt(account, instrument, markUnits)) breached.push(account);
  }
  breached.sort((a, b) => compareIds(a.accountId, b.accountId));
  return { breached, examined };
}

function scan(
  collect: typeof collectBreaches,
  state: MarginState,
  instrumentId: string,
  markPrice: string | bigint,
): BreachScan {
  const instrument = state.instruments.get(instrumentId);
  if (instrument === undefined) throw new RangeError(`unknown instrument ${instrumentId}`);
  const markUnits = typeof markPrice === 'bigint' ? markPrice : parseScaled(markPrice, PRICE_SCALE);
  if (markUnits === null || markUnits <= 0n) throw new RangeError(`invalid mark price ${String(markPrice)}`);
  const { breached, examined } = collect(instrument, markUnits);
  return { accountIds: breached.map((a) => a.accountId), examined };
}

/** Breaches a mark would cause, found through the liquidation-price index (what decide uses). */
export function findBreaches(state: MarginState, instrumentId: string, markPrice: string | bigint): BreachScan {
  return scan(collectBreaches, state, instrumentId, markPrice);
}

/** Breaches a mark would cause, found by checking every holder of the instrument (reference and benchmark baseline). */
export function naiveScanBreaches(state: MarginState, instrumentId: string, markPrice: string | bigint): BreachScan {
  return scan(collectBreachesNaive, state, instrumentId, markPrice);
}
