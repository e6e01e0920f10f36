import 'reflect-metadata';
import { DynamicModule, INestApplication, Module, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '@ccp/persistence';
import { projectJournalRecords, ReadApiModule, readProjectionPositions, setupOpenApi } from '@ccp/read-models';
import { createServiceLogger, type MetricsEndpoint, startTelemetry, type Telemetry } from '@ccp/telemetry';
import { JournalRuntime, JournalRuntimeOptions } from '../journal-runtime';
import type { ReadModelProjector } from '../read-model-projection';
import { HealthController, JOURNAL_RUNTIME } from './health.controller';
import { JournalTransport } from './journal-transport';
import { METRICS_ENDPOINT, MetricsController } from './metrics.controller';
import { ConfigError, loadServiceConfig, ServiceConfig } from './service-config';
import { runtimeLoggerOf, serviceLoggerModule, serviceLogLevel } from './service-logging';

@Module({})
export class JournalServiceModule {
  static register(runtime: JournalRuntime, imports: ModuleMetadata['imports'] = [], metrics: MetricsEndpoint | null = null): DynamicModule {
    return {
      module: JournalServiceModule,
      imports,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: JOURNAL_RUNTIME, useValue: runtime },
        { provide: METRICS_ENDPOINT, useValue: metrics },
      ],
      exports: [JOURNAL_RUNTIME],
    };
  }
}

/** What a service binds beyond the runtime: its read models (projector + HTTP read API module). */
export interface ServiceBindings {
  readonly projector?: ReadModelProjector;
  /** Nest modules to mount (e.g. the read API), built from the service's data source */
  readonly modules?: (dataSource: DataSource, config: ServiceConfig) => ModuleMetadata['imports'];
  /** last touches on the HTTP app before it listens (e.g. the OpenAPI document) */
  readonly configureApp?: (app: INestApplication, config: ServiceConfig) => void;
}

/**
 * What every journal service binds by default: its PostgreSQL read models, projected in the same
 * database transaction as the journal position they reflect, the HTTP read API over them, and the
 * OpenAPI document of that API at /openapi.json (browsable at /docs).
 */
export function readModelBindings(producer: ServiceConfig['producer']): ServiceBindings {
  return {
    projector: {
      project: (manager, journal, records, anchors) => projectJournalRecords(manager, journal, records, anchors),
      nextSeq: async (manager, journal) => (await readProjectionPositions(manager, journal.namespace))[journal.producer].nextSeq,
    },
    modules: (dataSource, config) => [ReadApiModule.register({ producer, dataSource, auth: config.readApi.auth })],
    configureApp: (app, config) => {
      if (config.readApi.docs) setupOpenApi(app, { title: `ccp ${producer} read API` });
    },
  };
}

/** How a service reports: the process's telemetry, and where its log lines go. */
export interface ServiceObservability {
  /** the process's OpenTelemetry (startTelemetry): its scrape endpoint answers at /metrics; none: /metrics answers 404 */
  readonly telemetry?: Telemetry | null;
  /** where the JSON log lines go; default standard output */
  readonly logDestination?: DestinationStream;
}

export interface StartedService {
  readonly app: INestApplication;
  readonly runtime: JournalRuntime;
  readonly config: ServiceConfig;
  readonly dataSource: DataSource;
  /** the service's pino logger (every line has `service`) */
  readonly logger: Logger;
  /** the HTTP port actually bound (HTTP_PORT=0 picks a free one) */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts one journal service: configuration validated first, then the database (its schema
 * migrated), the HTTP app
 * (health answers while the journal folds), then the journal transport (fold → consume).
 * It logs JSON lines (pino, at CCP_LOG_LEVEL — stricter if `nestLogLevels` asks for fewer levels)
 * through Nest (nestjs-pino) and the runtime alike.
 */
export async function startJournalService(
  config: ServiceConfig,
  bindings: ServiceBindings = {},
  runtimeOverrides: Partial<Pick<JournalRuntimeOptions, 'onFatal' | 'logger' | 'sessionTimeoutMs' | 'keys' | 'snapshotEvery'>> = {},
  nestLogLevels?: Array<'error' | 'warn' | 'log'>,
  observability: ServiceObservability = {},
): Promise<StartedService> {
  const logger = createServiceLogger({
    service: config.otel.serviceName,
    level: serviceLogLevel(config.logLevel, nestLogLevels),
    ...(observability.logDestination !== undefined ? { destination: observability.logDestination } : {}),
  });
  const dataSource = createDataSource({ url: config.databaseUrl, ...(config.databaseSchema ? { schema: config.databaseSchema } : {}), applicationName: `ccp-${config.producer}` });
  await dataSource.initialize();
  let runtime: JournalRuntime | undefined;
  let app: INestApplication | undefined;
  try {
    // The schema is the namespace's own (service-config): migrated here, under an advisory lock, so
    // the four services starting together on a new namespace apply the migrations once.
    if (bindings.projector) await migrate(dataSource);
    runtime = new JournalRuntime({
      producer: config.producer,
      brokers: config.brokers,
      namespace: config.namespace,
      ...(bindings.projector ? { dataSource, projector: bindings.projector } : {}),
      logger: runtimeLoggerOf(logger.child({ context: 'JournalRuntime' })),
      snapshotEvery: config.snapshotEvery,
      ...runtimeOverrides,
    });
    const imports = [serviceLoggerModule(logger), ...(bindings.modules?.(dataSource, config) ?? [])];
    app = await NestFactory.create(JournalServiceModule.register(runtime, imports, observability.telemetry?.metricsEndpoint ?? null), { bufferLogs: true });
    app.useLogger(app.get(NestPinoLogger));
    app.enableShutdownHooks();
    // no framework banner in responses (Express's X-Powered-By)
    (app.getHttpAdapter().getInstance() as { disable?: (setting: string) => void }).disable?.('x-powered-by');
    bindings.configureApp?.(app, config);
    app.connectMicroservice({ strategy: new JournalTransport(runtime) }, { inheritAppConfig: true });
    await app.listen(config.httpPort, config.httpHost);
    await app.startAllMicroservices();
  } catch (error: unknown) {
    // a refused start leaves nothing open behind it (broker connections, the pool, the socket)
    await runtime?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number } | string | null;
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  return {
    app,
    runtime,
    config,
    dataSource,
    logger,
    port,
    async close() {
      await app.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/**
 * A service's main: config errors log every problem and exit 1; a failed start exits 1. Telemetry
 * first (unless OTEL_SDK_DISABLED=true): traces cross the four services in Kafka headers (W3C
 * traceparent), metrics answer a scrape at /metrics, and both are pushed to an OTLP/HTTP collector
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export async function runJournalServiceMain(producer: ServiceConfig['producer'], bindings: ServiceBindings = readModelBindings(producer)): Promise<void> {
  let config: ServiceConfig;
  let telemetry: Telemetry | null;
  try {
    config = loadServiceConfig(producer);
    telemetry = config.otel.disabled
      ? null
      : startTelemetry({
          serviceName: config.otel.serviceName,
          otlpEndpoint: config.otel.endpoint ?? null,
          prometheus: true,
          ...(config.otel.metricExportIntervalMs !== undefined ? { metricExportIntervalMs: config.otel.metricExportIntervalMs } : {}),
        });
  } catch (error: unknown) {
    // the configured level is unknown here: a refusal to start is always written
    const logger = createServiceLogger({ service: `ccp-${producer}` });
    if (error instanceof ConfigError) logger.fatal({ problems: error.issues }, error.message);
    else logger.fatal({ err: error }, `cannot start telemetry: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  let logger: Logger | undefined;
  try {
    const started = await startJournalService(config, bindings, {}, undefined, { telemetry });
    logger = started.logger;
    const stop = () => void telemetry?.shutdown().catch(() => undefined);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const url = `http://${config.httpHost}:${started.port}`;
    logger.info(
      { url, namespace: config.namespace, metrics: telemetry !== null, otlp_endpoint: config.otel.endpoint ?? null },
      `listening on ${url} (health: /health/live, /health/ready; metrics: ${telemetry !== null ? '/metrics' : 'off'}); namespace '${config.namespace}'`,
    );
  } catch (error: unknown) {
    (logger ?? createServiceLogger({ service: config.otel.serviceName, level: config.logLevel })).fatal({ err: error }, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
