import { Rejection, rejection } from '@ccp/contracts';

/**
 * What a journal knows of the upstream commands it has decided (docs/adr/0007-signed-journal-heads.md,
 * "Idempotent commands"): every command id it recorded, and its clock — the latest `occurredAt` of
 * an upstream command it accepted. Both are rebuilt from the journal alone (an upstream input's
 * causationId is `command:<commandId>`), so a restart, a replay and the audit reach the same answer.
 *
 * Only upstream commands are guarded: routed inputs are identified by their source record and
 * applied once by the runtime's source positions.
 */
export interface CommandGuard {
  readonly commandIds: Set<string>;
  /** sortable form of the latest accepted upstream occurredAt (instantKey), '' before any */
  clock: string;
}

export const COMMAND_CAUSATION_PREFIX = 'command:';

export function newCommandGuard(): CommandGuard {
  return { commandIds: new Set(), clock: '' };
}

export const causationOfCommand = (commandId: string): string => `${COMMAND_CAUSATION_PREFIX}${commandId}`;

/** The command id an input record was recorded under, or null for a routed input. */
export function commandIdOfInput(causationId: string | null): string | null {
  return causationId !== null && causationId.startsWith(COMMAND_CAUSATION_PREFIX) ? causationId.slice(COMMAND_CAUSATION_PREFIX.length) : null;
}

/**
 * An ISO-8601 UTC instant as a string that sorts like the instant: the fraction padded to nine
 * digits ("…00Z" and "…00.5Z" do not sort as text).
 */
export function instantKey(instant: string): string {
  const dot = instant.indexOf('.');
  const seconds = dot < 0 ? instant.slice(0, -1) : instant.slice(0, dot);
  const fraction = dot < 0 ? '' : instant.slice(dot + 1, -1);
  return `${seconds}.${fraction.padEnd(9, '0')}`;
}

/**
 * Admits an upstream command before its decider sees it: a repeated command id is a recorded
 * duplicate (no second effect), an input older than the journal's clock is refused. Null = admit.
 */
export function admitCommand(guard: CommandGuard, commandId: string, occurredAt: string): Rejection | null {
  if (guard.commandIds.has(commandId)) return rejection('duplicate', 'commandId', `command ${commandId} was already decided by this journal; a repeat has no effect`);
  if (instantKey(occurredAt) < guard.clock) {
    return rejection('time_regressed', 'at', `input dated ${occurredAt} is older than this journal's clock (latest accepted upstream input); time never goes backwards`);
  }
  return null;
}

/**
 * Passes one upstream command through the guard and records it: its id always, the clock only if
 * it was admitted (whatever its decider then decided). Returns the guard's refusal, if any. Replaying
 * the recorded inputs through this rebuilds the guard exactly.
 */
export function guardCommand(guard: CommandGuard, commandId: string, occurredAt: string): Rejection | null {
  const refused = admitCommand(guard, commandId, occurredAt);
  guard.commandIds.add(commandId);
  if (refused === null) {
    const key = instantKey(occurredAt);
    if (key > guard.clock) guard.clock = key;
  }
  return refused;
}
