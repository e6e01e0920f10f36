import type { BasisParticipant, MaintenanceBreachedPayload, MarginPositionAfter, PositionView } from '@ccp/contracts';
import { contractSize, price, quantity, usd } from './fixed-point.util';
import { averageEntryPrice, bookFigures, requirementCents, unrealizedCents, valuationPrice } from './margin-requirement.policy';
import type { AccountState, Book, InstrumentState, MarginState, PositionFigures } from './margin.types';

/** Read side: accounts as strings for read models, the CLI and the wire payloads. */

export interface AccountView {
  readonly accountId: string;
  readonly memberId: string;
  /** collateral plus realized PnL minus fees and charges */
  readonly cashBalance: string;
  /** cash + Σ unrealized PnL (each rounded toward −∞) */
  readonly equity: string;
  readonly initialMarginRequired: string;
  readonly maintenanceMarginRequired: string;
  /** what a withdrawal may take now: min(cash, equity − initial margin), ≥ 0 */
  readonly availableToWithdraw: string;
  /** deposits minus withdrawals */
  readonly netDeposits: string;
  /** equity − netDeposits: realized + unrealized PnL since the account opened, net of fees and charges */
  readonly variationMarginGain: string;
  readonly liquidationPending: boolean;
  readonly defaulted: boolean;
  readonly positions: readonly PositionView[];
}

export function positionView(position: PositionFigures, priceUnits: bigint): PositionView {
  return {
    instrumentId: position.instrument.instrumentId,
    side: position.quantity > 0n ? 'long' : 'short',
    quantity: quantity(position.quantity > 0n ? position.quantity : -position.quantity),
    entryPrice: price(averageEntryPrice(position)),
    markPrice: price(priceUnits),
    contractSize: contractSize(position.instrument.contractSize),
    unrealizedPnl: usd(unrealizedCents(position, priceUnits)),
    maintenanceMarginRequired: usd(requirementCents(position, priceUnits, 'maintenance')),
  };
}

/** Positions sorted by instrument id, valued at the valuation prices (one instrument optionally overridden). */
export function positionViews(book: Book, instrument?: InstrumentState, markUnits?: bigint): PositionView[] {
  return [...book.positions]
    .sort((a, b) => compareIds(a.instrument.instrumentId, b.instrument.instrumentId))
    .map((p) => positionView(p, p.instrument === instrument && markUnits !== undefined ? markUnits : valuationPrice(p.instrument)));
}

export function positionAfter(quantityUnits: bigint, entryCost: bigint, instrument: InstrumentState): MarginPositionAfter {
  if (quantityUnits === 0n) return null;
  const figures: PositionFigures = { instrument, quantity: quantityUnits, entryCost };
  return { side: quantityUnits > 0n ? 'long' : 'short', quantity: quantity(quantityUnits > 0n ? quantityUnits : -quantityUnits), entryPrice: price(averageEntryPrice(figures)) };
}

export function accountView(state: MarginState, accountId: string): AccountView | null {
  const account = state.accounts.get(accountId);
  if (account === undefined) return null;
  const f = bookFigures(account);
  const free = f.equity - f.initial < account.cash ? f.equity - f.initial : account.cash;
  return {
    accountId,
    memberId: account.memberId,
    cashBalance: usd(account.cash),
    equity: usd(f.equity),
    initialMarginRequired: usd(f.initial),
    maintenanceMarginRequired: usd(f.maintenance),
    availableToWithdraw: usd(free > 0n ? free : 0n),
    netDeposits: usd(account.netDeposits),
    variationMarginGain: usd(f.equity - account.netDeposits),
    liquidationPending: account.liquidationPending,
    defaulted: account.defaulted,
    positions: positionViews(account),
  };
}

export function breachPayload(account: AccountState, instrument: InstrumentState, markUnits: bigint, markSeq: number): MaintenanceBreachedPayload {
  const f = bookFigures(account, instrument, markUnits);
  return {
    accountId: account.accountId,
    memberId: account.memberId,
    breachId: `${account.accountId}@${markSeq}`,
    cashBalance: usd(account.cash),
    equity: usd(f.equity),
    maintenanceMarginRequired: usd(f.maintenance),
    positions: positionViews(account, instrument, markUnits),
  };
}

/**
 * One participant of an allocation basis. variationMarginGain is kept simple and stated: equity −
 * netDeposits, i.e. realized + unrealized PnL since the account opened, net of fees and earlier charges
 * (no settlement-cycle reset: the cycle starts when the account opens).
 */
export function basisParticipant(account: AccountState): BasisParticipant {
  const f = bookFigures(account);
  return {
    accountId: account.accountId,
    memberId: account.memberId,
    cashBalance: usd(account.cash),
    equity: usd(f.equity),
    variationMarginGain: usd(f.equity - account.netDeposits),
    positions: positionViews(account),
  };
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
