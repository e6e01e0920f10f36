import { canonicalJson, DEFAULT_FUND_EVENT_SCHEMAS, Decision, RunWaterfallPayload, WIRE_EVENT_SCHEMAS } from '@ccp/contracts';
import { defaultFundDecider } from './default-fund.decider';
import type { DefaultFundCommand, DefaultFundEvent, DefaultFundState } from './default-fund.types';

/** Test support (not exported from the lib): given commands → state, when command → decision. */

export const AT = '2025-10-10T21:15:00Z';

type CommandOf<T extends DefaultFundCommand['type']> = Extract<DefaultFundCommand, { type: T }>;

export function command<T extends DefaultFundCommand['type']>(type: T, payload: CommandOf<T>['payload'], correlationId: string | null = null): DefaultFundCommand {
  return { type, payload, meta: { occurredAt: AT, correlationId } } as CommandOf<T>;
}

/** Decides and, when accepted, evolves the state in place. */
export function apply(state: DefaultFundState, c: DefaultFundCommand): Decision<DefaultFundEvent> {
  const decision = defaultFundDecider.decide(c, state);
  if (decision.kind === 'accepted') for (const e of decision.events) defaultFundDecider.evolve(state, e);
  return decision;
}

/** Builds a state from commands that must all be accepted. */
export function given(commands: readonly DefaultFundCommand[]): DefaultFundState {
  const state = defaultFundDecider.initialState();
  for (const c of commands) {
    const d = apply(state, c);
    if (d.kind === 'rejected') throw new Error(`given ${c.type} was rejected: ${JSON.stringify(d.rejection)}`);
  }
  return state;
}

export function accepted(d: Decision<DefaultFundEvent>): readonly DefaultFundEvent[] {
  if (d.kind === 'rejected') throw new Error(`expected acceptance, got ${JSON.stringify(d.rejection)}`);
  return d.events;
}

/** Every event validates against its schema (own or wire) and has one canonical byte form. */
export function assertValidEvents(events: readonly DefaultFundEvent[]): void {
  for (const e of events) {
    const schema = e.type === 'ResidualLossForwarded' ? WIRE_EVENT_SCHEMAS.ResidualLossForwarded : DEFAULT_FUND_EVENT_SCHEMAS[e.type];
    const result = schema.safeParse(e.payload);
    if (!result.success) throw new Error(`${e.type} payload does not match its schema: ${result.error.message}`);
    canonicalJson(e);
  }
}

export function defaultOf(defaultId: string, memberId: string, deficit: string, marginApplied = '0'): RunWaterfallPayload {
  return {
    defaultId,
    accountId: `acc-${memberId}`,
    memberId,
    marginApplied,
    deficit,
    positions: [{ instrumentId: 'BTC-PERP', side: 'long', quantity: '10', markPrice: '60000', bankruptcyPrice: '61000', contractSize: '1' }],
  };
}

export const trancheEvents = (events: readonly DefaultFundEvent[]) =>
  events.flatMap((e) => (e.type === 'WaterfallTrancheApplied' ? [e.payload] : []));

type PayloadOf = { [E in DefaultFundEvent as E['type']]: E['payload'] };

/** The payloads of the events of one type, in order. */
export function ofType<T extends keyof PayloadOf>(events: readonly DefaultFundEvent[], type: T): PayloadOf[T][] {
  const out: PayloadOf[T][] = [];
  for (const e of events) if (e.type === type) out.push(e.payload as PayloadOf[T]);
  return out;
}

/** A value the test expects to exist (fails loudly instead of a non-null assertion). */
export function defined<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}

export const lastEvent = (events: readonly DefaultFundEvent[]): DefaultFundEvent => defined(events.at(-1), 'an event');
