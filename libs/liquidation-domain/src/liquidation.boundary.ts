import { isoInstant, LIQUIDATION_COMMAND_SCHEMAS, LiquidationCommandType, parseWith, Rejection, rejection, WireTranslator } from '@ccp/contracts';
import { z } from 'zod';
import { LiquidationCommand } from './liquidation.decider';

const commandEnvelope = z
  .object({
    type: z.string().min(1),
    payload: z.unknown(),
    meta: z.object({ occurredAt: isoInstant, correlationId: z.string().min(1).nullable() }).strict(),
  })
  .strict();

const isCommandType = (type: string): type is LiquidationCommandType => Object.hasOwn(LIQUIDATION_COMMAND_SCHEMAS, type);

/** Boundary validation of a liquidation command: the command, or a rejection naming the offending field. */
export function parseLiquidationCommand(raw: unknown): { ok: true; value: LiquidationCommand } | { ok: false; rejection: Rejection } {
  const envelope = parseWith(commandEnvelope, raw);
  if (!envelope.ok) return envelope;
  const { type, payload, meta } = envelope.value;
  if (!isCommandType(type)) return { ok: false, rejection: rejection('unknown_type', 'type', `no liquidation command ${type}`) };
  const parsed = parseWith(LIQUIDATION_COMMAND_SCHEMAS[type] as z.ZodType<unknown>, payload, 'payload');
  if (!parsed.ok) return parsed;
  // The payload matched the schema registered for this very type.
  return { ok: true, value: { type, payload: parsed.value, meta } as LiquidationCommand };
}

/** margin's MaintenanceBreached becomes LiquidateAccount with the snapshot unchanged. */
export const liquidationWireInputs: WireTranslator<LiquidationCommand> = {
  MaintenanceBreached: (payload, meta) => [{ type: 'LiquidateAccount', payload, meta: { occurredAt: meta.occurredAt, correlationId: meta.correlationId } }],
};
