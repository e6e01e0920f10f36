import { invariant, type MarginTier } from '@ccp/contracts';
import { CENT_SCALE, FINE_PER_CENT, RATE_SCALE, abs, parseScaled } from './fixed-point.util';
import { LiquidationPriceIndex } from './liquidation-price.index';
import { liquidationKey } from './margin-requirement.policy';
import type { AccountState, Bracket, InstrumentLimits, InstrumentState, MarginParameters, MarginState, PositionState } from './margin.types';

export const NO_INSTRUMENT_LIMITS: InstrumentLimits = { maxQuantity: null, maxPrice: null };

export function initialMarginState(): MarginState {
  return {
    members: new Set(),
    accounts: new Map(),
    instruments: new Map(),
    tradeIds: new Set(),
    basisMarks: new Map(),
    appliedAllocations: new Set(),
    breachesOutstanding: new Set(),
    deferredBases: [],
    nextOrdinal: 0,
  };
}

/** Builds the bracket table from parameters already validated by decide (throws on a programmer error). */
export function bracketsOf(parameters: MarginParameters): Bracket[] {
  const rows = [
    { floorCents: 0n, initial: parameters.initialMarginRate, maintenance: parameters.maintenanceMarginRate },
    ...parameters.tiers.map((t: MarginTier) => ({
      floorCents: parseScaled(t.notionalFloor, CENT_SCALE),
      initial: t.initialMarginRate,
      maintenance: t.maintenanceMarginRate,
    })),
  ];
  const brackets: Bracket[] = [];
  let initialBelow = 0n;
  let maintenanceBelow = 0n;
  for (const row of rows) {
    const initialRate = parseScaled(row.initial, RATE_SCALE);
    const maintenanceRate = parseScaled(row.maintenance, RATE_SCALE);
    invariant(row.floorCents !== null && initialRate !== null && maintenanceRate !== null, 'margin parameters are validated');
    const floorFine = row.floorCents * FINE_PER_CENT;
    const previous = brackets[brackets.length - 1];
    if (previous !== undefined) {
      invariant(floorFine > previous.floorFine, 'tier floors increase');
      initialBelow += previous.initialRate * (floorFine - previous.floorFine);
      maintenanceBelow += previous.maintenanceRate * (floorFine - previous.floorFine);
    }
    brackets.push({ floorFine, initialRate, maintenanceRate, initialBelowSuperFine: initialBelow, maintenanceBelowSuperFine: maintenanceBelow });
  }
  return brackets;
}

export function newInstrument(instrumentId: string, contractSize: bigint, parameters: MarginParameters, limits: InstrumentLimits = NO_INSTRUMENT_LIMITS): InstrumentState {
  return {
    instrumentId,
    contractSize,
    parameters,
    limits,
    brackets: bracketsOf(parameters),
    markPrice: null,
    markSeq: null,
    lastTradePrice: null,
    holders: new Set(),
    crossHolders: new Set(),
    longIndex: new LiquidationPriceIndex(),
    shortIndex: new LiquidationPriceIndex(),
  };
}

export function newAccount(accountId: string, memberId: string, ordinal: number): AccountState {
  return {
    accountId,
    memberId,
    ordinal,
    cash: 0n,
    netDeposits: 0n,
    positions: [],
    liquidationPending: false,
    defaulted: false,
    indexedIn: null,
    indexKey: Number.NaN,
  };
}

export function positionIn(account: { readonly positions: readonly PositionState[] }, instrument: InstrumentState): PositionState | undefined {
  for (const p of account.positions) if (p.instrument === instrument) return p;
  return undefined;
}

/**
 * Takes the account out of the margin-check structures (liquidation-price index, cross-holder sets).
 * Every evolve that changes an account's cash, positions or status runs detach → mutate → attach.
 */
export function detachAccount(account: AccountState): void {
  if (account.indexedIn !== null) {
    account.indexedIn.remove(account.indexKey, account);
    account.indexedIn = null;
    account.indexKey = Number.NaN;
  }
  if (account.positions.length > 1) for (const p of account.positions) p.instrument.crossHolders.delete(account);
}

/** Puts the account where a mark will find it: the index (one position) or the cross-holder sets (several). */
export function attachAccount(account: AccountState): void {
  invariant(account.indexedIn === null, `account ${account.accountId} is detached before attach`);
  if (account.positions.length === 0) account.liquidationPending = false; // flat: nothing left to liquidate
  if (account.defaulted || account.liquidationPending) return;
  const [only, second] = account.positions;
  if (only === undefined) return;
  if (second !== undefined) {
    for (const p of account.positions) p.instrument.crossHolders.add(account);
    return;
  }
  const index = only.quantity > 0n ? only.instrument.longIndex : only.instrument.shortIndex;
  const key = liquidationKey(account.cash, only);
  index.insert(key, account);
  account.indexedIn = index;
  account.indexKey = key;
}

/** Sets a position's figures, opening or closing it (keeps the holders sets). Call between detach and attach. */
export function setPosition(account: AccountState, instrument: InstrumentState, quantity: bigint, entryCost: bigint): void {
  const existing = positionIn(account, instrument);
  if (quantity === 0n) {
    invariant(entryCost === 0n, 'a flat position has no entry cost');
    if (existing !== undefined) {
      account.positions = account.positions.filter((p) => p !== existing);
      instrument.holders.delete(account);
    }
    return;
  }
  invariant(entryCost >= abs(quantity), 'entry cost is at least one price unit per quantity unit');
  if (existing === undefined) {
    account.positions.push({ instrument, quantity, entryCost });
    instrument.holders.add(account);
    return;
  }
  existing.quantity = quantity;
  existing.entryCost = entryCost;
}

/** Invariants of one account after an evolve (style.md §10), cheap enough to run every time. */
export function assertAccountInvariants(account: AccountState): void {
  const seen = new Set<InstrumentState>();
  for (const p of account.positions) {
    invariant(p.quantity !== 0n, `${account.accountId}: a held position is not flat`);
    invariant(p.entryCost >= abs(p.quantity), `${account.accountId}: entry cost covers the quantity`);
    invariant(!seen.has(p.instrument), `${account.accountId}: one position per instrument`);
    invariant(p.instrument.holders.has(account), `${account.accountId}: listed as a holder of ${p.instrument.instrumentId}`);
    seen.add(p.instrument);
  }
  const indexable = !account.defaulted && !account.liquidationPending && account.positions.length === 1;
  invariant(indexable === (account.indexedIn !== null), `${account.accountId}: indexed exactly when single-position and active`);
  if (account.defaulted) invariant(account.positions.length === 0 && account.cash === 0n, `${account.accountId}: a written-off account is empty`);
}
