import { Command, Decider, DomainEvent, Producer, Rejection, WireTranslator } from '@ccp/contracts';
import type { StateSnapshotCodec } from './fold-snapshot';

/** What the engine (and the Kafka runtime, and the audit) need of each journal's domain. */
export interface JournaledDecider {
  readonly producer: Producer;
  // The engine is generic over the four deciders; their own types are checked in their libs.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly decider: Decider<any, DomainEvent, any>;
  readonly parseCommand: (raw: unknown) => { ok: true; value: Command } | { ok: false; rejection: Rejection };
  readonly wireInputs: WireTranslator<Command>;
  /** how its state travels in a snapshot; absent: plain state (Maps, Sets, bigints, records) */
  readonly snapshot?: StateSnapshotCodec;
}
