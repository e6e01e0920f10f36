/**
 * Where the real infrastructure is. Scripts (infra/scripts/*.sh) export these for their children;
 * the defaults match infra/kafka/kafka.sh and infra/postgres/ensure-db.sh.
 */
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:19092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ccp';

type Env = Readonly<Record<string, string | undefined>>;

/** KAFKA_BROKERS as a list (comma-separated in the variable). */
export function kafkaBrokersFromEnv(env: Env = process.env): string[] {
  const raw = env['KAFKA_BROKERS']?.trim() || DEFAULT_KAFKA_BROKERS;
  const brokers = raw
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (brokers.length === 0) throw new Error(`KAFKA_BROKERS names no broker: '${raw}'`);
  return brokers;
}

export function databaseUrlFromEnv(env: Env = process.env): string {
  return env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL;
}
