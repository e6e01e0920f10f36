/**
 * Malformed JSON, an unknown command type and a schema-invalid payload on the input topics each
 * land on the dead-letter topic with their reason and original bytes; the next valid message is
 * still applied (four services running, real broker).
 */
import { canonicalJson, PRODUCERS } from '@ccp/contracts';
import { collectUntil, uniqueGroupId } from '@ccp/infra-testing';
import { createKafka, Partitioners } from './kafka-client';
import type { DeadLetterRecord } from './journal-runtime';
import { readTopicToEnd } from './journal-reader';
import { createTestNamespace, InProcessStack, startInProcessStack, TestNamespace } from './testing/test-stack';
import { topology } from './topology';

jest.setTimeout(180_000);

describe('dead letters (e2e, four services)', () => {
  let ns: TestNamespace;
  let stack: InProcessStack;

  beforeAll(async () => {
    ns = await createTestNamespace('e2e-dlq');
    stack = await startInProcessStack(ns);
  });

  afterAll(async () => {
    await stack?.stop();
    await ns?.dispose();
  });

  it('dead-letters each bad message with its reason and bytes, and keeps applying the next valid one', async () => {
    const topo = topology(ns.namespace);
    const kafka = createKafka('ccp-dlq-test', ns.brokers);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const malformed = '{"to":"margin", "type": ';
    const unknownType = JSON.stringify({ to: 'margin', type: 'TeleportCollateral', payload: {}, at: '2026-01-01T00:00:00.000Z' });
    const schemaInvalid = JSON.stringify({ to: 'margin', type: 'RegisterMember', payload: { memberId: 42 }, at: '2026-01-01T00:00:00.000Z' });
    const valid = JSON.stringify({ to: 'margin', type: 'RegisterMember', payload: { memberId: 'member-ok' }, at: '2026-01-01T00:00:01.000Z', commandId: 'venue/register-member-ok' });
    const sent = await producer.send({
      topic: topo.inputs.parameters,
      messages: [malformed, unknownType, schemaInvalid, valid].map((value, i) => ({ key: `k${i}`, value, headers: { 'x-test': `m${i}` } })),
    });
    await producer.disconnect();
    const base = BigInt(sent[0]!.baseOffset!);

    const consumer = kafka.consumer({ groupId: uniqueGroupId('dlq-reader'), readUncommitted: false });
    await consumer.connect();
    const letters = (await collectUntil(consumer, topo.deadLetter, (seen) => seen.length >= 3, { description: 'three dead letters', timeoutMs: 60_000 })).map(
      (m) => JSON.parse(m.value!) as DeadLetterRecord,
    );
    await consumer.disconnect();

    expect(letters.map((l) => [l.service, l.reason.code, l.source.offset, l.key, Buffer.from(l.originalValue!, 'base64').toString('utf8'), l.headers['x-test']])).toEqual([
      ['margin', 'malformed_json', String(base), 'k0', malformed, 'm0'],
      ['margin', 'unknown_type', String(base + 1n), 'k1', unknownType, 'm1'],
      ['margin', 'malformed', String(base + 2n), 'k2', schemaInvalid, 'm2'],
    ]);
    expect(letters[2]!.reason.path).toBe('payload.memberId');
    expect(letters.every((l) => l.source.topic === topo.inputs.parameters && l.reason.message.length > 0)).toBe(true);

    // The valid message after them is in margin's journal, sourced at its offset.
    let found: { type: string; payload: unknown; source: unknown } | undefined;
    const deadline = Date.now() + 60_000;
    while (!found && Date.now() < deadline) {
      const records: Array<{ type: string; payload: unknown; source: unknown }> = [];
      await readTopicToEnd(kafka, topo.journals.margin, (m) => void records.push(JSON.parse(m.value!.toString('utf8'))), { groupPrefix: uniqueGroupId('dlq-journal') });
      found = records.find((r) => r.type === 'RegisterMember');
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found && canonicalJson({ payload: found.payload, source: found.source })).toBe(
      canonicalJson({ payload: { memberId: 'member-ok' }, source: { topic: 'ccp.input.parameters.v1', partition: 0, offset: String(base + 3n) } }),
    );
    expect(stack.fatalErrors).toEqual([]);
    for (const p of PRODUCERS) expect(stack.services[p].runtime.status().ready).toBe(true);
  });
});
