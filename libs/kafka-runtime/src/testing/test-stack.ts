import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { createDataSource, migrate } from '@ccp/persistence';
import { kafkaBrokersFromEnv, databaseUrlFromEnv, uniqueName, uniqueSchemaName, waitFor } from '@ccp/infra-testing';
import { generateJournalKeys, generateTokenIssuerKeys, issueReadApiToken, JournalKeyring, PRODUCERS, Producer, TOKEN_ISSUER_PUBLIC_KEY_FILE, type ReadApiPrincipal } from '@ccp/contracts';
import { writeJournalKeys } from '@ccp/engine';
import { runtimeKeysFromDir, RuntimeKeys } from '../journal-keys';
import { createKafka } from '../kafka-client';
import { deleteNamespaceTopics, ensureTopics } from '../topics-admin';
import { loadServiceConfig } from '../nest/service-config';
import { readModelBindings, startJournalService, StartedService } from '../nest/bootstrap';

/** An isolated namespace on the shared broker and database: its own topics, groups and schema. */
export interface TestNamespace {
  readonly namespace: string;
  readonly schema: string;
  readonly brokers: string[];
  readonly databaseUrl: string;
  /** this namespace's journal keys (fresh per namespace): CCP_JOURNAL_KEYS_DIR of its services */
  readonly keysDir: string;
  readonly keys: Record<Producer, RuntimeKeys>;
  readonly keyring: JournalKeyring;
  /** `Authorization` header value for the read API: an auditor's token unless a principal is given (the namespace's own token issuer) */
  authorization(principal?: ReadApiPrincipal): Promise<string>;
  env(producer: Producer): Record<string, string>;
  dispose(): Promise<void>;
}

export async function createTestNamespace(prefix: string): Promise<TestNamespace> {
  const namespace = `${uniqueName(`it.${prefix}`, '.')}.`;
  const schema = uniqueSchemaName(prefix);
  const brokers = kafkaBrokersFromEnv();
  const databaseUrl = databaseUrlFromEnv();
  const admin = createKafka('ccp-test-namespace', brokers).admin();
  await admin.connect();
  await ensureTopics(admin, namespace);
  const ds = createDataSource({ url: databaseUrl, schema, applicationName: 'ccp-test-namespace' });
  await ds.initialize();
  await migrate(ds);
  await ds.destroy();
  const keysDir = mkdtempSync(join(tmpdir(), 'ccp-journal-keys-'));
  writeJournalKeys(keysDir, generateJournalKeys());
  // the read API's token issuer: its public key where the services look for it (CCP_JOURNAL_KEYS_DIR)
  const tokenIssuer = generateTokenIssuerKeys();
  writeFileSync(join(keysDir, TOKEN_ISSUER_PUBLIC_KEY_FILE), tokenIssuer.publicKey.export({ format: 'pem', type: 'spki' }) as string);
  const keys = runtimeKeysFromDir(keysDir);
  return {
    namespace,
    schema,
    brokers,
    databaseUrl,
    keysDir,
    keys,
    keyring: keys.margin.keyring,
    authorization: async (principal = { role: 'auditor', subject: 'test-auditor' }) =>
      `Bearer ${await issueReadApiToken(tokenIssuer.privateKey, { principal, issuedAt: new Date(), ttlSeconds: 3600 })}`,
    env: (_producer) => ({
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: databaseUrl,
      CCP_DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      CCP_TOPIC_NAMESPACE: namespace,
      CCP_JOURNAL_KEYS_DIR: keysDir,
      OTEL_SDK_DISABLED: 'true',
    }),
    async dispose() {
      rmSync(keysDir, { recursive: true, force: true });
      await deleteNamespaceTopics(admin, namespace).catch(() => undefined);
      await deleteNamespaceGroups(admin, namespace);
      await admin.disconnect();
      const drop = createDataSource({ url: databaseUrl, applicationName: 'ccp-test-namespace' });
      await drop.initialize();
      await drop.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await drop.destroy();
    },
  };
}

/** Best effort: the namespace's consumer groups that have no member left (a group still joined is kept). */
async function deleteNamespaceGroups(admin: Admin, namespace: string): Promise<void> {
  const { groups } = await admin.listGroups().catch(() => ({ groups: [] as Array<{ groupId: string }> }));
  const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(namespace));
  await Promise.all(ours.map((id) => admin.deleteGroups([id]).catch(() => undefined)));
}

export interface InProcessStack {
  readonly services: Record<Producer, StartedService>;
  readonly fatalErrors: Error[];
  /** throws the first fatal error a service reported */
  throwIfFailed(): void;
  stop(): Promise<void>;
}

/** The four services in this process (Nest apps with the journal transport), ready; `extraEnv` adds to each one's environment. */
export async function startInProcessStack(ns: TestNamespace, extraEnv: Readonly<Record<string, string>> = {}): Promise<InProcessStack> {
  const fatalErrors: Error[] = [];
  const services = {} as Record<Producer, StartedService>;
  const quiet = { log: () => undefined, error: (m: string) => process.stderr.write(`${m}\n`) };
  await Promise.all(
    PRODUCERS.map(async (p) => {
      services[p] = await startJournalService(loadServiceConfig(p, { ...ns.env(p), ...extraEnv }), readModelBindings(p), { onFatal: (e) => fatalErrors.push(e), logger: quiet, sessionTimeoutMs: 6_000, keys: ns.keys[p] }, ['error', 'warn']);
    }),
  );
  await waitFor(() => PRODUCERS.every((p) => services[p].runtime.status().ready), { description: 'the four services ready', timeoutMs: 60_000 });
  return {
    services,
    fatalErrors,
    throwIfFailed() {
      if (fatalErrors.length > 0) throw fatalErrors[0]!;
    },
    async stop() {
      await Promise.all(PRODUCERS.map((p) => services[p]?.close().catch(() => undefined)));
    },
  };
}
