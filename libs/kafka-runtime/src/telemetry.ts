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
  /** a batch of `topic` (logical name) committed: its messages, the journal records it wrote, and how long deciding and committing took */
  recordBatch?(producer: Producer, topic: string, batch: { readonly messages: number; readonly journalRecords: number; readonly durationMs: number }): void;
}

/**
 * The series a service exposes at /metrics (Prometheus names: OpenTelemetry's dots become
 * underscores, counters end in _total, histograms give _bucket/_sum/_count; no unit suffix).
 * Every series is labelled `producer` (the service that counted it); the other labels are named
 * with each. Units: milliseconds and records.
 */
export const SERVICE_METRICS = {
  /** input messages handled, `outcome`: applied | skipped | dead-lettered (dead letters are this outcome) */
  messagesProcessed: 'ccp_messages_processed_total',
  /** journal-topic records refused as not their owner's, `journal`: whose topic */
  journalQuarantined: 'ccp_journal_quarantined_total',
  /** decide + record per input (ms), `command` */
  decisionDuration: 'ccp_decision_duration',
  /** messages behind the high watermark after the last batch, `topic` (logical name) */
  consumerLag: 'ccp_consumer_lag',
  /** batches committed (one Kafka transaction each), `topic` */
  batchesCommitted: 'ccp_batches_committed_total',
  /** deciding and committing one batch (ms), `topic` */
  batchDuration: 'ccp_batch_duration',
  /** journal records written, `topic`: the source the batch came from */
  journalRecordsWritten: 'ccp_journal_records_written_total',
} as const;

export function openTelemetryRuntime(): RuntimeTelemetry {
  const tracer = trace.getTracer('@ccp/kafka-runtime');
  const meter = metrics.getMeter('@ccp/kafka-runtime');
  const processed = meter.createCounter('ccp.messages.processed', { description: 'input messages handled, by outcome' });
  const quarantined = meter.createCounter('ccp.journal.quarantined', { description: "journal-topic records refused as not their owner's (forged, garbage, unsigned)" });
  const latency = meter.createHistogram('ccp.decision.duration', { unit: 'ms', description: 'decide + record per input' });
  const batches = meter.createCounter('ccp.batches.committed', { description: 'consumed batches committed, one Kafka transaction each (records, dead letters, offsets)' });
  const batchDuration = meter.createHistogram('ccp.batch.duration', { unit: 'ms', description: 'deciding and committing one consumed batch' });
  const written = meter.createCounter('ccp.journal.records.written', { description: 'journal records written' });
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
    recordBatch: (producer, topic, batch) => {
      const attributes = { producer, topic };
      batches.add(1, attributes);
      batchDuration.record(batch.durationMs, attributes);
      written.add(batch.journalRecords, attributes);
    },
  };
}

export function endSpan(span: Span, error?: string): void {
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end();
}

export { trace };
