import { z } from 'zod';
import type { Producer } from '@ccp/contracts';
import { parseBrokers } from '../kafka-client';
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
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
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
  readonly otel: { readonly serviceName: string; readonly endpoint: string | undefined; readonly disabled: boolean };
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
  return {
    producer,
    brokers: c.KAFKA_BROKERS,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.CCP_DATABASE_SCHEMA ?? readModelSchemaOf(c.CCP_TOPIC_NAMESPACE),
    httpPort: c.HTTP_PORT ?? DEFAULT_HTTP_PORTS[producer],
    httpHost: c.HTTP_HOST,
    namespace: c.CCP_TOPIC_NAMESPACE,
    otel: { serviceName: c.OTEL_SERVICE_NAME ?? `ccp-${producer}`, endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT, disabled: c.OTEL_SDK_DISABLED === 'true' },
  };
}
