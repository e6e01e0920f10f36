import type { Kafka, KafkaMessage } from 'kafkajs';
import { EventEnvelope, GENESIS_HASH, JournalKeyring, Producer, QuarantineReason, SignedChainReader } from '@ccp/contracts';
import { commandIdOfInput, CommandGuard, guardCommand, JournaledDecider, newCommandGuard } from '@ccp/engine';
import { decodeJournalRecord, DeadLetterReason } from './journal-codec';
import { readTopicToEnd } from './journal-reader';
import { headSignatureOf } from './journal-writer';

/** A record on the own journal topic that the fold did not accept: reported, skipped, never a head. */
export interface FoldQuarantine {
  readonly offset: string;
  readonly reason: DeadLetterReason | QuarantineReason;
}

export interface FoldResult {
  /** the next seq to write and the head hash the writer continues from */
  readonly nextSeq: number;
  readonly headHash: string;
  readonly state: unknown;
  readonly guard: CommandGuard;
  /** logical source topic → last applied position (input topics: Kafka offset; journals: seq) */
  readonly lastApplied: Map<string, bigint>;
  readonly records: number;
  readonly quarantined: readonly FoldQuarantine[];
}

/**
 * Folds a service's own journal topic from offset 0 (docs/adr/0007-signed-journal-heads.md): only
 * records its own key has signed — through a signed transaction head — are folded; anything else on
 * the topic (garbage, a forged record however well chained, an unsigned tail) is quarantined and
 * skipped, so it can neither become the head nor stop the service from starting. Records missing
 * from a signed chain (the topic lost data) do stop it: that cannot be resumed without loss.
 */
export async function foldOwnJournal(
  kafka: Kafka,
  topic: string,
  producer: Producer,
  decider: JournaledDecider['decider'],
  keyring: JournalKeyring,
  onRecord: (record: EventEnvelope) => void,
  groupPrefix: string,
): Promise<FoldResult> {
  const reader = new SignedChainReader<string>(producer, keyring);
  const quarantined: FoldQuarantine[] = [];
  const lastApplied = new Map<string, bigint>();
  const guard = newCommandGuard();
  let state: unknown = decider.initialState();
  let records = 0;
  const fold = (record: EventEnvelope): void => {
    records += 1;
    if (record.kind === 'input') {
      if (record.source) lastApplied.set(record.source.topic, BigInt(record.source.offset));
      const commandId = commandIdOfInput(record.causationId);
      if (commandId !== null) guardCommand(guard, commandId, record.occurredAt);
    } else if (record.type !== 'CommandRejected') {
      state = decider.evolve(state, { type: record.type, stream: record.stream, payload: record.payload, correlationId: record.correlationId ?? undefined });
    }
    onRecord(record);
  };
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
      for (const { record } of verdict.accepted) fold(record);
    },
    { groupPrefix },
  );
  for (const q of reader.drainUnsigned()) quarantined.push({ offset: q.position, reason: q.reason });
  const head = reader.acceptedHead ?? { seq: -1, hash: GENESIS_HASH };
  return { nextSeq: head.seq + 1, headHash: head.hash, state, guard, lastApplied, records, quarantined };
}
