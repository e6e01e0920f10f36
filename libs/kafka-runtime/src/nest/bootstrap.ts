import 'reflect-metadata';
import { DynamicModule, INestApplication, Logger, Module, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '@ccp/persistence';
import { projectJournalRecords, ReadApiModule, readProjectionPositions, setupOpenApi } from '@ccp/read-models';
import { startTelemetry, type Telemetry } from '@ccp/telemetry';
import { JournalRuntime, JournalRuntimeOptions } from '../journal-runtime';
import type { ReadModelProjector } from '../read-model-projection';
import { HealthController, JOURNAL_RUNTIME } from './health.controller';
import { JournalTransport } from './journal-transport';
import { ConfigError, loadServiceConfig, ServiceConfig } from './service-config';

@Module({})
export class JournalServiceModule {
  static register(runtime: JournalRuntime, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: JournalServiceModule,
      imports,
      controllers: [HealthController],
      providers: [{ provide: JOURNAL_RUNTIME, useValue: runtime }],
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

export interface StartedService {
  readonly app: INestApplication;
  readonly runtime: JournalRuntime;
  readonly config: ServiceConfig;
  readonly dataSource: DataSource;
  /** the HTTP port actually bound (HTTP_PORT=0 picks a free one) */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts one journal service: configuration validated first, then the database (its schema
 * migrated), the HTTP app
 * (health answers while the journal folds), then the journal transport (fold → consume).
 */
export async function startJournalService(
  config: ServiceConfig,
  bindings: ServiceBindings = {},
  runtimeOverrides: Partial<Pick<JournalRuntimeOptions, 'onFatal' | 'logger' | 'sessionTimeoutMs' | 'keys'>> = {},
  nestLogLevels: Array<'error' | 'warn' | 'log'> = ['error', 'warn', 'log'],
): Promise<StartedService> {
  const logger = new Logger(`ccp-${config.producer}`);
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
      logger: { log: (m) => logger.log(m), error: (m) => logger.error(m) },
      ...runtimeOverrides,
    });
    app = await NestFactory.create(JournalServiceModule.register(runtime, bindings.modules?.(dataSource, config) ?? []), { logger: nestLogLevels });
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
    port,
    async close() {
      await app.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** A service's main: config errors print every problem and exit 1; a failed start exits 1. */
export async function runJournalServiceMain(producer: ServiceConfig['producer'], bindings: ServiceBindings = readModelBindings(producer)): Promise<void> {
  let config: ServiceConfig;
  let telemetry: Telemetry;
  try {
    config = loadServiceConfig(producer);
    // Traces cross the four services in Kafka headers (W3C traceparent); exported when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    telemetry = startTelemetry({ serviceName: `ccp-${producer}`, ...(endpoint ? { otlpEndpoint: endpoint } : {}) });
  } catch (error: unknown) {
    process.stderr.write(`[ccp-${producer}] ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  try {
    const started = await startJournalService(config, bindings);
    const stop = () => void telemetry.shutdown().catch(() => undefined);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.stdout.write(`[ccp-${producer}] listening on http://${config.httpHost}:${started.port} (health: /health/live, /health/ready); namespace '${config.namespace}'\n`);
  } catch (error: unknown) {
    process.stderr.write(`[ccp-${producer}] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
