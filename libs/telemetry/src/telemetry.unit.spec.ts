import { context, type Context, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import { MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { extractTraceContext, injectTraceContext, startDecisionSpan, startTelemetry, type Telemetry, withDecisionSpan } from './index';

/** A metric reader collected on demand (no timer, no exporter). */
class OnDemandReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** What a producer puts on the wire and a consumer gets back: header values as Buffers, as kafkajs delivers them. */
function overKafka(headers: Record<string, Buffer | string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8')]));
}

/** One hop: the decision span of `producer`, a child of the context carried in `incoming`; returns its outgoing headers. */
function hop(producer: string, command: string, incoming: Record<string, Buffer>, offset: string): { span: Span; outgoing: Record<string, Buffer> } {
  const parent: Context = extractTraceContext(incoming);
  const span = startDecisionSpan(producer, command, parent, {
    stream: 'default:acct-1:acct-1@7',
    correlationId: 'default:acct-1:acct-1@7',
    topic: `ccp.${producer}.input`,
    partition: 0,
    offset,
    consumerGroup: `ccp-${producer}`,
    messageKey: 'acct-1',
  });
  const outgoing = overKafka(injectTraceContext({ 'ccp-record-id': `${producer}:1` }, trace.setSpan(context.active(), span)));
  span.end();
  return { span, outgoing };
}

describe('telemetry', () => {
  const spans = new InMemorySpanExporter();
  const reader = new OnDemandReader();
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'ccp-telemetry-test', otlpEndpoint: null, spanProcessors: [new SimpleSpanProcessor({ exporter: spans })], metricReaders: [reader] });
  });
  afterAll(() => telemetry.shutdown());
  beforeEach(() => spans.reset());

  const finished = (name: string): ReadableSpan => {
    const found = spans.getFinishedSpans().filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('exports nothing without an endpoint', () => {
    expect(telemetry.exporting).toBe(false);
  });

  it('carries the trace id through Kafka headers and makes the decision span a child of the publishing span', () => {
    const tracer = trace.getTracer('test');
    const breach = tracer.startSpan('margin decide ApplyMarkPrice', {}, ROOT_CONTEXT);
    const headers = overKafka(injectTraceContext({}, trace.setSpan(ROOT_CONTEXT, breach)));
    breach.end();
    expect(headers['traceparent']?.toString()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const { span } = hop('liquidation', 'LiquidateAccount', headers, '41');
    const child = finished('liquidation decide LiquidateAccount');
    expect(child.spanContext().traceId).toBe(breach.spanContext().traceId);
    expect(child.parentSpanContext?.spanId).toBe(breach.spanContext().spanId);
    expect(child.spanContext().spanId).not.toBe(breach.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(breach.spanContext().traceId);
    expect(child.kind).toBe(SpanKind.CONSUMER);
    expect(child.attributes).toEqual({
      'ccp.producer': 'liquidation',
      'ccp.command': 'LiquidateAccount',
      'ccp.stream': 'default:acct-1:acct-1@7',
      'ccp.correlation_id': 'default:acct-1:acct-1@7',
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'ccp.liquidation.input',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 41,
      'messaging.consumer.group.name': 'ccp-liquidation',
      'messaging.kafka.message.key': 'acct-1',
    });
  });

  it('makes one default one trace across the four services: breach → liquidation → waterfall → allocation', () => {
    const breach = trace.getTracer('test').startSpan('margin decide ApplyMarkPrice', {}, ROOT_CONTEXT);
    const fromMargin = overKafka(injectTraceContext({}, trace.setSpan(ROOT_CONTEXT, breach)));
    breach.end();
    const liquidation = hop('liquidation', 'LiquidateAccount', fromMargin, '1');
    const waterfall = hop('default-fund', 'RunWaterfall', liquidation.outgoing, '2');
    const allocation = hop('loss-allocation', 'AllocateResidualLoss', waterfall.outgoing, '3');
    const basis = hop('margin', 'CaptureAllocationBasis', allocation.outgoing, '4');

    const chain = [breach, liquidation.span, waterfall.span, allocation.span, basis.span].map((s) => s.spanContext());
    expect(new Set(chain.map((c) => c.traceId)).size).toBe(1);
    const exported = ['liquidation decide LiquidateAccount', 'default-fund decide RunWaterfall', 'loss-allocation decide AllocateResidualLoss', 'margin decide CaptureAllocationBasis'].map(finished);
    exported.forEach((span, i) => expect(span.parentSpanContext?.spanId).toBe(chain[i]!.spanId));
  });

  it('starts a new trace when the headers carry no trace context', () => {
    const { span } = hop('margin', 'ApplyTrade', overKafka({ 'ccp-record-id': 'upstream:1' }), '0');
    const root = finished('margin decide ApplyTrade');
    expect(root.parentSpanContext).toBeUndefined();
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
  });

  it('accepts string and list header values, and ignores a malformed traceparent', () => {
    const parent = trace.getTracer('test').startSpan('upstream', {}, ROOT_CONTEXT);
    const asStrings = injectTraceContext({}, trace.setSpan(ROOT_CONTEXT, parent));
    parent.end();
    const listed = { traceparent: [(asStrings as Record<string, string>)['traceparent']!] };
    expect(trace.getSpanContext(extractTraceContext(asStrings))?.traceId).toBe(parent.spanContext().traceId);
    expect(trace.getSpanContext(extractTraceContext(listed))?.spanId).toBe(parent.spanContext().spanId);
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'not-a-traceparent' }))).toBeUndefined();
  });

  it('withDecisionSpan makes the span active for the work, records a failure, and ends the span', async () => {
    let activeInside: string | undefined;
    await withDecisionSpan('default-fund', 'RunWaterfall', ROOT_CONTEXT, {}, (span) => {
      activeInside = trace.getActiveSpan()?.spanContext().spanId;
      expect(activeInside).toBe(span.spanContext().spanId);
    });
    await expect(
      withDecisionSpan('loss-allocation', 'DecideAllocation', ROOT_CONTEXT, {}, () => {
        throw new Error('basis missing');
      }),
    ).rejects.toThrow('basis missing');
    expect(finished('default-fund decide RunWaterfall').spanContext().spanId).toBe(activeInside);
    const failed = finished('loss-allocation decide DecideAllocation');
    expect(failed.status).toMatchObject({ code: 2, message: 'basis missing' });
    expect(failed.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('startTelemetry configuration', () => {
  it('refuses a malformed endpoint or service name, naming it', () => {
    expect(() => startTelemetry({ serviceName: 'ccp-x', otlpEndpoint: 'grpc://collector:4317' })).toThrow(/otlpEndpoint must be an http\(s\) URL/);
    expect(() => startTelemetry({ serviceName: 'bad name' })).toThrow(/serviceName must match/);
  });

  it('exports when an endpoint is given, and shuts down cleanly without a collector having been reached', async () => {
    const t = startTelemetry({ serviceName: 'ccp-x', otlpEndpoint: 'http://127.0.0.1:1/' });
    expect(t.exporting).toBe(true);
    await t.shutdown();
    await t.shutdown();
  });
});
