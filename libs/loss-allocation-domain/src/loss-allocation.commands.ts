import { z } from 'zod';
import { isoInstant, LOSS_ALLOCATION_COMMAND_SCHEMAS, LossAllocationCommandType, parseWith, Rejection, rejection, WireTranslator } from '@ccp/contracts';
import type { LossAllocationCommand } from './loss-allocation.decider';

const commandEnvelope = z
  .object({
    type: z.string(),
    payload: z.unknown(),
    meta: z.object({ occurredAt: isoInstant, correlationId: z.string().nullable() }).strict(),
  })
  .strict();

/**
 * Boundary validation of a loss-allocation command: the envelope, then the payload schema of its
 * type (LOSS_ALLOCATION_COMMAND_SCHEMAS), naming the offending field. Amount scales, duplicates and
 * the residual's arithmetic are checked by the decider (they are rejections too).
 */
export function parseLossAllocationCommand(raw: unknown): { ok: true; value: LossAllocationCommand } | { ok: false; rejection: Rejection } {
  const envelope = parseWith(commandEnvelope, raw);
  if (!envelope.ok) return envelope;
  const { type, payload, meta } = envelope.value;
  if (!Object.hasOwn(LOSS_ALLOCATION_COMMAND_SCHEMAS, type)) {
    return { ok: false, rejection: rejection('unknown_type', 'type', `no loss-allocation command ${type}`) };
  }
  const schema: z.ZodType = LOSS_ALLOCATION_COMMAND_SCHEMAS[type as LossAllocationCommandType];
  const parsed = parseWith(schema, payload, 'payload');
  if (!parsed.ok) return parsed;
  return { ok: true, value: { type, payload: parsed.value, meta } as LossAllocationCommand };
}

/**
 * Routing of the wire events loss allocation consumes (conventions): ResidualLossForwarded (default
 * fund) → AllocateResidualLoss; AllocationBasisCaptured (margin) → DecideAllocation.
 */
export const lossAllocationWireInputs: WireTranslator<LossAllocationCommand> = {
  ResidualLossForwarded: (payload, meta) => [{ type: 'AllocateResidualLoss', payload, meta: { occurredAt: meta.occurredAt, correlationId: meta.correlationId } }],
  AllocationBasisCaptured: (payload, meta) => [{ type: 'DecideAllocation', payload, meta: { occurredAt: meta.occurredAt, correlationId: meta.correlationId } }],
};
