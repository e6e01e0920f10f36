import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  anchorOf,
  ANCHORS_FILE,
  EventEnvelope,
  generateJournalKeys,
  JournalAnchor,
  KEYRING_FILE,
  Producer,
  PRODUCERS,
  signerOf,
} from '@ccp/contracts';
import { DECIDERS, journalFileName } from '@ccp/engine';
import { readAnchorLines, readLines, reseal, simulateScenario, writeAnchorLines, writeKeyring, writeLines } from './audit-test-support';
import { parseExpectedHead } from './journal-anchors';
import { Finding, formatFinding, verifyJournals, VerifyOptions } from './verify-journals';

/**
 * The integrity issue, audit side (docs/adr/0007-signed-journal-heads.md): every journal line is
 * byte for byte its record's canonical serialization, every journal is covered by a valid signed
 * head of its owner, and every anchor or pinned head the auditor holds is still in the journals.
 * The journals are signed with fresh keys whose keyring the auditor holds apart from the directory.
 */
const SCENARIO = 'perpetual-adl-cascade';
const keys = generateJournalKeys();
let keysRoot: string;
let keyringPath: string;
beforeAll(() => {
  keysRoot = mkdtempSync(join(tmpdir(), 'ccp-auditor-'));
  keyringPath = join(keysRoot, 'owners-keyring.json');
  writeKeyring(keyringPath, keys.keyring);
});
afterAll(() => rmSync(keysRoot, { recursive: true, force: true }));

let run: ReturnType<typeof simulateScenario>;
beforeEach(() => {
  run = simulateScenario(SCENARIO, { keys });
});
afterEach(() => run.cleanup());

/** verify as an auditor holding the owners' keyring */
const audit = (options: VerifyOptions = {}) => verifyJournals(run.dir, DECIDERS, { keyring: { keyring: keys.keyring, path: keyringPath }, ...options });
const raw = (producer: Producer): string => readFileSync(join(run.dir, journalFileName(producer)), 'utf8');
const writeRaw = (producer: Producer, text: string): void => writeFileSync(join(run.dir, journalFileName(producer)), text);
const records = (producer: Producer): EventEnvelope[] => readLines(run.dir, producer).map((l) => JSON.parse(l) as EventEnvelope);
const lastSeq = (producer: Producer): number => run.summary.journals[producer].records - 1;
const anchorsPath = (): string => join(run.dir, ANCHORS_FILE);
const messages = (findings: readonly Finding[]): string[] => findings.map(formatFinding);

describe('a clean directory', () => {
  it('passes, with each journal signed through its last record and its latest anchor listed', async () => {
    const report = await audit();
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([]);
    expect(report.keyring).toEqual({ source: 'given', path: keyringPath, development: false });
    for (const j of report.journals) {
      expect(j.signedThrough).toBe(lastSeq(j.producer));
      expect(j.latestAnchor).toMatchObject({ journal: j.producer, seq: lastSeq(j.producer), hash: j.headHash, status: 'verified', signatureValid: true });
      expect(j.anchorsChecked).toBeGreaterThan(0);
    }
  });

  it("with the directory's own keyring: passes, and warns that the keys came from the audited directory", async () => {
    const report = await verifyJournals(run.dir);
    expect(report.ok).toBe(true);
    expect(report.keyring).toMatchObject({ source: 'directory', path: join(run.dir, KEYRING_FILE), development: false });
    expect(report.warnings).toEqual([expect.stringMatching(/came from the audited directory itself/)]);
  });

  it('signed with the development keys: passes, and says they prove nothing about authorship', async () => {
    const dev = simulateScenario(SCENARIO);
    try {
      const report = await verifyJournals(dev.dir);
      expect(report.ok).toBe(true);
      expect(report.keyring).toMatchObject({ development: true });
      expect(report.warnings).toContainEqual(expect.stringMatching(/DEVELOPMENT keyring.*prove nothing about who wrote the journals/));
    } finally {
      dev.cleanup();
    }
  });
});

describe('byte-exact lines', () => {
  /** [case, journal, the edit of line i of the journal's text, the finding's reason] */
  const cases: readonly [string, Producer, (line: string) => string, RegExp][] = [
    ['whitespace between tokens', 'margin', (l) => l.replace('":', '": '), /^not the canonical serialization of its record \(whitespace between tokens; first difference at character \d+\)$/],
    ['a CRLF line ending', 'liquidation', (l) => `${l}\r`, /^ends in CR \(a CRLF line ending\)/],
    ['a duplicate key (JSON.parse keeps the last: the hash still holds)', 'default-fund', (l) => l.replace('"type":', '"type":"Forged","type":'), /duplicate key "type" at the top level \(JSON\.parse keeps the last value/],
    ['keys out of order', 'loss-allocation', (l) => l.replace(/^\{("causationId":(?:null|"[^"]*")),("correlationId":(?:null|"[^"]*"))/, '{$2,$1'), /keys out of order at the top level \("correlationId" before "causationId"\)/],
    ['a number in another form', 'margin', (l) => l.replace(/"seq":(\d+)/, '"seq":$1.0'), /a number written otherwise than canonical JSON writes it \(\d+\.0\)/],
    ['an escape canonical JSON does not write', 'margin', (l) => l.replace('"kind":"', '"kind":"\\u00').replace(/"kind":"\\u00(.)/, (_m, c: string) => `"kind":"\\u00${c.charCodeAt(0).toString(16)}`), /a string escaped otherwise/],
  ];

  it.each(cases)('%s: that journal, that line, and why — and nothing else', async (_name, journal, edit, reason) => {
    const lines = readLines(run.dir, journal);
    const i = Math.floor(lines.length / 2);
    const edited = edit(lines[i]!);
    expect(edited).not.toBe(lines[i]);
    expect(JSON.parse(edited)).toEqual(JSON.parse(lines[i]!)); // the same record to JSON.parse
    lines[i] = edited;
    writeLines(run.dir, journal, lines);

    const report = await audit();
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([{ journal, position: i, recordId: `${journal}:${i}`, field: 'line', reason: expect.stringMatching(reason) }]);
  });

  it('the message names journal, line (from 1) and why', async () => {
    const lines = readLines(run.dir, 'margin');
    lines[16] = lines[16]!.replace('":', '":  ');
    writeLines(run.dir, 'margin', lines);
    const report = await audit();
    expect(messages(report.findings)).toEqual([expect.stringMatching(/^margin line 17 \(margin:16\): not the canonical serialization of its record \(whitespace/)]);
  });

  it('a blank line: reported, and the records after it still verify', async () => {
    const lines = readLines(run.dir, 'margin');
    writeLines(run.dir, 'margin', [...lines.slice(0, 2), '', ...lines.slice(2)]);
    const report = await audit();
    expect(report.findings).toEqual([{ journal: 'margin', position: 2, recordId: null, field: 'line', reason: expect.stringMatching(/^blank line/) }]);
    expect(messages(report.findings)).toEqual([expect.stringMatching(/^margin line 3: blank line/)]);
    expect(report.journals.find((j) => j.producer === 'margin')).toMatchObject({ records: lines.length, signedThrough: lastSeq('margin') });
  });

  it('a whole journal in CRLF: every line reported (the reader keeps the CR)', async () => {
    writeRaw('liquidation', raw('liquidation').replace(/\n/g, '\r\n'));
    const report = await audit();
    expect(report.findings).toHaveLength(run.summary.journals.liquidation.records);
    expect(report.findings.every((f) => f.journal === 'liquidation' && f.field === 'line' && /^ends in CR/.test(f.reason))).toBe(true);
  });

  it('a journal that does not end in a newline: a torn write', async () => {
    writeRaw('default-fund', raw('default-fund').slice(0, -1));
    const report = await audit();
    expect(report.findings).toEqual([expect.objectContaining({ journal: 'default-fund', position: lastSeq('default-fund'), field: 'line', reason: expect.stringMatching(/^no newline at the end/) })]);
  });

  it('bytes that are not UTF-8', async () => {
    const path = join(run.dir, journalFileName('margin'));
    const bytes = readFileSync(path);
    const at = bytes.indexOf('"kind":"') + 8;
    bytes[at] = 0xff;
    writeFileSync(path, bytes);
    const report = await audit();
    expect(report.firstFinding).toMatchObject({ journal: 'margin', field: 'line', reason: 'not valid UTF-8' });
  });
});

describe('signatures: every journal covered by a valid signed head of its owner', () => {
  it('no anchors.jsonl: fails, saying so first, and every journal is unsigned', async () => {
    rmSync(anchorsPath());
    const report = await audit();
    expect(report.firstFinding).toMatchObject({ journal: 'anchors', field: 'file', reason: expect.stringMatching(/^anchors\.jsonl is missing from the journal directory/) });
    for (const p of PRODUCERS) {
      expect(messages(report.findings)).toContain(
        `${p} line 1 (${p}:0) signature: ${p} records 0..${lastSeq(p)} carry no signature of ${p}'s key (no anchor of this journal with a valid signature matches it)`,
      );
    }
  });

  it('an unsigned tail: the records after the last validly signed head are named', async () => {
    const anchors = readAnchorLines(run.dir);
    const kept = anchors.filter((a) => !(a.journal === 'margin' && a.reason === 'head'));
    writeAnchorLines(anchorsPath(), kept);
    const signed = Math.max(...kept.filter((a) => a.journal === 'margin').map((a) => a.seq));
    expect(signed).toBeLessThan(lastSeq('margin'));
    const report = await audit();
    expect(report.findings).toEqual([
      {
        journal: 'margin',
        position: signed + 1,
        recordId: `margin:${signed + 1}`,
        field: 'signature',
        reason: expect.stringMatching(new RegExp(`^margin records ${signed + 1}\\.\\.${lastSeq('margin')} carry no signature of margin's key \\(the last valid signed head is at seq ${signed} \\(anchors\\.jsonl line \\d+\\)\\)$`)),
      },
    ]);
    expect(report.journals.find((j) => j.producer === 'margin')!.signedThrough).toBe(signed);
  });

  it('records appended after the signed head, well chained: unsigned', async () => {
    const lines = readLines(run.dir, 'liquidation');
    const forged = reseal([...lines, lines[lines.length - 1]!.replace(/"seq":\d+/, `"seq":${lines.length}`)]);
    writeLines(run.dir, 'liquidation', forged);
    const report = await audit();
    expect(messages(report.findings)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^liquidation line ${lines.length + 1} \\(liquidation:${lines.length}\\) signature: liquidation records ${lines.length}\\.\\.${lines.length} carry no signature of liquidation's key \\(the last valid signed head is at seq ${lines.length - 1} \\(anchors\\.jsonl line \\d+\\)\\)$`,
        ),
      ),
    );
  });

  it('a bad signature: the anchor is reported and not used', async () => {
    const anchors = readAnchorLines(run.dir);
    const i = anchors.findIndex((a) => a.journal === 'default-fund' && a.reason === 'head');
    const a = anchors[i]!;
    anchors[i] = { ...a, signature: `${a.signature[0] === 'A' ? 'B' : 'A'}${a.signature.slice(1)}` };
    writeAnchorLines(anchorsPath(), anchors);
    const report = await audit();
    expect(report.findings).toContainEqual(
      expect.objectContaining({ journal: 'default-fund', field: 'signature', reason: `the anchor of default-fund seq ${a.seq} (anchors.jsonl line ${i + 1}) is not signed by default-fund's key: not used` }),
    );
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'default-fund', field: 'signature', reason: expect.stringMatching(/^default-fund records \d+\.\.16 carry no signature/) }));
    expect(report.journals.find((j) => j.producer === 'default-fund')!.latestAnchor).toMatchObject({ seq: a.seq, status: 'signature-invalid', signatureValid: false });
  });

  it("anchors re-signed with a forger's key and his keyring put in the directory: the owners' keyring refuses them all", async () => {
    const forger = generateJournalKeys();
    const anchors = readAnchorLines(run.dir).map((a) => ({ ...a, signature: signerOf(a.journal, forger.privateKeys[a.journal]).signHead(a.seq, a.hash).signature }));
    writeAnchorLines(anchorsPath(), anchors);
    writeKeyring(join(run.dir, KEYRING_FILE), forger.keyring);

    const trusted = await audit();
    expect(trusted.ok).toBe(false);
    const distinct = new Set(anchors.map((a) => `${a.journal}@${a.seq}`)).size; // a head and a default close at one record are one signed head
    expect(trusted.findings.filter((f) => /is not signed by .*'s key: not used$/.test(f.reason))).toHaveLength(distinct);
    for (const p of PRODUCERS) expect(trusted.findings).toContainEqual(expect.objectContaining({ journal: p, reason: expect.stringMatching(new RegExp(`^${p} records 0\\.\\.${lastSeq(p)} carry no signature`)) }));

    // trusting the directory's own keyring, the forgery passes: hence the warning
    const naive = await verifyJournals(run.dir);
    expect(naive.ok).toBe(true);
    expect(naive.warnings).toEqual([expect.stringMatching(/came from the audited directory itself.*--keyring/)]);
  });

  it('no keyring at all: fails, saying so', async () => {
    rmSync(join(run.dir, KEYRING_FILE));
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'keyring', field: 'file', reason: expect.stringMatching(/^no keyring: keyring\.json is missing/) });
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'margin', reason: expect.stringMatching(/carry no signature of margin's key \(there is no keyring/) }));
  });
});

describe('anchored heads: truncation, rewriting, missing journals', () => {
  /** an earlier state of the same run: the first steps only, signed with the same keys */
  const earlierRun = () => simulateScenario(SCENARIO, { keys, steps: 32 });

  it('the earlier run is a prefix of the later one, shorter in every journal (the premise of the rollback cases)', () => {
    const earlier = earlierRun();
    try {
      for (const p of PRODUCERS) {
        const before = readLines(earlier.dir, p);
        expect(before.length).toBeLessThan(readLines(run.dir, p).length);
        expect(readLines(run.dir, p).slice(0, before.length)).toEqual(before);
      }
    } finally {
      earlier.cleanup();
    }
  });

  it("all four journals truncated at one consistent point, the directory's anchors kept: each truncation named", async () => {
    const earlier = earlierRun();
    try {
      for (const p of PRODUCERS) writeLines(run.dir, p, readLines(earlier.dir, p));
      const report = await audit();
      for (const p of PRODUCERS) {
        const end = earlier.summary.journals[p].records - 1;
        expect(report.findings).toContainEqual(
          expect.objectContaining({ journal: p, field: 'seq', position: -1, reason: expect.stringMatching(new RegExp(`^${p} ends at seq ${end}, anchored at seq ${lastSeq(p)} \\(anchors\\.jsonl line \\d+\\): the journal was truncated`)) }),
        );
      }
    } finally {
      earlier.cleanup();
    }
  });

  it('rolled back to an earlier genuine state, anchors and all: passes alone, caught by the anchors the auditor held', async () => {
    const held = join(keysRoot, `held-${process.pid}.jsonl`);
    writeAnchorLines(held, readAnchorLines(run.dir)); // the auditor kept the later anchors (the anchor topic, an export)
    const earlier = earlierRun();
    try {
      for (const p of PRODUCERS) writeLines(run.dir, p, readLines(earlier.dir, p));
      writeAnchorLines(anchorsPath(), readAnchorLines(earlier.dir));

      expect((await audit()).ok).toBe(true); // a consistent, validly signed prefix: only what the auditor holds can tell

      const report = await audit({ anchorFiles: [held] });
      expect(report.ok).toBe(false);
      for (const p of PRODUCERS) {
        expect(report.findings).toContainEqual(
          expect.objectContaining({ journal: p, field: 'seq', reason: expect.stringMatching(new RegExp(`^${p} ends at seq \\d+, anchored at seq ${lastSeq(p)} \\(${held.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line \\d+\\): the journal was truncated`)) }),
        );
        expect(report.journals.find((j) => j.producer === p)!.latestAnchor).toMatchObject({ seq: lastSeq(p), status: 'beyond-end', origin: expect.stringContaining(held) });
      }
    } finally {
      earlier.cleanup();
      rmSync(held, { force: true });
    }
  });

  it('all four journals emptied: each "is empty, anchored at …"', async () => {
    for (const p of PRODUCERS) writeLines(run.dir, p, []);
    const report = await audit();
    for (const p of PRODUCERS) {
      expect(report.findings).toContainEqual(expect.objectContaining({ journal: p, field: 'seq', reason: expect.stringMatching(new RegExp(`^${p} is empty, anchored at seq ${lastSeq(p)} `)) }));
    }
  });

  it('all four journals and anchors.jsonl emptied: the anchors the auditor held still tell', async () => {
    const held = join(keysRoot, `held-empty-${process.pid}.jsonl`);
    writeAnchorLines(held, readAnchorLines(run.dir));
    try {
      for (const p of PRODUCERS) writeLines(run.dir, p, []);
      writeAnchorLines(anchorsPath(), []);
      expect((await audit()).ok).toBe(true); // nothing left to vouch for, and nothing that says otherwise
      const report = await audit({ anchorFiles: [held] });
      expect(report.findings.filter((f) => f.field === 'seq' && / is empty, anchored at seq /.test(f.reason)).map((f) => f.journal)).toEqual([...PRODUCERS]);
    } finally {
      rmSync(held, { force: true });
    }
  });

  it('a chain rewritten and re-sealed (valid hash chain, no owner signature): the anchored hash disagrees, and the rewritten records are unsigned', async () => {
    const margin = records('margin');
    const k = 30;
    const forged = margin.map((r, i) => (i === k ? { ...r, version: r.version + 1 } : r)); // re-deciding names it; the signatures and anchors say the chain is not the owner's
    writeLines(run.dir, 'margin', reseal(forged.map((r) => JSON.stringify(r))));
    const anchors = readAnchorLines(run.dir).filter((a) => a.journal === 'margin');
    const firstAfter = Math.min(...anchors.filter((a) => a.seq >= k).map((a) => a.seq));
    const signedBefore = Math.max(-1, ...anchors.filter((a) => a.seq < k).map((a) => a.seq));

    const report = await audit();
    // the re-decision now compares the envelope version too, so the edit is named before its consequences
    expect(report.findings.map((f) => [f.journal, f.field])).toEqual([
      ['margin', 'version'],
      ['margin', 'hash'],
      ['margin', 'signature'],
    ]);
    expect(report.findings[0]!.reason).toBe('record version 2 ≠ 1, the only version the deciders write');
    expect(report.findings[1]!.reason).toMatch(new RegExp(`^margin seq ${firstAfter}: hash [0-9a-f]{12}… ≠ anchored hash [0-9a-f]{12}… \\(anchors\\.jsonl line \\d+\\): the chain was rewritten`));
    expect(report.findings[2]!.reason).toMatch(new RegExp(`^margin records ${signedBefore + 1}\\.\\.${lastSeq('margin')} carry no signature of margin's key`));

    // the forger also drops the anchors that disagree: the unsigned records remain
    writeAnchorLines(anchorsPath(), readAnchorLines(run.dir).filter((a) => !(a.journal === 'margin' && a.seq >= k)));
    const dropped = await audit();
    expect(dropped.findings.map((f) => [f.journal, f.field])).toEqual([
      ['margin', 'version'],
      ['margin', 'signature'],
    ]);
  });

  it('--expect-head: a pinned head beyond the end, and one whose hash differs', async () => {
    const margin = records('margin');
    const beyond = parseExpectedHead(`margin=${'a'.repeat(64)}@${lastSeq('margin') + 5}`);
    const wrong = parseExpectedHead(`liquidation=${'b'.repeat(64)}@3`);
    const right = parseExpectedHead(`default-fund=${records('default-fund')[5]!.hash}@5`);
    const report = await audit({ expectedHeads: [beyond, wrong, right] });
    expect(messages(report.findings)).toEqual([
      `margin seq: margin ends at seq ${lastSeq('margin')}, expected head at seq ${lastSeq('margin') + 5} (--expect-head): the journal was truncated`,
      expect.stringMatching(/^liquidation line 4 \(liquidation:3\) hash: liquidation seq 3: hash [0-9a-f]{12}… ≠ expected hash bbbbbbbbbbbb… \(--expect-head\): the chain was rewritten$/),
    ]);
    expect(report.journals.find((j) => j.producer === 'default-fund')!.expectedHeads).toEqual([expect.objectContaining({ seq: 5, status: 'verified', origin: '--expect-head' })]);
    expect(margin.length).toBe(lastSeq('margin') + 1);
  });

  it('a truncation seen by an anchor and by a pinned head: each reported', async () => {
    const head = records('margin')[lastSeq('margin')]!;
    writeLines(run.dir, 'margin', readLines(run.dir, 'margin').slice(0, 50));
    const report = await audit({ expectedHeads: [{ journal: 'margin', seq: head.seq, hash: head.hash }] });
    expect(report.findings.filter((f) => f.journal === 'margin' && f.field === 'seq').map((f) => f.reason)).toEqual([
      expect.stringMatching(new RegExp(`^margin ends at seq 49, anchored at seq ${head.seq} \\(anchors\\.jsonl line \\d+\\): the journal was truncated; \\d+ more anchor\\(s\\) beyond its end$`)),
      `margin ends at seq 49, expected head at seq ${head.seq} (--expect-head): the journal was truncated`,
    ]);
  });

  it('--expect-head needs no signature: the auditor asserts it', async () => {
    const head = records('loss-allocation')[lastSeq('loss-allocation')]!;
    const report = await audit({ expectedHeads: [{ journal: 'loss-allocation', seq: head.seq, hash: head.hash }] });
    expect(report.ok).toBe(true);
  });

  it('parseExpectedHead refuses what is not journal=hash@seq', () => {
    expect(() => parseExpectedHead('margin=abc@3')).toThrow(/expected <journal>=<hash, 64 hex digits>@<seq>/);
    expect(() => parseExpectedHead(`ledger=${'a'.repeat(64)}@3`)).toThrow(/journal one of margin, liquidation, default-fund, loss-allocation/);
  });

  it('a journal that has anchors but no file: missing', async () => {
    rmSync(join(run.dir, journalFileName('loss-allocation')));
    const report = await audit();
    expect(messages(report.findings)[0]).toMatch(
      new RegExp(`^loss-allocation file: journal file loss-allocation\\.journal\\.jsonl is missing: loss-allocation journal is missing, anchored at seq ${lastSeq('loss-allocation')} \\(anchors\\.jsonl line \\d+\\)$`),
    );
  });

  it('an anchors file line that is not an anchor is reported; a file that does not exist too', async () => {
    const held = join(keysRoot, `held-bad-${process.pid}.jsonl`);
    const anchor: JournalAnchor = anchorOf(records('margin')[3]!, signerOf('margin', keys.privateKeys.margin).signHead(3, records('margin')[3]!.hash), 'interval');
    writeFileSync(held, `${JSON.stringify(anchor)}\n{"journal":"margin","seq":-1}\n`);
    try {
      const report = await audit({ anchorFiles: [held, join(keysRoot, 'nowhere.jsonl')] });
      expect(report.findings).toEqual([
        expect.objectContaining({ journal: 'anchors', position: 1, field: 'line', reason: expect.stringMatching(/line 2 is not an anchor: anchor\.seq: expected a non-negative integer/) }),
        expect.objectContaining({ journal: 'anchors', position: -1, field: 'file', reason: expect.stringMatching(/nowhere\.jsonl does not exist/) }),
      ]);
      expect(report.journals.find((j) => j.producer === 'margin')!.anchorsChecked).toBe(readAnchorLines(run.dir).filter((a) => a.journal === 'margin').length + 1);
    } finally {
      rmSync(held, { force: true });
    }
  });
});
