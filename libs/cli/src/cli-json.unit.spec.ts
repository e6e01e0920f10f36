import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { principalOfAuthorization, READ_API_TOKEN_AUDIENCE, TOKEN_ISSUER_PRIVATE_KEY_FILE, TOKEN_ISSUER_PUBLIC_KEY_FILE } from '@ccp/contracts';
import { DECIDERS, journalFileName, simulate } from '@ccp/engine';
import { runCcp } from './cli-test-support';
import type { IssuedToken } from './tokens.command';

const SCENARIO = join(__dirname, '../../../docs/scenarios/perpetual-adl-cascade.json');
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ccp-cli-json-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('--json: machine-readable JSON on stdout, nothing else', () => {
  it('simulate --json is the outcome summary', async () => {
    const run = await runCcp(['simulate', SCENARIO, '--json']);
    expect(run.exitCode).toBe(0);
    const expected = simulate(JSON.parse(readFileSync(SCENARIO, 'utf8')), DECIDERS).summary;
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('simulate --json --out: the "written to" note goes to stderr, stdout stays JSON', async () => {
    const out = join(root, 'adl');
    const run = await runCcp(['simulate', SCENARIO, '--json', '--out', out]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(readFileSync(join(out, 'outcome.json'), 'utf8')));
    expect(run.stderr).toContain(`Journals and outcome.json written to ${out}`);
  });

  it('simulate without --json: the summary and the note, as text, on stdout', async () => {
    const out = join(root, 'adl');
    const run = await runCcp(['simulate', SCENARIO, '--out', out]);
    expect(run.exitCode).toBe(0);
    expect(() => JSON.parse(run.stdout)).toThrow();
    expect(run.stdout.endsWith(`\nJournals and outcome.json written to ${out}\n`)).toBe(true);
  });

  it('audit verify --json: the report (ok), warnings on stderr; a broken journal is ok: false and exit 1', async () => {
    const dir = join(root, 'adl');
    await runCcp(['simulate', SCENARIO, '--out', dir]);
    const run = await runCcp(['audit', 'verify', dir, '--json']);
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: unknown[]; warnings: string[] };
    expect(report.ok).toBe(true);
    expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual(report.warnings.map((w) => `warning: ${w}`));

    const path = join(dir, journalFileName('margin'));
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
    const broken = await runCcp(['audit', 'verify', dir, '--json']);
    expect(broken.exitCode).toBe(1);
    const failed = JSON.parse(broken.stdout) as { ok: boolean; findings: unknown[] };
    expect(failed.ok).toBe(false);
    expect(failed.findings.length).toBeGreaterThan(0);
  });

  it('audit counterfactual --json: the report', async () => {
    const dir = join(root, 'adl');
    await runCcp(['simulate', SCENARIO, '--out', dir]);
    const defaultId = (JSON.parse(readFileSync(join(dir, 'outcome.json'), 'utf8')) as { defaults: { defaultId: string; allocation?: unknown }[] }).defaults.find((d) => d.allocation)!.defaultId;
    const run = await runCcp(['audit', 'counterfactual', dir, defaultId, '--policy', 'recorded', '--json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ reproduced: true });
  });

  it('tokens issue --json: the token and its claims; the token verifies with the public key', async () => {
    const keys = join(root, 'issuer');
    expect((await runCcp(['tokens', 'keys', '--out', keys])).exitCode).toBe(0);
    const run = await runCcp(['tokens', 'issue', '--key', join(keys, TOKEN_ISSUER_PRIVATE_KEY_FILE), '--member', 'cm-a', '--ttl', '600', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    const issued = JSON.parse(run.stdout) as IssuedToken;
    expect(issued).toMatchObject({ role: 'member', memberId: 'cm-a', subject: 'member:cm-a', audience: READ_API_TOKEN_AUDIENCE, issuer: null });
    expect(Date.parse(issued.expiresAt) - Date.parse(issued.issuedAt)).toBe(600_000);
    const key = createPublicKey(readFileSync(join(keys, TOKEN_ISSUER_PUBLIC_KEY_FILE)));
    const principal = await principalOfAuthorization(`Bearer ${issued.token}`, { key, audience: READ_API_TOKEN_AUDIENCE }, new Date(issued.issuedAt));
    expect(principal).toEqual({ role: 'member', memberId: 'cm-a', subject: 'member:cm-a' });
  });

  it('tokens issue without --json: the bare token, one line', async () => {
    const keys = join(root, 'issuer');
    await runCcp(['tokens', 'keys', '--out', keys]);
    const run = await runCcp(['tokens', 'issue', '--key', join(keys, TOKEN_ISSUER_PRIVATE_KEY_FILE), '--auditor']);
    expect(run.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
  });
});
