/**
 * The one catalogue of topic names (style.md §4). A breaking change to a topic's records gets a new
 * suffix (.v2), never an in-place change. Journals keep everything (retention -1).
 */
export const JOURNAL_TOPICS = {
  margin: 'ccp.margin.events.v1',
  liquidation: 'ccp.liquidation.events.v1',
  'default-fund': 'ccp.default-fund.events.v1',
  'loss-allocation': 'ccp.loss-allocation.events.v1',
} as const;

/** Upstream inputs: what the venue's matching engine, price oracle and treasury publish. */
export const INPUT_TOPICS = {
  trades: 'ccp.input.trades.v1',
  prices: 'ccp.input.prices.v1',
  collateral: 'ccp.input.collateral.v1',
  parameters: 'ccp.input.parameters.v1',
} as const;

/** Where a malformed or unknown message goes, with its reason and its original bytes. */
export const DEAD_LETTER_TOPIC = 'ccp.dead-letter.v1';

/** Signed journal heads published by every service (journal-anchor.ts): the auditors' outside reference. */
export const ANCHOR_TOPIC = 'ccp.anchors.v1';

export type JournalTopic = (typeof JOURNAL_TOPICS)[keyof typeof JOURNAL_TOPICS];
export type InputTopic = (typeof INPUT_TOPICS)[keyof typeof INPUT_TOPICS];

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** -1 keeps everything (journals); inputs and dead letters are also kept for audit */
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete';
  /** raised deliberately for allocation bases (docs/adr) */
  readonly maxMessageBytes: number;
}

const MIB = 1024 * 1024;

export const TOPIC_SPECS: readonly TopicSpec[] = [
  // 64 MiB: an allocation basis over 100k participants is ~30 MB (docs/adr/0004; chunking is the fix to come)
  ...Object.values(JOURNAL_TOPICS).map((name) => ({ name, partitions: 1, retentionMs: -1, cleanupPolicy: 'delete' as const, maxMessageBytes: 64 * MIB })),
  ...Object.values(INPUT_TOPICS).map((name) => ({ name, partitions: 1, retentionMs: -1, cleanupPolicy: 'delete' as const, maxMessageBytes: 1 * MIB })),
  { name: DEAD_LETTER_TOPIC, partitions: 1, retentionMs: -1, cleanupPolicy: 'delete', maxMessageBytes: 8 * MIB },
  { name: ANCHOR_TOPIC, partitions: 1, retentionMs: -1, cleanupPolicy: 'delete', maxMessageBytes: 1 * MIB },
];
