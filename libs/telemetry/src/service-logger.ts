import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/** The levels CCP_LOG_LEVEL accepts, most severe first (pino's names). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where credentials would appear in a log line (pino-http's `req`/`res` serializers): censored
 * wherever they occur, so no route, level or error path writes a bearer token or a cookie.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export interface ServiceLoggerOptions {
  /** the `service` field of every line (the OpenTelemetry `service.name`, e.g. ccp-margin) */
  readonly service: string;
  /** default info */
  readonly level?: LogLevel;
  /** where the lines go; default standard output, written synchronously */
  readonly destination?: DestinationStream;
}

/** The active span's ids as OpenTelemetry's log data model names them; nothing outside a span. */
export function activeTraceFields(): { trace_id?: string; span_id?: string; trace_flags?: string } {
  const span = trace.getSpanContext(context.active());
  if (span === undefined || !isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: span.traceFlags.toString(16).padStart(2, '0') };
}

/**
 * One service's structured logger: a JSON line per entry (pino) with `level` as a name, an ISO
 * `time`, `service`, and — inside a span — `trace_id`, `span_id` and `trace_flags`, so a line and the
 * trace it belongs to can be joined. Credentials in HTTP request logs are censored (REDACTED_LOG_PATHS).
 */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const level = options.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`level must be one of ${LOG_LEVELS.join(', ')}; got '${level}'`);
  const settings: LoggerOptions = {
    level,
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceFields,
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[Redacted]' },
  };
  // Synchronous stdout: pino's default buffers and flushes on process 'exit', which a process ended
  // by a signal never emits — a service's last lines on SIGTERM ("drained in …") were lost.
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: true }));
}
