import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentJournalKeys, EventEnvelope, ExportedSnapshot, serializeSnapshotLine, signerOf, SNAPSHOTS_FILE } from '@ccp/contracts';
import { DECIDERS, encodeFoldPoint, journalFileName, JournalFold, snapshotBytesHash, snapshotSigningText } from '@ccp/engine';
import { runCcp } from './cli-test-support';

const SCENARIO = join(__dirname, '../../../docs/scenarios/ccp-member-default.json');
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ccp-cli-snapshots-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** margin's snapshot through seq, as the service would store it (signed with the development key simulate uses). */
function marginSnapshot(dir: string, seq: number): ExportedSnapshot {
  const records = readFileSync(join(dir, journalFileName('margin')), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EventEnvelope);
  const fold = new JournalFold(DECIDERS.margin);
  for (const r of records.slice(0, seq + 1)) fold.apply(r);
  const state = encodeFoldPoint(fold.point());
  const stateSha256 = snapshotBytesHash(state);
  const headHash = records[seq]!.hash;
  const signature = signerOf('margin', developmentJournalKeys().privateKeys.margin).signSnapshot(snapshotSigningText({ journal: 'margin', seq, headHash, offset: String(seq + 1), bytesHash: stateSha256 }));
  return { producer: 'margin', seq, headHash, resumeOffset: String(seq + 1), state, stateSha256, signature };
}

describe('ccp audit verify with snapshots.jsonl (docs/adr/0012-snapshots.md)', () => {
  it('checks every exported snapshot against the fold of its journal: equal passes, a snapshot of another state fails with exit 1', async () => {
    const dir = join(root, 'run');
    expect((await runCcp(['simulate', SCENARIO, '--out', dir])).exitCode).toBe(0);
    const honest = [marginSnapshot(dir, 10), marginSnapshot(dir, 30)];
    writeFileSync(join(dir, SNAPSHOTS_FILE), honest.map((s) => `${serializeSnapshotLine(s)}\n`).join(''));
    const ok = await runCcp(['audit', 'verify', dir]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('snapshots: 2 checked against the fold of their journal; every one equals it');

    // the state of seq 10 presented as the snapshot at seq 30, signed by the owner: not the fold through 30
    const early = marginSnapshot(dir, 10);
    const late = honest[1]!;
    const forged = { ...late, state: early.state, stateSha256: early.stateSha256 };
    const signed = { ...forged, signature: signerOf('margin', developmentJournalKeys().privateKeys.margin).signSnapshot(snapshotSigningText({ journal: 'margin', seq: 30, headHash: late.headHash, offset: late.resumeOffset, bytesHash: early.stateSha256 })) };
    writeFileSync(join(dir, SNAPSHOTS_FILE), `${serializeSnapshotLine(honest[0]!)}\n${serializeSnapshotLine(signed)}\n`);
    const bad = await runCcp(['audit', 'verify', dir, '--json']);
    expect(bad.exitCode).toBe(1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; snapshots: Array<{ seq: number; problem: string | null }> };
    expect(report.ok).toBe(false);
    expect(report.snapshots).toEqual([
      { producer: 'margin', seq: 10, problem: null },
      { producer: 'margin', seq: 30, problem: expect.stringMatching(/its state is not the fold of margin's journal through seq 30/) as string },
    ]);
  });

  it('an unreadable snapshots file is a usage error naming it (exit 2)', async () => {
    const dir = join(root, 'run');
    await runCcp(['simulate', SCENARIO, '--out', dir]);
    writeFileSync(join(dir, SNAPSHOTS_FILE), '{"producer":"margin"}\n');
    const run = await runCcp(['audit', 'verify', dir]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/snapshots\.jsonl: .*line 1: not a snapshot/);
  });
});
