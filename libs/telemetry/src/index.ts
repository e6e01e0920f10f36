export { startTelemetry, type Telemetry, type TelemetryOptions } from './telemetry';
export { extractTraceContext, injectTraceContext, type KafkaHeaders } from './trace-context';
export { startDecisionSpan, withDecisionSpan, TRACER_NAME, type DecisionInput } from './decision-span';
export { createCcpMetrics, METER_NAME, type CcpMetrics, type DecisionOutcome, type PartitionLag } from './ccp-metrics';
