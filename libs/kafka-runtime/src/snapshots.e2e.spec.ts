/**
 * Fold snapshots on the real broker and database (docs/adr/0012-snapshots.md): the services store
 * signed snapshots of their fold as their journals grow; restarted, each folds on from its latest
 * snapshot — only the records after it — and reaches the same head; an auditor finds every stored
 * snapshot equal to the fold of the exported journal through it; a snapshot whose bytes were
 * altered in the database is refused at start (the service starts from an older one, still at the
 * same head) and reported by the audit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, PRODUCERS, SNAPSHOTS_FILE } from '@ccp/contracts';
import { DECIDERS } from '@ccp/engine';
import type { DataSource } from 'typeorm';
import { createDataSource, databaseUrlFromEnv, foldSnapshots } from '@ccp/persistence';
// The auditor's verifier judges what the runtime stored; only tests import the audit layer.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { readSnapshotsFile, verifyJournals, verifySnapshots } from '@ccp/audit';
import { exportJournals } from './journal-export';
import { createKafka } from './kafka-client';
import { runScenarioThroughKafka } from './scenario-feeder';
import { topology } from './topology';
import { createTestNamespace, InProcessStack, startInProcessStack, TestNamespace } from './testing/test-stack';

jest.setTimeout(300_000);

const SCENARIO = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios/ccp-member-default.json'), 'utf8')) as unknown;
const EVERY = 6;

describe('fold snapshots (e2e, real broker and database)', () => {
  let ns: TestNamespace;
  let stack: InProcessStack | undefined;
  let db: DataSource;
  const dir = mkdtempSync(join(tmpdir(), 'ccp-e2e-snapshots-'));

  beforeAll(async () => {
    ns = await createTestNamespace('e2e-snap');
    db = createDataSource({ url: databaseUrlFromEnv(), schema: ns.schema, applicationName: 'ccp-e2e-snapshots' });
    await db.initialize();
  });

  afterAll(async () => {
    await stack?.stop();
    if (db?.isInitialized) await db.destroy();
    await ns?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (p: Producer) => foldSnapshots(db.manager, topology(ns.namespace).journals[p], p);
  const allStored = async () => (await Promise.all(PRODUCERS.map(stored))).flat();

  it('restarts from the latest snapshot at the same head; the audit finds every snapshot equal to the fold; an altered one is refused and reported', async () => {
    stack = await startInProcessStack(ns, { CCP_SNAPSHOT_EVERY: String(EVERY) });
    const run = await runScenarioThroughKafka(SCENARIO, { brokers: ns.brokers, namespace: ns.namespace, keyring: ns.keyring, settle: true, check: () => stack!.throwIfFailed() });
    const heads = Object.fromEntries(PRODUCERS.map((p) => [p, { nextSeq: run.summary.journals[p].records, headHash: run.summary.journals[p].headHash }])) as Record<Producer, { nextSeq: number; headHash: string }>;
    await Promise.all(PRODUCERS.map((p) => stack!.services[p].runtime.readModelsSettled()));
    await stack.stop(); // waits for snapshot writes in flight
    stack = undefined;

    // every journal that grew by EVERY records has snapshots (the latest three kept)
    const snapshotted = PRODUCERS.filter((p) => heads[p].nextSeq >= EVERY);
    expect(snapshotted).toEqual([...PRODUCERS]);
    for (const p of snapshotted) expect((await stored(p)).length).toBeGreaterThanOrEqual(1);
    for (const p of snapshotted) expect((await stored(p)).length).toBeLessThanOrEqual(3);

    stack = await startInProcessStack(ns, { CCP_SNAPSHOT_EVERY: String(EVERY) });
    const latest = Object.fromEntries(await Promise.all(PRODUCERS.map(async (p) => [p, (await stored(p))[0]?.seq ?? null] as const))) as Record<Producer, number | null>;
    for (const p of PRODUCERS) {
      const status = stack.services[p].runtime.status();
      expect({ journal: p, nextSeq: status.nextSeq, headHash: status.headHash }).toEqual({ journal: p, ...heads[p] });
      if (snapshotted.includes(p)) {
        expect(latest[p]).not.toBeNull();
        expect({ journal: p, from: status.foldedFromSnapshot, folded: status.foldedRecords }).toEqual({ journal: p, from: latest[p], folded: heads[p].nextSeq - 1 - latest[p]! });
      }
    }

    // the auditor: the journals as exported from the broker, every stored snapshot checked against them
    const exported = await exportJournals(createKafka('ccp-e2e-snap-export', ns.brokers), topology(ns.namespace), ns.keyring, dir, `${ns.namespace}e2e-snap-export`);
    expect(exported.quarantined).toEqual([]);
    const report = await verifyJournals(dir, DECIDERS, { keyring: { keyring: ns.keyring, path: `${ns.keysDir}/keyring.json` } });
    expect(report.findings.filter((f) => !(f.field === 'source.topic' && /ccp\.input\./.test(f.reason)))).toEqual([]);
    const snapshots = await allStored();
    expect(snapshots.length).toBeGreaterThanOrEqual(snapshotted.length);
    const checks = await verifySnapshots(dir, snapshots.map((s) => ({ ...s, producer: s.producer as Producer })), ns.keyring);
    expect(checks).toHaveLength(snapshots.length);
    expect(checks.filter((c) => c.problem !== null)).toEqual([]);
    // what `ccp audit verify --kafka` runs: the export writes the stored snapshots beside the journals
    const exportDir = join(dir, 'export');
    const exportRun = spawnSync(process.execPath, ['-r', require.resolve('@swc-node/register'), join(__dirname, 'export-journals.main.ts'), exportDir], { env: { ...process.env, ...ns.env('margin') }, encoding: 'utf8' });
    expect({ status: exportRun.status, stderr: exportRun.stderr }).toEqual({ status: 0, stderr: expect.stringContaining(`${snapshots.length} fold snapshots`) as string });
    const exportedSnapshots = readSnapshotsFile(join(exportDir, SNAPSHOTS_FILE));
    expect(exportedSnapshots.map((s) => [s.producer, s.seq]).sort()).toEqual(snapshots.map((s) => [s.producer, s.seq]).sort());
    expect((await verifySnapshots(exportDir, exportedSnapshots, ns.keyring)).every((c) => c.problem === null)).toBe(true);
    await stack.stop();
    stack = undefined;

    // someone with database access alters margin's latest snapshot: refused at the next start
    const marginSnapshots = snapshots.filter((s) => s.producer === 'margin').sort((a, b) => b.seq - a.seq);
    expect(marginSnapshots.length).toBeGreaterThanOrEqual(2);
    const [altered, older] = marginSnapshots as [(typeof marginSnapshots)[0], (typeof marginSnapshots)[0]];
    const flipped = Buffer.from(altered.state);
    const at = Math.floor(flipped.length / 2);
    flipped[at] = flipped[at]! ^ 0x01;
    await db.query(`UPDATE ${ns.schema}.fold_snapshot SET state = $1 WHERE journal_topic = $2 AND producer = 'margin' AND seq = $3`, [flipped, altered.journalTopic, String(altered.seq)]);
    const audited = await verifySnapshots(dir, (await stored('margin')).map((s) => ({ ...s, producer: 'margin' as Producer })), ns.keyring);
    expect(audited.find((c) => c.seq === altered.seq)?.problem).toMatch(/do not hash to the SHA-256 the signature covers/);
    expect(audited.filter((c) => c.seq !== altered.seq).every((c) => c.problem === null)).toBe(true);
    stack = await startInProcessStack(ns, { CCP_SNAPSHOT_EVERY: String(EVERY) });
    const margin = stack.services.margin.runtime.status();
    expect({ from: margin.foldedFromSnapshot, nextSeq: margin.nextSeq, headHash: margin.headHash }).toEqual({ from: older.seq, ...heads.margin });
    await stack.stop();
    stack = undefined;
    // the longer fold was snapshotted at the head, honestly; the altered one stays, reported, as evidence until pruned
    const after = await verifySnapshots(dir, (await stored('margin')).map((s) => ({ ...s, producer: 'margin' as Producer })), ns.keyring);
    expect(after[after.length - 1]).toEqual({ producer: 'margin', seq: heads.margin.nextSeq - 1, problem: null });
    expect(after.filter((c) => c.problem !== null).map((c) => c.seq)).toEqual([altered.seq]);
  });
});
