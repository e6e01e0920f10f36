/**
 * The four services as child processes (ChildStack), with telemetry on as they run in production:
 * - a real Prometheus (Debian's /usr/bin/prometheus, on a free port with its own storage) scrapes
 *   each service's /metrics while ccp-member-default runs, plus one malformed input and one
 *   garbage record on margin's journal topic; its HTTP API (/api/v1/query) then has each service's
 *   series with the values the run must have produced (journal records written equal to the
 *   journals' lengths, the one dead letter, the one quarantined record per consumer of margin's
 *   journal);
 * - a small OTLP/HTTP receiver in this test takes the services' trace and metric export (JSON, as
 *   @opentelemetry/exporter-*-otlp-http sends it): the default's decision spans come from all four
 *   services, in one trace whose spans link up to a single root;
 * - every line the services write is JSON with their `service`, and at CCP_LOG_LEVEL=debug each
 *   decision about the default logs the trace_id of that trace.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type EventEnvelope, PRODUCERS, type Producer } from '@ccp/contracts';
import { waitFor } from '@ccp/infra-testing';
import { createKafka, Partitioners } from './kafka-client';
import { SERVICE_METRICS } from './telemetry';
import { runScenarioThroughKafka, type KafkaScenarioResult } from './scenario-feeder';
import { ChildStack, freePort } from './testing/child-stack';
import { createTestNamespace, type TestNamespace } from './testing/test-stack';
import { consumedJournals, topology } from './topology';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(600_000);

const PROMETHEUS_BINARY = '/usr/bin/prometheus';
const scenarioFile = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios', `${name}.json`), 'utf8'));

// --- OTLP/HTTP receiver ---------------------------------------------------------------------------

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpKeyValue[];
}
interface OtlpResource {
  attributes?: OtlpKeyValue[];
}
interface ExportTraceServiceRequest {
  resourceSpans?: Array<{ resource?: OtlpResource; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}
interface ExportMetricsServiceRequest {
  resourceMetrics?: Array<{ resource?: OtlpResource; scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }>;
}

/** A span as received: its service (resource service.name) and attributes as plain values. */
interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root */
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Record<string, string | number | boolean>;
}

const plain = (v: OtlpAnyValue): string | number | boolean => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
const attributesOf = (kvs: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, plain(kv.value)]));
const HEX_ID = (bytes: number) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`);

/** The OTLP/HTTP JSON encoding (proto3 JSON with hex ids); a protobuf body is refused so the test says what was sent. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** service.name → metric names pushed */
  readonly metricNames = new Map<string, Set<string>>();
  readonly problems: string[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.take(req).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        (error: unknown) => {
          this.problems.push(`${req.url}: ${error instanceof Error ? error.message : String(error)}`);
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: String(error) }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async take(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    if (req.method !== 'POST') throw new Error(`expected POST, got ${req.method}`);
    if (!/^application\/json/.test(req.headers['content-type'] ?? '')) throw new Error(`expected the JSON encoding, got content-type ${req.headers['content-type']}`);
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (req.url === '/v1/traces') this.takeTraces(json as ExportTraceServiceRequest);
    else if (req.url === '/v1/metrics') this.takeMetrics(json as ExportMetricsServiceRequest);
    else throw new Error(`unexpected path ${req.url}`);
  }

  private takeTraces(request: ExportTraceServiceRequest): void {
    for (const rs of request.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const span of (rs.scopeSpans ?? []).flatMap((s) => s.spans ?? [])) {
        if (!HEX_ID(16).test(span.traceId) || !HEX_ID(8).test(span.spanId)) throw new Error(`span ids are not hex: ${span.traceId}/${span.spanId}`);
        this.spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, attributes: attributesOf(span.attributes) });
      }
    }
  }

  private takeMetrics(request: ExportMetricsServiceRequest): void {
    for (const rm of request.resourceMetrics ?? []) {
      const service = String(attributesOf(rm.resource?.attributes)['service.name'] ?? '');
      const names = this.metricNames.get(service) ?? new Set<string>();
      for (const m of (rm.scopeMetrics ?? []).flatMap((s) => s.metrics ?? [])) names.add(m.name);
      this.metricNames.set(service, names);
    }
  }
}

// --- Prometheus -----------------------------------------------------------------------------------

interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** Debian's Prometheus server on a free port, its own storage, scraping the given targets every second. */
class PrometheusServer {
  private child: ChildProcess | null = null;
  private output = '';
  private exited: Promise<void> | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'ccp-prometheus-'));
  port = 0;

  async start(targets: Readonly<Record<Producer, number>>): Promise<void> {
    if (!existsSync(PROMETHEUS_BINARY)) {
      throw new Error(`${PROMETHEUS_BINARY} is missing: install Debian's prometheus package (apt-get install -y prometheus; infra/scripts/infra-up.sh does it when run as root)`);
    }
    this.port = await freePort();
    const staticConfigs = PRODUCERS.map((p) => `      - targets: ['127.0.0.1:${targets[p]}']\n        labels: { service: 'ccp-${p}' }`).join('\n');
    const config = `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: ccp\n    metrics_path: /metrics\n    static_configs:\n${staticConfigs}\n`;
    writeFileSync(join(this.dir, 'prometheus.yml'), config);
    const child = spawn(PROMETHEUS_BINARY, [`--config.file=${join(this.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${this.port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const take = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${this.logTail()}`);
        return (await fetch(`http://127.0.0.1:${this.port}/-/ready`).catch(() => null))?.status === 200;
      },
      { description: `prometheus ready on port ${this.port}`, timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`query ${promql}: ${res.status} ${body.error ?? JSON.stringify(body)}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** `sum by (producer) (…)` as producer → value */
  async byProducer(promql: string): Promise<Partial<Record<Producer, number>>> {
    return Object.fromEntries((await this.query(`sum by (producer) (${promql})`)).map((s) => [s.metric['producer'], s.value]));
  }

  logTail(): string {
    return this.output.split('\n').slice(-30).join('\n');
  }

  /** SIGTERM by pid (SIGKILL if it lingers), then its storage is removed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
      await this.exited!.finally(() => clearTimeout(timer));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `read` until `done` holds of its value (or a hang guard expires) and returns the last value, for the assertion to show. */
async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  let last: T = await read();
  await waitFor(
    async () => {
      last = await read();
      return done(last);
    },
    { description: 'the values to settle', timeoutMs, intervalMs: 500 },
  ).catch(() => undefined);
  return last;
}

/** Input records of a journal (one decision each) about a default: their own correlation id, else the first their events carry. */
function decisionsAbout(journal: readonly EventEnvelope[], defaultId: string): number {
  const opened = new Map<string, string>();
  for (const r of journal) if (r.kind === 'event' && r.causationId !== null && r.correlationId !== null && !opened.has(r.causationId)) opened.set(r.causationId, r.correlationId);
  return journal.filter((r) => r.kind === 'input' && (r.correlationId ?? opened.get(r.id) ?? null) === defaultId).length;
}

const forEveryProducer = <T>(f: (p: Producer) => T): Record<Producer, T> => Object.fromEntries(PRODUCERS.map((p) => [p, f(p)])) as Record<Producer, T>;

describe('metrics scraped by Prometheus, traces and metrics over OTLP, JSON logs: the four services as processes (e2e)', () => {
  let ns: TestNamespace;
  let stack: ChildStack | undefined;
  const receiver = new OtlpReceiver();
  const prometheus = new PrometheusServer();
  let kafka: KafkaScenarioResult;
  let defaultId: string;
  let passed = false;

  beforeAll(async () => {
    await receiver.start();
    ns = await createTestNamespace('e2e-observability');
    // as production runs them: the SDK on (the test namespace turns it off), OTLP export to the
    // receiver, metrics pushed every second; debug lines so decisions log their trace ids
    const observed: TestNamespace = {
      ...ns,
      env: (p) => ({ ...ns.env(p), OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`, OTEL_METRIC_EXPORT_INTERVAL: '1000', CCP_LOG_LEVEL: 'debug' }),
    };
    stack = await ChildStack.start(observed);
    await prometheus.start(forEveryProducer((p) => stack!.services[p].port));

    kafka = await runScenarioThroughKafka(scenarioFile('ccp-member-default'), { brokers: ns.brokers, namespace: ns.namespace, keyring: ns.keyring, settle: true, check: () => stack!.throwIfFailed() });
    expect(kafka.deadLetters).toEqual([]);
    expect(kafka.summary.defaults).toHaveLength(1);
    defaultId = kafka.summary.defaults[0]!.defaultId;

    // one malformed input (margin, the dead-letter steward, dead-letters it) and one garbage record
    // on margin's journal topic (every consumer of that journal quarantines it)
    const topo = topology(ns.namespace);
    const producer = createKafka('ccp-e2e-observability', ns.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: topo.inputs.parameters, messages: [{ key: 'garbage', value: '{"to":"margin", "type": ' }] });
    await producer.send({ topic: topo.journals.margin, messages: [{ key: 'garbage', value: 'not a journal record' }] });
    await producer.disconnect();
  });

  afterAll(async () => {
    await stack?.stop();
    await prometheus.stop();
    await receiver.stop();
    await ns?.dispose();
    if (passed) stack?.removeLogs();
  });

  const explain = async <T>(what: () => Promise<T>): Promise<T> => {
    try {
      return await what();
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      throw Object.assign(error instanceof Error ? error : new Error(message), {
        message: `${message}\n\nservice logs: ${stack?.logDir}\n${stack?.lastLines(4)}\nprometheus:\n${prometheus.logTail()}\nOTLP receiver problems: ${JSON.stringify(receiver.problems)}`,
      });
    }
  };

  it('Prometheus scrapes every service and has the series the run produced', () =>
    explain(async () => {
      const up = await settled(
        async () => Object.fromEntries((await prometheus.query('up{job="ccp"}')).map((s) => [s.metric['service'], s.value])),
        (v) => PRODUCERS.every((p) => v[`ccp-${p}`] === 1),
      );
      expect(up).toEqual(Object.fromEntries(PRODUCERS.map((p) => [`ccp-${p}`, 1])));

      // journal records written, as counted by each service, equal its journal read back from Kafka
      const journalLengths = forEveryProducer((p) => kafka.journals[p].length);
      const written = await settled(() => prometheus.byProducer(SERVICE_METRICS.journalRecordsWritten), (v) => PRODUCERS.every((p) => v[p] === journalLengths[p]));
      expect(written).toEqual(journalLengths);
      for (const p of PRODUCERS) expect({ producer: p, records: journalLengths[p] > 0 }).toEqual({ producer: p, records: true });

      // the one dead letter (margin), and the garbage record quarantined by each consumer of margin's journal
      const consumers = PRODUCERS.filter((p) => consumedJournals(p).includes('margin'));
      expect(consumers.length).toBeGreaterThan(0);
      const deadLettered = await settled(
        () => prometheus.byProducer(`${SERVICE_METRICS.messagesProcessed}{outcome="dead-lettered"}`),
        (v) => PRODUCERS.every((p) => (v[p] ?? 0) === (p === 'margin' || consumers.includes(p) ? 1 : 0)),
      );
      expect(forEveryProducer((p) => deadLettered[p] ?? 0)).toEqual(forEveryProducer((p) => (p === 'margin' || consumers.includes(p) ? 1 : 0)));
      const quarantined = await settled(() => prometheus.byProducer(`${SERVICE_METRICS.journalQuarantined}{journal="margin"}`), (v) => consumers.every((p) => v[p] === 1));
      expect(Object.fromEntries(consumers.map((p) => [p, quarantined[p]]))).toEqual(Object.fromEntries(consumers.map((p) => [p, 1])));

      // every service applied messages, committed batches, timed decisions and batches, reported its lag
      const applied = await prometheus.byProducer(`${SERVICE_METRICS.messagesProcessed}{outcome="applied"}`);
      const batches = await prometheus.byProducer(SERVICE_METRICS.batchesCommitted);
      const decisions = await prometheus.byProducer(`${SERVICE_METRICS.decisionDuration}_count`);
      const batchTimings = await prometheus.byProducer(`${SERVICE_METRICS.batchDuration}_count`);
      const lagSeries = await prometheus.query(SERVICE_METRICS.consumerLag);
      for (const p of PRODUCERS) {
        expect({ producer: p, applied: applied[p]! > 0, batches: batches[p]! > 0, decisions: decisions[p]! > 0, batchTimings: batchTimings[p] === batches[p] }).toEqual({
          producer: p,
          applied: true,
          batches: true,
          decisions: true,
          batchTimings: true,
        });
        const lags = lagSeries.filter((s) => s.metric['producer'] === p);
        expect({ producer: p, lagSeries: lags.length > 0, lagsNonNegative: lags.every((s) => s.value >= 0) }).toEqual({ producer: p, lagSeries: true, lagsNonNegative: true });
      }
      // the decision latency histogram answers a quantile query (a value, whatever it is)
      const p99 = await prometheus.query(`histogram_quantile(0.99, sum by (le, producer) (${SERVICE_METRICS.decisionDuration}_bucket))`);
      expect(p99.map((s) => s.metric['producer']).sort()).toEqual([...PRODUCERS].sort());
      expect(p99.every((s) => Number.isFinite(s.value) && s.value > 0)).toBe(true);

      // every query of the Grafana dashboard is valid PromQL over these series and finds some
      const dashboard = JSON.parse(readFileSync(join(__dirname, '../../../infra/grafana/ccp-services.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
      const asGrafanaSends = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m').replaceAll('$job', 'ccp').replaceAll('$producer', '.*');
      const askAll = async (): Promise<Array<{ panel: string; series: boolean }>> => {
        const answers: Array<{ panel: string; series: boolean }> = [];
        for (const panel of dashboard.panels) for (const t of panel.targets ?? []) answers.push({ panel: panel.title, series: (await prometheus.query(asGrafanaSends(t.expr))).length > 0 });
        return answers;
      };
      // rates and increases need two scrapes of a series: the first ones may not be in yet
      const answers = await settled(askAll, (all) => all.every((a) => a.series));
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((a) => !a.series)).toEqual([]);
    }));

  it("the default's decision spans come from all four services, in one trace that links up to a single root", () =>
    explain(async () => {
      // one decision span per input record the journals hold about the default (its own correlation
      // id, or the one its events open)
      const expected = forEveryProducer((p) => decisionsAbout(kafka.journals[p], defaultId));
      const ofDefault = () => receiver.spans.filter((s) => s.attributes['ccp.correlation_id'] === defaultId);
      const traceOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
      const perService = () => forEveryProducer((p) => ofDefault().filter((s) => s.service === `ccp-${p}`).length);
      const complete = (): boolean => {
        if (PRODUCERS.some((p) => perService()[p] < expected[p])) return false;
        const trace = traceOf(ofDefault()[0]!.traceId);
        const ids = new Set(trace.map((s) => s.spanId));
        return trace.every((s) => s.parentSpanId === '' || ids.has(s.parentSpanId));
      };
      await waitFor(complete, { description: `the spans of ${defaultId} from all four services, with every parent`, timeoutMs: 90_000, intervalMs: 250 }).catch(() => undefined);

      expect(perService()).toEqual(expected);
      for (const p of PRODUCERS) expect({ producer: p, decisions: expected[p] > 0 }).toEqual({ producer: p, decisions: true });
      const spans = ofDefault();
      expect([...new Set(spans.map((s) => s.traceId))]).toHaveLength(1);
      const traceId = spans[0]!.traceId;
      const trace = traceOf(traceId);
      const ids = new Set(trace.map((s) => s.spanId));
      expect(trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId)).map((s) => `${s.service}: ${s.name}`)).toEqual([]);
      const roots = trace.filter((s) => s.parentSpanId === '');
      expect(roots.map((s) => [s.service, s.name])).toEqual([['ccp-margin', 'margin decide ApplyMarkPrice']]);
      // the cascade as the services decided it: one decision span each, named after its command
      for (const p of PRODUCERS) {
        const names = spans.filter((s) => s.service === `ccp-${p}`).map((s) => s.name);
        expect({ service: p, decides: names.length > 0 && names.every((n) => n.startsWith(`${p} decide `)) }).toEqual({ service: p, decides: true });
      }
      expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['liquidation decide LiquidateAccount', 'default-fund decide RunWaterfall', 'loss-allocation decide AllocateResidualLoss']));

      // the metrics were pushed over OTLP too
      for (const p of PRODUCERS) {
        const names = receiver.metricNames.get(`ccp-${p}`) ?? new Set<string>();
        expect({ service: p, pushed: ['ccp.messages.processed', 'ccp.decision.duration', 'ccp.batches.committed'].filter((n) => names.has(n)) }).toEqual({
          service: p,
          pushed: ['ccp.messages.processed', 'ccp.decision.duration', 'ccp.batches.committed'],
        });
      }
      expect(receiver.problems).toEqual([]);

      // every line the services wrote is JSON: theirs with their `service`, kafkajs's its own; each
      // decision about the default names its journal position and the default's trace
      const decidedLines = (p: Producer) => stack!.services[p].incarnationOutput(0).split('\n').filter((l) => l.includes('"msg":"decided ') && l.includes(defaultId)).length;
      await waitFor(() => PRODUCERS.every((p) => decidedLines(p) >= expected[p]), { description: 'the decision lines written', timeoutMs: 30_000 }).catch(() => undefined);
      for (const p of PRODUCERS) {
        const lines = stack!.services[p].incarnationOutput(0).split('\n').filter(Boolean);
        const parsed = lines.map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return { unparsed: line };
          }
        });
        expect({ service: p, foreign: parsed.filter((l) => l['service'] !== `ccp-${p}` && l['logger'] !== 'kafkajs') }).toEqual({ service: p, foreign: [] });
        expect(parsed.find((l) => /^listening on /.test(String(l['msg'])))).toMatchObject({ level: 'info', metrics: true });
        const decided = parsed.filter((l) => l['correlation_id'] === defaultId && /^decided /.test(String(l['msg'])));
        expect({ service: p, decided: decided.length, traces: [...new Set(decided.map((l) => l['trace_id']))], positioned: decided.every((l) => typeof l['journal_seq'] === 'number' && l['journal_topic'] === topology(ns.namespace).journals[p]) }).toEqual({
          service: p,
          decided: expected[p],
          traces: [traceId],
          positioned: true,
        });
      }
      passed = true;
    }));
});
