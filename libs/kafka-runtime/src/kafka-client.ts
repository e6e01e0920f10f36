import { readFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners, type KafkaConfig, type SASLOptions } from 'kafkajs';

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

/** How a client reaches the brokers: TLS (with the CA to trust, and a client certificate for mutual TLS) and SASL. */
export interface KafkaSecurity {
  readonly protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly ssl?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: { readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; readonly username: string; readonly password: string };
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;

/** Thrown with every problem of the Kafka security variables, each naming its variable. */
export class KafkaSecurityConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'KafkaSecurityConfigError';
  }
}

/**
 * The Kafka connection security every client of the project uses (services, CLI, scripts, bench),
 * from the environment (docs/adr/0009-kafka-in-production.md):
 *
 *   KAFKA_SECURITY_PROTOCOL   PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL
 *   KAFKA_SSL_CA_FILE         PEM of the CA(s) to trust (else the system's); KAFKA_SSL_CERT_FILE +
 *                             KAFKA_SSL_KEY_FILE for mutual TLS. Certificates are always verified.
 *   KAFKA_SASL_MECHANISM      SCRAM-SHA-512 (default) | SCRAM-SHA-256 | PLAIN
 *   KAFKA_SASL_USERNAME       the principal (User:<name> in ACLs)
 *   KAFKA_SASL_PASSWORD_FILE  a file holding the password (preferred), or KAFKA_SASL_PASSWORD
 */
export function kafkaSecurityFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): KafkaSecurity {
  const problems: string[] = [];
  const value = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const file = (name: string): string | undefined => {
    const path = value(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error: unknown) {
      problems.push(`${name}: cannot read ${path} (${(error as { code?: string }).code ?? String(error)})`);
      return undefined;
    }
  };
  const protocol = (value('KAFKA_SECURITY_PROTOCOL') ?? 'PLAINTEXT').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new KafkaSecurityConfigError([`KAFKA_SECURITY_PROTOCOL must be one of ${PROTOCOLS.join(', ')}; got '${protocol}'`]);
  }
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol.startsWith('SASL_');
  const tlsNames = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((n) => value(n) !== undefined);
  const saslNames = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'].filter((n) => value(n) !== undefined);
  if (!tls && tlsNames.length > 0) problems.push(`${tlsNames.join(', ')} set but KAFKA_SECURITY_PROTOCOL is ${protocol} (SSL or SASL_SSL uses them)`);
  if (!usesSasl && saslNames.length > 0) problems.push(`${saslNames.join(', ')} set but KAFKA_SECURITY_PROTOCOL is ${protocol} (SASL_PLAINTEXT or SASL_SSL uses them)`);
  let ssl: KafkaSecurity['ssl'];
  if (tls) {
    if ((value('KAFKA_SSL_CERT_FILE') === undefined) !== (value('KAFKA_SSL_KEY_FILE') === undefined)) problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS)');
    const ca = file('KAFKA_SSL_CA_FILE');
    const cert = file('KAFKA_SSL_CERT_FILE');
    const key = file('KAFKA_SSL_KEY_FILE');
    ssl = { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
  }
  let sasl: KafkaSecurity['sasl'];
  if (usesSasl) {
    const mechanism = (value('KAFKA_SASL_MECHANISM') ?? 'SCRAM-SHA-512').toLowerCase();
    if (!(MECHANISMS as readonly string[]).includes(mechanism)) problems.push(`KAFKA_SASL_MECHANISM must be one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN; got '${value('KAFKA_SASL_MECHANISM')}'`);
    if (mechanism === 'plain' && !tls) problems.push('KAFKA_SASL_MECHANISM PLAIN sends the password in clear: use it only with SASL_SSL');
    const username = value('KAFKA_SASL_USERNAME');
    if (username === undefined) problems.push(`KAFKA_SASL_USERNAME is required with ${protocol}`);
    if (value('KAFKA_SASL_PASSWORD') !== undefined && value('KAFKA_SASL_PASSWORD_FILE') !== undefined) problems.push('set KAFKA_SASL_PASSWORD_FILE or KAFKA_SASL_PASSWORD, not both');
    const password = value('KAFKA_SASL_PASSWORD') ?? file('KAFKA_SASL_PASSWORD_FILE')?.replace(/\r?\n$/, '');
    if (password === undefined || password === '') problems.push(`KAFKA_SASL_PASSWORD_FILE (or KAFKA_SASL_PASSWORD) is required with ${protocol}`);
    if (username !== undefined && password) sasl = { mechanism: mechanism as NonNullable<KafkaSecurity['sasl']>['mechanism'], username, password };
  }
  if (problems.length > 0) throw new KafkaSecurityConfigError(problems);
  return { protocol: protocol as KafkaSecurity['protocol'], ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

/** kafkajs options of a KafkaSecurity (rejectUnauthorized stays on: a broker certificate is always verified). */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(security.ssl ? { ssl: { ...security.ssl, rejectUnauthorized: true } } : {}),
    ...(security.sasl ? { sasl: security.sasl as SASLOptions } : {}),
  };
}

/**
 * Retries start at 10 ms: right after a transaction commits, the next one's first send is often
 * answered CONCURRENT_TRANSACTIONS while the coordinator writes the markers, and each such answer
 * costs one retry delay (with 100–300 ms, a few of those per cascade step dominated the
 * transactional rate: ../shared/kafka-clients.md measured 2–4× with 10 ms). Doubling 14 times,
 * capped at 30 s, keeps a retry window of ~100 s, as before, for a broker that is away.
 */
const RETRY = { initialRetryTime: 10, maxRetryTime: 30_000, retries: 14 } as const;

/**
 * A kafkajs client (KAFKAJS_LOG_LEVEL=nothing|error|warn|info|debug, default error), connecting
 * with the security of the environment (kafkaSecurityFromEnv) unless `overrides` give ssl/sasl.
 */
export function createKafka(clientId: string, brokers: readonly string[], overrides: Partial<KafkaConfig> = {}): Kafka {
  const level = LEVELS[(process.env['KAFKAJS_LOG_LEVEL'] ?? 'error').toLowerCase()] ?? logLevel.ERROR;
  const security = 'ssl' in overrides || 'sasl' in overrides ? {} : kafkajsSecurity(kafkaSecurityFromEnv());
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: level,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: RETRY,
    ...security,
    ...overrides,
  });
}

export { Partitioners };
