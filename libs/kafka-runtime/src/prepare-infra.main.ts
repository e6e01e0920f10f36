/**
 * Prepares a deployment before the services start (docker-compose's `ccp-init`): creates the topic
 * catalogue under CCP_TOPIC_NAMESPACE (idempotent, configs re-applied) and applies the PostgreSQL
 * migrations (never `synchronize`); with CCP_JOURNAL_KEYS_DIR set and no keyring there yet, makes the
 * journals' signing keys (docs/adr/0007), and the read API's token issuer keys (docs/adr/0008) unless
 * CCP_READ_API_JWT_PUBLIC_KEY_FILE names an identity provider's key. Exits non-zero with the reason if any step fails.
 *
 *   KAFKA_BROKERS=kafka:9092 DATABASE_URL=postgres://… node -r @swc-node/register libs/kafka-runtime/src/prepare-infra.main.ts
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateJournalKeys, generateTokenIssuerKeys, KEYRING_FILE, TOKEN_ISSUER_PRIVATE_KEY_FILE, TOKEN_ISSUER_PUBLIC_KEY_FILE } from '@ccp/contracts';
import { createDataSource, databaseUrlFromEnv, migrate, readModelSchemaOf } from '@ccp/persistence';
import { writeJournalKeys, writeTokenIssuerKeys } from '@ccp/engine';
import { createKafka, parseBrokers } from './kafka-client';
import { ensureTopics } from './topics-admin';

async function main(): Promise<void> {
  const keysDir = process.env['CCP_JOURNAL_KEYS_DIR'];
  if (keysDir && !existsSync(join(keysDir, KEYRING_FILE))) {
    writeJournalKeys(keysDir, generateJournalKeys());
    process.stderr.write(`[prepare-infra] journal signing keys written to ${keysDir}\n`);
  }
  // the read API's token issuer (docs/adr/0008), unless the deployment names its identity provider's key
  if (keysDir && !process.env['CCP_READ_API_JWT_PUBLIC_KEY_FILE'] && !existsSync(join(keysDir, TOKEN_ISSUER_PUBLIC_KEY_FILE))) {
    writeTokenIssuerKeys(keysDir, generateTokenIssuerKeys());
    process.stderr.write(`[prepare-infra] read-API token issuer keys written to ${keysDir} (ccp tokens issue --key ${join(keysDir, TOKEN_ISSUER_PRIVATE_KEY_FILE)})\n`);
  }
  const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const namespace = process.env['CCP_TOPIC_NAMESPACE'] ?? '';
  const admin = createKafka('ccp-prepare-infra', brokers).admin();
  await admin.connect();
  try {
    const { created, present } = await ensureTopics(admin, namespace);
    process.stderr.write(`[prepare-infra] topics: ${created.length} created, ${present.length} already present (namespace '${namespace}')\n`);
  } finally {
    await admin.disconnect();
  }
  // the schema the namespace's services use (CCP_DATABASE_SCHEMA, else derived from the namespace)
  const schema = process.env['CCP_DATABASE_SCHEMA'] || readModelSchemaOf(namespace);
  const dataSource = createDataSource({ url: databaseUrlFromEnv(), ...(schema ? { schema } : {}), applicationName: 'ccp-prepare-infra', poolSize: 2 });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource);
    process.stderr.write(`[prepare-infra] migrations of schema ${schema ?? '(default)'}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[prepare-infra] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
