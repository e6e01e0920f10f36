import type { Admin, ITopicConfig } from 'kafkajs';

export interface TestTopic {
  readonly name: string;
  readonly partitions?: number;
  readonly configEntries?: ITopicConfig['configEntries'];
}

/** Creates topics and waits until they have leaders (the broker has one node, so replication 1). */
export async function createTestTopics(admin: Admin, topics: readonly TestTopic[]): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({
      topic: topic.name,
      numPartitions: topic.partitions ?? 1,
      replicationFactor: 1,
      ...(topic.configEntries ? { configEntries: topic.configEntries } : {}),
    })),
  });
}

/** Deletes topics a test created; missing topics are not an error. */
export async function deleteTestTopics(admin: Admin, names: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const present = names.filter((name) => existing.has(name));
  if (present.length > 0) await admin.deleteTopics({ topics: present });
}
