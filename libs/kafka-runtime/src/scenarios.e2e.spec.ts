/**
 * The example scenarios through the four services on the real broker and database, compared with
 * the embedded engine: per journal and per stream, the same (kind, type, payload) in the same
 * order; the same multiset overall; the audit passes on the journals read back from Kafka; the
 * same defaults, tranches and allocations.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, EventEnvelope, Producer, PRODUCERS, serializeRecord } from '@ccp/contracts';
import { DECIDERS, journalFileName, simulate } from '@ccp/engine';
// The auditor's verifier judges the journals the runtime wrote; only this test imports the audit layer.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { verifyJournals } from '@ccp/audit';
import { exportJournals } from './journal-export';
import { createKafka } from './kafka-client';
import { runScenarioThroughKafka } from './scenario-feeder';
import { topology } from './topology';
import { waitFor } from '@ccp/infra-testing';
import { createTestNamespace, InProcessStack, startInProcessStack, TestNamespace } from './testing/test-stack';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(600_000);

const SCENARIOS = ['perpetual-insurance-fund', 'perpetual-adl-cascade', 'ccp-member-default'];
const scenarioFile = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios', `${name}.json`), 'utf8'));

const triple = (r: EventEnvelope): string => canonicalJson({ kind: r.kind, type: r.type, payload: r.payload });

function perStream(records: readonly EventEnvelope[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[r.stream] ??= []).push(triple(r));
  return out;
}

describe.each(SCENARIOS)('%s through the four services on Kafka (e2e)', (name) => {
  let ns: TestNamespace;
  let stack: InProcessStack;

  beforeAll(async () => {
    ns = await createTestNamespace(`e2e-${name}`);
    stack = await startInProcessStack(ns);
  });

  afterAll(async () => {
    await stack?.stop();
    await ns?.dispose();
  });

  it('journals equal the embedded engine per stream, audit passes, outcome equal', async () => {
    const scenario = scenarioFile(name);
    const embedded = simulate(scenario, DECIDERS);
    const kafka = await runScenarioThroughKafka(scenario, { brokers: ns.brokers, namespace: ns.namespace, keyring: ns.keyring, settle: true, check: () => stack.throwIfFailed() });
    expect(stack.fatalErrors).toEqual([]);
    expect(kafka.deadLetters).toEqual([]);

    for (const p of PRODUCERS) {
      const expected = embedded.journals![p].records;
      const actual = kafka.journals[p];
      expect({ journal: p, streams: perStream(actual) }).toEqual({ journal: p, streams: perStream(expected) });
      expect({ journal: p, multiset: actual.map(triple).sort() }).toEqual({ journal: p, multiset: expected.map(triple).sort() });
    }

    const pick = (s: typeof embedded.summary) => ({ defaults: s.defaults, totals: s.totals, breaches: s.breaches, liquidationFills: s.liquidationFills });
    expect(pick(kafka.summary)).toEqual(pick(embedded.summary));
    expect(embedded.summary.defaults.length).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), `ccp-e2e-${name}-`));
    try {
      // the journals as an auditor exports them: signed records only, with anchors and keyring
      const exported = await exportJournals(createKafka('ccp-e2e-export', ns.brokers), topology(ns.namespace), ns.keyring, dir, `${ns.namespace}e2e-export`);
      expect(exported.quarantined).toEqual([]);
      for (const p of PRODUCERS) {
        expect({ journal: p, lines: readFileSync(join(dir, journalFileName(p)), 'utf8') }).toEqual({ journal: p, lines: kafka.journals[p].map((r) => `${serializeRecord(r)}\n`).join('') });
      }
      const report = await verifyJournals(dir, DECIDERS, { keyring: { keyring: ns.keyring, path: `${ns.keysDir}/keyring.json` } });
      const other = report.findings.filter((f) => !(f.field === 'source.topic' && /ccp\.input\./.test(f.reason)));
      expect(other).toEqual([]);
      expect(report.firstFinding).toBeNull();
      expect(report.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The read models, over each service's HTTP read API, agree with the journals: every default's
    // figures as the outcome summary states them, once every service has projected its journal.
    const auditor = await ns.authorization();
    const get = async (p: Producer, path: string, authorization: string | null = auditor): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> => {
      const res = await fetch(`http://127.0.0.1:${stack.services[p].port}${path}`, authorization === null ? {} : { headers: { authorization } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
    };
    for (const d of embedded.summary.defaults) {
      const expectedStage = d.allocation ? 'applied' : 'covered';
      await waitFor(async () => (await get('default-fund', `/defaults/${encodeURIComponent(d.defaultId)}`)).body['stage'] === expectedStage, {
        description: `default ${d.defaultId} projected to stage ${expectedStage}`,
        timeoutMs: 60_000,
      });
      for (const p of PRODUCERS) {
        const { status, body } = await get(p, `/defaults/${encodeURIComponent(d.defaultId)}`);
        expect(status).toBe(200);
        expect({ service: p, deficit: body['deficit'], marginApplied: body['marginApplied'], covered: body['covered'], residual: body['residual'] }).toEqual({
          service: p,
          deficit: d.deficit,
          marginApplied: d.marginApplied,
          covered: d.covered,
          residual: d.residual,
        });
        expect({ service: p, policy: body['policy'], allocated: body['allocated'] }).toEqual({ service: p, policy: d.allocation?.policy ?? null, allocated: d.allocation?.charged ?? null });
      }
    }
    expect((await get('margin', '/defaults/unknown-default')).status).toBe(404);
    const openApi = (await get('margin', '/openapi.json')).body;
    expect(openApi['openapi']).toBeDefined();
    expect(Object.keys(openApi['paths'] as Record<string, unknown>).sort()).toEqual(['/accounts/{accountId}', '/anchors', '/defaults', '/defaults/{defaultId}', '/health/live', '/health/ready']);
    // health needs no token (probes); the read API does; no framework banner on any answer
    expect(await get('margin', '/health/live', null)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await get('margin', '/health/ready', null)).status).toBe(200);
    const anonymous = await get('margin', '/defaults', null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="ccp"/);
    const member = embedded.summary.defaults[0]!.memberId;
    const ofMember = await get('margin', '/defaults?limit=100', await ns.authorization({ role: 'member', subject: 'ops', memberId: member }));
    expect((ofMember.body['items'] as Array<{ memberId: string }>).map((d) => d.memberId)).toEqual(embedded.summary.defaults.filter((d) => d.memberId === member).map(() => member));
    for (const response of [anonymous, ofMember, await get('margin', '/health/live', null)]) expect(response.headers.get('x-powered-by')).toBeNull();

  });
});
