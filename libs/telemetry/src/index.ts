export { MILLISECOND_BUCKETS, startTelemetry, type MetricsEndpoint, type Telemetry, type TelemetryOptions } from './telemetry';
export { activeTraceFields, createServiceLogger, LOG_LEVELS, REDACTED_LOG_PATHS, type LogLevel, type ServiceLoggerOptions } from './service-logger';
export { extractTraceContext, injectTraceContext, type KafkaHeaders } from './trace-context';
export { startDecisionSpan, withDecisionSpan, TRACER_NAME, type DecisionInput } from './decision-span';
