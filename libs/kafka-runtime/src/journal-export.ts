import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka, KafkaMessage } from 'kafkajs';
import {
  anchorOf,
  ANCHORS_FILE,
  EventEnvelope,
  JournalAnchor,
  JournalKeyring,
  KEYRING_FILE,
  keyringToFile,
  parseAnchor,
  PRODUCERS,
  Producer,
  serializeAnchor,
  SignedChainReader,
  verifyHead,
} from '@ccp/contracts';
import { journalFileName } from '@ccp/engine';
import { decodeJournalRecord, DeadLetterReason, parseJson } from './journal-codec';
import { readTopicToEnd } from './journal-reader';
import { headSignatureOf } from './journal-writer';
import { Topology } from './topology';

/** A message on a journal topic that is not its owner's: left out of the export, listed in quarantined.jsonl. */
export interface ExportQuarantine {
  readonly journal: Producer;
  readonly offset: string;
  readonly reason: DeadLetterReason;
  /** the message value, base64 */
  readonly value: string | null;
}

export interface JournalExport {
  readonly records: Record<Producer, number>;
  readonly anchors: readonly JournalAnchor[];
  readonly quarantined: readonly ExportQuarantine[];
}

export const QUARANTINE_FILE = 'quarantined.jsonl';

/**
 * Exports the four journal topics as file journals (docs/adr/0007-signed-journal-heads.md): each
 * record its owner signed, byte for byte as Kafka holds it (read_committed); every other message on
 * a journal topic left out and listed in quarantined.jsonl with its reason; anchors.jsonl with the
 * anchor topic's signed heads (valid ones; the audit checks them again) and a 'head' anchor per
 * journal — the owner's signature of its last exported record; keyring.json with the keys used.
 */
export async function exportJournals(kafka: Kafka, topo: Topology, keyring: JournalKeyring, dir: string, groupPrefix = 'ccp-audit'): Promise<JournalExport> {
  mkdirSync(dir, { recursive: true });
  const records = {} as Record<Producer, number>;
  const quarantined: ExportQuarantine[] = [];
  const heads: JournalAnchor[] = [];
  for (const journal of PRODUCERS) {
    const fd = openSync(join(dir, journalFileName(journal)), 'w');
    const reader = new SignedChainReader<KafkaMessage>(journal, keyring);
    const refuse = (message: KafkaMessage, reason: DeadLetterReason) =>
      quarantined.push({ journal, offset: message.offset, reason, value: message.value ? message.value.toString('base64') : null });
    let last: { record: EventEnvelope; signature: string } | null = null;
    let count = 0;
    try {
      await readTopicToEnd(
        kafka,
        topo.journals[journal],
        (message) => {
          const decoded = decodeJournalRecord(message.value, journal);
          if (!decoded.ok) return void refuse(message, decoded.reason);
          const verdict = reader.offer(decoded.value, headSignatureOf(message.headers), message);
          for (const q of verdict.quarantined) refuse(q.position, q.reason);
          for (const { record, position } of verdict.accepted) {
            writeSync(fd, position.value!);
            writeSync(fd, '\n');
            count += 1;
            const signature = headSignatureOf(position.headers);
            if (signature !== null) last = { record, signature };
          }
        },
        { groupPrefix },
      );
      for (const q of reader.drainUnsigned()) refuse(q.position, q.reason);
    } finally {
      closeSync(fd);
    }
    records[journal] = count;
    const head = last as { record: EventEnvelope; signature: string } | null;
    if (head) heads.push(anchorOf(head.record, { journal, seq: head.record.seq, hash: head.record.hash, signature: head.signature }, 'head'));
  }
  const published: JournalAnchor[] = [];
  await readTopicToEnd(
    kafka,
    topo.anchors,
    (message) => {
      try {
        const json = parseJson(message.value);
        if (!json.ok) throw new Error(`${json.reason.code}${json.reason.path ? ` at ${json.reason.path}` : ''}: ${json.reason.message}`);
        const anchor = parseAnchor(json.value);
        if (verifyHead(keyring, anchor)) published.push(anchor);
        else quarantined.push({ journal: anchor.journal, offset: message.offset, reason: { code: 'signature_invalid', path: 'signature', message: `anchor at ${topo.anchors} offset ${message.offset} is not signed by ${anchor.journal}'s key` }, value: message.value!.toString('base64') });
      } catch (error: unknown) {
        quarantined.push({ journal: 'margin', offset: message.offset, reason: { code: 'malformed', path: '', message: `anchor topic offset ${message.offset}: ${error instanceof Error ? error.message : String(error)}` }, value: message.value ? message.value.toString('base64') : null });
      }
    },
    { groupPrefix },
  );
  const anchors = [...published, ...heads];
  writeFileSync(join(dir, ANCHORS_FILE), anchors.map((a) => `${serializeAnchor(a)}\n`).join(''));
  writeFileSync(join(dir, KEYRING_FILE), `${JSON.stringify(keyringToFile(keyring), null, 2)}\n`);
  writeFileSync(join(dir, QUARANTINE_FILE), quarantined.map((q) => `${JSON.stringify(q)}\n`).join(''));
  return { records, anchors, quarantined };
}
