import {
  ANCHOR_TOPIC,
  DEAD_LETTER_TOPIC,
  INPUT_TOPICS,
  JOURNAL_TOPICS,
  Producer,
  PRODUCERS,
  TOPIC_SPECS,
  TopicSpec,
  WireEventType,
} from '@ccp/contracts';
import { DECIDERS, JournaledDecider } from '@ccp/engine';

/**
 * Where every message lives. The catalogue's names (libs/contracts/src/topics.ts) are *logical*:
 * journal records name their sources by them, so a journal's bytes never depend on where it was
 * hosted. A deployment may prefix every physical name, group and transactional id with a namespace
 * (CCP_TOPIC_NAMESPACE) so that isolated stacks share one broker (tests do).
 */
export type InputChannel = keyof typeof INPUT_TOPICS;
export const INPUT_CHANNELS = Object.keys(INPUT_TOPICS) as InputChannel[];

const NAMESPACE = /^([a-zA-Z0-9._-]{1,120})?$/;

export function checkNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) throw new Error(`CCP_TOPIC_NAMESPACE must match ${NAMESPACE.source} (Kafka topic characters); got '${namespace}'`);
  return namespace;
}

export interface Topology {
  readonly namespace: string;
  readonly journals: Readonly<Record<Producer, string>>;
  readonly inputs: Readonly<Record<InputChannel, string>>;
  readonly deadLetter: string;
  /** signed journal heads (journal-anchor.ts) */
  readonly anchors: string;
  /** physical topic → logical (catalogue) name */
  logical(physical: string): string;
  groupId(producer: Producer): string;
  transactionalId(producer: Producer): string;
}

export function topology(namespace = ''): Topology {
  checkNamespace(namespace);
  const journals = Object.fromEntries(PRODUCERS.map((p) => [p, `${namespace}${JOURNAL_TOPICS[p]}`])) as Record<Producer, string>;
  const inputs = Object.fromEntries(INPUT_CHANNELS.map((c) => [c, `${namespace}${INPUT_TOPICS[c]}`])) as Record<InputChannel, string>;
  return {
    namespace,
    journals,
    inputs,
    deadLetter: `${namespace}${DEAD_LETTER_TOPIC}`,
    anchors: `${namespace}${ANCHOR_TOPIC}`,
    logical(physical) {
      if (!physical.startsWith(namespace)) throw new Error(`topic ${physical} is outside namespace '${namespace}'`);
      return physical.slice(namespace.length);
    },
    groupId: (producer) => `${namespace}ccp.${producer}`,
    transactionalId: (producer) => `${namespace}ccp.${producer}.tx`,
  };
}

/** The catalogue's topic specs under a namespace (for create-topics and tests). */
export function namespacedTopicSpecs(namespace = ''): TopicSpec[] {
  checkNamespace(namespace);
  return TOPIC_SPECS.map((spec) => ({ ...spec, name: `${namespace}${spec.name}` }));
}

/** Which journal writes each wire event (design.md §2; CONTRIBUTING.md "Add an event or a command"). */
export const WIRE_EVENT_PRODUCER: Readonly<Record<WireEventType, Producer>> = {
  MaintenanceBreached: 'margin',
  AllocationBasisCaptured: 'margin',
  LiquidationFilled: 'liquidation',
  AccountDefaulted: 'liquidation',
  LiquidationCompleted: 'liquidation',
  ResidualLossForwarded: 'default-fund',
  AllocationBasisRequested: 'loss-allocation',
  LossAllocated: 'loss-allocation',
};

/** The other journals a producer reads: those that write a wire event its decider translates. */
export function consumedJournals(producer: Producer, deciders: Readonly<Record<Producer, JournaledDecider>> = DECIDERS): Producer[] {
  const types = Object.keys(deciders[producer].wireInputs) as WireEventType[];
  const sources = new Set(types.map((t) => WIRE_EVENT_PRODUCER[t]).filter((p) => p !== producer));
  return PRODUCERS.filter((p) => sources.has(p));
}

/**
 * Which upstream topic carries each command type: prices and trades have topics of their own,
 * cash movements go on collateral, everything else (membership, listings, parameters, policy,
 * explicit operator commands) on parameters.
 */
const CHANNEL_OF_COMMAND: Readonly<Record<string, InputChannel>> = {
  ApplyMarkPrice: 'prices',
  ApplyTrade: 'trades',
  DepositCollateral: 'collateral',
  WithdrawCollateral: 'collateral',
  RecordContribution: 'collateral',
  WithdrawContribution: 'collateral',
  DepositInsuranceFund: 'collateral',
};

export function inputChannelOf(commandType: string): InputChannel {
  return CHANNEL_OF_COMMAND[commandType] ?? 'parameters';
}

/** Garbage on an input topic that names no addressee is dead-lettered once, by this service. */
export const DEAD_LETTER_STEWARD: Producer = 'margin';
