import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type IMetricReader, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';

export interface TelemetryOptions {
  /** resource `service.name`, e.g. ccp-margin */
  readonly serviceName: string;
  /** OTLP/HTTP collector base URL; default OTEL_EXPORTER_OTLP_ENDPOINT; absent or empty: nothing is exported */
  readonly otlpEndpoint?: string | null;
  /** more span processors (tests: a SimpleSpanProcessor over an InMemorySpanExporter) */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** more metric readers (tests: a reader collected on demand) */
  readonly metricReaders?: readonly IMetricReader[];
  /** how often metrics are pushed to the collector (default 15 s) */
  readonly metricExportIntervalMs?: number;
}

export interface Telemetry {
  /** true when spans and metrics go to an OTLP collector */
  readonly exporting: boolean;
  /** flushes and stops the providers and unregisters the globals (so telemetry can be started again) */
  shutdown(): Promise<void>;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function endpointOf(options: TelemetryOptions): string | null {
  const raw = options.otlpEndpoint === undefined ? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] : options.otlpEndpoint;
  const trimmed = raw?.trim();
  if (!trimmed) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(`otlpEndpoint must be an http(s) URL of an OTLP/HTTP collector; got '${trimmed}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`otlpEndpoint must be an http(s) URL; got '${trimmed}'`);
  return trimmed.replace(/\/+$/, '');
}

/**
 * Starts OpenTelemetry for one service: W3C trace context (traceparent) and baggage propagation,
 * async-hooks context, a tracer provider (spans always get their own ids, so the parent/child chain
 * survives even when nothing is exported), and — when an OTLP endpoint is configured — batch export
 * of spans to `${endpoint}/v1/traces` and periodic export of metrics to `${endpoint}/v1/metrics`.
 * Without an endpoint nothing leaves the process; nothing is read from other OTEL_* variables.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (!SERVICE_NAME.test(options.serviceName ?? '')) throw new Error(`serviceName must match ${SERVICE_NAME.source}; got '${options.serviceName}'`);
  const endpoint = endpointOf(options);

  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (endpoint !== null) spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }));
  // a tracer provider with no processor is not registered by NodeSDK: keep one that drops spans
  if (spanProcessors.length === 0) spanProcessors.push(new NoopSpanProcessor());

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    autoDetectResources: false,
    instrumentations: [],
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    spanProcessors,
    // explicit empties: otherwise NodeSDK builds OTLP log and metric exporters from OTEL_* defaults
    logRecordProcessors: [],
    metricReaders: [],
  });
  sdk.start();

  const readers: IMetricReader[] = [...(options.metricReaders ?? [])];
  if (endpoint !== null) {
    readers.push(
      new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }), exportIntervalMillis: options.metricExportIntervalMs ?? 15_000 }),
    );
  }
  const meterProvider =
    readers.length > 0 ? new MeterProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName }), readers }) : null;
  if (meterProvider !== null) metrics.setGlobalMeterProvider(meterProvider);

  let stopped = false;
  return {
    exporting: endpoint !== null,
    async shutdown(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        await Promise.all([sdk.shutdown(), meterProvider?.shutdown()]);
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
        metrics.disable();
      }
    },
  };
}
