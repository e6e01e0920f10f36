import { type Attributes, type Meter, metrics } from '@opentelemetry/api';

export type DecisionOutcome = 'accepted' | 'rejected' | 'dead-lettered';

/** One partition's lag: the log end offset minus the next offset the consumer will apply. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface CcpMetrics {
  /** counts input records processed, by producer and outcome (`ccp.events.processed`) */
  recordProcessed(producer: string, outcome: DecisionOutcome, count?: number, attributes?: Attributes): void;
  /** one decision's duration, consume to published (`ccp.decision.duration`, milliseconds) */
  recordDecisionLatency(producer: string, commandType: string, milliseconds: number): void;
  /**
   * Reports consumer lag on every collection from the host's callback (`ccp.consumer.lag`, an
   * observable gauge per topic/partition). Returns a function that stops reporting.
   */
  observeConsumerLag(producer: string, lag: () => readonly PartitionLag[] | Promise<readonly PartitionLag[]>): () => void;
}

export const METER_NAME = '@ccp/telemetry';

/** The services' basic metrics on the global meter provider (startTelemetry registers it). */
export function createCcpMetrics(meter: Meter = metrics.getMeter(METER_NAME)): CcpMetrics {
  const processed = meter.createCounter('ccp.events.processed', { description: 'input records processed by a service', unit: '{record}' });
  const latency = meter.createHistogram('ccp.decision.duration', { description: 'time from consuming an input to its events being published', unit: 'ms' });
  const lagGauge = meter.createObservableGauge('ccp.consumer.lag', { description: 'records between the consumer position and the log end', unit: '{record}' });
  return {
    recordProcessed(producer, outcome, count = 1, attributes = {}) {
      processed.add(count, { ...attributes, 'ccp.producer': producer, 'ccp.outcome': outcome });
    },
    recordDecisionLatency(producer, commandType, milliseconds) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0) throw new Error(`decision latency must be a non-negative number of milliseconds; got ${milliseconds}`);
      latency.record(milliseconds, { 'ccp.producer': producer, 'ccp.command': commandType });
    },
    observeConsumerLag(producer, lag) {
      const callback = async (result: { observe(value: number, attributes?: Attributes): void }): Promise<void> => {
        for (const p of await lag()) {
          result.observe(p.lag, { 'ccp.producer': producer, 'messaging.destination.name': p.topic, 'messaging.destination.partition.id': String(p.partition) });
        }
      };
      lagGauge.addCallback(callback);
      return () => lagGauge.removeCallback(callback);
    },
  };
}
