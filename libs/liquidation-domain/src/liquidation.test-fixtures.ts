// Test helpers (not exported from the lib): commands, snapshots and a given/when/then runner.
import { CommandMeta, Decision, MaintenanceBreachedPayload, PositionView, SetLiquidationParametersPayload, WIRE_EVENT_SCHEMAS, LIQUIDATION_EVENT_SCHEMAS } from '@ccp/contracts';
import { Decimal, canonicalDecimal } from '@ccp/money';
import { LiquidationCommand, liquidationDecider, LiquidationEvent, LiquidationState } from './liquidation.decider';

export const META: CommandMeta = { occurredAt: '2025-10-10T21:15:00Z', correlationId: 'scenario-1' };

export const setParameters = (payload: Partial<SetLiquidationParametersPayload> = {}): LiquidationCommand => ({
  type: 'SetLiquidationParameters',
  payload: { mode: 'full', liquidationFeeRate: '0.005', executionModel: { kind: 'at-mark' }, ...payload },
  meta: META,
});

export const recordFill = (instrumentId: string, price: string, quantity?: string): LiquidationCommand => ({
  type: 'RecordExternalFill',
  payload: { instrumentId, price, ...(quantity === undefined ? {} : { quantity }) },
  meta: META,
});

export const liquidate = (payload: MaintenanceBreachedPayload): LiquidationCommand => ({ type: 'LiquidateAccount', payload, meta: META });

/** A position with a consistent unrealized PnL at its mark. */
export function position(p: Partial<PositionView> & Pick<PositionView, 'instrumentId'>): PositionView {
  const base = { side: 'long' as const, quantity: '1', entryPrice: '50000', markPrice: '49500', contractSize: '1', maintenanceMarginRequired: '0', ...p };
  const s = base.side === 'long' ? 1 : -1;
  const upnl = new Decimal(base.quantity).times(base.contractSize).times(new Decimal(base.markPrice).minus(base.entryPrice)).times(s);
  return { ...base, unrealizedPnl: p.unrealizedPnl ?? canonicalDecimal(upnl) };
}

/** A breach snapshot; equity and maintenance margin are derived from the positions unless given. */
export function breach(p: Partial<MaintenanceBreachedPayload> & Pick<MaintenanceBreachedPayload, 'positions'>): MaintenanceBreachedPayload {
  const cashBalance = p.cashBalance ?? '1000';
  const equity = p.positions.reduce((acc, x) => acc.plus(x.unrealizedPnl), new Decimal(cashBalance));
  const mm = p.positions.reduce((acc, x) => acc.plus(x.maintenanceMarginRequired), new Decimal(0));
  return {
    accountId: 'acc-1',
    memberId: 'member-1',
    breachId: 'acc-1:7',
    cashBalance,
    equity: canonicalDecimal(equity),
    maintenanceMarginRequired: canonicalDecimal(mm),
    ...p,
  };
}

/** Folds the given commands (each must be accepted) into a state. */
export function given(commands: readonly LiquidationCommand[]): LiquidationState {
  let state = liquidationDecider.initialState();
  for (const command of commands) {
    const decision = liquidationDecider.decide(command, state);
    if (decision.kind !== 'accepted') throw new Error(`given command ${command.type} was rejected: ${decision.rejection.code} ${decision.rejection.path}`);
    for (const event of decision.events) state = liquidationDecider.evolve(state, event);
  }
  return state;
}

export const when = (givenCommands: readonly LiquidationCommand[], command: LiquidationCommand): Decision<LiquidationEvent> =>
  liquidationDecider.decide(command, given(givenCommands));

export function eventsOf(decision: Decision<LiquidationEvent>): readonly LiquidationEvent[] {
  if (decision.kind !== 'accepted') throw new Error(`expected acceptance, got ${decision.rejection.code} at ${decision.rejection.path}: ${decision.rejection.message}`);
  return decision.events;
}

/** Every emitted payload validates against its schema (wire events exactly as in wire.ts). */
export function expectSchemaValid(events: readonly LiquidationEvent[]): void {
  const schemas: Record<string, { safeParse(v: unknown): { success: boolean } }> = { ...WIRE_EVENT_SCHEMAS, ...LIQUIDATION_EVENT_SCHEMAS };
  for (const event of events) {
    const schema = schemas[event.type];
    if (!schema) throw new Error(`no schema for ${event.type}`);
    if (!schema.safeParse(event.payload).success) throw new Error(`${event.type} payload breaks its schema: ${JSON.stringify(event.payload)}`);
  }
}

export const ofType = <T extends LiquidationEvent['type']>(events: readonly LiquidationEvent[], type: T): Extract<LiquidationEvent, { type: T }>[] =>
  events.filter((e): e is Extract<LiquidationEvent, { type: T }> => e.type === type);

/** The one event of a type in a decision (fails the test if there are none or several). */
export function single<T extends LiquidationEvent['type']>(events: readonly LiquidationEvent[], type: T): Extract<LiquidationEvent, { type: T }> {
  const found = ofType(events, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0] as Extract<LiquidationEvent, { type: T }>;
}

export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}
