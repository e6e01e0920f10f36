/**
 * One service (margin) on the real broker and database, as startJournalService runs it with
 * telemetry started: its log lines are pino JSON — Nest's, the HTTP exchanges' and the runtime's —
 * each with `service`, the runtime's with their journal position, a decision's with the trace_id and
 * span_id of its span; the Authorization header is censored; CCP_LOG_LEVEL=debug writes the debug
 * lines; /metrics answers without a token with the counters of what it did.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { LOG_LEVELS, startTelemetry, type Telemetry } from '@ccp/telemetry';
import { waitFor } from '@ccp/infra-testing';
import { createKafka, Partitioners } from './kafka-client';
import { readModelBindings, startJournalService, type StartedService } from './nest/bootstrap';
import { SERVICE_METRICS } from './telemetry';
import { loadServiceConfig } from './nest/service-config';
import { createTestNamespace, type TestNamespace } from './testing/test-stack';
import { topology } from './topology';

jest.setTimeout(120_000);

type LogLine = Record<string, unknown> & { level: string; msg?: string; service: string };

/** `name{a="x",b="y"} value` lines of a Prometheus text exposition. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

describe('a service logs JSON lines and serves /metrics (real broker, real database)', () => {
  let ns: TestNamespace;
  let telemetry: Telemetry;
  let service: StartedService;
  const spans = new InMemorySpanExporter();
  const written: string[] = [];
  const fatal: Error[] = [];
  const lines = (): LogLine[] => written.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    ns = await createTestNamespace('int-observability');
    telemetry = startTelemetry({ serviceName: 'ccp-margin', otlpEndpoint: null, prometheus: true, spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    const config = loadServiceConfig('margin', { ...ns.env('margin'), CCP_LOG_LEVEL: 'debug' });
    service = await startJournalService(config, readModelBindings('margin'), { keys: ns.keys.margin, onFatal: (e) => fatal.push(e) }, undefined, {
      telemetry,
      logDestination: { write: (chunk: string) => void written.push(chunk) },
    });
    await waitFor(() => service.runtime.status().ready, { description: 'margin ready', timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await service?.close();
    await telemetry?.shutdown();
    await ns?.dispose();
  });

  it('logs Nest, HTTP and runtime lines as JSON with service, journal position and trace ids; redacts Authorization; serves /metrics without a token', async () => {
    const topo = topology(ns.namespace);
    const producer = createKafka('ccp-int-observability', ns.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const valid = JSON.stringify({ to: 'margin', type: 'RegisterMember', payload: { memberId: 'member-logged' }, at: '2026-01-01T00:00:01.000Z', commandId: 'venue/register-member-logged' });
    const sent = await producer.send({ topic: topo.inputs.parameters, messages: [{ key: 'k0', value: '{"to":"margin", "type": ' }, { key: 'k1', value: valid }] });
    await producer.disconnect();
    const base = BigInt(sent[0]!.baseOffset!);
    await waitFor(() => lines().some((l) => l.msg === 'decided RegisterMember') && lines().some((l) => /^committed a batch/.test(l.msg ?? '')), {
      description: 'the decision and its batch logged',
      timeoutMs: 30_000,
    });

    const url = `http://127.0.0.1:${service.port}`;
    const authorization = await ns.authorization();
    expect((await fetch(`${url}/defaults`, { headers: { authorization } })).status).toBe(200);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const scrape = await fetch(`${url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    const metrics = await scrape.text();
    expect((await fetch(`${url}/defaults`)).status).toBe(401);
    await waitFor(() => lines().filter((l) => l['req'] !== undefined || l['res'] !== undefined).length >= 4, { description: 'four HTTP exchanges logged', timeoutMs: 10_000 });
    expect(fatal).toEqual([]);

    const all = lines();
    for (const line of all) {
      expect({ service: line.service, level: (LOG_LEVELS as readonly string[]).includes(line.level), time: typeof line['time'] === 'string' && !Number.isNaN(Date.parse(line['time'] as string)) }).toEqual({
        service: 'ccp-margin',
        level: true,
        time: true,
      });
    }
    // Nest's own lines go through pino
    expect(all.find((l) => l['context'] === 'NestApplication' && l.msg === 'Nest application successfully started')).toMatchObject({ level: 'info' });
    // the runtime's: the fold with its journal position, the dead letter with the source position
    expect(all.find((l) => /^folded 0 records/.test(l.msg ?? ''))).toMatchObject({ level: 'info', context: 'JournalRuntime', journal_topic: topo.journals.margin, journal_seq: -1 });
    expect(all.find((l) => /^dead-lettered/.test(l.msg ?? ''))).toMatchObject({ level: 'error', journal_topic: topo.journals.margin, source_topic: topo.inputs.parameters, source_offset: String(base), code: 'malformed_json' });
    // a decision (debug) inside its span: the span's ids, and where it went in the journal
    const decided = all.find((l) => l.msg === 'decided RegisterMember')!;
    const span = spans.getFinishedSpans().find((s) => s.name === 'margin decide RegisterMember')!;
    expect(decided).toMatchObject({ level: 'debug', journal_topic: topo.journals.margin, journal_seq: 0, source_offset: String(base + 1n), trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(span.attributes['ccp.seq']).toBe(0);
    expect(all.find((l) => /^committed a batch/.test(l.msg ?? ''))).toMatchObject({ level: 'debug', journal_topic: topo.journals.margin, journal_seq: service.runtime.status().nextSeq - 1, source_topic: topo.inputs.parameters });
    // lines outside a span carry no trace ids
    expect(all.filter((l) => l['context'] === 'NestApplication').every((l) => l['trace_id'] === undefined)).toBe(true);

    // HTTP: a line per exchange; the bearer token never written; probes and scrapes at debug, a 401 at info
    const exchange = (path: string, status: number) => all.find((l) => (l['req'] as { url?: string } | undefined)?.url === path && (l['res'] as { statusCode?: number } | undefined)?.statusCode === status);
    const authorized = exchange('/defaults', 200)!;
    expect(authorized).toMatchObject({ level: 'info', req: { method: 'GET', headers: { authorization: '[Redacted]' } } });
    expect(written.join('')).not.toContain(authorization.replace(/^Bearer /, ''));
    expect(exchange('/defaults', 401)).toMatchObject({ level: 'info' });
    expect(exchange('/health/live', 200)).toMatchObject({ level: 'debug' });
    expect(exchange('/metrics', 200)).toMatchObject({ level: 'debug' });

    // /metrics: what this service counted
    const processed = (outcome: string) => samples(metrics, SERVICE_METRICS.messagesProcessed).filter((s) => s.labels['producer'] === 'margin' && s.labels['outcome'] === outcome).reduce((n, s) => n + s.value, 0);
    expect({ applied: processed('applied'), deadLettered: processed('dead-lettered') }).toEqual({ applied: 1, deadLettered: 1 });
    const written_ = samples(metrics, SERVICE_METRICS.journalRecordsWritten).filter((s) => s.labels['producer'] === 'margin');
    expect(written_.reduce((n, s) => n + s.value, 0)).toBe(service.runtime.status().nextSeq);
    expect(samples(metrics, SERVICE_METRICS.batchesCommitted).find((s) => s.labels['topic'] === 'ccp.input.parameters.v1')?.value).toBeGreaterThanOrEqual(1);
    expect(samples(metrics, `${SERVICE_METRICS.decisionDuration}_count`).find((s) => s.labels['command'] === 'RegisterMember')?.value).toBe(1);
    expect(samples(metrics, `${SERVICE_METRICS.batchDuration}_count`).reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(1);
    expect(samples(metrics, SERVICE_METRICS.consumerLag).find((s) => s.labels['topic'] === 'ccp.input.parameters.v1')).toBeDefined();
    expect(samples(metrics, SERVICE_METRICS.journalQuarantined).find((s) => s.labels['journal'] === 'margin')?.value).toBe(0);
  });
});
