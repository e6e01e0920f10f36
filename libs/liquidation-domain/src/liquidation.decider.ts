import {
  accept,
  AccountDefaultedPayload,
  accountDefaultedPayload,
  assertNever,
  canonicalJson,
  Command,
  Decider,
  Decision,
  DomainEvent,
  ExternalFillRecordedPayload,
  identifier,
  invariant,
  isDecimalBoundIssue,
  pathOf,
  LiquidateAccountPayload,
  liquidateAccountPayload,
  LiquidationCompletedPayload,
  liquidationCompletedPayload,
  LiquidationExecutionModel,
  LiquidationFilledPayload,
  liquidationFilledPayload,
  LiquidationOutcome,
  LiquidationParametersSetPayload,
  parseWith,
  PRICE_SCALE,
  QUANTITY_SCALE,
  CONTRACT_SIZE_SCALE,
  RecordExternalFillPayload,
  recordExternalFillPayload,
  reject,
  Rejection,
  rejection,
  RejectionError,
  SETTLEMENT_ASSET,
  SetLiquidationParametersPayload,
  setLiquidationParametersPayload,
} from '@ccp/contracts';
import { canonicalDecimal, fromMinor } from '@ccp/money';
import { z } from 'zod';
import { accountTerms, CloseOutPlan, PositionTerms, planCloseOut } from './close-out.policy';
import { executionPriceTicks } from './execution-price.policy';
import { parseRatio, Ratio, toDecimalString } from './rational.math';

// ── commands, events, state ──────────────────────────────────────────────────────────────────

export type SetLiquidationParametersCommand = Command<'SetLiquidationParameters', SetLiquidationParametersPayload>;
export type RecordExternalFillCommand = Command<'RecordExternalFill', RecordExternalFillPayload>;
export type LiquidateAccountCommand = Command<'LiquidateAccount', LiquidateAccountPayload>;
export type LiquidationCommand = SetLiquidationParametersCommand | RecordExternalFillCommand | LiquidateAccountCommand;

export type LiquidationParametersSetEvent = DomainEvent<'LiquidationParametersSet', LiquidationParametersSetPayload>;
export type ExternalFillRecordedEvent = DomainEvent<'ExternalFillRecorded', ExternalFillRecordedPayload>;
export type LiquidationFilledEvent = DomainEvent<'LiquidationFilled', LiquidationFilledPayload>;
export type AccountDefaultedEvent = DomainEvent<'AccountDefaulted', AccountDefaultedPayload>;
export type LiquidationCompletedEvent = DomainEvent<'LiquidationCompleted', LiquidationCompletedPayload>;
export type LiquidationEvent =
  | LiquidationParametersSetEvent
  | ExternalFillRecordedEvent
  | LiquidationFilledEvent
  | AccountDefaultedEvent
  | LiquidationCompletedEvent;

/** Plain records (JSON-able for snapshots); look-ups use Object.hasOwn. */
export interface LiquidationState {
  /** the parameters in force, null until the first LiquidationParametersSet */
  parameters: LiquidationParametersSetPayload | null;
  /** latest external fill per instrumentId */
  externalFills: Record<string, ExternalFillRecordedPayload>;
  /** breachId → outcome of every breach already liquidated */
  liquidatedBreaches: Record<string, LiquidationOutcome>;
}

/** Stream of the parameter events. Account events use the accountId, external fills the instrumentId. */
export const LIQUIDATION_PARAMETERS_STREAM = 'liquidation-parameters';
export const liquidationIdOf = (breachId: string, instrumentId: string): string => `liq:${breachId}:${instrumentId}`;
export const defaultIdOf = (accountId: string, breachId: string): string => `default:${accountId}:${breachId}`;

const CENTS = SETTLEMENT_ASSET.scale;
const cents = (minor: bigint): string => fromMinor(minor, CENTS);
const ticks = (units: bigint): string => fromMinor(units, PRICE_SCALE);

// ── decide ───────────────────────────────────────────────────────────────────────────────────

function decideSetParameters(command: SetLiquidationParametersCommand): Decision<LiquidationEvent> {
  const parsed = parseWith(setLiquidationParametersPayload, command.payload, 'payload');
  if (!parsed.ok) return reject(parsed.rejection);
  const payload = normalizeParameters(parsed.value);
  return accept([{ type: 'LiquidationParametersSet', stream: LIQUIDATION_PARAMETERS_STREAM, payload }]);
}

/** Canonical decimals, optional fields present only when given: the same parameters, the same bytes. */
function normalizeParameters(p: SetLiquidationParametersPayload): LiquidationParametersSetPayload {
  const model: LiquidationExecutionModel =
    p.executionModel.kind === 'impact'
      ? { kind: 'impact', impactPerNotional: canonicalDecimal(p.executionModel.impactPerNotional), maxSlippage: canonicalDecimal(p.executionModel.maxSlippage) }
      : { kind: p.executionModel.kind };
  return {
    mode: p.mode,
    ...(p.partialFraction === undefined ? {} : { partialFraction: canonicalDecimal(p.partialFraction) }),
    ...(p.partialNotionalThreshold === undefined ? {} : { partialNotionalThreshold: canonicalDecimal(p.partialNotionalThreshold) }),
    liquidationFeeRate: canonicalDecimal(p.liquidationFeeRate),
    executionModel: model,
  };
}

function decideRecordExternalFill(command: RecordExternalFillCommand): Decision<LiquidationEvent> {
  const parsed = parseWith(recordExternalFillPayload, command.payload, 'payload');
  if (!parsed.ok) return reject(parsed.rejection);
  const { instrumentId, price, quantity } = parsed.value;
  const payload: ExternalFillRecordedPayload = {
    instrumentId,
    price: canonicalDecimal(price),
    ...(quantity === undefined ? {} : { quantity: canonicalDecimal(quantity) }),
  };
  return accept([{ type: 'ExternalFillRecorded', stream: instrumentId, payload }]);
}

const fractionDigits = (text: string): number => (text.includes('.') ? text.length - text.indexOf('.') - 1 : 0);

/** Rules the wire schema cannot state: unique instruments, derivable ids (malformed), then scales (invalid_amount). */
function validateSnapshot(s: LiquidateAccountPayload): Rejection | null {
  const seen = new Set<string>();
  for (const [i, p] of s.positions.entries()) {
    if (seen.has(p.instrumentId)) return rejection('malformed', `payload.positions[${i}].instrumentId`, `instrument ${p.instrumentId} appears twice`);
    seen.add(p.instrumentId);
  }
  const ids = [defaultIdOf(s.accountId, s.breachId), ...s.positions.map((p) => liquidationIdOf(s.breachId, p.instrumentId))];
  for (const id of ids) {
    if (!identifier.safeParse(id).success) return rejection('malformed', 'payload.breachId', `derived id ${id} is not a valid identifier (at most 200 characters)`);
  }
  if (fractionDigits(s.cashBalance) > CENTS) return rejection('invalid_amount', 'payload.cashBalance', `an amount has at most ${CENTS} decimal places`);
  const scales: readonly ['quantity' | 'entryPrice' | 'markPrice' | 'contractSize', number][] = [
    ['quantity', QUANTITY_SCALE],
    ['entryPrice', PRICE_SCALE],
    ['markPrice', PRICE_SCALE],
    ['contractSize', CONTRACT_SIZE_SCALE],
  ];
  for (const [i, p] of s.positions.entries()) {
    for (const [field, scale] of scales) {
      if (fractionDigits(p[field]) > scale) return rejection('invalid_amount', `payload.positions[${i}].${field}`, `a decimal with at most ${scale} decimal places`);
    }
  }
  return null;
}

function externalPriceOf(state: LiquidationState, instrumentId: string): Ratio | undefined {
  const fill = Object.hasOwn(state.externalFills, instrumentId) ? state.externalFills[instrumentId] : undefined;
  return fill === undefined ? undefined : parseRatio(fill.price);
}

function decideLiquidateAccount(command: LiquidateAccountCommand, state: LiquidationState): Decision<LiquidationEvent> {
  const parsed = parseWith(liquidateAccountPayload, command.payload, 'payload');
  if (!parsed.ok) return reject(parsed.rejection);
  const snapshot = parsed.value;
  const invalid = validateSnapshot(snapshot);
  if (invalid) return reject(invalid);

  const parameters = state.parameters;
  if (parameters?.executionModel.kind === 'external-fills') {
    for (const [i, p] of snapshot.positions.entries()) {
      if (externalPriceOf(state, p.instrumentId) === undefined) {
        return reject(rejection('unknown_instrument', `payload.positions[${i}].instrumentId`, `no external fill recorded for ${p.instrumentId}`));
      }
    }
  }
  if (Object.hasOwn(state.liquidatedBreaches, snapshot.breachId)) {
    return reject(rejection('duplicate', 'payload.breachId', `breach ${snapshot.breachId} was already liquidated`));
  }
  if (parameters === null) return reject(rejection('parameters_missing', '', 'no liquidation parameters are in force yet'));

  const model = parameters.executionModel;
  const priceOf = (position: PositionTerms, closeQuantity: Ratio): bigint =>
    executionPriceTicks(model, {
      side: position.side,
      markPrice: position.markPrice,
      contractSize: position.contractSize,
      closeQuantity,
      externalPrice: externalPriceOf(state, position.instrumentId),
    });
  const account = accountTerms(snapshot);
  const plan = planCloseOut(account, parameters, priceOf);
  try {
    return accept(eventsOf(snapshot, plan, model.kind));
  } catch (error) {
    if (error instanceof RejectionError) return reject(error.rejection);
    throw error;
  }
}

/** LiquidationFilled per closed position, AccountDefaulted if equity is negative, LiquidationCompleted last. */
function eventsOf(s: LiquidateAccountPayload, plan: CloseOutPlan, modelKind: LiquidationExecutionModel['kind']): LiquidationEvent[] {
  const defaultId = plan.defaulted ? defaultIdOf(s.accountId, s.breachId) : null;
  const correlation = defaultId === null ? {} : { correlationId: defaultId };
  const events: LiquidationEvent[] = plan.fills.map(
    (fill): LiquidationFilledEvent => ({
      type: 'LiquidationFilled',
      stream: s.accountId,
      ...correlation,
      payload: checked(liquidationFilledPayload, {
        liquidationId: liquidationIdOf(s.breachId, fill.position.instrumentId),
        accountId: s.accountId,
        memberId: s.memberId,
        instrumentId: fill.position.instrumentId,
        side: fill.position.side,
        quantity: toDecimalString(fill.quantity),
        fillPrice: ticks(fill.fillPriceTicks),
        realizedPnl: cents(fill.realizedPnlCents),
        liquidationFee: cents(fill.feeCents),
      }),
    }),
  );
  if (plan.defaulted && defaultId !== null) {
    const d = plan.defaulted;
    events.push({
      type: 'AccountDefaulted',
      stream: s.accountId,
      correlationId: defaultId,
      payload: checked(accountDefaultedPayload, {
        defaultId,
        accountId: s.accountId,
        memberId: s.memberId,
        marginApplied: cents(d.marginAppliedCents),
        deficit: cents(d.deficitCents),
        positions: d.bankruptcyPrices.map(({ position: p, ticks: bankruptcyTicks }) => ({
          instrumentId: p.instrumentId,
          side: p.side,
          quantity: canonicalDecimal(p.view.quantity),
          markPrice: canonicalDecimal(p.view.markPrice),
          bankruptcyPrice: ticks(bankruptcyTicks),
          contractSize: canonicalDecimal(p.view.contractSize),
        })),
      }),
    });
  }
  events.push({
    type: 'LiquidationCompleted',
    stream: s.accountId,
    ...correlation,
    payload: checked(liquidationCompletedPayload, {
      breachId: s.breachId,
      accountId: s.accountId,
      memberId: s.memberId,
      outcome: plan.outcome,
      step: plan.step,
      executionModel: modelKind,
      positionsClosed: plan.fills.length,
      realizedPnl: cents(plan.realizedPnlCents),
      liquidationFees: cents(plan.feesCents),
      equityBefore: toDecimalString(plan.equityBefore),
      equityAfter: toDecimalString(plan.equityAfter),
      defaultId,
    }),
  });
  return events;
}

/**
 * Asserts an outgoing payload against its schema (style.md §10: assert at both ends). A figure beyond
 * the bound of a computed decimal (38 integer digits: schema-primitives.ts) — the bankruptcy price of
 * a dust position carrying an enormous loss — is a limit of the inputs, not a programmer error: the
 * close-out is refused as invalid_amount (RejectionError, caught by decideLiquidateAccount), nothing emitted.
 */
function checked<T>(schema: z.ZodType<T>, payload: T): T {
  const result = schema.safeParse(payload);
  if (result.success) return payload;
  const issues = result.error.issues;
  if (issues.every(isDecimalBoundIssue)) {
    const first = issues[0]!;
    throw new RejectionError(rejection('invalid_amount', 'payload', `the close-out's ${pathOf(first.path)} would be beyond the bound of a figure: ${first.message}`));
  }
  invariant(false, `emitted payload breaks its schema: ${canonicalJson(issues.map((i) => i.message))}`);
}

// ── evolve ───────────────────────────────────────────────────────────────────────────────────

function evolve(state: LiquidationState, event: LiquidationEvent): LiquidationState {
  switch (event.type) {
    case 'LiquidationParametersSet':
      state.parameters = event.payload;
      invariant(event.payload.mode === 'full' || event.payload.partialFraction !== undefined, 'partial mode carries a partial fraction');
      return state;
    case 'ExternalFillRecorded':
      state.externalFills[event.payload.instrumentId] = event.payload;
      invariant(Object.hasOwn(state.externalFills, event.payload.instrumentId), 'the external fill is recorded');
      return state;
    case 'LiquidationFilled':
    case 'AccountDefaulted':
      // Applied by margin (position, cash) and the default fund (fee, waterfall); nothing to keep here.
      return state;
    case 'LiquidationCompleted':
      invariant(!Object.hasOwn(state.liquidatedBreaches, event.payload.breachId), 'a breach is liquidated once');
      state.liquidatedBreaches[event.payload.breachId] = event.payload.outcome;
      invariant(state.parameters !== null, 'a liquidation runs only under parameters in force');
      return state;
    default:
      return assertNever(event, 'liquidation event');
  }
}

function decide(command: LiquidationCommand, state: LiquidationState): Decision<LiquidationEvent> {
  switch (command.type) {
    case 'SetLiquidationParameters':
      return decideSetParameters(command);
    case 'RecordExternalFill':
      return decideRecordExternalFill(command);
    case 'LiquidateAccount':
      return decideLiquidateAccount(command, state);
    default:
      return assertNever(command, 'liquidation command');
  }
}

export const liquidationDecider: Decider<LiquidationCommand, LiquidationEvent, LiquidationState> = {
  name: 'liquidation',
  initialState: () => ({ parameters: null, externalFills: {}, liquidatedBreaches: {} }),
  decide,
  evolve,
};
