import { context, Context, metrics, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Producer } from '@ccp/contracts';

/**
 * What the runtime needs of tracing and metrics. The default speaks @opentelemetry/api directly
 * (a no-op until an SDK is registered); @ccp/telemetry, when present, registers the SDK and may
 * replace this with its own helpers of the same shape.
 */
export interface RuntimeTelemetry {
  extractTraceContext(headers: Readonly<Record<string, string>>): Context;
  /** writes the trace context of `ctx` (traceparent, tracestate) into `headers` */
  injectTraceContext(headers: Record<string, string>, ctx: Context): void;
  startDecisionSpan(producer: Producer, commandType: string, parent: Context): Span;
  recordProcessed(producer: Producer, kind: 'applied' | 'skipped' | 'dead-lettered', count: number): void;
  recordDecisionLatency(producer: Producer, commandType: string, ms: number): void;
  recordLag(producer: Producer, topic: string, lag: number): void;
  /** records on `journal`'s topic that `producer` refused as not its owner's (forged, garbage, unsigned) */
  recordQuarantined?(producer: Producer, journal: Producer, count: number): void;
}

export function openTelemetryRuntime(): RuntimeTelemetry {
  const tracer = trace.getTracer('@ccp/kafka-runtime');
  const meter = metrics.getMeter('@ccp/kafka-runtime');
  const processed = meter.createCounter('ccp.messages.processed', { description: 'input messages handled, by outcome' });
  const quarantined = meter.createCounter('ccp.journal.quarantined', { description: "journal-topic records refused as not their owner's (forged, garbage, unsigned)" });
  const latency = meter.createHistogram('ccp.decision.duration', { unit: 'ms', description: 'decide + record per input' });
  const lags = new Map<string, number>();
  meter.createObservableGauge('ccp.consumer.lag', { description: 'messages behind the high watermark, per consumed topic' }).addCallback((result) => {
    for (const [key, value] of lags) {
      const [producer, topic] = key.split('|');
      result.observe(value, { producer, topic });
    }
  });
  return {
    extractTraceContext: (headers) => propagation.extract(context.active(), headers),
    injectTraceContext: (headers, ctx) => propagation.inject(ctx, headers),
    startDecisionSpan: (producer, commandType, parent) =>
      tracer.startSpan(`${producer} decide ${commandType}`, { kind: SpanKind.CONSUMER, attributes: { 'ccp.producer': producer, 'ccp.command': commandType } }, parent),
    recordProcessed: (producer, kind, count) => processed.add(count, { producer, outcome: kind }),
    recordDecisionLatency: (producer, commandType, ms) => latency.record(ms, { producer, command: commandType }),
    recordQuarantined: (producer, journal, count) => quarantined.add(count, { producer, journal }),
    recordLag: (producer, topic, lag) => {
      lags.set(`${producer}|${topic}`, lag);
    },
  };
}

export function endSpan(span: Span, error?: string): void {
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end();
}

export { trace };
