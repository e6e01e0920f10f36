/**
 * Exports the four journal topics into file journals (`<producer>.journal.jsonl`): every record its
 * owner signed, byte for byte as Kafka holds it (read_committed, offset 0 to the end as of the call);
 * anything else on a journal topic listed in quarantined.jsonl; anchors.jsonl and keyring.json beside
 * them (journal-export.ts); and snapshots.jsonl, the fold snapshots the services stored in the
 * namespace's database schema (docs/adr/0012-snapshots.md), when DATABASE_URL answers (else it
 * says so and the audit checks none). `ccp audit verify --kafka` runs it.
 *
 *   node -r @swc-node/register libs/kafka-runtime/src/export-journals.main.ts <dir>
 * Environment: KAFKA_BROKERS, CCP_TOPIC_NAMESPACE, and the keyring: CCP_JOURNAL_KEYRING_FILE or
 * CCP_JOURNAL_KEYS_DIR (or CCP_JOURNAL_DEV_KEYS=1); DATABASE_URL and CCP_DATABASE_SCHEMA (default
 * the namespace's schema) for the snapshots.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCERS, serializeSnapshotLine, SNAPSHOTS_FILE, type Producer } from '@ccp/contracts';
import { createDataSource, databaseUrlFromEnv, foldSnapshots, readModelSchemaOf } from '@ccp/persistence';
import { exportJournals } from './journal-export';
import { keyringFromEnvironment } from './journal-keys';
import { createKafka, parseBrokers } from './kafka-client';
import { topology } from './topology';

async function main(dir: string | undefined): Promise<void> {
  if (!dir) throw new Error('usage: export-journals <dir>');
  const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const topo = topology(process.env['CCP_TOPIC_NAMESPACE'] ?? '');
  const exported = await exportJournals(createKafka('ccp-audit-export', brokers), topo, keyringFromEnvironment(), dir);
  for (const p of PRODUCERS) process.stderr.write(`[export-journals] ${topo.journals[p]}: ${exported.records[p]} signed records\n`);
  process.stderr.write(`[export-journals] ${exported.anchors.length} anchors; ${exported.quarantined.length} messages quarantined (not their owner's)\n`);
  for (const q of exported.quarantined.slice(0, 20)) process.stderr.write(`[export-journals]   ${q.journal} offset ${q.offset}: ${q.reason.code} at ${q.reason.path || '(record)'}: ${q.reason.message}\n`);
  await exportSnapshots(dir, topo);
}

/** The stored fold snapshots of the namespace's journals into snapshots.jsonl; none written if the database does not answer. */
async function exportSnapshots(dir: string, topo: ReturnType<typeof topology>): Promise<void> {
  const schema = process.env['CCP_DATABASE_SCHEMA']?.trim() || readModelSchemaOf(topo.namespace);
  const dataSource = createDataSource({ url: databaseUrlFromEnv(), ...(schema ? { schema } : {}), applicationName: 'ccp-audit-export', poolSize: 1 });
  try {
    await dataSource.initialize();
  } catch (error: unknown) {
    process.stderr.write(`[export-journals] no snapshots exported: the database does not answer (${error instanceof Error ? error.message : String(error)})\n`);
    return;
  }
  try {
    const lines: string[] = [];
    for (const p of PRODUCERS) {
      const stored = await foldSnapshots(dataSource.manager, topo.journals[p], p).catch(() => []);
      for (const s of stored) lines.push(serializeSnapshotLine({ ...s, producer: s.producer as Producer }));
    }
    writeFileSync(join(dir, SNAPSHOTS_FILE), lines.map((l) => `${l}\n`).join(''));
    process.stderr.write(`[export-journals] ${lines.length} fold snapshots\n`);
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`[export-journals] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
