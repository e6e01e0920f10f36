import { z } from 'zod';
import { DEFAULT_FUND_COMMAND_SCHEMAS, DefaultFundCommandType, isoInstant, parseWith, Rejection, rejection } from '@ccp/contracts';
import { checkWaterfallTranches } from './waterfall-presets.policy';
import type { DefaultFundCommand } from './default-fund.types';

const CENTS = /^(0|[1-9]\d*)(\.\d{1,2})?$/;

const commandShape = z
  .object({
    type: z.string().min(1),
    payload: z.unknown(),
    meta: z.object({ occurredAt: isoInstant, correlationId: z.string().min(1).nullable() }).strict(),
  })
  .strict();

function isCommandType(type: string): type is DefaultFundCommandType {
  return Object.prototype.hasOwnProperty.call(DEFAULT_FUND_COMMAND_SCHEMAS, type);
}

function firstDuplicate(values: readonly string[]): number {
  const seen = new Set<string>();
  for (const [i, v] of values.entries()) {
    if (seen.has(v)) return i;
    seen.add(v);
  }
  return -1;
}

/**
 * Rules that need no state, in precedence order (malformed, invalid_amount, duplicate): used by the
 * boundary parser and again by decide, since wire-translated commands do not pass the parser.
 */
function checkStructure(command: DefaultFundCommand): Rejection | null {
  switch (command.type) {
    case 'SetWaterfall': {
      const { preset, tranches } = command.payload;
      if ((preset === undefined) === (tranches === undefined)) return rejection('malformed', 'payload', 'give exactly one of preset or tranches');
      return tranches === undefined ? null : checkWaterfallTranches(tranches, 'payload.tranches');
    }
    case 'SetSkinInTheGame': {
      const i = firstDuplicate(command.payload.tranches.map((t) => t.trancheId));
      return i < 0 ? null : rejection('duplicate', `payload.tranches[${i}].trancheId`, 'the same tranche twice');
    }
    case 'SizeDefaultFund': {
      const i = firstDuplicate(command.payload.stressLosses.map((s) => s.memberId));
      return i < 0 ? null : rejection('duplicate', `payload.stressLosses[${i}].memberId`, 'the same member twice in one scenario');
    }
    case 'RunWaterfall': {
      // The wire schema allows any decimals; the fund works in whole cents.
      for (const field of ['marginApplied', 'deficit'] as const) {
        if (!CENTS.test(command.payload[field])) return rejection('invalid_amount', `payload.${field}`, 'at most 2 decimal places (whole cents of USD)');
      }
      return null;
    }
    case 'RecordContribution':
    case 'WithdrawContribution':
    case 'DepositInsuranceFund':
    case 'CreditLiquidationFee':
    case 'ResetAssessmentPeriod':
      return null;
    default: {
      const exhaustive: never = command;
      throw new Error(`unexpected command ${JSON.stringify(exhaustive)}`);
    }
  }
}

/** Schema then structure of a command whose type is known. */
export function checkCommand(command: DefaultFundCommand): Rejection | null {
  const schema: z.ZodType = DEFAULT_FUND_COMMAND_SCHEMAS[command.type];
  const parsed = parseWith(schema, command.payload, 'payload');
  if (!parsed.ok) return parsed.rejection;
  return checkStructure(command);
}

/** Boundary validation: the typed command, or the first problem as a Rejection naming the field. */
export function parseDefaultFundCommand(raw: unknown): { ok: true; value: DefaultFundCommand } | { ok: false; rejection: Rejection } {
  const shape = parseWith(commandShape, raw);
  if (!shape.ok) return shape;
  const { type, payload, meta } = shape.value;
  if (!isCommandType(type)) return { ok: false, rejection: rejection('unknown_type', 'type', `the default fund has no command ${type}`) };
  const schema: z.ZodType = DEFAULT_FUND_COMMAND_SCHEMAS[type];
  const parsed = parseWith(schema, payload, 'payload');
  if (!parsed.ok) return parsed;
  // The schema for `type` has validated the payload, so this pairing is the union member for `type`.
  const command = { type, payload: parsed.value, meta } as DefaultFundCommand;
  const problem = checkStructure(command);
  return problem === null ? { ok: true, value: command } : { ok: false, rejection: problem };
}
