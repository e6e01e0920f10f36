/**
 * Creates the topics of the contracts' catalogue (libs/contracts/src/topics.ts, TOPIC_SPECS) under
 * CCP_TOPIC_NAMESPACE (default empty), as the services name them (docs/adr/0005-kafka-runtime.md).
 * Idempotent: existing topics keep their partitions and get the catalogue's configs re-applied.
 * One implementation of this exists, `ensureTopics` in libs/kafka-runtime (also used by compose's
 * ccp-init and the tests); this is its command line for the broker scripts.
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 node -r @swc-node/register infra/kafka/create-topics.ts
 */
import { checkNamespace, createKafka, ensureTopics, parseBrokers } from '@ccp/kafka-runtime';

async function main(): Promise<void> {
  const namespace = checkNamespace(process.env['CCP_TOPIC_NAMESPACE'] ?? '');
  const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const admin = createKafka('ccp-create-topics', brokers).admin();
  await admin.connect();
  try {
    const { created, present } = await ensureTopics(admin, namespace);
    process.stderr.write(
      `[create-topics] ${created.length + present.length} topics ready on ${brokers.join(',')} ` +
        `(created ${created.length}, already present ${present.length}): ${[...created, ...present].join(' ')}\n`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[create-topics] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
