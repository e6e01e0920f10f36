/**
 * Proves the infrastructure is real and usable: one record produced and consumed through the
 * broker on a fresh topic, and a query against the migrated PostgreSQL database. Prints a summary.
 *
 *   KAFKA_BROKERS=... DATABASE_URL=... node -r @swc-node/register infra/scripts/smoke.ts
 */
import { randomUUID } from 'node:crypto';
import { collectUntil, createTestTopics, deleteTestTopics, kafkaBrokersFromEnv, kafkaFromEnv, producerOf, uniqueGroupId, uniqueName } from '@ccp/infra-testing';
import { createDataSource, databaseUrlFromEnv, MIGRATIONS_TABLE } from '@ccp/persistence';

async function kafkaRoundTrip(): Promise<string> {
  const kafka = kafkaFromEnv('ccp-smoke');
  const admin = kafka.admin();
  const topic = uniqueName('ccp.smoke', '.');
  const payload = randomUUID();
  await admin.connect();
  try {
    await createTestTopics(admin, [{ name: topic }]);
    const producer = producerOf(kafka, { idempotent: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'smoke', value: payload }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: uniqueGroupId('smoke') });
    await consumer.connect();
    const [received] = await collectUntil(consumer, topic, (seen) => seen.length === 1, { description: 'the smoke record' });
    await consumer.disconnect();
    if (received?.value !== payload) throw new Error(`consumed ${JSON.stringify(received?.value)}, produced ${payload}`);
    const cluster = await admin.describeCluster();
    return `produced and consumed 1 record on ${topic} (offset ${received.offset}); cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`;
  } finally {
    await deleteTestTopics(admin, [topic]).catch(() => undefined);
    await admin.disconnect();
  }
}

async function postgresQuery(): Promise<string> {
  const dataSource = createDataSource({ applicationName: 'ccp-smoke', poolSize: 1 });
  await dataSource.initialize();
  try {
    const [server]: Array<{ version: string; database: string }> = await dataSource.query(
      `SELECT current_setting('server_version') AS version, current_database() AS database`,
    );
    const migrations: Array<{ name: string }> = await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    const [tables]: Array<{ count: string }> = await dataSource.query(
      `SELECT count(*)::text AS count FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    return `PostgreSQL ${server?.version} database ${server?.database}: ${tables?.count} tables, migrations [${migrations.map((m) => m.name).join(', ')}]`;
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<void> {
  const kafka = await kafkaRoundTrip();
  const postgres = await postgresQuery();
  process.stdout.write(
    [
      'infrastructure check',
      `  kafka     ${kafkaBrokersFromEnv().join(',')}: ${kafka}`,
      `  postgres  ${databaseUrlFromEnv().replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}: ${postgres}`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[smoke] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
