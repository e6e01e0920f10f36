import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

export const TRACER_NAME = '@ccp/telemetry';

/** Where the input of a decision came from, and which aggregate it concerns. */
export interface DecisionInput {
  /** the aggregate id (account, default, fund) */
  readonly stream?: string;
  /** the default id where there is one */
  readonly correlationId?: string | null;
  readonly topic?: string;
  readonly partition?: number;
  /** Kafka offset (int64 as a decimal string) */
  readonly offset?: string;
  readonly consumerGroup?: string;
  readonly messageKey?: string;
}

function attributesOf(producer: string, commandType: string, input: DecisionInput): Attributes {
  const a: Attributes = { 'ccp.producer': producer, 'ccp.command': commandType };
  if (input.stream !== undefined) a['ccp.stream'] = input.stream;
  if (input.correlationId) a['ccp.correlation_id'] = input.correlationId;
  if (input.topic !== undefined) {
    a['messaging.system'] = 'kafka';
    a['messaging.operation.type'] = 'process';
    a['messaging.operation.name'] = 'process';
    a['messaging.destination.name'] = input.topic;
  }
  if (input.partition !== undefined) a['messaging.destination.partition.id'] = String(input.partition);
  if (input.offset !== undefined) {
    // int64 offsets: a number while exact, else the decimal string
    const n = Number(input.offset);
    a['messaging.kafka.offset'] = Number.isSafeInteger(n) ? n : input.offset;
  }
  if (input.consumerGroup !== undefined) a['messaging.consumer.group.name'] = input.consumerGroup;
  if (input.messageKey !== undefined) a['messaging.kafka.message.key'] = input.messageKey;
  return a;
}

/**
 * Starts the span of one decision (consume → decide → append → publish) as a child of the context
 * extracted from the input's headers, so one default is one trace across the four services. The
 * caller ends it; inject `trace.setSpan(context.active(), span)` into what the decision publishes.
 */
export function startDecisionSpan(producer: string, commandType: string, parent: Context, input: DecisionInput = {}): Span {
  return trace.getTracer(TRACER_NAME).startSpan(`${producer} decide ${commandType}`, { kind: SpanKind.CONSUMER, attributes: attributesOf(producer, commandType, input) }, parent);
}

/**
 * Runs `work` inside a decision span (the span is active, so injected headers carry it), records a
 * thrown error on the span, and ends it either way.
 */
export async function withDecisionSpan<T>(producer: string, commandType: string, parent: Context, input: DecisionInput, work: (span: Span) => Promise<T> | T): Promise<T> {
  const span = startDecisionSpan(producer, commandType, parent, input);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error: unknown) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
