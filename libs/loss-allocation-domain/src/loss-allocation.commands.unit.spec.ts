import { LOSS_ALLOCATION_COMMAND_SCHEMAS, LOSS_ALLOCATION_EVENT_SCHEMAS } from '@ccp/contracts';
import { z } from 'zod';
import { lossAllocationWireInputs, parseLossAllocationCommand } from './loss-allocation.commands';
import { basis, defaulted, profitable } from './testing/allocation.fixtures';

const meta = { occurredAt: '2025-10-10T21:15:00Z', correlationId: 'default:acct-x:7' };
const residualLoss = {
  defaultId: 'default:acct-x:7',
  accountId: 'acct-x',
  memberId: 'member-x',
  deficit: '100',
  covered: '40',
  residual: '60',
  positions: [defaulted({ side: 'long', quantity: '1', mark: '90', bankruptcyPrice: '95' })],
};

describe('parseLossAllocationCommand (boundary validation)', () => {
  it.each([
    { name: 'a policy setting', raw: { type: 'SetAllocationPolicy', payload: { policy: 'adl', variant: 'binance', params: { closeWholePosition: true } }, meta } },
    { name: 'a residual loss', raw: { type: 'AllocateResidualLoss', payload: residualLoss, meta } },
    { name: 'a basis', raw: { type: 'DecideAllocation', payload: basis([profitable('a', '10')]), meta } },
  ])('accepts $name', ({ raw }) => {
    const parsed = parseLossAllocationCommand(raw);
    expect(parsed).toEqual({ ok: true, value: raw });
  });

  it.each([
    { name: 'no meta', raw: { type: 'SetAllocationPolicy', payload: {} }, code: 'malformed', path: 'meta' },
    { name: 'an unknown command', raw: { type: 'AllocateEverything', payload: {}, meta }, code: 'unknown_type', path: 'type' },
    { name: 'an unknown policy', raw: { type: 'SetAllocationPolicy', payload: { policy: 'lottery', params: {} }, meta }, code: 'malformed', path: 'payload.policy' },
    { name: 'a variant of another policy', raw: { type: 'SetAllocationPolicy', payload: { policy: 'adl', variant: 'drift-open-interest', params: {} }, meta }, code: 'malformed', path: 'payload.variant' },
    { name: 'ADL params on socialized loss', raw: { type: 'SetAllocationPolicy', payload: { policy: 'socialized-loss', params: { closeWholePosition: true } }, meta }, code: 'malformed', path: 'payload.params.closeWholePosition' },
    { name: 'a haircut share above 1', raw: { type: 'SetAllocationPolicy', payload: { policy: 'vm-gains-haircut', params: { maxHaircutShare: '1.5' } }, meta }, code: 'invalid_amount', path: 'payload.params.maxHaircutShare' },
    { name: 'a zero haircut share', raw: { type: 'SetAllocationPolicy', payload: { policy: 'vm-gains-haircut', params: { maxHaircutShare: '0' } }, meta }, code: 'invalid_amount', path: 'payload.params.maxHaircutShare' },
    {
      name: 'a haircut share on the open-interest variant',
      raw: { type: 'SetAllocationPolicy', payload: { policy: 'socialized-loss', variant: 'drift-open-interest', params: { maxHaircutShare: '0.5' } }, meta },
      code: 'malformed',
      path: 'payload.params.maxHaircutShare',
    },
    { name: 'a negative residual', raw: { type: 'AllocateResidualLoss', payload: { ...residualLoss, residual: '-60' }, meta }, code: 'invalid_amount', path: 'payload.residual' },
    { name: 'a number for an amount', raw: { type: 'AllocateResidualLoss', payload: { ...residualLoss, deficit: 100 }, meta }, code: 'malformed', path: 'payload.deficit' },
    { name: 'an extra field in a basis', raw: { type: 'DecideAllocation', payload: { ...basis([]), shard: 3 }, meta }, code: 'malformed', path: 'payload.shard' },
  ])('rejects $name as $code at $path', ({ raw, code, path }) => {
    const parsed = parseLossAllocationCommand(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejection).toMatchObject({ code, path });
  });

  it('publishes JSON Schemas for its commands and own events', () => {
    for (const schema of [...Object.values(LOSS_ALLOCATION_COMMAND_SCHEMAS), ...Object.values(LOSS_ALLOCATION_EVENT_SCHEMAS)]) {
      expect(() => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })).not.toThrow();
    }
  });
});

describe('lossAllocationWireInputs (routing of the wire events consumed)', () => {
  it('turns ResidualLossForwarded into AllocateResidualLoss and AllocationBasisCaptured into DecideAllocation', () => {
    expect(lossAllocationWireInputs.ResidualLossForwarded?.(residualLoss, meta)).toEqual([{ type: 'AllocateResidualLoss', payload: residualLoss, meta }]);
    const captured = basis([profitable('a', '10')]);
    expect(lossAllocationWireInputs.AllocationBasisCaptured?.(captured, meta)).toEqual([{ type: 'DecideAllocation', payload: captured, meta }]);
    expect(Object.keys(lossAllocationWireInputs).sort()).toEqual(['AllocationBasisCaptured', 'ResidualLossForwarded']);
  });
});
