/**
 * Creates the topics of the contracts' catalogue (libs/contracts/src/topics.ts, TOPIC_SPECS) with
 * their partitions, retention and max.message.bytes. Idempotent: existing topics are left as they
 * are, except that their retention.ms / max.message.bytes / cleanup.policy are brought in line.
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 node -r @swc-node/register infra/kafka/create-topics.ts
 *
 * CCP_TOPIC_NAMESPACE (default empty) prefixes every name, as the services do, so that an isolated
 * stack can share the broker (docs/adr/0005-kafka-runtime.md).
 */
import { TOPIC_SPECS as CATALOGUE, type TopicSpec } from '@ccp/contracts';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';

const NAMESPACE = process.env['CCP_TOPIC_NAMESPACE'] ?? '';
if (!/^[a-zA-Z0-9._-]{0,120}$/.test(NAMESPACE)) {
  process.stderr.write(`[create-topics] ERROR: CCP_TOPIC_NAMESPACE must use only [a-zA-Z0-9._-]; got '${NAMESPACE}'\n`);
  process.exit(1);
}
const TOPIC_SPECS: readonly TopicSpec[] = CATALOGUE.map((spec) => ({ ...spec, name: `${NAMESPACE}${spec.name}` }));

function topicConfig(spec: TopicSpec): Array<{ name: string; value: string }> {
  return [
    { name: 'retention.ms', value: String(spec.retentionMs) },
    { name: 'retention.bytes', value: '-1' },
    { name: 'cleanup.policy', value: spec.cleanupPolicy },
    { name: 'max.message.bytes', value: String(spec.maxMessageBytes) },
  ];
}

async function main(): Promise<void> {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',').map((b) => b.trim()).filter(Boolean);
  const kafka = new Kafka({ clientId: 'ccp-create-topics', brokers, logLevel: logLevel.ERROR, retry: { retries: 8 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_SPECS.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: 1,
          configEntries: topicConfig(spec),
        })),
      });
    }
    const present = TOPIC_SPECS.filter((spec) => existing.has(spec.name));
    if (present.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: present.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.name, configEntries: topicConfig(spec) })),
      });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: TOPIC_SPECS.map((spec) => spec.name) });
    for (const spec of TOPIC_SPECS) {
      const found = metadata.topics.find((topic) => topic.name === spec.name);
      if (!found) throw new Error(`topic ${spec.name} is missing after create-topics`);
      if (found.partitions.length < spec.partitions) {
        throw new Error(`topic ${spec.name} has ${found.partitions.length} partitions, the catalogue asks for ${spec.partitions}`);
      }
    }
    process.stderr.write(
      `[create-topics] ${TOPIC_SPECS.length} topics ready on ${brokers.join(',')} ` +
        `(created ${missing.length}, already present ${present.length}): ${TOPIC_SPECS.map((spec) => spec.name).join(' ')}\n`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[create-topics] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
