/**
 * Read models keyed by what they read (issue "journal integrity", item 6), on the real broker and
 * database: a namespace's services project into its own schema and publish their anchors there;
 * a service of another namespace pointed at that schema refuses to start (it would otherwise serve
 * the first namespace's accounts, or skip its own records as "already projected"); and a namespace
 * started without CCP_DATABASE_SCHEMA gets a schema of its own, derived from the namespace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCERS, verifyHead } from '@ccp/contracts';
import { createDataSource, readModelSchemaOf } from '@ccp/persistence';
import { anchorListSchema, readModelOwner, readProjectionPositions } from '@ccp/read-models';
import { loadServiceConfig } from './nest/service-config';
import { readModelBindings, startJournalService } from './nest/bootstrap';
import { waitFor } from '@ccp/infra-testing';
import { runScenarioThroughKafka } from './scenario-feeder';
import { createTestNamespace, InProcessStack, startInProcessStack, TestNamespace } from './testing/test-stack';

jest.setTimeout(300_000);

const SCENARIO = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios/ccp-member-default.json'), 'utf8')) as unknown;

describe('read models of one namespace (e2e, real broker and database)', () => {
  let first: TestNamespace;
  let second: TestNamespace;
  let stack: InProcessStack;

  beforeAll(async () => {
    first = await createTestNamespace('e2e-rm-first');
    second = await createTestNamespace('e2e-rm-second');
    stack = await startInProcessStack(first);
  });

  afterAll(async () => {
    await stack?.stop();
    await first?.dispose();
    await second?.dispose();
  });

  it("projects a namespace into its own schema, anchors included, and refuses a service of another namespace on it", async () => {
    const run = await runScenarioThroughKafka(SCENARIO, { brokers: first.brokers, namespace: first.namespace, keyring: first.keyring, settle: true, check: () => stack.throwIfFailed() });
    expect(run.summary.defaults.length).toBeGreaterThan(0);
    const manager = stack.services.margin.dataSource.manager;
    const expected = Object.fromEntries(PRODUCERS.map((p) => [p, { nextSeq: run.summary.journals[p].records, headHash: run.summary.journals[p].headHash }]));
    await waitFor(async () => JSON.stringify(await readProjectionPositions(manager, first.namespace)) === JSON.stringify(expected), { description: 'every journal projected to its head', timeoutMs: 60_000 });
    const positions = await readProjectionPositions(manager, first.namespace);
    expect(await readModelOwner(manager)).toBe(first.namespace);

    // the anchors the services published, as the read API serves them: signed by each journal's owner
    const response = await fetch(`http://127.0.0.1:${stack.services['default-fund'].port}/anchors`, { headers: { authorization: await first.authorization() } });
    const { anchors } = anchorListSchema.parse(await response.json());
    expect(anchors.map((a) => a.journal)).toEqual([...PRODUCERS]);
    for (const a of anchors) {
      expect(verifyHead(first.keyring, a)).toBe(true);
      expect(a.seq).toBeLessThan(run.summary.journals[a.journal].records);
    }
    expect(anchors.find((a) => a.journal === 'default-fund')?.reason).toBe('default-closed');

    // the second namespace's margin, configured onto the first namespace's schema: refused at start
    const env = { ...second.env('margin'), CCP_DATABASE_SCHEMA: first.schema };
    await expect(startJournalService(loadServiceConfig('margin', env), readModelBindings('margin'), { keys: second.keys.margin, logger: { log: () => undefined, error: () => undefined } }, ['error'])).rejects.toThrow(
      new RegExp(`project the journals of namespace '${first.namespace.replace(/[.]/g, '\\.')}', not '${second.namespace.replace(/[.]/g, '\\.')}'`),
    );
    // …and nothing of the second namespace was written there
    expect(await readModelOwner(manager)).toBe(first.namespace);
    expect(await readProjectionPositions(manager, first.namespace)).toEqual(positions);
  });

  it('derives a schema of its own for a namespace that names none', async () => {
    const { CCP_DATABASE_SCHEMA: _configured, ...env } = second.env('margin');
    const config = loadServiceConfig('margin', env);
    const derived = readModelSchemaOf(second.namespace)!;
    expect(config.databaseSchema).toBe(derived);
    expect(derived).not.toBe(readModelSchemaOf(first.namespace));
    const service = await startJournalService(config, readModelBindings('margin'), { keys: second.keys.margin, logger: { log: () => undefined, error: () => undefined } }, ['error']);
    try {
      // migrated at start, empty, and claimed by nobody until the first record is projected
      const accounts = await fetch(`http://127.0.0.1:${service.port}/accounts/cm-a-house`, { headers: { authorization: await second.authorization() } });
      expect(accounts.status).toBe(404);
      expect(await readModelOwner(service.dataSource.manager)).toBeNull();
      const positions = await readProjectionPositions(service.dataSource.manager, second.namespace);
      expect(PRODUCERS.map((p) => positions[p].nextSeq)).toEqual([0, 0, 0, 0]);
    } finally {
      await service.close();
      const ds = createDataSource({ url: second.databaseUrl, applicationName: 'ccp-rm-namespace-e2e', poolSize: 1 });
      await ds.initialize();
      await ds.query(`DROP SCHEMA IF EXISTS ${derived} CASCADE`);
      await ds.destroy();
    }
  });
});
