import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { TopicSpec } from '@ccp/contracts';
import { namespacedTopicSpecs } from './topology';

function topicConfig(spec: TopicSpec): Array<{ name: string; value: string }> {
  return [
    { name: 'retention.ms', value: String(spec.retentionMs) },
    { name: 'retention.bytes', value: '-1' },
    { name: 'cleanup.policy', value: spec.cleanupPolicy },
    { name: 'max.message.bytes', value: String(spec.maxMessageBytes) },
  ];
}

/**
 * Creates the catalogue's topics under a namespace (idempotent: existing topics get their configs
 * re-applied). Returns the names created and those already present.
 */
export async function ensureTopics(admin: Admin, namespace = ''): Promise<{ created: string[]; present: string[] }> {
  const specs = namespacedTopicSpecs(namespace);
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  const present = specs.filter((spec) => existing.has(spec.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({ topic: spec.name, numPartitions: spec.partitions, replicationFactor: 1, configEntries: topicConfig(spec) })),
    });
  }
  if (present.length > 0) {
    await admin.alterConfigs({ validateOnly: false, resources: present.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.name, configEntries: topicConfig(spec) })) });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
  for (const spec of specs) {
    const found = metadata.topics.find((topic) => topic.name === spec.name);
    if (!found) throw new Error(`topic ${spec.name} is missing after creating the catalogue's topics`);
    if (found.partitions.length < spec.partitions) throw new Error(`topic ${spec.name} has ${found.partitions.length} partitions, the catalogue asks for ${spec.partitions}`);
  }
  return { created: missing.map((s) => s.name), present: present.map((s) => s.name) };
}

/** Deletes a namespace's topics (tests clean up after themselves). Refuses the empty namespace. */
export async function deleteNamespaceTopics(admin: Admin, namespace: string): Promise<void> {
  if (namespace === '') throw new Error('refusing to delete the un-namespaced (production) topics');
  const existing = new Set(await admin.listTopics());
  const names = namespacedTopicSpecs(namespace)
    .map((s) => s.name)
    .filter((n) => existing.has(n));
  if (names.length > 0) await admin.deleteTopics({ topics: names });
}
