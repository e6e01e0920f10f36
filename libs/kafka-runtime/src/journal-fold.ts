import type { Kafka, KafkaMessage } from 'kafkajs';
import { EventEnvelope, GENESIS_HASH, JournalKeyring, Producer, QuarantineReason, SignedChainReader } from '@ccp/contracts';
import { CommandGuard, FoldPoint, JournaledDecider, JournalFold } from '@ccp/engine';
import { decodeJournalRecord, DeadLetterReason } from './journal-codec';
import { readTopicToEnd } from './journal-reader';
import { headSignatureOf } from './journal-writer';

/** A record on the own journal topic that the fold did not accept: reported, skipped, never a head. */
export interface FoldQuarantine {
  readonly offset: string;
  readonly reason: DeadLetterReason | QuarantineReason;
}

/** Where a fold starts other than at the journal's genesis: a verified snapshot (docs/adr/0012-snapshots.md). */
export interface FoldStart {
  readonly point: FoldPoint;
  /** seq and hash of the last record the snapshot folded (a signed head) */
  readonly seq: number;
  readonly headHash: string;
  /** the topic offset of the record after it */
  readonly offset: bigint;
}

export interface FoldResult {
  /** the next seq to write and the head hash the writer continues from */
  readonly nextSeq: number;
  readonly headHash: string;
  readonly state: unknown;
  readonly guard: CommandGuard;
  /** logical source topic → last applied position (input topics: Kafka offset; journals: seq) */
  readonly lastApplied: Map<string, bigint>;
  /** records folded by this call (after the snapshot, when it started from one) */
  readonly records: number;
  readonly quarantined: readonly FoldQuarantine[];
  /** the topic offset after the head record: where a snapshot of this fold resumes */
  readonly headOffset: bigint;
}

/**
 * Folds a service's own journal topic from offset 0, or from a snapshot's offset on its state
 * (docs/adr/0007-signed-journal-heads.md, 0012-snapshots.md): only records its own key has signed —
 * through a signed transaction head — are folded; anything else on the topic (garbage, a forged
 * record however well chained, an unsigned tail) is quarantined and skipped, so it can neither
 * become the head nor stop the service from starting. Records missing from a signed chain (the
 * topic lost data, or a snapshot's head that the topic does not continue) stop it: that cannot be
 * resumed without loss.
 */
export async function foldOwnJournal(
  kafka: Kafka,
  topic: string,
  producer: Producer,
  decider: JournaledDecider,
  keyring: JournalKeyring,
  onRecord: (record: EventEnvelope) => void,
  groupPrefix: string,
  start?: FoldStart,
): Promise<FoldResult> {
  const reader = new SignedChainReader<string>(producer, keyring, start ? { seq: start.seq, hash: start.headHash } : undefined);
  const quarantined: FoldQuarantine[] = [];
  const fold = new JournalFold(decider, start?.point);
  let headOffset = start?.offset ?? 0n;
  await readTopicToEnd(
    kafka,
    topic,
    (message: KafkaMessage) => {
      const decoded = decodeJournalRecord(message.value, producer);
      if (!decoded.ok) {
        quarantined.push({ offset: message.offset, reason: decoded.reason });
        return;
      }
      const verdict = reader.offer(decoded.value, headSignatureOf(message.headers), message.offset);
      for (const q of verdict.quarantined) quarantined.push({ offset: q.position, reason: q.reason });
      for (const { record, position } of verdict.accepted) {
        fold.apply(record);
        onRecord(record);
        headOffset = BigInt(position) + 1n;
      }
    },
    { groupPrefix, ...(start ? { fromOffset: start.offset } : {}) },
  );
  for (const q of reader.drainUnsigned()) quarantined.push({ offset: q.position, reason: q.reason });
  const head = reader.acceptedHead ?? (start ? { seq: start.seq, hash: start.headHash } : { seq: -1, hash: GENESIS_HASH });
  const point = fold.point();
  return { nextSeq: head.seq + 1, headHash: head.hash, state: point.state, guard: point.guard, lastApplied: new Map(point.lastApplied), records: fold.records, quarantined, headOffset };
}
