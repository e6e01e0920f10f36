/**
 * Real PostgreSQL (DATABASE_URL). Each example scenario runs through the embedded engine (memory
 * journals), its four journals are projected in small batches interleaved across journals (as four
 * services would), and the read models are checked against independent oracles: the engine's
 * outcome summary (defaults, waterfall, allocations) and the deciders' own state folded from the
 * same journals (fund balances, accounts). Then the HTTP API serves them over a real socket.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ANCHOR_INTERVAL, anchorFor, developmentJournalKeys, generateTokenIssuerKeys, issueReadApiToken, latestAnchors, signerOf, PRODUCERS, verifyHead, type EventEnvelope, type JournalAnchor, type Producer } from '@ccp/contracts';
import { defaultFundDecider, fundBalances, type DefaultFundState } from '@ccp/default-fund-domain';
import { DECIDERS, simulate, type OutcomeSummary } from '@ccp/engine';
import { uniqueSchemaName } from '@ccp/infra-testing';
import { accountView, marginDecider, type MarginState } from '@ccp/margin-domain';
import { canonicalDecimal, Decimal } from '@ccp/money';
import { createDataSource, migrate } from '@ccp/persistence';
import type { DataSource } from 'typeorm';
import {
  accountViewSchema,
  anchorListSchema,
  defaultCaseViewSchema,
  defaultListSchema,
  findAccount,
  findDefaultCase,
  fundsViewSchema,
  listDefaults,
  catalogueJournal,
  ForeignNamespaceError,
  ProjectionGapError,
  projectJournalRecords,
  ReadApiModule,
  readFunds,
  readLatestAnchors,
  readModelOwner,
  readProjectionPositions,
  setupOpenApi,
  writeOpenApiDocument,
} from './index';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '../../..');
const SCENARIOS = ['perpetual-insurance-fund', 'perpetual-adl-cascade', 'ccp-member-default'] as const;
type Journals = Record<Producer, EventEnvelope[]>;
interface OpenApiBody {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, { properties: Record<string, { type?: string }> }> };
}

function runScenario(name: string): { summary: OutcomeSummary; journals: Journals } {
  const scenario: unknown = JSON.parse(readFileSync(join(ROOT, 'docs/scenarios', `${name}.json`), 'utf8'));
  const result = simulate(scenario, DECIDERS);
  const journals = Object.fromEntries(PRODUCERS.map((p) => [p, result.journals![p].records])) as Journals;
  return { summary: result.summary, journals };
}

/** Batches of `size` records, each journal's batches interleaved round-robin, each in its own transaction. */
/** The anchors each journal's owner publishes with its records (development keys, as the embedded engine signs). */
function anchorsOf(journals: Journals): Record<Producer, JournalAnchor[]> {
  const keys = developmentJournalKeys();
  return Object.fromEntries(PRODUCERS.map((p) => [p, journals[p].flatMap((r) => anchorFor(r, signerOf(p, keys.privateKeys[p])) ?? [])])) as Record<Producer, JournalAnchor[]>;
}

async function projectInterleaved(dataSource: DataSource, journals: Journals, size: number): Promise<void> {
  const anchors = anchorsOf(journals);
  const cursors = Object.fromEntries(PRODUCERS.map((p) => [p, 0])) as Record<Producer, number>;
  for (let progressed = true; progressed; ) {
    progressed = false;
    for (const producer of PRODUCERS) {
      const from = cursors[producer];
      const batch = journals[producer].slice(from, from + size);
      if (batch.length === 0) continue;
      await dataSource.transaction((manager) => projectJournalRecords(manager, catalogueJournal(producer), batch, anchors[producer]));
      cursors[producer] = from + batch.length;
      progressed = true;
    }
  }
}

/** Every read-model row, without the wall-clock columns, in key order. */
async function dumpReadModels(dataSource: DataSource): Promise<unknown> {
  const tables: Array<[string, string]> = [
    ['account_read_model', 'account_id'],
    ['fund_balance_read_model', 'fund_id'],
    ['parameter_read_model', 'producer, name'],
    ['default_case', 'default_id'],
    ['read_model_position', 'producer'],
    ['read_model_owner', 'namespace'],
    ['journal_anchor', 'producer, seq'],
  ];
  const out: Record<string, unknown> = {};
  for (const [table, order] of tables) {
    const rows: Array<Record<string, unknown>> = await dataSource.query(`SELECT * FROM ${table} ORDER BY ${order}`);
    out[table] = rows.map(({ updated_at: _u, created_at: _c, claimed_at: _claimed, ...rest }) => rest);
  }
  return out;
}

const domainEvents = (records: readonly EventEnvelope[]) =>
  records
    .filter((r) => r.kind === 'event' && r.type !== 'CommandRejected')
    .map((r) => ({ type: r.type, stream: r.stream, payload: r.payload, ...(r.correlationId !== null ? { correlationId: r.correlationId } : {}) }));

function foldDefaultFund(records: readonly EventEnvelope[]): DefaultFundState {
  let state = defaultFundDecider.initialState();
  for (const e of domainEvents(records)) state = defaultFundDecider.evolve(state, e as Parameters<typeof defaultFundDecider.evolve>[1]);
  return state;
}

function foldMargin(records: readonly EventEnvelope[]): MarginState {
  let state = marginDecider.initialState();
  for (const e of domainEvents(records)) state = marginDecider.evolve(state, e as Parameters<typeof marginDecider.evolve>[1]);
  return state;
}

const sum = (values: readonly (string | null)[]): string => canonicalDecimal(values.reduce<Decimal>((acc, v) => acc.plus(v ?? '0'), new Decimal(0)));

describe.each(SCENARIOS)('read models of %s (PostgreSQL integration)', (scenarioName) => {
  const schema = uniqueSchemaName(`rm_${scenarioName.slice(0, 12)}`);
  let dataSource: DataSource;
  let summary: OutcomeSummary;
  let journals: Journals;

  beforeAll(async () => {
    ({ summary, journals } = runScenario(scenarioName));
    dataSource = createDataSource({ schema, applicationName: 'ccp-read-models-it' });
    try {
      await dataSource.initialize();
    } catch (error: unknown) {
      throw new Error(`PostgreSQL at DATABASE_URL is not reachable (${error instanceof Error ? error.message : String(error)}); run 'npm run infra:up'`);
    }
    await migrate(dataSource);
    await projectInterleaved(dataSource, journals, 7);
  });

  afterAll(async () => {
    if (!dataSource?.isInitialized) return;
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.destroy();
  });

  it('the scenario has defaults to check (a vacuous scenario would prove nothing)', () => {
    expect(summary.defaults.length).toBeGreaterThan(0);
  });

  it('records how far each journal is projected: all of it, ending at its head hash', async () => {
    const positions = await readProjectionPositions(dataSource.manager);
    for (const producer of PRODUCERS) {
      expect(positions[producer]).toEqual({ nextSeq: summary.journals[producer].records, headHash: summary.journals[producer].headHash });
    }
  });

  it('assembles every default as the outcome summary has it: deficit, tranches, covered, residual, allocation', async () => {
    for (const expected of summary.defaults) {
      const found = await findDefaultCase(dataSource.manager, expected.defaultId);
      expect(found).not.toBeNull();
      const c = defaultCaseViewSchema.parse(found);
      expect(c).toMatchObject({
        defaultId: expected.defaultId,
        accountId: expected.accountId,
        memberId: expected.memberId,
        deficit: expected.deficit,
        marginApplied: expected.marginApplied,
        covered: expected.covered,
        residual: expected.residual,
      });
      expect(c.waterfall?.tranches.map((t) => ({ order: t['order'], kind: t['kind'], trancheId: t['trancheId'], amount: t['amount'] }))).toEqual(expected.tranches);
      if (expected.allocation === null) {
        expect(c.policy).toBeNull();
        expect(c.stage).toBe(new Decimal(expected.residual).isZero() ? 'covered' : 'forwarded');
      } else {
        expect(c).toMatchObject({ policy: expected.allocation.policy, allocated: expected.allocation.charged, unallocated: expected.allocation.unallocated });
        expect(c.allocation?.allocations).toHaveLength(expected.allocation.participantsCharged);
        expect(c.allocation?.fairness).toEqual(expected.allocation.fairness);
        expect(['allocated', 'applied']).toContain(c.stage);
      }
      // the timeline spans the journals that took part, in time order
      const journalsSeen = new Set(c.timeline.map((t) => t.journal));
      expect(journalsSeen.has('liquidation')).toBe(true);
      expect(journalsSeen.has('default-fund')).toBe(true);
      const instants = c.timeline.map((t) => t.occurredAt);
      expect([...instants].sort()).toEqual(instants);
      expect(c.known.liquidation).not.toBeNull();
      expect(c.known['default-fund']).not.toBeNull();
    }
  });

  it('lists the defaults with totals that add up to the summary', async () => {
    const list = await listDefaults(dataSource.manager, { limit: 100 });
    expect(list.total).toBe(summary.defaults.length);
    expect(list.items.map((d) => d.defaultId)).toEqual(summary.defaults.map((d) => d.defaultId).sort());
    expect(sum(list.items.map((d) => d.deficit))).toBe(summary.totals.deficit);
    expect(sum(list.items.map((d) => d.covered))).toBe(summary.totals.coveredByFunds);
    expect(sum(list.items.map((d) => d.residual))).toBe(summary.totals.residual);
    expect(sum(list.items.map((d) => d.allocated))).toBe(summary.totals.allocated);
    expect(sum(list.items.map((d) => d.unallocated))).toBe(summary.totals.unallocated);
  });

  it("holds the fund balances the default-fund decider's own state holds after the same journal", async () => {
    const expected = fundBalances(foldDefaultFund(journals['default-fund']));
    const funds = fundsViewSchema.parse(await readFunds(dataSource.manager));
    expect(funds.insuranceFund).toEqual(expected.insuranceFund);
    expect(funds.skinInTheGame).toEqual(expected.skinInTheGame);
    expect(funds.members).toEqual(expected.members);
    expect(funds.totalContributions).toBe(expected.totalContributions);
    expect(funds.waterfall).toEqual(expected.waterfall === null ? null : JSON.parse(JSON.stringify(expected.waterfall)));
    expect(funds.journalSeq).toBe(summary.journals['default-fund'].records - 1);
  });

  it("holds every account as the margin decider's own state has it after the same journal", async () => {
    const state = foldMargin(journals.margin);
    expect(state.accounts.size).toBeGreaterThan(0);
    for (const accountId of state.accounts.keys()) {
      const expected = accountView(state, accountId)!;
      const found = accountViewSchema.parse(await findAccount(dataSource.manager, accountId));
      expect({ accountId: found.accountId, memberId: found.memberId, cashBalance: found.cashBalance, netDeposits: found.netDeposits }).toEqual({
        accountId,
        memberId: expected.memberId,
        cashBalance: expected.cashBalance,
        netDeposits: expected.netDeposits,
      });
      expect(found.positions).toEqual(expected.positions.map((p) => ({ instrumentId: p.instrumentId, side: p.side, quantity: p.quantity, entryPrice: p.entryPrice })));
      expect(found.status === 'defaulted').toBe(expected.defaulted);
      // equity is claimed only where it is exact
      if (found.equity !== null) expect(found.equity).toBe(expected.equity);
      if (expected.positions.length === 0) expect(found.equity).toBe(expected.equity);
    }
  });

  it('changes nothing when the same records are projected again, whole or overlapping', async () => {
    const before = await dumpReadModels(dataSource);
    for (const producer of PRODUCERS) {
      await dataSource.transaction((manager) => projectJournalRecords(manager, catalogueJournal(producer), journals[producer]));
      const tail = journals[producer].slice(Math.floor(journals[producer].length / 2));
      await dataSource.transaction((manager) => projectJournalRecords(manager, catalogueJournal(producer), tail));
    }
    expect(await dumpReadModels(dataSource)).toEqual(before);
  });

  it('refuses records that do not continue the projected chain, and writes nothing', async () => {
    const before = await dumpReadModels(dataSource);
    const margin = journals.margin;
    const last = margin[margin.length - 1]!;
    // seq one beyond the head: a gap
    const gap = { ...last, seq: last.seq + 2, id: `margin:${last.seq + 2}` };
    await expect(dataSource.transaction((m) => projectJournalRecords(m, catalogueJournal('margin'), [gap]))).rejects.toThrow(ProjectionGapError);
    // the right seq, but linked to another chain
    const foreign = { ...last, seq: last.seq + 1, id: `margin:${last.seq + 1}`, prevHash: 'f'.repeat(64) };
    await expect(dataSource.transaction((m) => projectJournalRecords(m, catalogueJournal('margin'), [foreign]))).rejects.toThrow(/another chain/);
    // a record of another journal
    await expect(dataSource.transaction((m) => projectJournalRecords(m, catalogueJournal('liquidation'), [last]))).rejects.toThrow(/written by margin/);
    expect(await dumpReadModels(dataSource)).toEqual(before);
  });

  it("never continues, nor serves, another namespace's read models", async () => {
    const before = await dumpReadModels(dataSource);
    const first = journals.margin.slice(0, 1);
    const other = catalogueJournal('margin', 'another-namespace.');
    await expect(dataSource.transaction((m) => projectJournalRecords(m, other, first))).rejects.toThrow(ForeignNamespaceError);
    await expect(dataSource.transaction((m) => projectJournalRecords(m, other, first))).rejects.toThrow(/namespace '', not 'another-namespace\.'/);
    await expect(readProjectionPositions(dataSource.manager, 'another-namespace.')).rejects.toThrow(ForeignNamespaceError);
    // a namespace's journal named with another namespace's topic is refused before anything is read
    await expect(dataSource.transaction((m) => projectJournalRecords(m, { ...catalogueJournal('margin'), topic: other.topic }, first))).rejects.toThrow(/is not the margin journal/);
    expect(await readModelOwner(dataSource.manager)).toBe('');
    expect(await dumpReadModels(dataSource)).toEqual(before);
  });

  it('keeps the signed anchors of the records it projects; the latest per journal is what an auditor pins', async () => {
    const other = uniqueSchemaName('rm_anchors');
    const ds = createDataSource({ schema: other, applicationName: 'ccp-read-models-it', poolSize: 2 });
    await ds.initialize();
    try {
      await migrate(ds);
      const keys = developmentJournalKeys();
      const expected: JournalAnchor[] = [];
      for (const producer of PRODUCERS) {
        const signer = signerOf(producer, keys.privateKeys[producer]);
        const records = journals[producer];
        const anchors = records.flatMap((r) => anchorFor(r, signer) ?? []);
        expected.push(...anchors);
        // in batches of 5, each with every anchor: only those signing a batch's own records are kept
        for (let i = 0; i < records.length; i += 5) {
          await ds.transaction((manager) => projectJournalRecords(manager, catalogueJournal(producer), records.slice(i, i + 5), anchors));
        }
      }
      expect(expected.some((a) => a.reason === 'default-closed')).toBe(true);
      const stored: Array<{ n: number }> = await ds.query(`SELECT count(*)::int AS n FROM journal_anchor`);
      expect(stored[0]!.n).toBe(expected.length);
      const latest = await readLatestAnchors(ds.manager);
      expect(latest).toEqual(PRODUCERS.flatMap((p) => latestAnchors(expected).get(p) ?? []));
      for (const a of latest) expect(verifyHead(keys.keyring, a)).toBe(true);
      // an anchor that does not sign its record is refused with the batch
      const record = journals.margin[0]!;
      const fresh = uniqueSchemaName('rm_anchors_bad');
      const bad = createDataSource({ schema: fresh, applicationName: 'ccp-read-models-it', poolSize: 2 });
      await bad.initialize();
      try {
        await migrate(bad);
        const forged = { ...anchorFor({ ...record, seq: ANCHOR_INTERVAL - 1 }, signerOf('margin', keys.privateKeys.margin))!, seq: 0, hash: 'a'.repeat(64) };
        await expect(bad.transaction((m) => projectJournalRecords(m, catalogueJournal('margin'), [record], [forged]))).rejects.toThrow(/signs hash/);
      } finally {
        await bad.query(`DROP SCHEMA IF EXISTS ${fresh} CASCADE`);
        await bad.destroy();
      }
    } finally {
      await ds.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
      await ds.destroy();
    }
  });

  it('reaches the same read models when four services project concurrently, each on its own connection', async () => {
    const other = uniqueSchemaName('rm_concurrent');
    const ds = createDataSource({ schema: other, applicationName: 'ccp-read-models-it', poolSize: PRODUCERS.length + 1 });
    await ds.initialize();
    try {
      await migrate(ds);
      const anchors = anchorsOf(journals);
      await Promise.all(
        PRODUCERS.map(async (producer) => {
          const records = journals[producer];
          for (let i = 0; i < records.length; i += 3) {
            await ds.transaction((manager) => projectJournalRecords(manager, catalogueJournal(producer), records.slice(i, i + 3), anchors[producer]));
          }
        }),
      );
      expect(await dumpReadModels(ds)).toEqual(await dumpReadModels(dataSource));
    } finally {
      await ds.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
      await ds.destroy();
    }
  });

  it('rolls back with the transaction that carries it: nothing half-projected survives', async () => {
    const other = uniqueSchemaName('rm_rollback');
    const ds = createDataSource({ schema: other, applicationName: 'ccp-read-models-it' });
    await ds.initialize();
    try {
      await migrate(ds);
      const attempt = ds.transaction(async (manager) => {
        await projectJournalRecords(manager, catalogueJournal('default-fund'), journals['default-fund']);
        throw new Error('crash before commit');
      });
      await expect(attempt).rejects.toThrow('crash before commit');
      expect((await readProjectionPositions(ds.manager))['default-fund'].nextSeq).toBe(0);
      expect(await ds.query(`SELECT count(*)::int AS n FROM fund_balance_read_model`)).toEqual([{ n: 0 }]);
    } finally {
      await ds.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
      await ds.destroy();
    }
  });
});

describe('read API over HTTP (PostgreSQL integration, real sockets)', () => {
  const schema = uniqueSchemaName('rm_http');
  let dataSource: DataSource;
  let summary: OutcomeSummary;
  let journals: Journals;
  const apps: INestApplication[] = [];
  const base: Partial<Record<Producer, string>> = {};
  // the deployment's token issuer; tokens are issued at the real clock (the HTTP layer checks expiry against it)
  const issuer = generateTokenIssuerKeys();
  let auditorToken = '';

  async function start(producer: Producer): Promise<void> {
    @Module({ imports: [ReadApiModule.register({ producer, dataSource, auth: { mode: 'jwt', key: issuer.publicKey, audience: 'ccp-read-api' } })] })
    class TestApp {}
    const app = await NestFactory.create(TestApp, { logger: false });
    setupOpenApi(app, { title: `ccp ${producer}` });
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    base[producer] = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  const get = async (producer: Producer, path: string, authorization: string | null = `Bearer ${auditorToken}`): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const response = await fetch(`${base[producer]}${path}`, authorization === null ? {} : { headers: { authorization } });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
  };

  beforeAll(async () => {
    ({ summary, journals } = runScenario('perpetual-adl-cascade'));
    auditorToken = await issueReadApiToken(issuer.privateKey, { principal: { role: 'auditor', subject: 'regulator-1' }, issuedAt: new Date(), ttlSeconds: 3600 });
    dataSource = createDataSource({ schema, applicationName: 'ccp-read-api-it' });
    await dataSource.initialize();
    await migrate(dataSource);
    await projectInterleaved(dataSource, journals, 50);
    for (const producer of PRODUCERS) await start(producer);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    if (!dataSource?.isInitialized) return;
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.destroy();
  });

  it('GET /accounts/:accountId returns the account on margin, validated by its schema', async () => {
    const accountId = summary.defaults[0]!.accountId;
    const { status, body } = await get('margin', `/accounts/${encodeURIComponent(accountId)}`);
    expect(status).toBe(200);
    const account = accountViewSchema.parse(body);
    expect(account).toEqual(await findAccount(dataSource.manager, accountId));
    expect(account.status).toBe('defaulted');
  });

  it('GET /accounts answers 404 for an unknown account, 400 naming the field for a malformed one', async () => {
    const unknown = await get('margin', '/accounts/no-such-account');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ message: expect.stringMatching(/no-such-account/) });
    const malformed = await get('margin', `/accounts/${encodeURIComponent('-bad id')}`);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ issues: [{ field: 'path.accountId' }] });
  });

  it('serves /accounts only on margin and /funds only on default-fund', async () => {
    expect((await get('liquidation', '/accounts/long-1')).status).toBe(404);
    expect((await get('margin', '/funds')).status).toBe(404);
    const funds = await get('default-fund', '/funds');
    expect(funds.status).toBe(200);
    expect(fundsViewSchema.parse(funds.body)).toEqual(await readFunds(dataSource.manager));
  });

  it('GET /defaults/:defaultId returns the same assembled case from every service', async () => {
    for (const d of summary.defaults) {
      const expected = await findDefaultCase(dataSource.manager, d.defaultId);
      for (const producer of PRODUCERS) {
        const { status, body } = await get(producer, `/defaults/${encodeURIComponent(d.defaultId)}`);
        expect(status).toBe(200);
        expect(defaultCaseViewSchema.parse(body)).toEqual(expected);
      }
    }
    const unknown = await get('loss-allocation', `/defaults/${encodeURIComponent('default:nobody:nobody@1')}`);
    expect(unknown.status).toBe(404);
  });

  it('GET /defaults pages through every default in id order', async () => {
    const ids: string[] = [];
    for (let offset = 0; ; offset += 1) {
      const { status, body } = await get('liquidation', `/defaults?limit=1&offset=${offset}`);
      expect(status).toBe(200);
      const page = defaultListSchema.parse(body);
      expect(page.total).toBe(summary.defaults.length);
      if (page.items.length === 0) break;
      ids.push(...page.items.map((d) => d.defaultId));
    }
    expect(ids).toEqual(summary.defaults.map((d) => d.defaultId).sort());
    const account = summary.defaults[0]!.accountId;
    const filtered = defaultListSchema.parse((await get('margin', `/defaults?accountId=${encodeURIComponent(account)}`)).body);
    expect(filtered.items.map((d) => d.accountId)).toEqual(summary.defaults.filter((d) => d.accountId === account).map((d) => d.accountId));
  });

  it.each([
    ['limit=0', 'query.limit', /at least 1/],
    ['limit=101', 'query.limit', /at most 100/],
    ['limit=ten', 'query.limit', /whole number/],
    ['offset=-1', 'query.offset', /whole number/],
    ['page=2', 'query.page', /unknown parameter/],
  ])('GET /defaults?%s is a 400 naming %s', async (query, field, message) => {
    const { status, body } = await get('default-fund', `/defaults?${query}`);
    expect(status).toBe(400);
    expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining(field), issues: [{ field, message: expect.stringMatching(message) }] });
  });

  it("GET /anchors returns each journal's latest signed head, the same from every service", async () => {
    const expected = await readLatestAnchors(dataSource.manager);
    expect(expected.map((a) => a.journal)).toEqual([...PRODUCERS]);
    const keys = developmentJournalKeys();
    for (const a of expected) expect(verifyHead(keys.keyring, a)).toBe(true);
    for (const producer of PRODUCERS) {
      const { status, body } = await get(producer, '/anchors');
      expect(status).toBe(200);
      expect(anchorListSchema.parse(body)).toEqual({ anchors: expected });
    }
  });

  it('serves the OpenAPI document at /openapi.json and Swagger UI at /docs', async () => {
    const { status, body } = (await get('margin', '/openapi.json')) as { status: number; body: OpenApiBody };
    expect(status).toBe(200);
    // the read API's own paths; a service adds /health/live and /health/ready (kafka-runtime, scenarios e2e)
    expect(Object.keys(body.paths).sort()).toEqual(['/accounts/{accountId}', '/anchors', '/defaults', '/defaults/{defaultId}']);
    expect(body.components.schemas['Account']?.properties['cashBalance']?.type).toBe('string');
    const fundPaths = Object.keys(((await get('default-fund', '/openapi.json')).body as OpenApiBody).paths);
    expect(fundPaths).toContain('/funds');
    expect(fundPaths).not.toContain('/accounts/{accountId}');
    const docs = await get('margin', '/docs');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toMatch(/swagger/i);
  });

  describe('bearer tokens: who may read what', () => {
    const token = (principal: Parameters<typeof issueReadApiToken>[1]['principal'], extra: Partial<Parameters<typeof issueReadApiToken>[1]> = {}, key = issuer.privateKey) =>
      issueReadApiToken(key, { principal, issuedAt: new Date(), ttlSeconds: 600, ...extra });
    const defaulter = () => summary.defaults[0]!;
    /** an account of another member than the defaulter's, from the read model itself */
    const otherAccount = async (): Promise<{ accountId: string; memberId: string }> => {
      const rows = (await dataSource.query(`SELECT account_id, member_id FROM ${schema}.account_read_model WHERE member_id <> $1 ORDER BY account_id LIMIT 1`, [defaulter().memberId])) as Array<{ account_id: string; member_id: string }>;
      expect(rows).toHaveLength(1);
      return { accountId: rows[0]!.account_id, memberId: rows[0]!.member_id };
    };

    it.each([
      { name: 'no Authorization header', header: null, reason: /bearer token is required/, error: 'invalid_request' },
      { name: 'a Basic credential', header: 'Basic dXNlcjpwYXNz', reason: /must be "Bearer <JWT>"/, error: 'invalid_request' },
      { name: 'a bearer that is no JWT', header: 'Bearer not-a-token', reason: /must be "Bearer <JWT>"/, error: 'invalid_request' },
    ])('$name → 401 with WWW-Authenticate (error=$error), on every route', async ({ header, reason, error }) => {
      for (const [producer, path] of [['margin', `/accounts/${encodeURIComponent(defaulter().accountId)}`], ['default-fund', '/funds'], ['liquidation', '/defaults'], ['loss-allocation', '/anchors']] as const) {
        const response = await get(producer, path, header);
        expect({ path, status: response.status }).toEqual({ path, status: 401 });
        expect(response.body).toMatchObject({ message: expect.stringMatching(reason) });
        expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer realm="ccp", error="${error}"`));
      }
    });

    it('a token that does not verify is a 401 saying why: expired, another audience, another issuer key, tampered, no role', async () => {
      const auditor = { role: 'auditor', subject: 'regulator-1' } as const;
      const longAgo = new Date(Date.now() - 7200_000);
      const cases: Array<[string, string, RegExp]> = [
        ['expired', await token(auditor, { issuedAt: longAgo, ttlSeconds: 60 }), /expired/],
        ['another audience', await token(auditor, { audience: 'some-other-api' }), /aud claim/],
        ['signed by another key', await token(auditor, {}, generateTokenIssuerKeys().privateKey), /does not verify \(ERR_JWS_SIGNATURE_VERIFICATION_FAILED\)/],
        ['a member token without its member', await token({ role: 'member', subject: 'x', memberId: '' }), /must name its member/],
      ];
      const good = await token(auditor);
      const [h, p, sig] = good.split('.');
      const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), ccp_role: 'auditor', sub: 'mallory' })).toString('base64url');
      cases.push(['tampered payload', `${h}.${forgedPayload}.${sig}`, /does not verify/]);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
      expect((await get('margin', '/anchors', `Bearer ${unsigned}`)).status).toBe(401); // alg none: not even a well-formed bearer here
      for (const [name, jwt, reason] of cases) {
        const response = await get('margin', '/anchors', `Bearer ${jwt}`);
        expect({ name, status: response.status }).toEqual({ name, status: 401 });
        expect({ name, message: (response.body as { message: string }).message }).toEqual({ name, message: expect.stringMatching(reason) });
        expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      }
    });

    it("a member's token reads its own account, and is refused (403) another member's", async () => {
      const own = defaulter();
      const member = `Bearer ${await token({ role: 'member', subject: 'ops@member', memberId: own.memberId })}`;
      const mine = await get('margin', `/accounts/${encodeURIComponent(own.accountId)}`, member);
      expect(mine.status).toBe(200);
      expect(accountViewSchema.parse(mine.body).memberId).toBe(own.memberId);
      const other = await otherAccount();
      const theirs = await get('margin', `/accounts/${encodeURIComponent(other.accountId)}`, member);
      expect(theirs).toMatchObject({ status: 403, body: { message: `a token of member ${own.memberId} may read only its own accounts` } });
      expect((await get('margin', `/accounts/${encodeURIComponent(other.accountId)}`)).status).toBe(200); // the auditor may
    });

    it("a member lists only its own defaults, may not ask for another's, and sees only its own fund row", async () => {
      const own = defaulter();
      const other = await otherAccount();
      const mine = `Bearer ${await token({ role: 'member', subject: 'ops@member', memberId: own.memberId })}`;
      const theirs = `Bearer ${await token({ role: 'member', subject: 'ops@other', memberId: other.memberId })}`;
      const listed = defaultListSchema.parse((await get('liquidation', '/defaults?limit=100', mine)).body);
      const expected = summary.defaults.filter((d) => d.memberId === own.memberId).map((d) => d.defaultId).sort();
      expect(listed.items.map((d) => d.defaultId)).toEqual(expected);
      expect(listed.total).toBe(expected.length);
      expect((await get('liquidation', `/defaults?memberId=${encodeURIComponent(other.memberId)}`, mine)).status).toBe(403);
      expect((await get('liquidation', `/defaults/${encodeURIComponent(own.defaultId)}`, mine)).status).toBe(200);
      if (!summary.defaults.some((d) => d.memberId === other.memberId)) {
        expect((await get('liquidation', `/defaults/${encodeURIComponent(own.defaultId)}`, theirs)).status).toBe(403);
      }
      const funds = fundsViewSchema.parse((await get('default-fund', '/funds', theirs)).body);
      const all = await readFunds(dataSource.manager);
      expect(all.members.length).toBeGreaterThan(1);
      expect(funds).toEqual({ ...all, members: all.members.filter((m) => m.memberId === other.memberId) });
    });

    it('the OpenAPI document states the bearer scheme and the 401/403 answers', async () => {
      const body = (await get('margin', '/openapi.json', null)).body as { components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> };
      expect(body.components.securitySchemes['token']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      const account = body.paths['/accounts/{accountId}']!['get']!;
      expect(account.security).toEqual([{ token: [] }]);
      expect(Object.keys(account.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
    });

    it('every documented read path, on every service, is documented as needing a token and answers 401 without one', async () => {
      for (const producer of ['margin', 'liquidation', 'default-fund', 'loss-allocation'] as const) {
        const body = (await get(producer, '/openapi.json', null)).body as { paths: Record<string, Record<string, { security?: unknown }>> };
        const readPaths = Object.keys(body.paths).filter((path) => !path.startsWith('/health/'));
        expect(readPaths).toEqual(expect.arrayContaining(['/defaults', '/defaults/{defaultId}', '/anchors']));
        for (const path of readPaths) {
          expect({ producer, path, security: body.paths[path]!['get']!.security }).toEqual({ producer, path, security: [{ token: [] }] });
          const response = await get(producer, path.replace(/\{[^}]+\}/g, 'some-id'), null);
          expect({ producer, path, status: response.status }).toEqual({ producer, path, status: 401 });
        }
      }
    });
  });

  it('writes the OpenAPI document to a file (to commit or publish)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccp-openapi-'));
    try {
      const file = join(dir, 'nested', 'margin.json');
      const written = writeOpenApiDocument(apps[PRODUCERS.indexOf('margin')]!, file, { title: 'ccp margin' });
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('}\n')).toBe(true);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(written)));
      expect(written.info.title).toBe('ccp margin');
      expect(Object.keys(written.paths)).toContain('/accounts/{accountId}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
