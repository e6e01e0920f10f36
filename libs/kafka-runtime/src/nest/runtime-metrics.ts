import { metrics } from '@opentelemetry/api';
import type { JournalRuntimeTelemetry } from '../journal-runtime';
import { openTelemetryRuntime } from '../telemetry';

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

/**
 * The runtime's telemetry as the services run it: the hooks of ../telemetry (messages, quarantined
 * records, decision latency, consumer lag, decision spans) and the batch hook. Instruments are taken
 * from the global meter provider: start telemetry before building the runtime.
 */
export function serviceRuntimeTelemetry(): JournalRuntimeTelemetry {
  const meter = metrics.getMeter('@ccp/kafka-runtime');
  const batches = meter.createCounter('ccp.batches.committed', { description: 'consumed batches committed, one Kafka transaction each (records, dead letters, offsets)' });
  const duration = meter.createHistogram('ccp.batch.duration', { unit: 'ms', description: 'deciding and committing one consumed batch' });
  const written = meter.createCounter('ccp.journal.records.written', { description: 'journal records written' });
  return {
    ...openTelemetryRuntime(),
    recordBatch: (producer, topic, batch) => {
      const attributes = { producer, topic };
      batches.add(1, attributes);
      duration.record(batch.durationMs, attributes);
      written.add(batch.journalRecords, attributes);
    },
  };
}
