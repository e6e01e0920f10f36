/**
 * libs/cli/bin/ccp as scripts run it: a real process, stdout and stderr pipes (not terminals), and
 * for --kafka the real broker (KAFKA_BROKERS).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANCHOR_TOPIC, generateJournalKeys, JOURNAL_TOPICS, KEYRING_FILE } from '@ccp/contracts';
import { writeJournalKeys } from '@ccp/engine';
import { createTestTopics, deleteTestTopics, kafkaFromEnv, uniqueName } from '@ccp/infra-testing';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '../../..');
const CCP = join(ROOT, 'libs/cli/bin/ccp');

function ccp(args: readonly string[], env: Record<string, string> = {}, cwd = ROOT) {
  const run = spawnSync('bash', [CCP, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { exitCode: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('bin/ccp: only launches Node, main.ts parses', () => {
  it('--version from any directory', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(ccp(['--version'], {}, tmpdir())).toEqual({ exitCode: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown flag: exit 2, one line on stderr, no stack', () => {
    const run = ccp(['audit', 'verify', 'out/x', '--frobnicate']);
    expect(run).toEqual({ exitCode: 2, stdout: '', stderr: "ccp: unknown option '--frobnicate' for 'audit verify' (see 'ccp audit verify --help')\n" });
  });

  it('--kafka is an option of audit verify, not of the launcher: given to another command it is unknown', () => {
    expect(ccp(['simulate', 'x.json', '--kafka']).stderr).toBe("ccp: unknown option '--kafka' for 'simulate' (see 'ccp simulate --help')\n");
  });

  it('simulate of a big scenario on a pipe: JSON on stdout, plain progress lines on stderr (no \\r)', () => {
    const run = ccp(['simulate', 'docs/scenarios/market-crash-10k.json', '--json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ defaults: expect.any(Array) });
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^simulate: 10000 inputs, \d+ inputs\/s$/),
      expect.stringMatching(/^simulate: 20000 inputs, \d+ inputs\/s$/),
      expect.stringMatching(/^simulate: 30000 inputs, \d+ inputs\/s$/),
    ]);
  });
});

describe('ccp audit verify --kafka (real broker)', () => {
  const namespace = `${uniqueName('it.cli')}.`;
  const topics = [...Object.values(JOURNAL_TOPICS), ANCHOR_TOPIC].map((t) => `${namespace}${t}`);
  const admin = kafkaFromEnv('ccp-cli-int').admin();
  let keys: string;
  beforeAll(async () => {
    keys = mkdtempSync(join(tmpdir(), 'ccp-cli-int-keys-'));
    writeJournalKeys(keys, generateJournalKeys(), false);
    await admin.connect();
    await createTestTopics(admin, topics.map((name) => ({ name })));
  });
  afterAll(async () => {
    await deleteTestTopics(admin, topics);
    await admin.disconnect();
    rmSync(keys, { recursive: true, force: true });
  });

  it('exports the namespace, verifies it against the configured keyring (not the exported copy), removes the export', () => {
    const exports = mkdtempSync(join(tmpdir(), 'ccp-cli-int-tmp-'));
    try {
      const run = ccp(['audit', 'verify', '--kafka', '--namespace', namespace, '--json'], { CCP_JOURNAL_KEYS_DIR: keys, TMPDIR: exports });
      expect(run.exitCode).toBe(0);
      const report = JSON.parse(run.stdout) as { ok: boolean; keyring: { source: string; path: string } | null; journals: { records: number }[] };
      expect(report.ok).toBe(true);
      expect(report.keyring).toMatchObject({ source: 'given', path: join(keys, KEYRING_FILE), development: false });
      expect(report.journals.map((j) => j.records)).toEqual([0, 0, 0, 0]);
      expect(run.stderr).toContain(`[export-journals] ${namespace}${JOURNAL_TOPICS.margin}: 0 signed records`);
      expect(readdirSync(exports).filter((name) => name.startsWith('ccp-kafka-journals.'))).toEqual([]);
    } finally {
      if (existsSync(exports)) rmSync(exports, { recursive: true, force: true });
    }
  });
});
