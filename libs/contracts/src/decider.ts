import type { Rejection } from './rejection';

/**
 * A domain event as a decider emits it: the journal wraps it in an envelope (seq, hashes, time).
 * `stream` is the aggregate it concerns; `correlationId` overrides the input's (a new default id).
 */
export interface DomainEvent<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  readonly stream: string;
  readonly payload: TPayload;
  readonly correlationId?: string;
}

/** Every command carries the time and identity of the input that caused it (style.md §8). */
export interface CommandMeta {
  /** ISO-8601 UTC instant from the input */
  readonly occurredAt: string;
  readonly correlationId: string | null;
}

export interface Command<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  readonly payload: TPayload;
  readonly meta: CommandMeta;
}

export type Decision<E> = { readonly kind: 'accepted'; readonly events: readonly E[] } | { readonly kind: 'rejected'; readonly rejection: Rejection };

export const accept = <E>(events: readonly E[]): Decision<E> => ({ kind: 'accepted', events });
export const reject = <E>(r: Rejection): Decision<E> => ({ kind: 'rejected', rejection: r });

/**
 * One Decider per aggregate (style.md §1): pure functions, no I/O, no clock, no randomness.
 * `evolve` may mutate and return the same state object for speed on the hot path, but must be
 * deterministic; callers never share a state between two deciders.
 */
export interface Decider<C extends Command, E extends DomainEvent, S> {
  readonly name: string;
  initialState(): S;
  decide(command: C, state: S): Decision<E>;
  evolve(state: S, event: E): S;
}

/** Closes a switch over a discriminated union: a missing case fails to compile (style.md §5). */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Programmer errors crash loudly (style.md §10); business outcomes are events. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
