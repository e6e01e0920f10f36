import { Kafka, logLevel, Partitioners, type KafkaConfig, type Producer, type ProducerConfig } from 'kafkajs';
import { kafkaBrokersFromEnv } from './env';

const LOG_LEVELS: Readonly<Record<string, logLevel>> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** KAFKAJS_LOG_LEVEL=nothing|error|warn|info|debug (default nothing: tests assert, they do not log). */
export function kafkaLogLevelFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): logLevel {
  const name = (env['KAFKAJS_LOG_LEVEL'] ?? 'nothing').toLowerCase();
  const level = LOG_LEVELS[name];
  if (level === undefined) throw new Error(`KAFKAJS_LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}; got '${name}'`);
  return level;
}

/** A kafkajs client for the brokers in KAFKA_BROKERS. */
export function kafkaFromEnv(clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokersFromEnv(),
    logLevel: kafkaLogLevelFromEnv(),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, retries: 10 },
    ...overrides,
  });
}

/** A producer with the Java client's default partitioner (murmur2), so keys land where Java puts them. */
export function producerOf(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
}

/**
 * A transactional producer as design.md §4 describes it: idempotent, one request in flight, one
 * transactional id per input partition (kafkajs has no KIP-447 fencing by consumer group).
 */
export function transactionalProducerOf(kafka: Kafka, transactionalId: string, config: ProducerConfig = {}): Producer {
  return producerOf(kafka, { transactionalId, idempotent: true, maxInFlightRequests: 1, ...config });
}
