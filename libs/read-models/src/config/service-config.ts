import { z } from 'zod';

/** A service's configuration, validated once at start (design.md: clear errors naming the variable). */
export interface ServiceConfig {
  /** KAFKA_BROKERS: host:port,host:port */
  readonly kafkaBrokers: readonly string[];
  /** DATABASE_URL: postgres://user@host:port/database */
  readonly databaseUrl: string;
  /** HTTP_PORT: 0–65535 (0: an ephemeral port, for tests) */
  readonly httpPort: number;
  /** CCP_TOPIC_NAMESPACE: prefix that isolates a run's topics and groups ('' = the catalogue's names) */
  readonly topicNamespace: string;
  /** SERVICE_NAME: e.g. ccp-margin (telemetry service.name, consumer group, client id) */
  readonly serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: OTLP/HTTP collector; absent = no export */
  readonly otlpEndpoint: string | null;
}

export class ServiceConfigError extends Error {
  constructor(readonly problems: readonly { readonly variable: string; readonly message: string }[]) {
    super(`invalid service configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

const required = (hint: string) => z.string({ error: (issue) => (issue.input === undefined ? `required (${hint})` : 'must be a string') }).trim().min(1, `required (${hint})`);

const HOST_PORT = /^[A-Za-z0-9.-]+:(\d{1,5})$/;

const kafkaBrokers = required('comma-separated host:port list, e.g. 127.0.0.1:19092')
  .transform((s) => s.split(',').map((b) => b.trim()))
  .superRefine((brokers, ctx) => {
    for (const b of brokers) {
      const port = HOST_PORT.exec(b)?.[1];
      if (port === undefined || Number(port) < 1 || Number(port) > 65535) ctx.addIssue({ code: 'custom', message: `'${b}' is not host:port` });
    }
  });

const databaseUrl = required('postgres://user@host:port/database').superRefine((s, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not a URL` });
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') ctx.addIssue({ code: 'custom', message: `must be a postgres:// URL; got ${url.protocol}//` });
  else if (url.pathname.length <= 1) ctx.addIssue({ code: 'custom', message: 'must name the database (postgres://host:5432/ccp)' });
});

const httpPort = required('a TCP port, 0–65535')
  .regex(/^\d{1,5}$/, 'must be a whole number 0–65535')
  .transform(Number)
  .refine((n) => n <= 65535, 'must be a whole number 0–65535');

const topicNamespace = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{0,100}$/, 'letters, digits and . _ - only (Kafka topic characters), at most 100')
  .default('');

const serviceName = required('e.g. ccp-margin').regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -, starting with a letter');

const otlpEndpoint = z
  .string()
  .trim()
  .optional()
  .transform((s) => (s === undefined || s === '' ? null : s))
  .refine((s) => {
    if (s === null) return true;
    try {
      const url = new URL(s);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s):// URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318');

const SHAPE = {
  KAFKA_BROKERS: kafkaBrokers,
  DATABASE_URL: databaseUrl,
  HTTP_PORT: httpPort,
  CCP_TOPIC_NAMESPACE: topicNamespace,
  SERVICE_NAME: serviceName,
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
} as const;

const envSchema = z.object(SHAPE);

/** Reads and validates the configuration; throws ServiceConfigError listing every bad variable at once. */
export function parseServiceConfig(env: Readonly<Record<string, string | undefined>>): ServiceConfig {
  const picked = Object.fromEntries(Object.keys(SHAPE).map((k) => [k, env[k]]));
  const result = envSchema.safeParse(picked);
  if (!result.success) {
    throw new ServiceConfigError(result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })));
  }
  const v = result.data;
  return {
    kafkaBrokers: v.KAFKA_BROKERS,
    databaseUrl: v.DATABASE_URL,
    httpPort: v.HTTP_PORT,
    topicNamespace: v.CCP_TOPIC_NAMESPACE,
    serviceName: v.SERVICE_NAME,
    otlpEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
}
