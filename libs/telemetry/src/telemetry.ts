import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, type IMetricReader, InstrumentType, MeterProvider, PeriodicExportingMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
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
  /** keep the metrics for a Prometheus scrape (Telemetry.metricsEndpoint serves them); default false */
  readonly prometheus?: boolean;
}

/** The Prometheus text exposition of the process's metrics, for the host's HTTP server to mount. */
export interface MetricsEndpoint {
  /** answers one scrape: collects every instrument now and writes the text format (OpenTelemetry's PrometheusExporter) */
  handle(request: IncomingMessage, response: ServerResponse): void;
}

export interface Telemetry {
  /** true when spans and metrics go to an OTLP collector */
  readonly exporting: boolean;
  /** the scrape endpoint's handler when `prometheus` was asked for, else null */
  readonly metricsEndpoint: MetricsEndpoint | null;
  /** flushes and stops the providers and unregisters the globals (so telemetry can be started again) */
  shutdown(): Promise<void>;
}

/**
 * Bucket bounds of every millisecond histogram (decision and batch durations): a decision takes
 * well under a millisecond, a batch's transaction tens; the SDK's default bounds start at 5 ms.
 */
export const MILLISECOND_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const MILLISECOND_HISTOGRAMS: ViewOptions = {
  instrumentType: InstrumentType.HISTOGRAM,
  instrumentUnit: 'ms',
  aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...MILLISECOND_BUCKETS] } },
};

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
 * of spans to `${endpoint}/v1/traces` and periodic export of metrics to `${endpoint}/v1/metrics`;
 * with `prometheus`, the metrics are also kept for a scrape (`metricsEndpoint`, which starts no
 * server of its own: the host mounts it). Without an endpoint nothing is pushed out of the process;
 * nothing is read from other OTEL_* variables.
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
  const prometheus = options.prometheus === true ? new PrometheusExporter({ preventServerStart: true }) : null;
  if (prometheus !== null) readers.push(prometheus);
  if (endpoint !== null) {
    readers.push(
      new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }), exportIntervalMillis: options.metricExportIntervalMs ?? 15_000 }),
    );
  }
  const meterProvider =
    readers.length > 0 ? new MeterProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName }), readers, views: [MILLISECOND_HISTOGRAMS] }) : null;
  if (meterProvider !== null) metrics.setGlobalMeterProvider(meterProvider);

  let stopped = false;
  return {
    exporting: endpoint !== null,
    metricsEndpoint: prometheus === null ? null : { handle: (request, response) => prometheus.getMetricsRequestHandler(request, response) },
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
