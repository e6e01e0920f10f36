/**
 * Copies the four journal topics, byte for byte as Kafka holds them (read_committed, offset 0 to the
 * end as of the call), into file journals (`<producer>.journal.jsonl`, one message value per line),
 * so the auditor's tools read exactly what the services committed. `ccp audit verify --kafka` runs it.
 *
 *   node -r @swc-node/register libs/kafka-runtime/src/export-journals.main.ts <dir>
 * Environment: KAFKA_BROKERS, CCP_TOPIC_NAMESPACE.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCERS } from '@ccp/contracts';
import { journalFileName } from '@ccp/engine';
import { createKafka, parseBrokers } from './kafka-client';
import { readTopicToEnd } from './journal-reader';
import { topology } from './topology';

async function main(dir: string | undefined): Promise<void> {
  if (!dir) throw new Error('usage: export-journals <dir>');
  const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const topo = topology(process.env['CCP_TOPIC_NAMESPACE'] ?? '');
  const kafka = createKafka('ccp-audit-export', brokers);
  mkdirSync(dir, { recursive: true });
  for (const producer of PRODUCERS) {
    const topic = topo.journals[producer];
    const fd = openSync(join(dir, journalFileName(producer)), 'w');
    try {
      const count = await readTopicToEnd(
        kafka,
        topic,
        (message) => {
          // the value exactly as committed; a null value is kept as an empty line for the audit to flag
          writeSync(fd, message.value ?? Buffer.alloc(0));
          writeSync(fd, '\n');
        },
        { groupPrefix: 'ccp-audit' },
      );
      process.stderr.write(`[export-journals] ${topic}: ${count} records\n`);
    } finally {
      closeSync(fd);
    }
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`[export-journals] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
