import { Kafka, logLevel, Partitioners, type KafkaConfig } from 'kafkajs';

const LEVELS: Readonly<Record<string, logLevel>> = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG };

export function parseBrokers(raw: string): string[] {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new Error(`KAFKA_BROKERS names no broker: '${raw}'`);
  for (const b of brokers) if (!/^[^:\s]+:\d{1,5}$/.test(b)) throw new Error(`KAFKA_BROKERS: '${b}' is not host:port`);
  return brokers;
}

/** A kafkajs client (KAFKAJS_LOG_LEVEL=nothing|error|warn|info|debug, default error). */
export function createKafka(clientId: string, brokers: readonly string[], overrides: Partial<KafkaConfig> = {}): Kafka {
  const level = LEVELS[(process.env['KAFKAJS_LOG_LEVEL'] ?? 'error').toLowerCase()] ?? logLevel.ERROR;
  return new Kafka({ clientId, brokers: [...brokers], logLevel: level, connectionTimeout: 5_000, requestTimeout: 30_000, retry: { initialRetryTime: 100, retries: 10 }, ...overrides });
}

export { Partitioners };
