/**
 * The readiness probe over real connections: the running broker and PostgreSQL answer; a broker
 * address with nothing listening and a database connection that is gone do not.
 */
import { createDataSource } from '@ccp/persistence';
import { databaseUrlFromEnv, kafkaBrokersFromEnv } from '@ccp/infra-testing';
import { createKafka } from './kafka-client';
import { ReadinessProbe } from './readiness';

jest.setTimeout(60_000);

describe('ReadinessProbe (real broker, real PostgreSQL)', () => {
  it('reports both reachable, then each one down with the reason', async () => {
    const admin = createKafka('ccp-readiness-test', kafkaBrokersFromEnv()).admin();
    await admin.connect();
    const dataSource = createDataSource({ url: databaseUrlFromEnv(), applicationName: 'ccp-readiness-test', poolSize: 1 });
    await dataSource.initialize();
    try {
      expect(await new ReadinessProbe(() => admin, dataSource).check()).toEqual({ broker: { ok: true, reason: null }, database: { ok: true, reason: null } });

      // no retries: the probe's deadline abandons the call, and a retrying client would go on (and log) after the test
      const nowhere = createKafka('ccp-readiness-test-down', ['127.0.0.1:1'], { retry: { retries: 0 } }).admin();
      const brokerDown = await new ReadinessProbe(() => nowhere, dataSource).check();
      expect(brokerDown.broker.ok).toBe(false);
      expect(brokerDown.broker.reason).toMatch(/the broker/);
      expect(brokerDown.database).toEqual({ ok: true, reason: null });
      await nowhere.disconnect().catch(() => undefined);

      expect((await new ReadinessProbe(() => null, null).check()).broker).toEqual({ ok: false, reason: 'not connected to the broker yet' });
    } finally {
      await admin.disconnect();
      await dataSource.destroy();
    }
    const databaseDown = await new ReadinessProbe(() => admin, dataSource).check();
    expect(databaseDown.database).toEqual({ ok: false, reason: 'the database connection is not initialized' });
  });
});
