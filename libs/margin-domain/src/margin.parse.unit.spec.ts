import { MARGIN_COMMAND_SCHEMAS, WIRE_EVENT_SCHEMAS, type WirePayloads } from '@ccp/contracts';
import { z } from 'zod';
import { parseMarginCommand } from './margin.parse';
import { marginWireInputs } from './margin.wire';

const meta = { occurredAt: '2025-10-10T21:15:00Z', correlationId: 'scenario-1' };

describe('parseMarginCommand (boundary validation)', () => {
  it('accepts a well-formed command', () => {
    expect(parseMarginCommand({ type: 'ApplyMarkPrice', payload: { instrumentId: 'BTC-PERP', markPrice: '60000.5', markSeq: 3 }, meta })).toEqual({
      ok: true,
      value: { type: 'ApplyMarkPrice', payload: { instrumentId: 'BTC-PERP', markPrice: '60000.5', markSeq: 3 }, meta },
    });
  });

  it.each([
    { name: 'unknown type', raw: { type: 'Teleport', payload: {}, meta }, code: 'unknown_type', path: 'type' },
    { name: 'missing meta', raw: { type: 'RegisterMember', payload: { memberId: 'M1' } }, code: 'malformed', path: 'meta' },
    { name: 'bad instant', raw: { type: 'RegisterMember', payload: { memberId: 'M1' }, meta: { ...meta, occurredAt: 'yesterday' } }, code: 'malformed', path: 'meta.occurredAt' },
    { name: 'extra field', raw: { type: 'RegisterMember', payload: { memberId: 'M1', x: 1 }, meta }, code: 'malformed', path: 'payload.x' },
    { name: 'amount as a number', raw: { type: 'DepositCollateral', payload: { accountId: 'A1', amount: 5 }, meta }, code: 'malformed', path: 'payload.amount' },
    { name: 'amount in fractions of a cent', raw: { type: 'DepositCollateral', payload: { accountId: 'A1', amount: '5.001' }, meta }, code: 'invalid_amount', path: 'payload.amount' },
    { name: 'negative amount', raw: { type: 'WithdrawCollateral', payload: { accountId: 'A1', amount: '-5' }, meta }, code: 'invalid_amount', path: 'payload.amount' },
    { name: 'rate above 1', raw: { type: 'ListInstrument', payload: { instrumentId: 'X', contractSize: '1', initialMarginRate: '1.2', maintenanceMarginRate: '0.1' }, meta }, code: 'invalid_amount', path: 'payload.initialMarginRate' },
    { name: 'markSeq missing', raw: { type: 'ApplyMarkPrice', payload: { instrumentId: 'X', markPrice: '1' }, meta }, code: 'malformed', path: 'payload.markSeq' },
    { name: 'markSeq not an integer', raw: { type: 'ApplyMarkPrice', payload: { instrumentId: 'X', markPrice: '1', markSeq: 1.5 }, meta }, code: 'malformed', path: 'payload.markSeq' },
    { name: 'price with 9 decimals', raw: { type: 'ApplyTrade', payload: { tradeId: 'T', accountId: 'A', instrumentId: 'X', side: 'long', quantity: '1', price: '1.123456789' }, meta }, code: 'invalid_amount', path: 'payload.price' },
    { name: 'bad side', raw: { type: 'ApplyTrade', payload: { tradeId: 'T', accountId: 'A', instrumentId: 'X', side: 'up', quantity: '1', price: '1' }, meta }, code: 'malformed', path: 'payload.side' },
  ])('$name → $code at $path', ({ raw, code, path }) => {
    expect(parseMarginCommand(raw)).toMatchObject({ ok: false, rejection: { code, path } });
  });

  it('every command schema converts to JSON Schema (for the catalogue)', () => {
    for (const schema of Object.values(MARGIN_COMMAND_SCHEMAS)) expect(() => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })).not.toThrow();
  });
});

describe('marginWireInputs', () => {
  const fill: WirePayloads['LiquidationFilled'] = {
    liquidationId: 'liq:A1@3',
    accountId: 'A1',
    memberId: 'M1',
    instrumentId: 'BTC-PERP',
    side: 'long',
    quantity: '1',
    fillPrice: '54500',
    realizedPnl: '-5500',
    liquidationFee: '50',
  };
  const defaulted: WirePayloads['AccountDefaulted'] = { defaultId: 'default:A1:4', accountId: 'A1', memberId: 'M1', marginApplied: '100', deficit: '20', positions: [] };
  const requested: WirePayloads['AllocationBasisRequested'] = { defaultId: 'default:A1:4', excludeAccountId: 'A1' };
  const allocated: WirePayloads['LossAllocated'] = {
    defaultId: 'default:A1:4',
    policy: 'socialized-loss',
    residual: '20',
    allocations: [{ accountId: 'B', memberId: 'M1', amount: '20' }],
    unallocated: '0',
    fairness: { participantsHit: 1, totalCharged: '20', overshoot: '0', largestHaircutShareOfProfit: '0.1', largestHaircut: '20', gini: '0', topDecileShare: '1', notionalClosed: '0' },
  };

  it.each([
    { wire: 'LiquidationFilled' as const, payload: fill, command: 'ApplyLiquidationFill' },
    { wire: 'AccountDefaulted' as const, payload: defaulted, command: 'WriteOffDefaultedAccount' },
    { wire: 'AllocationBasisRequested' as const, payload: requested, command: 'CaptureAllocationBasis' },
    { wire: 'LossAllocated' as const, payload: allocated, command: 'ApplyLossAllocation' },
  ])('$wire → $command, and the command parses at the boundary', ({ wire, payload, command }) => {
    expect(WIRE_EVENT_SCHEMAS[wire].safeParse(payload).success).toBe(true);
    const translate = marginWireInputs[wire] as (p: typeof payload, m: typeof meta) => readonly unknown[];
    const commands = translate(payload, meta);
    expect(commands).toEqual([{ type: command, payload, meta }]);
    expect(parseMarginCommand(commands[0])).toMatchObject({ ok: true });
  });

  it('consumes only the five wire events addressed to margin', () => {
    expect(Object.keys(marginWireInputs).sort()).toEqual(['AccountDefaulted', 'AllocationBasisRequested', 'LiquidationCompleted', 'LiquidationFilled', 'LossAllocated']);
  });
});
