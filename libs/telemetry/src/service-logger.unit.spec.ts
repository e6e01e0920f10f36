import { context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { type HistogramMetricData, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createServiceLogger, LOG_LEVELS, MILLISECOND_BUCKETS, startTelemetry, type Telemetry } from './index';

/** The lines a logger wrote, parsed. */
function captured(): { destination: { write(chunk: string): void }; lines(): Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  return {
    destination: { write: (chunk) => void chunks.push(chunk) },
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

class OnDemandReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

describe('service logger', () => {
  const spans = new InMemorySpanExporter();
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'ccp-logger-test', otlpEndpoint: null, spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  });
  afterAll(() => telemetry.shutdown());

  it('writes one JSON line per entry with level name, ISO time, service and the given fields', () => {
    const out = captured();
    const logger = createServiceLogger({ service: 'ccp-margin', destination: out.destination });
    logger.info({ journal_topic: 'ccp.margin.events.v1', journal_seq: 41 }, 'folded');
    logger.error({ code: 'malformed_json' }, 'dead-lettered');
    const [info, error] = out.lines();
    expect(info).toMatchObject({ level: 'info', service: 'ccp-margin', journal_topic: 'ccp.margin.events.v1', journal_seq: 41, msg: 'folded', pid: process.pid });
    expect(new Date(info!['time'] as string).toISOString()).toBe(info!['time']);
    expect(error).toMatchObject({ level: 'error', service: 'ccp-margin', code: 'malformed_json' });
    expect(info!['trace_id']).toBeUndefined();
  });

  it.each(LOG_LEVELS.map((level, i) => [level, LOG_LEVELS.slice(0, i + 1)] as const))('at %s writes exactly %j', (level, written) => {
    const out = captured();
    const logger = createServiceLogger({ service: 'ccp-x', level, destination: out.destination });
    for (const l of LOG_LEVELS) logger[l](`at ${l}`);
    expect(out.lines().map((l) => l['level'])).toEqual([...written]);
  });

  it('defaults to info and refuses a level it does not know', () => {
    expect(createServiceLogger({ service: 'ccp-x', destination: captured().destination }).level).toBe('info');
    expect(() => createServiceLogger({ service: 'ccp-x', level: 'verbose' as never })).toThrow(/level must be one of fatal, error, warn, info, debug, trace; got 'verbose'/);
  });

  it("carries the active span's trace_id, span_id and flags, and none outside it", () => {
    const out = captured();
    const logger = createServiceLogger({ service: 'ccp-liquidation', destination: out.destination });
    const span = trace.getTracer('test').startSpan('liquidation decide LiquidateAccount', {}, ROOT_CONTEXT);
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.info('inside'));
    span.end();
    logger.info('outside');
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, trace_flags: '01' });
    expect(inside!['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(outside!['trace_id']).toBeUndefined();
    expect(spans.getFinishedSpans().map((s) => s.spanContext().spanId)).toContain(inside!['span_id']);
  });

  it('censors Authorization, Proxy-Authorization and cookies wherever an HTTP request or response is logged', () => {
    const out = captured();
    const logger = createServiceLogger({ service: 'ccp-margin', destination: out.destination });
    const secret = 'eyJhbGciOiJFZERTQSJ9.secret.signature';
    logger.info(
      { req: { method: 'GET', url: '/defaults', headers: { authorization: `Bearer ${secret}`, 'proxy-authorization': `Basic ${secret}`, cookie: `session=${secret}`, accept: '*/*' } }, res: { statusCode: 200, headers: { 'set-cookie': secret } } },
      'request completed',
    );
    logger.child({ context: 'x' }).warn({ req: { headers: { authorization: secret } } }, 'from a child');
    const [line, child] = out.lines();
    expect(line).toMatchObject({ req: { headers: { authorization: '[Redacted]', 'proxy-authorization': '[Redacted]', cookie: '[Redacted]', accept: '*/*' } }, res: { headers: { 'set-cookie': '[Redacted]' } } });
    expect(child).toMatchObject({ req: { headers: { authorization: '[Redacted]' } } });
    expect(JSON.stringify(out.lines())).not.toContain(secret);
  });
});

describe('startTelemetry for a scrape', () => {
  it('keeps a Prometheus endpoint only when asked for', async () => {
    const without = startTelemetry({ serviceName: 'ccp-x', otlpEndpoint: null });
    expect(without.metricsEndpoint).toBeNull();
    await without.shutdown();
    const scraped = startTelemetry({ serviceName: 'ccp-x', otlpEndpoint: null, prometheus: true });
    expect(typeof scraped.metricsEndpoint?.handle).toBe('function');
    await scraped.shutdown();
  });

  it('gives millisecond histograms buckets from 0.05 ms to 10 s; other histograms keep the defaults', async () => {
    const reader = new OnDemandReader();
    const t = startTelemetry({ serviceName: 'ccp-x', otlpEndpoint: null, metricReaders: [reader] });
    try {
      const meter = metrics.getMeter('test');
      meter.createHistogram('ccp.decision.duration', { unit: 'ms' }).record(0.2);
      meter.createHistogram('ccp.batch.size', { unit: '{record}' }).record(3);
      const collected = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics) as HistogramMetricData[];
      const boundaries = (name: string) => collected.find((m) => m.descriptor.name === name)!.dataPoints[0]!.value.buckets.boundaries;
      expect(boundaries('ccp.decision.duration')).toEqual([...MILLISECOND_BUCKETS]);
      expect(boundaries('ccp.batch.size')).not.toEqual([...MILLISECOND_BUCKETS]);
      expect(collected.find((m) => m.descriptor.name === 'ccp.decision.duration')!.dataPoints[0]!.value.buckets.counts.slice(0, 3)).toEqual([0, 0, 1]);
    } finally {
      await t.shutdown();
    }
  });
});
