import {
  type AllocationBasisRequestedPayload,
  CONTRACT_SIZE_SCALE,
  PRICE_SCALE,
  QUANTITY_SCALE,
  RejectionError,
  accept,
  assertNever,
  reject,
  rejection,
  type AppliedAllocationLine,
  type Decision,
  type MarginTier,
  type RejectionCode,
} from '@ccp/contracts';
import { collectBreaches } from './breach.scan';
import { CENT_SCALE, FINE_PER_CENT, RATE_ONE, RATE_SCALE, abs, contractSize, divHalfEven, parseScaled, price, quantity, rate, usd } from './fixed-point.util';
import { applyFill, averageEntryPrice, bookFigures, valuationPrice } from './margin-requirement.policy';
import { NO_INSTRUMENT_LIMITS, positionIn } from './margin.state';
import type { AccountState, InstrumentLimits, InstrumentState, MarginCommand, MarginCommandOf, MarginEvent, MarginParameters, MarginState, PositionFigures } from './margin.types';
import { basisParticipant, breachPayload, compareIds, positionAfter } from './margin.views';

/**
 * decide: a pure function of (command, state). It never mutates state; checks run in the precedence
 * order of REJECTION_CODES where the data allows (stateless amount checks first, then membership,
 * accounts, instruments, duplicates, staleness, collateral).
 */
export function decideMargin(command: MarginCommand, state: MarginState): Decision<MarginEvent> {
  try {
    return accept(eventsFor(command, state));
  } catch (error) {
    if (error instanceof RejectionError) return reject(error.rejection);
    throw error;
  }
}

function eventsFor(command: MarginCommand, state: MarginState): MarginEvent[] {
  switch (command.type) {
    case 'RegisterMember':
      return registerMember(command, state);
    case 'OpenAccount':
      return openAccount(command, state);
    case 'DepositCollateral':
      return depositCollateral(command, state);
    case 'WithdrawCollateral':
      return withdrawCollateral(command, state);
    case 'ListInstrument':
      return listInstrument(command, state);
    case 'SetMarginParameters':
      return setMarginParameters(command, state);
    case 'ApplyTrade':
      return applyTrade(command, state);
    case 'ApplyMarkPrice':
      return applyMarkPrice(command, state);
    case 'ApplyLiquidationFill':
      return applyLiquidationFill(command, state);
    case 'WriteOffDefaultedAccount':
      return writeOffDefaultedAccount(command, state);
    case 'CaptureAllocationBasis':
      return captureAllocationBasis(command, state);
    case 'ApplyLossAllocation':
      return applyLossAllocation(command, state);
    case 'ResolveBreach':
      return resolveBreach(command, state);
    default:
      return assertNever(command, 'margin command');
  }
}

// ── Checks ───────────────────────────────────────────────────────────────────────────────────────

function fail(code: RejectionCode, path: string, message: string): never {
  throw new RejectionError(rejection(code, path, message));
}

function scaled(value: string, scale: number, path: string, allowZero = false): bigint {
  const units = parseScaled(value, scale);
  if (units === null) fail('invalid_amount', path, `${JSON.stringify(value)} is not a decimal with at most ${scale} decimal places`);
  if (units < 0n || (!allowZero && units === 0n)) fail('invalid_amount', path, `${JSON.stringify(value)} must be ${allowZero ? 'non-negative' : 'greater than zero'}`);
  return units;
}

const cents = (value: string, path: string, allowZero = false): bigint => scaled(value, CENT_SCALE, path, allowZero);

function rateUnits(value: string, path: string): bigint {
  const units = scaled(value, RATE_SCALE, path);
  if (units > RATE_ONE) fail('invalid_amount', path, `a margin rate is a decimal fraction in (0, 1], got ${value}`);
  return units;
}

function activeAccount(state: MarginState, accountId: string, path = 'payload.accountId'): AccountState {
  const account = state.accounts.get(accountId);
  if (account === undefined) fail('unknown_account', path, `account ${accountId} is not open`);
  if (account.defaulted) fail('unknown_account', path, `account ${accountId} was written off after its default`);
  return account;
}

function sameMember(account: AccountState, memberId: string, path = 'payload.memberId'): void {
  if (account.memberId !== memberId) fail('malformed', path, `account ${account.accountId} belongs to member ${account.memberId}, not ${memberId}`);
}

function listedInstrument(state: MarginState, instrumentId: string, path = 'payload.instrumentId'): InstrumentState {
  const instrument = state.instruments.get(instrumentId);
  if (instrument === undefined) fail('unknown_instrument', path, `instrument ${instrumentId} is not listed`);
  return instrument;
}

/** Validates rates and tiers (0 < maintenance ≤ initial ≤ 1, floors > 0 and increasing) and returns their canonical text. */
function marginParameters(payload: { initialMarginRate: string; maintenanceMarginRate: string; tiers?: readonly MarginTier[] | undefined }): MarginParameters {
  const row = (initial: string, maintenance: string, path: string) => {
    const im = rateUnits(initial, `${path}initialMarginRate`);
    const mm = rateUnits(maintenance, `${path}maintenanceMarginRate`);
    if (mm > im) fail('invalid_amount', `${path}maintenanceMarginRate`, 'the maintenance margin rate must not exceed the initial margin rate');
    return { initialMarginRate: rate(im), maintenanceMarginRate: rate(mm) };
  };
  const base = row(payload.initialMarginRate, payload.maintenanceMarginRate, 'payload.');
  let previousFloor = 0n;
  const tiers = (payload.tiers ?? []).map((tier, i) => {
    const path = `payload.tiers[${i}].`;
    const floor = cents(tier.notionalFloor, `${path}notionalFloor`);
    if (floor <= previousFloor) fail('invalid_amount', `${path}notionalFloor`, 'tier floors must be greater than zero and strictly increasing');
    previousFloor = floor;
    return { notionalFloor: usd(floor), ...row(tier.initialMarginRate, tier.maintenanceMarginRate, path) };
  });
  return { ...base, tiers };
}

/** The limits a ListInstrument / SetMarginParameters gives; a limit not given is `fallback`'s. */
function instrumentLimits(payload: { maxQuantity?: string | undefined; maxPrice?: string | undefined }, fallback: InstrumentLimits): InstrumentLimits {
  return {
    maxQuantity: payload.maxQuantity === undefined ? fallback.maxQuantity : scaled(payload.maxQuantity, QUANTITY_SCALE, 'payload.maxQuantity'),
    maxPrice: payload.maxPrice === undefined ? fallback.maxPrice : scaled(payload.maxPrice, PRICE_SCALE, 'payload.maxPrice'),
  };
}

/** The limits as an event states them: only those in force, so an instrument without limits lists as it always did. */
function limitFields(limits: InstrumentLimits): { maxQuantity?: string; maxPrice?: string } {
  return {
    ...(limits.maxQuantity === null ? {} : { maxQuantity: quantity(limits.maxQuantity) }),
    ...(limits.maxPrice === null ? {} : { maxPrice: price(limits.maxPrice) }),
  };
}

/** A configured maximum of the instrument (Binance's LOT_SIZE / PRICE_FILTER): beyond it the input is refused. */
function withinLimit(value: bigint, limit: bigint | null, format: (units: bigint) => string, what: string, instrument: InstrumentState, path: string): void {
  if (limit !== null && value > limit) fail('invalid_amount', path, `${format(value)} exceeds the ${what} ${format(limit)} configured for ${instrument.instrumentId}`);
}

// ── Members, accounts, collateral ────────────────────────────────────────────────────────────────

function registerMember({ payload }: MarginCommandOf<'RegisterMember'>, state: MarginState): MarginEvent[] {
  if (state.members.has(payload.memberId)) fail('duplicate', 'payload.memberId', `member ${payload.memberId} is already registered`);
  return [{ type: 'MemberRegistered', stream: payload.memberId, payload: { memberId: payload.memberId } }];
}

function openAccount({ payload }: MarginCommandOf<'OpenAccount'>, state: MarginState): MarginEvent[] {
  if (!state.members.has(payload.memberId)) fail('unknown_member', 'payload.memberId', `member ${payload.memberId} is not registered`);
  if (state.accounts.has(payload.accountId)) fail('duplicate', 'payload.accountId', `account ${payload.accountId} is already open`);
  return [{ type: 'AccountOpened', stream: payload.accountId, payload: { accountId: payload.accountId, memberId: payload.memberId } }];
}

function depositCollateral({ payload }: MarginCommandOf<'DepositCollateral'>, state: MarginState): MarginEvent[] {
  const amount = cents(payload.amount, 'payload.amount');
  const account = activeAccount(state, payload.accountId);
  return [
    {
      type: 'CollateralDeposited',
      stream: account.accountId,
      payload: { accountId: account.accountId, memberId: account.memberId, amount: usd(amount), cashBalance: usd(account.cash + amount) },
    },
  ];
}

/** A withdrawal may take cash, never unrealized gains, and must leave equity ≥ initial margin. */
function withdrawCollateral({ payload }: MarginCommandOf<'WithdrawCollateral'>, state: MarginState): MarginEvent[] {
  const amount = cents(payload.amount, 'payload.amount');
  const account = activeAccount(state, payload.accountId);
  if (amount > account.cash) fail('insufficient_collateral', 'payload.amount', `the cash balance is ${usd(account.cash)}; unrealized gains cannot be withdrawn`);
  const f = bookFigures(account);
  if (f.equity - amount < f.initial)
    fail('insufficient_collateral', 'payload.amount', `equity after the withdrawal ${usd(f.equity - amount)} would be below the initial margin ${usd(f.initial)}`);
  return [
    {
      type: 'CollateralWithdrawn',
      stream: account.accountId,
      payload: { accountId: account.accountId, memberId: account.memberId, amount: usd(amount), cashBalance: usd(account.cash - amount) },
    },
  ];
}

// ── Instruments and parameters ───────────────────────────────────────────────────────────────────

function listInstrument({ payload }: MarginCommandOf<'ListInstrument'>, state: MarginState): MarginEvent[] {
  const size = scaled(payload.contractSize, CONTRACT_SIZE_SCALE, 'payload.contractSize');
  const parameters = marginParameters(payload);
  const limits = instrumentLimits(payload, NO_INSTRUMENT_LIMITS);
  if (state.instruments.has(payload.instrumentId)) fail('duplicate', 'payload.instrumentId', `instrument ${payload.instrumentId} is already listed`);
  return [
    {
      type: 'InstrumentListed',
      stream: payload.instrumentId,
      payload: { instrumentId: payload.instrumentId, contractSize: contractSize(size), ...parameters, tiers: [...parameters.tiers], ...limitFields(limits) },
    },
  ];
}

function setMarginParameters({ payload }: MarginCommandOf<'SetMarginParameters'>, state: MarginState): MarginEvent[] {
  const parameters = marginParameters(payload);
  const instrument = listedInstrument(state, payload.instrumentId);
  const limits = instrumentLimits(payload, instrument.limits);
  return [
    {
      type: 'MarginParametersSet',
      stream: payload.instrumentId,
      payload: { instrumentId: payload.instrumentId, ...parameters, tiers: [...parameters.tiers], ...limitFields(limits) },
    },
  ];
}

// ── Trades and marks ─────────────────────────────────────────────────────────────────────────────

/**
 * A fill against the clearinghouse. Trades are executed facts: pre-trade risk checks belong to the
 * venue, so a trade is not rejected for margin; breaches are found at the next mark.
 */
function applyTrade({ payload }: MarginCommandOf<'ApplyTrade'>, state: MarginState): MarginEvent[] {
  const qty = scaled(payload.quantity, QUANTITY_SCALE, 'payload.quantity');
  const px = scaled(payload.price, PRICE_SCALE, 'payload.price');
  const account = activeAccount(state, payload.accountId);
  const instrument = listedInstrument(state, payload.instrumentId);
  withinLimit(qty, instrument.limits.maxQuantity, quantity, 'maxQuantity', instrument, 'payload.quantity');
  withinLimit(px, instrument.limits.maxPrice, price, 'maxPrice', instrument, 'payload.price');
  if (state.tradeIds.has(payload.tradeId)) fail('duplicate', 'payload.tradeId', `trade ${payload.tradeId} was already applied`);
  const position = positionIn(account, instrument);
  const outcome = applyFill(position?.quantity ?? 0n, position?.entryCost ?? 0n, payload.side === 'long' ? qty : -qty, px, instrument.contractSize);
  return [
    {
      type: 'TradeApplied',
      stream: account.accountId,
      payload: {
        tradeId: payload.tradeId,
        accountId: account.accountId,
        memberId: account.memberId,
        instrumentId: instrument.instrumentId,
        side: payload.side,
        quantity: quantity(qty),
        price: price(px),
        realizedPnl: usd(outcome.realizedPnl),
        position: positionAfter(outcome.quantity, outcome.entryCost, instrument),
        cashBalance: usd(account.cash + outcome.realizedPnl),
      },
    },
  ];
}

/** A mark: MarkPriceApplied, then one MaintenanceBreached per newly breached account (by account id). */
function applyMarkPrice({ payload }: MarginCommandOf<'ApplyMarkPrice'>, state: MarginState): MarginEvent[] {
  const mark = scaled(payload.markPrice, PRICE_SCALE, 'payload.markPrice');
  const instrument = listedInstrument(state, payload.instrumentId);
  withinLimit(mark, instrument.limits.maxPrice, price, 'maxPrice', instrument, 'payload.markPrice');
  if (instrument.markSeq !== null && payload.markSeq <= instrument.markSeq)
    fail('stale_price', 'payload.markSeq', `mark ${payload.markSeq} is not after the mark in force (${instrument.markSeq})`);
  const events: MarginEvent[] = [
    { type: 'MarkPriceApplied', stream: instrument.instrumentId, payload: { instrumentId: instrument.instrumentId, markPrice: price(mark), markSeq: payload.markSeq } },
  ];
  for (const account of collectBreaches(instrument, mark).breached)
    events.push({ type: 'MaintenanceBreached', stream: account.accountId, payload: breachPayload(account, instrument, mark, payload.markSeq) });
  return events;
}

// ── Wire-driven: liquidation, default, allocation ────────────────────────────────────────────────

/** The open position on `side`, and the quantity to close checked against it. */
function closablePosition(positions: readonly PositionFigures[], instrument: InstrumentState, side: 'long' | 'short' | undefined, qty: bigint, path: string): PositionFigures {
  const position = positions.find((p) => p.instrument === instrument);
  if (position === undefined || (side !== undefined && (position.quantity > 0n ? 'long' : 'short') !== side))
    fail('invalid_amount', path, `there is no ${side === undefined ? '' : `${side} `}position in ${instrument.instrumentId} to close`);
  if (qty > abs(position.quantity)) fail('invalid_amount', path, `${quantity(qty)} exceeds the open quantity ${quantity(abs(position.quantity))}`);
  return position;
}

/**
 * A liquidation fill closes part or all of a position at the fill price: margin realizes the PnL
 * against its exact entry cost (authoritative; liquidation's figure is kept as reportedRealizedPnl)
 * and deducts the fee. The liquidation stays pending while positions remain and the account is still
 * below maintenance at the marks in force; otherwise it is cleared and the account is indexed again.
 */
function applyLiquidationFill({ payload }: MarginCommandOf<'ApplyLiquidationFill'>, state: MarginState): MarginEvent[] {
  const qty = scaled(payload.quantity, QUANTITY_SCALE, 'payload.quantity');
  const fillPrice = scaled(payload.fillPrice, PRICE_SCALE, 'payload.fillPrice');
  const fee = cents(payload.liquidationFee, 'payload.liquidationFee', true);
  const account = activeAccount(state, payload.accountId);
  sameMember(account, payload.memberId);
  const instrument = listedInstrument(state, payload.instrumentId);
  const position = closablePosition(account.positions, instrument, payload.side, qty, 'payload.quantity');
  const outcome = applyFill(position.quantity, position.entryCost, position.quantity > 0n ? -qty : qty, fillPrice, instrument.contractSize);
  const cashAfter = account.cash + outcome.realizedPnl - fee;
  const positionsAfter = account.positions
    .map((p): PositionFigures => (p === position ? { instrument, quantity: outcome.quantity, entryCost: outcome.entryCost } : p))
    .filter((p) => p.quantity !== 0n);
  const after = bookFigures({ cash: cashAfter, positions: positionsAfter });
  const stillPending = account.liquidationPending && positionsAfter.length > 0 && after.equity < after.maintenance;
  return [
    {
      type: 'LiquidationFillApplied',
      stream: account.accountId,
      payload: {
        liquidationId: payload.liquidationId,
        accountId: account.accountId,
        memberId: account.memberId,
        instrumentId: instrument.instrumentId,
        side: payload.side,
        quantity: quantity(qty),
        fillPrice: price(fillPrice),
        realizedPnl: usd(outcome.realizedPnl),
        reportedRealizedPnl: payload.realizedPnl,
        liquidationFee: usd(fee),
        position: positionAfter(outcome.quantity, outcome.entryCost, instrument),
        cashBalance: usd(cashAfter),
        liquidationPending: stillPending,
      },
    },
  ];
}

/** The default fund owns the loss now: the account's positions and cash are zeroed and it takes no more commands. */
function writeOffDefaultedAccount({ payload }: MarginCommandOf<'WriteOffDefaultedAccount'>, state: MarginState): MarginEvent[] {
  const account = state.accounts.get(payload.accountId);
  if (account === undefined) fail('unknown_account', 'payload.accountId', `account ${payload.accountId} is not open`);
  sameMember(account, payload.memberId);
  if (account.defaulted) fail('duplicate', 'payload.accountId', `account ${payload.accountId} was already written off`);
  const positions = [...account.positions]
    .sort((a, b) => compareIds(a.instrument.instrumentId, b.instrument.instrumentId))
    .map((p) => ({
      instrumentId: p.instrument.instrumentId,
      side: p.quantity > 0n ? ('long' as const) : ('short' as const),
      quantity: quantity(abs(p.quantity)),
      entryPrice: price(averageEntryPrice(p)),
    }));
  return [
    {
      type: 'AccountWrittenOff',
      stream: account.accountId,
      correlationId: payload.defaultId,
      payload: { defaultId: payload.defaultId, accountId: account.accountId, memberId: account.memberId, cashWrittenOff: usd(account.cash), deficit: payload.deficit, positions },
    },
  ];
}

/**
 * A basis is captured only when no liquidation margin asked for is still under way, so it never
 * depends on how the liquidation and loss-allocation topics happen to interleave (docs/adr/0006):
 * while breaches are outstanding the request is deferred, and captured when the last one resolves.
 */
function captureAllocationBasis({ payload }: MarginCommandOf<'CaptureAllocationBasis'>, state: MarginState): MarginEvent[] {
  if (state.basisMarks.has(payload.defaultId) || state.deferredBases.some((d) => d.defaultId === payload.defaultId))
    fail('duplicate', 'payload.defaultId', `the basis for ${payload.defaultId} was already ${state.basisMarks.has(payload.defaultId) ? 'captured' : 'requested'}`);
  if (state.breachesOutstanding.size > 0) {
    return [
      {
        type: 'AllocationBasisDeferred',
        stream: payload.defaultId,
        correlationId: payload.defaultId,
        payload: { defaultId: payload.defaultId, excludeAccountId: payload.excludeAccountId, breachesOutstanding: state.breachesOutstanding.size },
      },
    ];
  }
  return [basisCaptured(payload, state)];
}

/** liquidation's LiquidationCompleted: the breach is resolved; the last one releases deferred bases. */
function resolveBreach({ payload }: MarginCommandOf<'ResolveBreach'>, state: MarginState): MarginEvent[] {
  if (!state.breachesOutstanding.has(payload.breachId))
    fail('duplicate', 'payload.breachId', `breach ${payload.breachId} is not outstanding (never raised, or already resolved)`);
  const outstanding = state.breachesOutstanding.size - 1;
  const events: MarginEvent[] = [
    { type: 'BreachResolved', stream: payload.accountId, payload: { breachId: payload.breachId, accountId: payload.accountId, outcome: payload.outcome, breachesOutstanding: outstanding } },
  ];
  // BreachResolved changes no account, so the bases captured here see the same state evolve will leave.
  if (outstanding === 0) for (const request of state.deferredBases) events.push(basisCaptured(request, state));
  return events;
}

/**
 * The basis at this exact point of the journal: every account not written off (and not the defaulter)
 * that holds a position or has positive equity, by account id; with the prices in force.
 */
function basisCaptured(payload: AllocationBasisRequestedPayload, state: MarginState): MarginEvent {
  const marks: Record<string, string> = {};
  for (const [id, instrument] of [...state.instruments].sort(byKey)) {
    const p = instrument.markPrice ?? instrument.lastTradePrice;
    if (p !== null) marks[id] = price(p);
  }
  const participants = [];
  for (const [id, account] of [...state.accounts].sort(byKey)) {
    if (account.defaulted || id === payload.excludeAccountId) continue;
    if (account.positions.length === 0 && account.cash <= 0n) continue; // flat: equity = cash
    participants.push(basisParticipant(account));
  }
  return { type: 'AllocationBasisCaptured', stream: payload.defaultId, correlationId: payload.defaultId, payload: { defaultId: payload.defaultId, marks, participants } };
}

const byKey = (a: readonly [string, unknown], b: readonly [string, unknown]): number => compareIds(a[0], b[0]);

interface ScratchBook {
  cash: bigint;
  positions: PositionFigures[];
}

/**
 * Applies the policy's lines in order. The rule, exact to the cent:
 * - `amount` is the whole charge the policy decided, valued at the basis marks of this default (the
 *   marks captured with AllocationBasisCaptured; the mark in force if no basis was captured);
 * - a line with a close (instrumentId, quantityClosed, closePrice; side optional but checked) reduces
 *   the position at closePrice, realizing PnL against the exact entry cost (half-even). The close price
 *   alone already moves closeCharge = (referenceMark − closePrice) × quantityClosed × contractSize out
 *   of a long (mirror for a short), half-even to the cent;
 * - the cash debit is amount − closeCharge (negative = a credit, when the close price concedes more
 *   than amount), so closeCharge + cashDebit = amount exactly, and
 *   cash change = realizedPnl − cashDebit = (PnL of the closed part at the reference mark) − amount
 *   up to the half-even cent of each term. A line without a close debits amount from cash.
 */
function applyLossAllocation({ payload }: MarginCommandOf<'ApplyLossAllocation'>, state: MarginState): MarginEvent[] {
  const parsed = payload.allocations.map((line, i) => {
    const path = `payload.allocations[${i}]`;
    const hasClose = line.instrumentId !== undefined || line.quantityClosed !== undefined || line.closePrice !== undefined || line.side !== undefined;
    if (hasClose && (line.instrumentId === undefined || line.quantityClosed === undefined || line.closePrice === undefined))
      fail('malformed', path, 'a close needs instrumentId, quantityClosed and closePrice together');
    return {
      line,
      path,
      amount: cents(line.amount, `${path}.amount`),
      qty: line.quantityClosed === undefined ? null : scaled(line.quantityClosed, QUANTITY_SCALE, `${path}.quantityClosed`),
      closePrice: line.closePrice === undefined ? null : scaled(line.closePrice, PRICE_SCALE, `${path}.closePrice`),
    };
  });
  const resolved = parsed.map((p) => {
    const account = activeAccount(state, p.line.accountId, `${p.path}.accountId`);
    sameMember(account, p.line.memberId, `${p.path}.memberId`);
    const instrument = p.line.instrumentId === undefined ? null : listedInstrument(state, p.line.instrumentId, `${p.path}.instrumentId`);
    return { ...p, account, instrument };
  });
  if (state.appliedAllocations.has(payload.defaultId)) fail('duplicate', 'payload.defaultId', `the allocation of ${payload.defaultId} was already applied`);

  const marks = state.basisMarks.get(payload.defaultId);
  const books = new Map<AccountState, ScratchBook>();
  let totalCharged = 0n;
  const lines = resolved.map(({ line, path, amount, qty, closePrice, account, instrument }): AppliedAllocationLine => {
    let book = books.get(account);
    if (book === undefined) {
      book = { cash: account.cash, positions: account.positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity, entryCost: p.entryCost })) };
      books.set(account, book);
    }
    totalCharged += amount;
    if (instrument === null || qty === null || closePrice === null) {
      book.cash -= amount;
      return { accountId: account.accountId, memberId: account.memberId, amount: usd(amount), cashDebit: usd(amount), closeCharge: '0', realizedPnl: '0', cashBalance: usd(book.cash) };
    }
    const position = closablePosition(book.positions, instrument, line.side, qty, `${path}.quantityClosed`);
    const reference = marks?.get(instrument.instrumentId) ?? valuationPrice(instrument);
    const long = position.quantity > 0n;
    const closeCharge = divHalfEven((long ? reference - closePrice : closePrice - reference) * qty * instrument.contractSize, FINE_PER_CENT);
    const outcome = applyFill(position.quantity, position.entryCost, long ? -qty : qty, closePrice, instrument.contractSize);
    book.positions = book.positions
      .map((p): PositionFigures => (p === position ? { instrument, quantity: outcome.quantity, entryCost: outcome.entryCost } : p))
      .filter((p) => p.quantity !== 0n);
    const cashDebit = amount - closeCharge;
    book.cash += outcome.realizedPnl - cashDebit;
    return {
      accountId: account.accountId,
      memberId: account.memberId,
      amount: usd(amount),
      cashDebit: usd(cashDebit),
      closeCharge: usd(closeCharge),
      realizedPnl: usd(outcome.realizedPnl),
      instrumentId: instrument.instrumentId,
      side: long ? 'long' : 'short',
      quantityClosed: quantity(qty),
      closePrice: price(closePrice),
      referenceMark: price(reference),
      cashBalance: usd(book.cash),
    };
  });
  return [
    {
      type: 'LossAllocationApplied',
      stream: payload.defaultId,
      correlationId: payload.defaultId,
      payload: { defaultId: payload.defaultId, policy: payload.policy, lines, totalCharged: usd(totalCharged) },
    },
  ];
}
