import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { READ_API_TOKEN_AUDIENCE, TOKEN_ISSUER_PUBLIC_KEY_FILE, tokenAlgorithmOf, type Producer } from '@ccp/contracts';
import type { ReadApiAuth } from '@ccp/read-models';
import { LOG_LEVELS, type LogLevel } from '@ccp/telemetry';
import { KafkaSecurityConfigError, kafkaSecurityFromEnv, parseBrokers, type KafkaSecurity } from '../kafka-client';
import { readModelSchemaOf } from '@ccp/persistence';
import { checkNamespace } from '../topology';

/** Default HTTP ports of the four services (stack-up.sh uses them). */
export const DEFAULT_HTTP_PORTS: Readonly<Record<Producer, number>> = { margin: 3101, liquidation: 3102, 'default-fund': 3103, 'loss-allocation': 3104 };

const configSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:19092')
    .transform((raw, ctx) => {
      try {
        return parseBrokers(raw);
      } catch (error: unknown) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
  DATABASE_URL: z
    .string()
    .default('postgres://postgres@127.0.0.1:5432/ccp')
    .refine((url) => /^postgres(ql)?:\/\/[^\s]+$/.test(url), 'must be a postgres:// URL'),
  CCP_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier')
    .optional(),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HTTP_HOST: z.union([z.ipv4(), z.literal('localhost')]).default('127.0.0.1'),
  CCP_TOPIC_NAMESPACE: z
    .string()
    .default('')
    .refine((ns) => {
      try {
        checkNamespace(ns);
        return true;
      } catch {
        return false;
      }
    }, 'must use only Kafka topic characters [a-zA-Z0-9._-]'),
  CCP_READ_API_AUTH: z.enum(['jwt', 'off']).default('jwt'),
  CCP_READ_API_JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  CCP_READ_API_JWT_AUDIENCE: z.string().min(1).max(200).default(READ_API_TOKEN_AUDIENCE),
  CCP_READ_API_JWT_ISSUER: z.string().min(1).max(200).optional(),
  CCP_READ_API_DOCS: z.enum(['on', 'off']).default('on'),
  CCP_JOURNAL_KEYS_DIR: z.string().min(1).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(100).max(3_600_000).optional(),
  CCP_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  CCP_SNAPSHOT_EVERY: z
    .string()
    .regex(/^\d[\d_]*$/, 'must be a whole number of journal records (0 = no snapshots)')
    .transform((raw) => Number(raw.replace(/_/g, '')))
    .default(100_000),
});

export interface ServiceConfig {
  readonly producer: Producer;
  readonly brokers: string[];
  readonly databaseUrl: string;
  /** CCP_DATABASE_SCHEMA, else the namespace's own schema (readModelSchemaOf): one namespace per schema */
  readonly databaseSchema: string | undefined;
  readonly httpPort: number;
  /** interface to bind (containers: 0.0.0.0) */
  readonly httpHost: string;
  readonly namespace: string;
  /**
   * OpenTelemetry: the resource's service.name (also the `service` of every log line), the OTLP/HTTP
   * collector traces and metrics are pushed to (none: nothing pushed), how often metrics are pushed
   * (OTEL_METRIC_EXPORT_INTERVAL, default 15 s), and whether the SDK is off altogether (no spans, no
   * trace context in the Kafka headers, no metrics; /metrics answers 404)
   */
  readonly otel: { readonly serviceName: string; readonly endpoint: string | undefined; readonly metricExportIntervalMs: number | undefined; readonly disabled: boolean };
  /** CCP_LOG_LEVEL: the least severe level written (fatal|error|warn|info|debug|trace; default info) */
  readonly logLevel: LogLevel;
  /** the HTTP read API: how readers authenticate, and whether /docs and /openapi.json are served */
  readonly readApi: { readonly auth: ReadApiAuth; readonly docs: boolean };
  /** CCP_SNAPSHOT_EVERY: a fold snapshot after this many journal records (default 100,000; 0 = none; docs/adr/0012-snapshots.md) */
  readonly snapshotEvery: number;
  /** how the Kafka clients connect (KAFKA_SECURITY_PROTOCOL and friends, validated here; the clients read them: createKafka) */
  readonly kafkaSecurity: KafkaSecurity['protocol'];
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once, at start; every problem is reported with the variable's name. */
export function loadServiceConfig(producer: Producer, env: Readonly<Record<string, string | undefined>> = process.env): ServiceConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  const c = parsed.data;
  const problems: string[] = [];
  const auth = readApiAuthOf(c);
  if (typeof auth === 'string') problems.push(auth);
  let kafkaSecurity: KafkaSecurity | undefined;
  try {
    kafkaSecurity = kafkaSecurityFromEnv(env);
  } catch (error: unknown) {
    if (!(error instanceof KafkaSecurityConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || typeof auth === 'string' || kafkaSecurity === undefined) throw new ConfigError(problems);
  return {
    producer,
    brokers: c.KAFKA_BROKERS,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.CCP_DATABASE_SCHEMA ?? readModelSchemaOf(c.CCP_TOPIC_NAMESPACE),
    httpPort: c.HTTP_PORT ?? DEFAULT_HTTP_PORTS[producer],
    httpHost: c.HTTP_HOST,
    namespace: c.CCP_TOPIC_NAMESPACE,
    otel: {
      serviceName: c.OTEL_SERVICE_NAME ?? `ccp-${producer}`,
      endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT,
      metricExportIntervalMs: c.OTEL_METRIC_EXPORT_INTERVAL,
      disabled: c.OTEL_SDK_DISABLED === 'true',
    },
    logLevel: c.CCP_LOG_LEVEL,
    readApi: { auth, docs: c.CCP_READ_API_DOCS === 'on' },
    kafkaSecurity: kafkaSecurity.protocol,
    snapshotEvery: c.CCP_SNAPSHOT_EVERY,
  };
}

/**
 * The read API's authentication (docs/adr/0008-read-api-tokens.md): bearer JWTs verified with the
 * token issuer's public key — CCP_READ_API_JWT_PUBLIC_KEY_FILE, else the keys directory's
 * read-api-issuer.public.pem — or, stated explicitly, none (CCP_READ_API_AUTH=off). A problem is
 * returned as the line to report.
 */
function readApiAuthOf(c: z.infer<typeof configSchema>): ReadApiAuth | string {
  if (c.CCP_READ_API_AUTH === 'off') return { mode: 'off' };
  const fromDir = c.CCP_JOURNAL_KEYS_DIR !== undefined ? join(c.CCP_JOURNAL_KEYS_DIR, TOKEN_ISSUER_PUBLIC_KEY_FILE) : undefined;
  const file = c.CCP_READ_API_JWT_PUBLIC_KEY_FILE ?? (fromDir !== undefined && existsSync(fromDir) ? fromDir : undefined);
  if (file === undefined) {
    return 'CCP_READ_API_JWT_PUBLIC_KEY_FILE: the read API requires bearer tokens; name the token issuer\'s public key (PEM; `ccp tokens keys --out DIR` makes an issuer), put read-api-issuer.public.pem in CCP_JOURNAL_KEYS_DIR, or set CCP_READ_API_AUTH=off on a closed network';
  }
  if (!existsSync(file)) return `CCP_READ_API_JWT_PUBLIC_KEY_FILE: ${file} does not exist`;
  try {
    const key = createPublicKey(readFileSync(file, 'utf8'));
    tokenAlgorithmOf(key);
    return { mode: 'jwt', key, audience: c.CCP_READ_API_JWT_AUDIENCE, ...(c.CCP_READ_API_JWT_ISSUER !== undefined ? { issuer: c.CCP_READ_API_JWT_ISSUER } : {}) };
  } catch (error: unknown) {
    return `CCP_READ_API_JWT_PUBLIC_KEY_FILE: ${file} is not a usable public key (${error instanceof Error ? error.message : String(error)})`;
  }
}
