import { CONTRACT_SIZE_SCALE, PRICE_SCALE, QUANTITY_SCALE, assertNever, invariant } from '@ccp/contracts';
import { CENT_SCALE, parseScaled, usd } from './fixed-point.util';
import { applyFill } from './margin-requirement.policy';
import { assertAccountInvariants, attachAccount, bracketsOf, detachAccount, newAccount, newInstrument, positionIn, setPosition } from './margin.state';
import type { AccountState, InstrumentLimits, InstrumentState, MarginEvent, MarginEventOf, MarginState } from './margin.types';

/**
 * evolve: applies one event, mutating the state in place (design.md §7), deterministically. Every
 * change to an account's cash, positions or status is bracketed by detach/attach so the
 * liquidation-price index and the cross-holder sets stay exact; invariants are asserted after.
 */
export function evolveMargin(state: MarginState, event: MarginEvent): MarginState {
  switch (event.type) {
    case 'MemberRegistered':
      state.members.add(event.payload.memberId);
      return state;
    case 'AccountOpened':
      state.accounts.set(event.payload.accountId, newAccount(event.payload.accountId, event.payload.memberId, state.nextOrdinal));
      state.nextOrdinal += 1;
      return state;
    case 'CollateralDeposited':
      return changeCash(state, event.payload.accountId, units(event.payload.amount, CENT_SCALE), event.payload.cashBalance);
    case 'CollateralWithdrawn':
      return changeCash(state, event.payload.accountId, -units(event.payload.amount, CENT_SCALE), event.payload.cashBalance);
    case 'InstrumentListed': {
      const { instrumentId, contractSize, tiers, initialMarginRate, maintenanceMarginRate } = event.payload;
      state.instruments.set(instrumentId, newInstrument(instrumentId, units(contractSize, CONTRACT_SIZE_SCALE), { initialMarginRate, maintenanceMarginRate, tiers }, limitsOf(event.payload)));
      return state;
    }
    case 'MarginParametersSet':
      return setParameters(state, event);
    case 'TradeApplied':
      return tradeApplied(state, event);
    case 'MarkPriceApplied': {
      const instrument = instrumentOf(state, event.payload.instrumentId);
      instrument.markPrice = units(event.payload.markPrice, PRICE_SCALE);
      instrument.markSeq = event.payload.markSeq;
      return state;
    }
    case 'MaintenanceBreached': {
      const account = accountOf(state, event.payload.accountId);
      invariant(!account.liquidationPending, `${account.accountId}: one breach at a time`);
      invariant(!state.breachesOutstanding.has(event.payload.breachId), `breach ${event.payload.breachId} is raised once`);
      state.breachesOutstanding.add(event.payload.breachId);
      return change(account, () => {
        account.liquidationPending = true;
      }, state);
    }
    case 'LiquidationFillApplied':
      return liquidationFillApplied(state, event);
    case 'AccountWrittenOff': {
      const account = accountOf(state, event.payload.accountId);
      return change(account, () => {
        for (const p of [...account.positions]) setPosition(account, p.instrument, 0n, 0n);
        account.cash = 0n;
        account.defaulted = true;
        account.liquidationPending = false;
      }, state);
    }
    case 'AllocationBasisCaptured': {
      const marks = new Map<string, bigint>();
      for (const [id, mark] of Object.entries(event.payload.marks)) marks.set(id, units(mark, PRICE_SCALE));
      state.basisMarks.set(event.payload.defaultId, marks);
      const deferred = state.deferredBases.findIndex((d) => d.defaultId === event.payload.defaultId);
      if (deferred >= 0) state.deferredBases.splice(deferred, 1);
      return state;
    }
    case 'BreachResolved':
      invariant(state.breachesOutstanding.delete(event.payload.breachId), `breach ${event.payload.breachId} was outstanding`);
      invariant(state.breachesOutstanding.size === event.payload.breachesOutstanding, 'the outstanding count matches');
      return state;
    case 'AllocationBasisDeferred':
      invariant(state.breachesOutstanding.size > 0, 'a basis is deferred only while breaches are outstanding');
      state.deferredBases.push({ defaultId: event.payload.defaultId, excludeAccountId: event.payload.excludeAccountId });
      return state;
    case 'LossAllocationApplied':
      return lossAllocationApplied(state, event);
    default:
      return assertNever(event, 'margin event');
  }
}

/** Exact units of a decimal the decider already validated (a failure here is a programmer error). */
function units(value: string, scale: number): bigint {
  const parsed = parseScaled(value, scale);
  invariant(parsed !== null, `${value} has at most ${scale} decimals`);
  return parsed;
}

function accountOf(state: MarginState, accountId: string): AccountState {
  const account = state.accounts.get(accountId);
  invariant(account !== undefined, `account ${accountId} exists`);
  return account;
}

function instrumentOf(state: MarginState, instrumentId: string): InstrumentState {
  const instrument = state.instruments.get(instrumentId);
  invariant(instrument !== undefined, `instrument ${instrumentId} exists`);
  return instrument;
}

function change(account: AccountState, mutate: () => void, state: MarginState): MarginState {
  detachAccount(account);
  mutate();
  attachAccount(account);
  assertAccountInvariants(account);
  return state;
}

function changeCash(state: MarginState, accountId: string, delta: bigint, cashBalance: string): MarginState {
  const account = accountOf(state, accountId);
  change(account, () => {
    account.cash += delta;
    account.netDeposits += delta;
  }, state);
  invariant(usd(account.cash) === cashBalance, `${accountId}: cash balance matches the event`);
  return state;
}

/** The limits an InstrumentListed / MarginParametersSet states (absent = no limit). */
function limitsOf(payload: { readonly maxQuantity?: string | undefined; readonly maxPrice?: string | undefined }): InstrumentLimits {
  return {
    maxQuantity: payload.maxQuantity === undefined ? null : units(payload.maxQuantity, QUANTITY_SCALE),
    maxPrice: payload.maxPrice === undefined ? null : units(payload.maxPrice, PRICE_SCALE),
  };
}

function setParameters(state: MarginState, event: MarginEventOf<'MarginParametersSet'>): MarginState {
  const { instrumentId, initialMarginRate, maintenanceMarginRate, tiers } = event.payload;
  const instrument = instrumentOf(state, instrumentId);
  const indexed = [...instrument.holders].filter((a) => a.indexedIn !== null);
  for (const account of indexed) detachAccount(account);
  instrument.parameters = { initialMarginRate, maintenanceMarginRate, tiers };
  instrument.brackets = bracketsOf(instrument.parameters);
  instrument.limits = limitsOf(event.payload);
  for (const account of indexed) attachAccount(account); // the bound depends on the rates: re-key
  return state;
}

/** Re-applies a fill the decider computed, and checks it lands on the same figures. */
function fill(account: AccountState, instrument: InstrumentState, closeOrOpen: bigint, priceUnits: bigint, realizedPnl: string): bigint {
  const position = positionIn(account, instrument);
  const outcome = applyFill(position?.quantity ?? 0n, position?.entryCost ?? 0n, closeOrOpen, priceUnits, instrument.contractSize);
  invariant(usd(outcome.realizedPnl) === realizedPnl, `${account.accountId}: realized PnL ${usd(outcome.realizedPnl)} matches the event's ${realizedPnl}`);
  setPosition(account, instrument, outcome.quantity, outcome.entryCost);
  return outcome.realizedPnl;
}

function tradeApplied(state: MarginState, event: MarginEventOf<'TradeApplied'>): MarginState {
  const p = event.payload;
  const account = accountOf(state, p.accountId);
  const instrument = instrumentOf(state, p.instrumentId);
  const qty = units(p.quantity, QUANTITY_SCALE);
  const px = units(p.price, PRICE_SCALE);
  change(account, () => {
    account.cash += fill(account, instrument, p.side === 'long' ? qty : -qty, px, p.realizedPnl);
  }, state);
  instrument.lastTradePrice = px;
  state.tradeIds.add(p.tradeId);
  invariant(usd(account.cash) === p.cashBalance, `${account.accountId}: cash balance matches the event`);
  return state;
}

function liquidationFillApplied(state: MarginState, event: MarginEventOf<'LiquidationFillApplied'>): MarginState {
  const p = event.payload;
  const account = accountOf(state, p.accountId);
  const instrument = instrumentOf(state, p.instrumentId);
  const qty = units(p.quantity, QUANTITY_SCALE);
  change(account, () => {
    const held = positionIn(account, instrument);
    invariant(held !== undefined, `${account.accountId}: holds ${instrument.instrumentId}`);
    account.cash += fill(account, instrument, held.quantity > 0n ? -qty : qty, units(p.fillPrice, PRICE_SCALE), p.realizedPnl);
    account.cash -= units(p.liquidationFee, CENT_SCALE);
    account.liquidationPending = p.liquidationPending;
  }, state);
  invariant(usd(account.cash) === p.cashBalance, `${account.accountId}: cash balance matches the event`);
  return state;
}

function lossAllocationApplied(state: MarginState, event: MarginEventOf<'LossAllocationApplied'>): MarginState {
  for (const line of event.payload.lines) {
    const account = accountOf(state, line.accountId);
    change(account, () => {
      if (line.instrumentId !== undefined && line.quantityClosed !== undefined && line.closePrice !== undefined) {
        const instrument = instrumentOf(state, line.instrumentId);
        const held = positionIn(account, instrument);
        invariant(held !== undefined, `${account.accountId}: holds ${instrument.instrumentId}`);
        const qty = units(line.quantityClosed, QUANTITY_SCALE);
        account.cash += fill(account, instrument, held.quantity > 0n ? -qty : qty, units(line.closePrice, PRICE_SCALE), line.realizedPnl);
      }
      account.cash -= units(line.cashDebit, CENT_SCALE);
    }, state);
    invariant(usd(account.cash) === line.cashBalance, `${account.accountId}: cash balance matches the allocation line`);
  }
  state.appliedAllocations.add(event.payload.defaultId);
  return state;
}
