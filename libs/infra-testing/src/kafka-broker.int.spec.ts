/**
 * The real broker (infra/kafka/kafka.sh) with the client the runtime uses (kafkajs 2.2.4).
 * These are the checks behind docs/adr/0002: consumer groups, idempotent transactional produce,
 * offsets committed inside the transaction, read_committed isolation.
 */
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { collectUntil, createTestTopics, deleteTestTopics, kafkaBrokersFromEnv, kafkaFromEnv, producerOf, transactionalProducerOf, uniqueGroupId, uniqueTopicName } from './index';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(60_000);

const SENTINEL = '__end__';
const isSentinel = (collected: readonly { value: string | null }[]): boolean => collected.at(-1)?.value === SENTINEL;

describe('Kafka broker (integration)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const createdTopics: string[] = [];
  const openClients: Array<Producer | Consumer> = [];

  const track = <T extends Producer | Consumer>(client: T): T => {
    openClients.push(client);
    return client;
  };

  beforeAll(async () => {
    kafka = kafkaFromEnv('ccp-infra-testing-it');
    admin = kafka.admin();
    try {
      await admin.connect();
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`no Kafka broker answers at KAFKA_BROKERS=${kafkaBrokersFromEnv().join(',')} (${reason}); start one with 'npm run infra:up'`);
    }
  });

  afterEach(async () => {
    await Promise.allSettled(openClients.splice(0).map((client) => client.disconnect()));
  });

  afterAll(async () => {
    await deleteTestTopics(admin, createdTopics).catch(() => undefined);
    await admin.disconnect();
  });

  async function newTopics(...prefixes: string[]): Promise<string[]> {
    const names = prefixes.map(uniqueTopicName);
    await createTestTopics(admin, names.map((name) => ({ name })));
    createdTopics.push(...names);
    return names;
  }

  it('produces and consumes through a consumer group, which resumes after its committed offset', async () => {
    const [topic] = (await newTopics('roundtrip')) as [string];
    const groupId = uniqueGroupId('roundtrip');
    const producer = track(producerOf(kafka, { idempotent: true }));
    await producer.connect();
    await producer.send({ topic, messages: ['one', 'two', 'three'].map((value, i) => ({ key: `k${i}`, value })) });

    const first = track(kafka.consumer({ groupId }));
    await first.connect();
    const firstRun = await collectUntil(first, topic, (seen) => seen.length === 3, { description: 'three records', commit: true });
    expect(firstRun.map((m) => [m.offset, m.key, m.value])).toEqual([
      ['0', 'k0', 'one'],
      ['1', 'k1', 'two'],
      ['2', 'k2', 'three'],
    ]);
    await first.disconnect();

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

    await producer.send({ topic, messages: [{ key: 'k3', value: 'four' }] });
    const second = track(kafka.consumer({ groupId }));
    await second.connect();
    const secondRun = await collectUntil(second, topic, (seen) => seen.length >= 1, { description: 'the record after the committed offset' });
    expect(secondRun.map((m) => [m.offset, m.value])).toEqual([['3', 'four']]);
  });

  it('commits output and input offsets in one transaction; an aborted attempt is invisible to read_committed and is redone', async () => {
    const [input, output] = (await newTopics('tx-input', 'tx-output')) as [string, string];
    const groupId = uniqueGroupId('tx-processor');
    const transactionalId = uniqueGroupId('tx-processor-p0');

    const plain = track(producerOf(kafka));
    await plain.connect();
    await plain.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }] });

    const txProducer = track(transactionalProducerOf(kafka, transactionalId));
    await txProducer.connect();

    // Consume → transform → produce with the consumed offset committed inside the transaction.
    // Attempt 1 processes 'a' (commit), then 'b' (abort: a crash between produce and commit).
    const processOnce = async (decide: (value: string) => 'commit' | 'abort', expected: number): Promise<string[]> => {
      const consumer = track(kafka.consumer({ groupId, readUncommitted: false }));
      await consumer.connect();
      const handled: string[] = [];
      await consumer.subscribe({ topic: input, fromBeginning: true });
      let resolveDone!: () => void;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const value = message.value?.toString('utf8') ?? '';
          const transaction = await txProducer.transaction();
          await transaction.send({ topic: output, messages: [{ key: value, value: value.toUpperCase() }] });
          await transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [{ topic, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] }],
          });
          if (decide(value) === 'commit') await transaction.commit();
          else await transaction.abort();
          handled.push(value);
          if (handled.length === expected) resolveDone();
        },
      });
      await done;
      await consumer.disconnect();
      return handled;
    };

    expect(await processOnce((value) => (value === 'b' ? 'abort' : 'commit'), 2)).toEqual(['a', 'b']);
    const [afterAbort] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(afterAbort?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '1' })]);

    // Restart: the group resumes after the last committed offset, so only 'b' is redelivered.
    expect(await processOnce(() => 'commit', 1)).toEqual(['b']);
    const [afterRetry] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(afterRetry?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '2' })]);

    await plain.send({ topic: output, messages: [{ value: SENTINEL }] });

    const committedReader = track(kafka.consumer({ groupId: uniqueGroupId('read-committed'), readUncommitted: false }));
    await committedReader.connect();
    const committed = await collectUntil(committedReader, output, isSentinel, { description: 'the sentinel (read_committed)' });
    expect(committed.map((m) => m.value)).toEqual(['A', 'B', SENTINEL]);

    // Contrast: the aborted record is in the log; only isolation hides it.
    const uncommittedReader = track(kafka.consumer({ groupId: uniqueGroupId('read-uncommitted'), readUncommitted: true }));
    await uncommittedReader.connect();
    const everything = await collectUntil(uncommittedReader, output, isSentinel, { description: 'the sentinel (read_uncommitted)' });
    expect(everything.map((m) => m.value)).toEqual(['A', 'B', 'B', SENTINEL]);
  });
});
