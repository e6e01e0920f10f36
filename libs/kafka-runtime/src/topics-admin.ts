import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { TopicSpec } from '@ccp/contracts';
import { namespacedTopicSpecs } from './topology';

/**
 * How many copies of each topic the cluster keeps (docs/adr/0009-kafka-in-production.md): the
 * production profile is 3 replicas with min.insync.replicas 2 (a committed journal record survives
 * the loss of a broker; acks=all waits for two); the local single broker runs 1/1.
 */
export interface TopicPlacement {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

export const LOCAL_PLACEMENT: TopicPlacement = { replicationFactor: 1, minInsyncReplicas: 1 };
export const PRODUCTION_PLACEMENT: TopicPlacement = { replicationFactor: 3, minInsyncReplicas: 2 };

/** KAFKA_TOPIC_PROFILE=local|production, or KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS (1 ≤ min ≤ factor). */
export function topicPlacementFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): TopicPlacement {
  const profile = env['KAFKA_TOPIC_PROFILE'] || 'local';
  if (profile !== 'local' && profile !== 'production') throw new Error(`KAFKA_TOPIC_PROFILE must be local or production; got '${profile}'`);
  const base = profile === 'production' ? PRODUCTION_PLACEMENT : LOCAL_PLACEMENT;
  const count = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^[1-9][0-9]?$/.test(raw)) throw new Error(`${name} must be a whole number from 1 to 99; got '${raw}'`);
    return Number(raw);
  };
  const replicationFactor = count('KAFKA_REPLICATION_FACTOR', base.replicationFactor);
  const minInsyncReplicas = count('KAFKA_MIN_INSYNC_REPLICAS', Math.min(base.minInsyncReplicas, replicationFactor));
  if (minInsyncReplicas > replicationFactor) throw new Error(`KAFKA_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) cannot exceed KAFKA_REPLICATION_FACTOR (${replicationFactor}): no write could ever be acknowledged`);
  return { replicationFactor, minInsyncReplicas };
}

function topicConfig(spec: TopicSpec, placement: TopicPlacement): Array<{ name: string; value: string }> {
  return [
    { name: 'min.insync.replicas', value: String(placement.minInsyncReplicas) },
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
export async function ensureTopics(admin: Admin, namespace = '', placement: TopicPlacement = topicPlacementFromEnv()): Promise<{ created: string[]; present: string[] }> {
  const specs = namespacedTopicSpecs(namespace);
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  const present = specs.filter((spec) => existing.has(spec.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({ topic: spec.name, numPartitions: spec.partitions, replicationFactor: placement.replicationFactor, configEntries: topicConfig(spec, placement) })),
    });
  }
  if (present.length > 0) {
    await admin.alterConfigs({ validateOnly: false, resources: present.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.name, configEntries: topicConfig(spec, placement) })) });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
  for (const spec of specs) {
    const found = metadata.topics.find((topic) => topic.name === spec.name);
    if (!found) throw new Error(`topic ${spec.name} is missing after creating the catalogue's topics`);
    if (found.partitions.length < spec.partitions) throw new Error(`topic ${spec.name} has ${found.partitions.length} partitions, the catalogue asks for ${spec.partitions}`);
    const replicas = Math.min(...found.partitions.map((partition) => partition.replicas.length));
    if (replicas < placement.replicationFactor) throw new Error(`topic ${spec.name} has ${replicas} replica(s), KAFKA_REPLICATION_FACTOR asks for ${placement.replicationFactor} (an existing topic's replication is changed by reassigning its partitions, not here)`);
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
