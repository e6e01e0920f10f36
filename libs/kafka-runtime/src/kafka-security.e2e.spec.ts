/**
 * Kafka as production runs it (e2e): a second real broker with only a SASL_SSL listener (TLS from a
 * CA made in the test, SCRAM-SHA-512 users made at format time), the StandardAuthorizer denying
 * whatever no ACL allows. Each service connects as its own principal, granted only `serviceAcls`:
 * - a plaintext client, a client that does not trust the CA, and a wrong password are refused;
 * - a principal without ACLs sees no topic; margin's principal cannot write liquidation's journal
 *   nor use its transactional id;
 * - the ccp-member-default default runs through the four services under those ACLs, with the same
 *   outcome as the embedded engine, and the journals exported from that broker pass the audit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCERS, serializeRecord, type Producer } from '@ccp/contracts';
import { DECIDERS, journalFileName, simulate } from '@ccp/engine';
// The auditor's verifier judges the journals the runtime wrote; only the e2e tests import the audit layer.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { verifyJournals } from '@ccp/audit';
import { exportJournals } from './journal-export';
import { createKafka } from './kafka-client';
import { runScenarioThroughKafka } from './scenario-feeder';
import { applyServiceAcls, serviceAcls } from './service-acls';
import { ChildStack, REPO_ROOT } from './testing/child-stack';
import { SECURE_ADMIN, SecureBroker, startSecureBroker } from './testing/secure-broker';
import { createTestNamespace, TestNamespace } from './testing/test-stack';
import { topology } from './topology';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(600_000);

const userOf = (p: Producer): string => `ccp-${p}`;
const NOBODY = 'ccp-no-acls';

describe('Kafka security (e2e): SASL_SSL, SCRAM-SHA-512 and an ACL per service principal on a second broker', () => {
  let broker: SecureBroker | undefined;
  let ns: TestNamespace | undefined;
  let stack: ChildStack | undefined;
  const savedEnv = { ...process.env };

  /** a client of `user` that talks to the secure broker, by default retrying nothing (a refusal is the answer) */
  const clientAs = (user: string, password = readFileSync(broker!.passwordFile(user), 'utf8').trim(), retries = 0) =>
    createKafka(`ccp-security-${user}`, broker!.brokers, {
      ssl: { ca: readFileSync(broker!.caFile, 'utf8'), rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: user, password },
      retry: { retries, initialRetryTime: 200 },
      connectionTimeout: 5_000,
    });

  beforeAll(async () => {
    broker = await startSecureBroker([...PRODUCERS.map(userOf), NOBODY]);
    // everything this test process does on Kafka (namespace, feeder, watcher, export) is the admin's
    Object.assign(process.env, broker.env(SECURE_ADMIN));
    ns = await createTestNamespace('secure');
    const admin = clientAs(SECURE_ADMIN).admin();
    await admin.connect();
    try {
      await applyServiceAcls(admin, ns.namespace, (p) => `User:${userOf(p)}`);
    } finally {
      await admin.disconnect();
    }
  });

  afterAll(async () => {
    await stack?.stop().catch(() => stack?.killNow());
    await ns?.dispose().catch(() => undefined);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await broker?.stop();
  });

  it('refuses a plaintext client, a client that does not trust the CA, and a wrong password', async () => {
    const plaintext = createKafka('ccp-security-plain', broker!.brokers, { ssl: false, sasl: undefined, retry: { retries: 0 }, connectionTimeout: 3_000, requestTimeout: 5_000 }).admin();
    await expect(plaintext.connect().then(() => plaintext.listTopics())).rejects.toThrow();
    await plaintext.disconnect().catch(() => undefined);

    const untrusting = createKafka('ccp-security-untrusting', broker!.brokers, {
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: SECURE_ADMIN, password: readFileSync(broker!.passwordFile(SECURE_ADMIN), 'utf8').trim() },
      retry: { retries: 0 },
    }).admin();
    await expect(untrusting.connect()).rejects.toThrow(/self[- ]signed|unable to (get|verify)|certificate/i);
    await untrusting.disconnect().catch(() => undefined);

    const wrongPassword = clientAs(SECURE_ADMIN, 'not-the-password').admin();
    await expect(wrongPassword.connect()).rejects.toThrow(/authentication failed/i);
    await wrongPassword.disconnect().catch(() => undefined);
  });

  it('a principal without ACLs sees no topic; margin cannot write the liquidation journal or use its transactional id', async () => {
    const t = topology(ns!.namespace);
    const nobody = clientAs(NOBODY).admin();
    await nobody.connect();
    try {
      expect((await nobody.listTopics()).filter((name) => name.startsWith(ns!.namespace))).toEqual([]);
    } finally {
      await nobody.disconnect();
    }
    // what margin may do, as the catalogue says: its own journal writable, liquidation's not
    expect(serviceAcls('margin', ns!.namespace).filter((a) => a.operations.includes('WRITE')).map((a) => a.name)).toEqual([t.journals.margin, t.anchors, t.deadLetter, t.transactionalId('margin')]);

    // the cluster-level retry also covers FindCoordinator while a fresh broker loads __transaction_state
    const margin = clientAs(userOf('margin'), undefined, 8);
    const producer = margin.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: t.journals.liquidation, messages: [{ key: 'forged', value: '{"forged":true}' }] })).rejects.toThrow(/not authorized/i);
    } finally {
      await producer.disconnect();
    }
    // Positive control first: the principal gets its own transactional id (retrying while the broker
    // creates and loads __transaction_state, which a fresh broker does on the first request) …
    const ownId = margin.producer({ transactionalId: t.transactionalId('margin'), idempotent: true, maxInFlightRequests: 1, retry: { retries: 8, initialRetryTime: 200 } });
    await ownId.connect();
    try {
      await (await ownId.transaction()).abort();
    } finally {
      await ownId.disconnect();
    }
    // … so with the coordinator now loaded, a refusal of liquidation's id can only be the ACL.
    // FindCoordinator for a transactional id it may not DESCRIBE is refused; kafkajs wraps the
    // TRANSACTIONAL_ID_AUTHORIZATION_FAILED answer as "failed to find group coordinator".
    const stolenId = margin.producer({ transactionalId: t.transactionalId('liquidation'), idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await stolenId.connect();
    await expect(stolenId.transaction()).rejects.toThrow(/not authorized|authorization|failed to find group coordinator/i);
    await stolenId.disconnect().catch(() => undefined);
  });

  it('the ccp-member-default default runs through the four services, each as its own principal under its ACLs: outcome as embedded, audit passes', async () => {
    const scenario = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'scenarios', 'ccp-member-default.json'), 'utf8')) as unknown;
    const embedded = simulate(scenario, DECIDERS);
    const base = ns!;
    stack = await ChildStack.start({ ...base, env: (p: Producer) => ({ ...base.env(p), ...broker!.env(userOf(p)) }) });
    let kafka;
    try {
      kafka = await runScenarioThroughKafka(scenario, { brokers: base.brokers, namespace: base.namespace, keyring: base.keyring, settle: true, check: () => stack!.throwIfFailed() });
    } catch (error: unknown) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nservice logs: ${stack.logDir}\n${stack.lastLines()}\nbroker:\n${broker!.logTail(20)}`);
    }
    expect(kafka.deadLetters).toEqual([]);
    const pick = (s: typeof embedded.summary) => ({ defaults: s.defaults, totals: s.totals, breaches: s.breaches, liquidationFills: s.liquidationFills });
    expect(pick(kafka.summary)).toEqual(pick(embedded.summary));
    expect(embedded.summary.defaults.length).toBeGreaterThan(0);
    // every service ran as its own principal: its log names no authorization failure
    for (const p of PRODUCERS) expect({ service: p, denied: /not authorized|AUTHORIZATION_FAILED/i.test(stack.services[p].incarnationOutput(0)) }).toEqual({ service: p, denied: false });

    const dir = mkdtempSync(join(tmpdir(), 'ccp-e2e-secure-'));
    try {
      const exported = await exportJournals(createKafka('ccp-e2e-export', base.brokers), topology(base.namespace), base.keyring, dir, `${base.namespace}e2e-export`);
      expect(exported.quarantined).toEqual([]);
      for (const p of PRODUCERS) {
        expect({ journal: p, lines: readFileSync(join(dir, journalFileName(p)), 'utf8') }).toEqual({ journal: p, lines: kafka.journals[p].map((r) => `${serializeRecord(r)}\n`).join('') });
      }
      const report = await verifyJournals(dir, DECIDERS, { keyring: { keyring: base.keyring, path: `${base.keysDir}/keyring.json` } });
      expect(report.findings.filter((f) => !(f.field === 'source.topic' && /ccp\.input\./.test(f.reason)))).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await stack.stop();
    stack.removeLogs();
    stack = undefined;
  });
});
