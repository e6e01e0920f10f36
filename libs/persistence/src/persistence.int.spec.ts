/**
 * Real PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/ccp). Each run migrates
 * a schema of its own, so runs never see each other's rows, and drops it at the end.
 */
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  AccountReadModelEntity,
  advanceNextOffset,
  createDataSource,
  DefaultCaseEntity,
  FundBalanceReadModelEntity,
  JournalPositionEntity,
  foldSnapshots,
  migrate,
  readModelSchemaOf,
  readNextOffset,
  saveFoldSnapshot,
  type StoredFoldSnapshot,
  type PartitionKey,
} from './index';

// A safety net for a slow machine, not an assertion on speed.
jest.setTimeout(60_000);

const SCHEMA = `it_persistence_${process.pid.toString(36)}_${randomBytes(4).toString('hex')}`;
const MARGIN_INPUT: PartitionKey = { consumer: 'margin', topic: 'ccp.liquidation.events.v1', partition: 0 };

class SimulatedCrash extends Error {}

const snapshotAt = (producer: string, seq: number, state = `state ${seq}`): StoredFoldSnapshot => ({
  journalTopic: `ccp.${producer}.events.v1`,
  producer,
  seq,
  headHash: String(seq % 10).repeat(64),
  resumeOffset: String(seq * 2 + 1),
  state: Buffer.from(state),
  stateSha256: 'a'.repeat(64),
  signature: 's'.repeat(86),
});

describe('persistence on PostgreSQL (integration)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = createDataSource({ schema: SCHEMA, applicationName: 'ccp-persistence-it' });
    try {
      await dataSource.initialize();
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`PostgreSQL at DATABASE_URL is not reachable (${reason}); run 'npm run infra:up'`);
    }
  });

  afterAll(async () => {
    if (!dataSource?.isInitialized) return;
    await dataSource.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await dataSource.destroy();
  });

  it('migrates an empty schema, and a second run applies nothing', async () => {
    expect(await migrate(dataSource)).toEqual(['InitialSchema1795392000000', 'ReadModels1795478400000', 'NamespacedReadModels1795651200000', 'FoldSnapshots1796256000000']);
    expect(await migrate(dataSource)).toEqual([]);
    const tables: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [SCHEMA],
    );
    expect(tables.map((row) => row.table_name)).toEqual([
      'account_read_model',
      'default_case',
      'fold_snapshot',
      'fund_balance_read_model',
      'journal_anchor',
      'journal_position',
      'parameter_read_model',
      'read_model_owner',
      'read_model_position',
      'typeorm_migrations',
    ]);
    const floats: unknown[] = await dataSource.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = $1 AND data_type IN ('real', 'double precision')`,
      [SCHEMA],
    );
    expect(floats).toEqual([]);
  });

  it('writes read models and the journal position in one transaction, and reads amounts back exactly', async () => {
    // 20 significant digits: a JS number (float64) would round this.
    const collateral = '12345678901234567.89';
    await dataSource.transaction(async (manager) => {
      await manager.insert(AccountReadModelEntity, {
        accountId: 'acct-1',
        memberId: 'member-1',
        status: 'open',
        cashBalance: collateral,
        netDeposits: collateral,
        realizedPnl: '0',
        equity: null,
        statedEquity: '-0.01',
        statedEquitySeq: '40',
        positions: [{ instrumentId: 'BTC-PERP', side: 'long', quantity: '0.50000000', entryPrice: '60000' }],
        journalSeq: '41',
      });
      await manager.insert(FundBalanceReadModelEntity, {
        fundId: 'insurance-fund',
        kind: 'insurance-fund',
        memberId: null,
        trancheId: null,
        balance: '1000000.00',
        replenishmentDue: '0',
        journalSeq: '41',
      });
      await manager.insert(DefaultCaseEntity, {
        defaultId: 'default:acct-1:41',
        accountId: 'acct-1',
        deficit: '250.10',
        covered: '200.00',
        residual: '50.10',
        policy: null,
        defaultFund: { tranches: [{ tranche: 'insurance-fund', amount: '200.00' }] },
        defaultFundSeq: '41',
      });
      await advanceNextOffset(manager, MARGIN_INPUT, '42');
    });

    const account = await dataSource.manager.findOneByOrFail(AccountReadModelEntity, { accountId: 'acct-1' });
    expect(account).toMatchObject({ cashBalance: collateral, equity: null, statedEquity: '-0.01', statedEquitySeq: '40', journalSeq: '41' });
    expect(account.positions).toEqual([{ instrumentId: 'BTC-PERP', side: 'long', quantity: '0.50000000', entryPrice: '60000' }]);
    const defaultCase = await dataSource.manager.findOneByOrFail(DefaultCaseEntity, { defaultId: 'default:acct-1:41' });
    expect(defaultCase).toMatchObject({ deficit: '250.10', covered: '200.00', residual: '50.10', policy: null });
    const [sum]: Array<{ total: string }> = await dataSource.query(`SELECT (covered + residual)::text AS total FROM ${SCHEMA}.default_case`);
    expect(sum?.total).toBe('250.10');
    expect(await readNextOffset(dataSource.manager, MARGIN_INPUT)).toBe('42');
  });

  it('leaves nothing behind when the transaction rolls back', async () => {
    const before = await readNextOffset(dataSource.manager, MARGIN_INPUT);
    const attempt = dataSource.transaction(async (manager) => {
      await manager.insert(AccountReadModelEntity, {
        accountId: 'acct-rolled-back',
        memberId: 'member-1',
        status: 'open',
        cashBalance: '1.00',
        netDeposits: '1.00',
        realizedPnl: '0',
        equity: '1.00',
        positions: [],
        journalSeq: '42',
      });
      await advanceNextOffset(manager, MARGIN_INPUT, '43');
      await saveFoldSnapshot(manager, snapshotAt('margin', 42));
      // The rows are visible inside the transaction...
      expect(await manager.countBy(AccountReadModelEntity, { accountId: 'acct-rolled-back' })).toBe(1);
      throw new SimulatedCrash('crash before commit');
    });
    await expect(attempt).rejects.toBeInstanceOf(SimulatedCrash);

    // ...and gone after the rollback: no read model, no snapshot, the position unchanged.
    expect(await dataSource.manager.countBy(AccountReadModelEntity, { accountId: 'acct-rolled-back' })).toBe(0);
    expect(await foldSnapshots(dataSource.manager, 'ccp.margin.events.v1', 'margin')).toEqual([]);
    expect(await readNextOffset(dataSource.manager, MARGIN_INPUT)).toBe(before);
  });

  it('refuses to move a journal position backwards', async () => {
    await expect(dataSource.transaction((manager) => advanceNextOffset(manager, MARGIN_INPUT, '7'))).rejects.toThrow(/backwards/);
    expect(await dataSource.manager.findOneByOrFail(JournalPositionEntity, { ...MARGIN_INPUT })).toMatchObject({ nextOffset: '42' });
  });

  it('keeps the latest fold snapshots per journal, bytes intact, latest first', async () => {
    for (const seq of [9, 10, 25, 40]) await saveFoldSnapshot(dataSource.manager, snapshotAt('default-fund', seq), 3);
    await saveFoldSnapshot(dataSource.manager, snapshotAt('liquidation', 5));
    const kept = await foldSnapshots(dataSource.manager, 'ccp.default-fund.events.v1', 'default-fund');
    expect(kept.map((s) => s.seq)).toEqual([40, 25, 10]);
    expect(kept[0]).toEqual(snapshotAt('default-fund', 40));
    expect((await foldSnapshots(dataSource.manager, 'ccp.default-fund.events.v1', 'default-fund', 25)).map((s) => s.seq)).toEqual([10]);
    expect((await foldSnapshots(dataSource.manager, 'ccp.liquidation.events.v1', 'liquidation')).map((s) => s.seq)).toEqual([5]);
    // one at a seq that has one replaces it (a refused snapshot, snapshotted again)
    await saveFoldSnapshot(dataSource.manager, snapshotAt('default-fund', 40, 'again'));
    const again = await foldSnapshots(dataSource.manager, 'ccp.default-fund.events.v1', 'default-fund');
    expect(again.map((s) => [s.seq, s.state.toString()])).toEqual([[40, 'again'], [25, 'state 25'], [10, 'state 10']]);
  });

  it('refuses a stated equity without the seq that stated it', async () => {
    const attempt = dataSource.manager.insert(AccountReadModelEntity, {
      accountId: 'acct-half-stated',
      memberId: 'member-1',
      status: 'open',
      cashBalance: '1',
      netDeposits: '1',
      realizedPnl: '0',
      statedEquity: '1',
      positions: [],
      journalSeq: '1',
    });
    await expect(attempt).rejects.toThrow(/check constraint/);
  });

  it('migrates down and up again', async () => {
    await dataSource.undoLastMigration({ transaction: 'each' });
    const snapshotTables: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('fold_snapshot', 'snapshot') ORDER BY table_name`,
      [SCHEMA],
    );
    expect(snapshotTables).toEqual([{ table_name: 'snapshot' }]);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const namespaced: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('journal_anchor', 'read_model_owner')`,
      [SCHEMA],
    );
    expect(namespaced).toEqual([]);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const [afterOne]: Array<{ count: string }> = await dataSource.query(
      `SELECT count(*)::text AS count FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('read_model_position', 'parameter_read_model')`,
      [SCHEMA],
    );
    expect(afterOne?.count).toBe('0');
    const restored: Array<{ column_name: string }> = await dataSource.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'default_case' AND column_name = 'case'`,
      [SCHEMA],
    );
    expect(restored).toHaveLength(1);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const [after]: Array<{ count: string }> = await dataSource.query(
      `SELECT count(*)::text AS count FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'typeorm_migrations'`,
      [SCHEMA],
    );
    expect(after?.count).toBe('0');
    expect(await migrate(dataSource)).toEqual(['InitialSchema1795392000000', 'ReadModels1795478400000', 'NamespacedReadModels1795651200000', 'FoldSnapshots1796256000000']);
  });

  it('migrates once when several processes migrate the same new schema at the same moment', async () => {
    const schema = `${SCHEMA}_race`;
    const sources = [0, 1, 2, 3].map(() => createDataSource({ schema, applicationName: 'ccp-persistence-it', poolSize: 2 }));
    try {
      await Promise.all(sources.map((ds) => ds.initialize()));
      const applied = await Promise.all(sources.map((ds) => migrate(ds)));
      expect(applied.flat()).toEqual(['InitialSchema1795392000000', 'ReadModels1795478400000', 'NamespacedReadModels1795651200000', 'FoldSnapshots1796256000000']);
    } finally {
      await sources[0]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await Promise.all(sources.map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    }
  });

  it('derives one schema per topic namespace, distinct even where the names differ only in punctuation', () => {
    expect(readModelSchemaOf('')).toBeUndefined();
    const a = readModelSchemaOf('main-20261207.')!;
    expect(a).toMatch(/^ccp_main_20261207_[0-9a-f]{8}$/);
    expect(readModelSchemaOf('a.b')).not.toBe(readModelSchemaOf('a_b'));
    expect(readModelSchemaOf('x'.repeat(100))!.length).toBeLessThanOrEqual(63);
    expect(readModelSchemaOf('main-20261207.')).toBe(a);
  });
});
