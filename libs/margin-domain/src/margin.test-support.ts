import type { Rejection } from '@ccp/contracts';
import { marginDecider } from './margin.decider';
import type { MarginCommand, MarginCommandOf, MarginEvent, MarginState } from './margin.types';

/** Helpers for the unit specs (not exported from the lib's index). */

export const META = { occurredAt: '2025-10-10T21:15:00Z', correlationId: null } as const;

export function command<K extends MarginCommand['type']>(type: K, payload: MarginCommandOf<K>['payload']): MarginCommand {
  return { type, payload, meta: META } as MarginCommand;
}

/** decide then evolve; throws on a rejection (a `given` step must be accepted). */
export function apply(state: MarginState, c: MarginCommand): MarginEvent[] {
  const decision = marginDecider.decide(c, state);
  if (decision.kind === 'rejected') throw new Error(`given ${c.type} was rejected: ${decision.rejection.code} at ${decision.rejection.path}: ${decision.rejection.message}`);
  for (const e of decision.events) marginDecider.evolve(state, e);
  return [...decision.events];
}

export function given(commands: readonly MarginCommand[]): MarginState {
  const state = marginDecider.initialState();
  for (const c of commands) apply(state, c);
  return state;
}

/** decide then evolve; returns the events or the rejection. */
export function attempt(state: MarginState, c: MarginCommand): { events: MarginEvent[] } | { rejection: Rejection } {
  const decision = marginDecider.decide(c, state);
  if (decision.kind === 'rejected') return { rejection: decision.rejection };
  for (const e of decision.events) marginDecider.evolve(state, e);
  return { events: [...decision.events] };
}

// Short builders for the common commands.
export const member = (memberId: string) => command('RegisterMember', { memberId });
export const open = (accountId: string, memberId: string) => command('OpenAccount', { accountId, memberId });
export const deposit = (accountId: string, amount: string) => command('DepositCollateral', { accountId, amount });
export const withdraw = (accountId: string, amount: string) => command('WithdrawCollateral', { accountId, amount });
export const list = (instrumentId: string, initialMarginRate: string, maintenanceMarginRate: string, contractSize = '1', tiers?: MarginCommandOf<'ListInstrument'>['payload']['tiers']) =>
  command('ListInstrument', { instrumentId, contractSize, initialMarginRate, maintenanceMarginRate, ...(tiers === undefined ? {} : { tiers }) });
export const trade = (tradeId: string, accountId: string, instrumentId: string, side: 'long' | 'short', quantity: string, price: string) =>
  command('ApplyTrade', { tradeId, accountId, instrumentId, side, quantity, price });
export const mark = (instrumentId: string, markPrice: string, markSeq: number) => command('ApplyMarkPrice', { instrumentId, markPrice, markSeq });
export const liquidationFill = (
  accountId: string,
  instrumentId: string,
  side: 'long' | 'short',
  quantity: string,
  fillPrice: string,
  liquidationFee = '0',
  memberId = 'M1',
  liquidationId = `liq:${accountId}`,
) => command('ApplyLiquidationFill', { liquidationId, accountId, memberId, instrumentId, side, quantity, fillPrice, realizedPnl: '0', liquidationFee });

/** Member M1, instrument BTC-PERP (contract size 1, IM 10%, MM 5%), account A1 with a deposit. */
export function btcSetup(cash = '8000'): MarginCommand[] {
  return [member('M1'), list('BTC-PERP', '0.1', '0.05'), open('A1', 'M1'), deposit('A1', cash)];
}

export const typesOf = (events: readonly MarginEvent[]) => events.map((e) => e.type);
