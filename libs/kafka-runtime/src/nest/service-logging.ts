import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Level, Logger } from 'pino';
import { LOG_LEVELS, type LogLevel } from '@ccp/telemetry';
import type { RuntimeLogger } from '../journal-runtime';

/** Probes and scrapes: answered every few seconds, written only at debug (whatever their status). */
const ROUTINE_PATHS = /^\/(health\/(live|ready)|metrics)\/?(\?|$)/;

/** One HTTP exchange's level: probes and scrapes debug, a failure (5xx) error, the rest (4xx too: the caller's mistake) info. */
export function httpExchangeLevel(request: IncomingMessage, response: ServerResponse, error?: Error): Level {
  if (ROUTINE_PATHS.test(request.url ?? '')) return 'debug';
  if (error !== undefined || response.statusCode >= 500) return 'error';
  return 'info';
}

/**
 * nestjs-pino over the service's logger: Nest's own lines, and a line per HTTP exchange (method,
 * url, status, response time; the request's headers with Authorization and cookies censored by the
 * logger's redaction). nestjs-pino keeps one root logger per process — a service runs one per
 * process; where several Nest apps share one (the in-process test stack), Nest's and the HTTP lines
 * carry the first app's `service`, the runtime's lines (runtimeLoggerOf) their own.
 */
export function serviceLoggerModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger, customLogLevel: httpExchangeLevel, quietReqLogger: true } });
}

/**
 * The level a service logs at: CCP_LOG_LEVEL, made stricter when the host asks Nest-style for fewer
 * levels (e.g. tests: ['error', 'warn'] → warn).
 */
export function serviceLogLevel(configured: LogLevel, nestLevels?: ReadonlyArray<'error' | 'warn' | 'log'>): LogLevel {
  if (nestLevels === undefined) return configured;
  const asked: LogLevel = nestLevels.includes('log') ? 'info' : nestLevels.includes('warn') ? 'warn' : nestLevels.includes('error') ? 'error' : 'fatal';
  return LOG_LEVELS.indexOf(asked) < LOG_LEVELS.indexOf(configured) ? asked : configured;
}

/** The runtime's log calls as pino lines: the message as `msg`, its journal and source positions as fields. */
export function runtimeLoggerOf(logger: Logger): RuntimeLogger {
  return {
    log: (message, fields) => logger.info(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    // the level is fixed at start: when debug is off the runtime builds no fields for it
    ...(logger.isLevelEnabled('debug') ? { debug: (message: string, fields?: Parameters<RuntimeLogger['log']>[1]) => logger.debug(fields ?? {}, message) } : {}),
  };
}
