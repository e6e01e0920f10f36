/**
 * The runtime refuses to write a journal whose topic would not keep it (real broker, real
 * PostgreSQL): a journal topic turned into a compacted one, or given a finite retention, stops the
 * service at start with every problem named; ensureTopics (ccp-init, infra-up) puts the catalogue's
 * settings back and the same service starts.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { createKafka } from './kafka-client';
import { loadServiceConfig } from './nest/service-config';
import { readModelBindings, startJournalService } from './nest/bootstrap';
import { createTestNamespace, TestNamespace } from './testing/test-stack';
import { ensureTopics } from './topics-admin';
import { topology } from './topology';

jest.setTimeout(120_000);

const quiet = { log: () => undefined, error: () => undefined };

describe('broker guards (e2e): a journal topic that would lose records is refused', () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace('guards');
  });
  afterAll(async () => ns?.dispose());

  it('compaction and a 7-day retention on the margin journal stop margin at start; ensureTopics repairs them', async () => {
    const admin = createKafka('ccp-guards-test', ns.brokers).admin();
    await admin.connect();
    try {
      const journal = topology(ns.namespace).journals.margin;
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: journal, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '604800000' }] }],
      });
      const config = loadServiceConfig('margin', ns.env('margin'));
      const refused = startJournalService(config, readModelBindings('margin'), { keys: ns.keys.margin, logger: quiet }, ['error']);
      await expect(refused).rejects.toThrow(/refusing to write the margin journal:/);
      await expect(refused).rejects.toThrow(new RegExp(`topic ${journal.replace(/\./g, '\\.')} has cleanup\\.policy=compact`));
      await expect(refused).rejects.toThrow(/retention\.ms=604800000: a journal is kept forever/);

      await ensureTopics(admin, ns.namespace);
      const service = await startJournalService(config, readModelBindings('margin'), { keys: ns.keys.margin, logger: quiet }, ['error']);
      try {
        expect(service.runtime.status().phase).toBe('consuming');
      } finally {
        await service.close();
      }
    } finally {
      await admin.disconnect();
    }
  });
});
