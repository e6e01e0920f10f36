import { z } from 'zod';
import { MARGIN_COMMAND_SCHEMAS, isoInstant, parseWith, rejection, type Rejection } from '@ccp/contracts';
import type { MarginCommand } from './margin.types';

const commandEnvelope = z
  .object({
    type: z.string(),
    payload: z.unknown(),
    meta: z.object({ occurredAt: isoInstant, correlationId: z.string().min(1).nullable() }).strict(),
  })
  .strict();

function isCommandType(type: string): type is keyof typeof MARGIN_COMMAND_SCHEMAS {
  return Object.prototype.hasOwnProperty.call(MARGIN_COMMAND_SCHEMAS, type);
}

/** Boundary validation of a raw command: the command, or the first problem as a Rejection naming the field. */
export function parseMarginCommand(raw: unknown): { ok: true; value: MarginCommand } | { ok: false; rejection: Rejection } {
  const envelope = parseWith(commandEnvelope, raw);
  if (!envelope.ok) return envelope;
  const { type, payload, meta } = envelope.value;
  if (!isCommandType(type)) return { ok: false, rejection: rejection('unknown_type', 'type', `margin has no command ${JSON.stringify(type)}`) };
  const parsed = parseWith<unknown>(MARGIN_COMMAND_SCHEMAS[type], payload, 'payload');
  if (!parsed.ok) return parsed;
  // The schema for `type` accepted the payload, so the pair is one member of the MarginCommand union.
  return { ok: true, value: { type, payload: parsed.value, meta } as MarginCommand };
}
