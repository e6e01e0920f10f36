import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJournalKeys, KEYRING_FILE } from '@ccp/contracts';
import { verifyJournals } from '@ccp/audit';
import { DECIDERS, journalFileName, simulate } from '@ccp/engine';
import { FINDINGS_SHOWN, formatVerification } from './format-verify';

const scenario: unknown = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios/perpetual-adl-cascade.json'), 'utf8'));
let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ccp-cli-verify-'));
  dir = join(root, 'journals');
  simulate(scenario, DECIDERS, { outDir: dir });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('formatVerification', () => {
  it('OK: each journal with its head, what signed it and its latest anchor; the keyring and its warnings', async () => {
    const text = formatVerification(await verifyJournals(dir));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ {2}margin +87 records {3}head [0-9a-f]{64}$/);
    expect(lines[1]).toMatch(/^ +signed through seq 86; latest anchor seq 86 \(head\) from anchors\.jsonl line 9, hash [0-9a-f]{16}…, signature [A-Za-z0-9_-]{16}…: verified \(3 anchor\(s\) checked\)$/);
    expect(text).toContain(`  keyring: ${join(dir, KEYRING_FILE)} (from the audited directory, DEVELOPMENT keys)`);
    expect(lines.filter((l) => l.startsWith('warning: '))).toEqual([
      expect.stringMatching(/came from the audited directory itself/),
      expect.stringMatching(/DEVELOPMENT keyring.*prove nothing/),
    ]);
    expect(lines[lines.length - 1]).toMatch(/^audit verify: OK — .* 2 defaults conserved to the cent$/);
  });

  it('FAILED: every finding as journal, line and why', async () => {
    const path = join(dir, journalFileName('margin'));
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[16] = lines[16]!.replace('":', '": ');
    writeFileSync(path, lines.join('\n').replace(/\n$/, '\r\n'));
    const text = formatVerification(await verifyJournals(dir));
    expect(text).toContain('audit verify: FAILED — 2 finding(s); first: margin line 17 (margin:16): not the canonical serialization of its record (whitespace between tokens');
    expect(text).toMatch(/\n {2}margin line 87 \(margin:86\): ends in CR \(a CRLF line ending\)/);
  });

  it(`beyond ${FINDINGS_SHOWN} findings, the rest are counted`, async () => {
    const path = join(dir, journalFileName('margin'));
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
    const report = await verifyJournals(dir, DECIDERS, { keyring: { keyring: generateJournalKeys().keyring, path: 'other-keyring.json' } });
    const text = formatVerification(report);
    expect(text.split('\n').filter((l) => l.startsWith('  margin line '))).toHaveLength(FINDINGS_SHOWN);
    expect(text).toContain(`  … ${report.findings.length - FINDINGS_SHOWN} more (--json lists them)`);
    expect(text).toContain('signed by its owner: NOWHERE');
  });
});
