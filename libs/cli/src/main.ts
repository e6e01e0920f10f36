import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  generateJournalKeys,
  generateTokenIssuerKeys,
  issueReadApiToken,
  parseUntrustedJson,
  READ_API_TOKEN_AUDIENCE,
  type ReadApiPrincipal,
  rejection,
  RejectionError,
  TOKEN_ISSUER_PRIVATE_KEY_FILE,
  TOKEN_ISSUER_PUBLIC_KEY_FILE,
} from '@ccp/contracts';
import {
  caseFile,
  counterfactual,
  CounterfactualError,
  ExpectedHead,
  formatFinding,
  GivenKeyring,
  parseExpectedHead,
  parseParamArguments,
  readKeyringFile,
  renderCaseFileHtml,
  verifyJournals,
  VerifyProgress,
} from '@ccp/audit';
import { DECIDERS, readJournalKeys, scenarioFile, simulate, writeJournalKeys, writeTokenIssuerKeys } from '@ccp/engine';
import { runHyperliquidStudy, StudyAuditor } from '@ccp/hyperliquid-study';
import { formatCounterfactual } from './format-counterfactual';
import { formatOutcome } from './format-outcome';
import { formatVerification } from './format-verify';


const KEYS_USAGE = `  ccp keys generate --out <dir> [--force]
      fresh Ed25519 keys for the four journals: <journal>.key.pem (private, PKCS#8 PEM, mode 0600; each
      service gets only its own) and keyring.json (the public keys: for every reader, and for auditors'
      --keyring); refuses to overwrite existing files unless --force. CCP_JOURNAL_KEYS_DIR=<dir> uses them`;

const TOKENS_USAGE = `  ccp tokens keys --out <dir> [--force]
      a read-API token issuer key pair (Ed25519): ${TOKEN_ISSUER_PRIVATE_KEY_FILE} (private, mode 0600: keep it
      with whoever issues tokens) and ${TOKEN_ISSUER_PUBLIC_KEY_FILE} (the services' CCP_READ_API_JWT_PUBLIC_KEY_FILE)
  ccp tokens issue --key <private-key.pem> (--auditor | --member <memberId>) [--subject <sub>] [--ttl <seconds>]
                   [--audience <aud>] [--issuer <iss>]
      print a signed bearer token for the read API: an auditor reads everything, a member its own accounts,
      defaults and fund row. Defaults: --ttl 3600, --audience ${READ_API_TOKEN_AUDIENCE}, --subject the role (and member)`;

const USAGE = `usage:
  ccp simulate <scenario.json> [--out <dir>] [--keys <dir>] [--json]
      run a scenario through the embedded engine; writes one journal per service, outcome.json, and
      anchors.jsonl + keyring.json: heads signed with the keys in --keys <dir> (ccp keys generate),
      else with the public development keys
  ccp audit verify <journal-dir> [--keyring <file>] [--anchors <file> ...] [--expect-head <journal>=<hash>@<seq> ...]
                  [--json] [--progress] [--progress-every <n>]
      check that every line is its record's canonical bytes, every hash chain, that each journal's owner
      signed its head (keys: --keyring, else the directory's own keyring.json, with a warning), every anchor
      (the directory's anchors.jsonl and each --anchors file) and pinned head against the journals
      (truncated, rewritten, missing), re-decide every input, check every default's waterfall and allocation;
      exit 0 only if all holds, else name each offending record (journal, line, field) and why; --json prints
      the whole report. Progress goes to stderr every n records (default 10000) on a terminal or with --progress
  ccp audit default <journal-dir> <defaultId> [--html <file>] [--keyring <file>] [--anchors <file> ...]
                  (or: <defaultId> --journals <journal-dir>)
      the case file of one default as JSON on stdout: timeline, defaulter, tranches, residual, allocations,
      invariants, each journal's latest anchor and whether it verified; --html also writes it as a
      self-contained HTML report (waterfall chart, haircut histogram, signed heads)
  ccp audit counterfactual <journal-dir> <defaultId> --policy <name> [--variant <v>] [--param k=v ...] [--json]
      re-run the recorded default's allocation on its recorded basis under another policy or parameters
      (the journals are only read); recorded vs counterfactual side by side, and whether the recorded
      allocation is reproduced byte for byte (exit 1 if not). --policy recorded re-runs the recorded one
  ccp study hyperliquid-2025-10-10 [--out <dir>] [--journals <dir>] [--data <dir>]
      replay the 2025-10-10 Hyperliquid ADL as one journaled default through the four deciders, audit the
      journals (verify, a counterfactual per policy) and write the report and chart. Defaults: --out
      docs/studies, --journals tmp/studies/hyperliquid-2025-10-10 (replaced), --data ../shared/data/hyperliquid-2025-10-10
  ccp schema scenario [--out <file>]
      print (or write) the JSON Schema of the scenario format
${KEYS_USAGE}
${TOKENS_USAGE}`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * A JSON file from outside (a scenario): not JSON is a usage error (exit 2); a forbidden key
 * (`__proto__`, `constructor`, `prototype`) anywhere is a rejection naming its path (exit 1) — the
 * scenario format reads payloads as records, which would otherwise drop a `__proto__` key silently.
 */
function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${(error as Error).message}`);
  }
  const json = parseUntrustedJson(text);
  if (json.ok) return json.value;
  if (json.reason === 'invalid_json') fail(`${path} is not valid JSON: ${json.message}`);
  return fail(`scenario ${path} rejected: ${new RejectionError(rejection('malformed', json.path, json.message)).message}`, 1);
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  switch (command) {
    case 'simulate': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, json: { type: 'boolean' }, keys: { type: 'string' } } });
      const file = positionals[0] ?? fail(USAGE);
      const scenario = readJson(file);
      let keys: ReturnType<typeof readJournalKeys> | undefined;
      try {
        keys = values.keys ? readJournalKeys(values.keys) : undefined;
      } catch (error) {
        fail(`ccp simulate --keys: ${(error as Error).message}`);
      }
      try {
        const result = simulate(scenario, DECIDERS, {
          ...(values.out ? { outDir: values.out } : {}),
          ...(keys ? { keys } : {}),
          onProgress: (n) => process.stderr.write(`… ${n} inputs applied\r`),
        });
        process.stdout.write(values.json ? `${JSON.stringify(result.summary, null, 2)}\n` : `${formatOutcome(result.summary)}\n`);
        if (values.out) process.stdout.write(`\nJournals and outcome.json written to ${values.out}\n`);
      } catch (error) {
        if (error instanceof RejectionError) fail(`scenario ${file} rejected: ${error.message}`, 1);
        throw error;
      }
      return;
    }
    case 'audit':
      return audit(rest);
    case 'keys':
      return keys(rest);
    case 'tokens':
      return tokens(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'study':
      return study(rest);
    case 'schema': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' } } });
      if (positionals[0] !== 'scenario') fail(USAGE);
      const schema = `${JSON.stringify(z.toJSONSchema(scenarioFile, { io: 'input' }), null, 2)}\n`;
      if (values.out) {
        mkdirSync(dirname(values.out), { recursive: true });
        writeFileSync(values.out, schema);
      } else process.stdout.write(schema);
      return;
    }
    default:
      fail(USAGE);
  }
}

/** parseArgs, its errors (unknown option, missing value) as a usage error */
function parsed<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
}

/** `<dir> <defaultId>`, or `<defaultId> --journals <dir>` */
function dirAndDefault(positionals: string[], journals: string | undefined): { dir: string; defaultId: string } {
  if (journals !== undefined) {
    if (positionals.length !== 1) fail(USAGE);
    return { dir: journals, defaultId: positionals[0]! };
  }
  if (positionals.length !== 2) fail(USAGE);
  return { dir: positionals[0]!, defaultId: positionals[1]! };
}

function requireDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`journal directory ${dir} does not exist`);
}

/** --keyring <file>: the journal owners' public keys, as the auditor holds them (a bad file is a usage error). */
function givenKeyring(path: string | undefined): GivenKeyring | undefined {
  if (path === undefined) return undefined;
  try {
    return { keyring: readKeyringFile(path), path };
  } catch (error) {
    return fail((error as Error).message);
  }
}

function expectHeads(texts: readonly string[]): ExpectedHead[] {
  try {
    return texts.map(parseExpectedHead);
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
}

function keys(rest: string[]): void {
  const [sub, ...args] = rest;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`usage:\n${KEYS_USAGE}\n`);
    return;
  }
  if (sub !== 'generate') fail(`${sub === undefined ? 'ccp keys: name a subcommand' : `ccp keys: unknown subcommand ${sub}`}\n\nusage:\n${KEYS_USAGE}`);
  const { values, positionals } = parsed(() => parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, force: { type: 'boolean' } } }));
  if (values.out === undefined || positionals.length > 0) fail(`ccp keys generate: --out <dir> is required\n\nusage:\n${KEYS_USAGE}`);
  let written: string[];
  try {
    written = writeJournalKeys(values.out, generateJournalKeys(), values.force === true);
  } catch (error) {
    return fail(`ccp keys generate: ${(error as Error).message}`);
  }
  for (const path of written) process.stdout.write(`  ${path}\n`);
  process.stdout.write(
    `ccp keys generate: keys of the four journals written to ${values.out} — give each service only its own <journal>.key.pem (or CCP_JOURNAL_KEYS_DIR=${values.out}), and keyring.json to every reader and auditor (ccp audit verify --keyring)\n`,
  );
}

function tokens(rest: string[]): void {
  const [sub, ...args] = rest;
  const usage = (message: string): never => fail(`${message}\n\nusage:\n${TOKENS_USAGE}`);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`usage:\n${TOKENS_USAGE}\n`);
    return;
  }
  if (sub === 'keys') {
    const { values, positionals } = parsed(() => parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, force: { type: 'boolean' } } }));
    if (values.out === undefined || positionals.length > 0) usage('ccp tokens keys: --out <dir> is required');
    let files: [string, string];
    try {
      files = writeTokenIssuerKeys(values.out!, generateTokenIssuerKeys(), values.force === true);
    } catch (error) {
      return fail(`ccp tokens keys: ${(error as Error).message}`);
    }
    for (const path of files) process.stdout.write(`  ${path}\n`);
    process.stdout.write(`ccp tokens keys: give the services ${files[1]} (CCP_READ_API_JWT_PUBLIC_KEY_FILE); issue tokens with ccp tokens issue --key ${files[0]}\n`);
    return;
  }
  if (sub !== 'issue') usage(sub === undefined ? 'ccp tokens: name a subcommand' : `ccp tokens: unknown subcommand ${sub}`);
  const { values, positionals } = parsed(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { key: { type: 'string' }, auditor: { type: 'boolean' }, member: { type: 'string' }, subject: { type: 'string' }, ttl: { type: 'string' }, audience: { type: 'string' }, issuer: { type: 'string' } },
    }),
  );
  if (positionals.length > 0) usage(`ccp tokens issue: unexpected ${positionals.join(' ')}`);
  if (values.key === undefined) usage('ccp tokens issue: --key <private-key.pem> is required');
  if ((values.auditor === true) === (values.member !== undefined)) usage('ccp tokens issue: give exactly one of --auditor or --member <memberId>');
  if (values.member === '') usage('ccp tokens issue: --member needs a member id');
  const ttl = values.ttl ?? '3600';
  if (!/^[1-9][0-9]{0,8}$/.test(ttl)) usage(`ccp tokens issue: --ttl must be a positive whole number of seconds; got ${ttl}`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(values.key!));
  } catch (error) {
    return fail(`ccp tokens issue: ${values.key} is not a private key: ${(error as Error).message}`);
  }
  const principal: ReadApiPrincipal =
    values.member !== undefined ? { role: 'member', memberId: values.member, subject: values.subject ?? `member:${values.member}` } : { role: 'auditor', subject: values.subject ?? 'auditor' };
  issueReadApiToken(privateKey, {
    principal,
    issuedAt: new Date(),
    ttlSeconds: Number(ttl),
    ...(values.audience !== undefined ? { audience: values.audience } : {}),
    ...(values.issuer !== undefined ? { issuer: values.issuer } : {}),
  }).then(
    (token) => process.stdout.write(`${token}\n`),
    (error: unknown) => fail(`ccp tokens issue: ${(error as Error).message}`),
  );
}

const onError = (command: string) => (error: unknown) => {
  if (error instanceof CounterfactualError) fail(`ccp audit ${command}: ${error.message}`);
  process.stderr.write(`ccp audit ${command}: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
};

function audit(rest: string[]): void {
  const [sub, ...args] = rest;
  switch (sub) {
    case 'verify': {
      const { values, positionals } = parsed(() =>
        parseArgs({
          args,
          allowPositionals: true,
          options: {
            progress: { type: 'boolean' },
            'progress-every': { type: 'string' },
            keyring: { type: 'string' },
            anchors: { type: 'string', multiple: true },
            'expect-head': { type: 'string', multiple: true },
            json: { type: 'boolean' },
          },
        }),
      );
      if (positionals.length !== 1) fail(USAGE);
      const dir = positionals[0]!;
      requireDir(dir);
      const keyring = givenKeyring(values.keyring);
      const expectedHeads = expectHeads(values['expect-head'] ?? []);
      const every = values['progress-every'] === undefined ? 10_000 : Number(values['progress-every']);
      if (!Number.isSafeInteger(every) || every < 1) fail(`--progress-every must be a positive integer, got ${values['progress-every']}`);
      const show = values.progress === true || process.stderr.isTTY === true;
      const started = performance.now();
      const onProgress = show
        ? (p: VerifyProgress) => {
            const seconds = (performance.now() - started) / 1000;
            const rate = seconds > 0 ? Math.round(p.recordsRead / seconds) : 0;
            process.stderr.write(`audit verify: ${p.recordsRead} records, ${rate} records/s — ${p.journal} seq ${p.position}${process.stderr.isTTY ? '\r' : '\n'}`);
          }
        : undefined;
      void verifyJournals(dir, DECIDERS, {
        ...(onProgress ? { onProgress } : {}),
        progressEvery: every,
        ...(keyring ? { keyring } : {}),
        anchorFiles: values.anchors ?? [],
        expectedHeads,
      })
        .then((report) => {
          if (show && process.stderr.isTTY) process.stderr.write('\n');
          if (values.json) {
            process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
          } else process.stdout.write(`${formatVerification(report)}\n`);
          if (!report.ok) process.exitCode = 1;
        })
        .catch(onError('verify'));
      return;
    }
    case 'default': {
      const { values, positionals } = parsed(() =>
        parseArgs({
          args,
          allowPositionals: true,
          options: { journals: { type: 'string' }, html: { type: 'string' }, keyring: { type: 'string' }, anchors: { type: 'string', multiple: true } },
        }),
      );
      const { dir, defaultId } = dirAndDefault(positionals, values.journals);
      requireDir(dir);
      const keyring = givenKeyring(values.keyring);
      void caseFile(dir, defaultId, { ...(keyring ? { keyring } : {}), anchorFiles: values.anchors ?? [] })
        .then((file) => {
          for (const w of file.signatures.warnings) process.stderr.write(`warning: ${w}\n`);
          process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
          if (values.html) {
            mkdirSync(dirname(values.html), { recursive: true });
            writeFileSync(values.html, renderCaseFileHtml(file));
            process.stderr.write(`case file of ${defaultId} written to ${values.html}\n`);
          }
          if (!file.defaulter) process.exitCode = 1;
        })
        .catch(onError('default'));
      return;
    }
    case 'counterfactual': {
      const { values, positionals } = parsed(() =>
        parseArgs({
          args,
          allowPositionals: true,
          options: { journals: { type: 'string' }, policy: { type: 'string' }, variant: { type: 'string' }, param: { type: 'string', multiple: true }, json: { type: 'boolean' } },
        }),
      );
      const { dir, defaultId } = dirAndDefault(positionals, values.journals);
      if (values.policy === undefined) fail(`--policy is required (a policy name, a policy key, or "recorded")\n\n${USAGE}`);
      requireDir(dir);
      let params: Record<string, string>;
      try {
        params = parseParamArguments(values.param ?? []);
      } catch (error) {
        return onError('counterfactual')(error);
      }
      void counterfactual(dir, defaultId, { policy: values.policy, ...(values.variant !== undefined ? { variant: values.variant } : {}), params })
        .then((report) => {
          process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCounterfactual(report)}\n`);
          if (report.reproduced === false) process.exitCode = 1;
        })
        .catch(onError('counterfactual'));
      return;
    }
    default:
      fail(USAGE);
  }
}

/** @ccp/audit as the study's auditor: the same functions `ccp audit verify` and `ccp audit counterfactual` run. */
const studyAuditor: StudyAuditor = {
  verify: async (dir) => {
    const report = await verifyJournals(dir, DECIDERS);
    const f = report.firstFinding;
    return { ok: report.ok, defaultsChecked: report.defaultsChecked, firstFinding: f === null ? null : formatFinding(f) };
  },
  counterfactual: async (dir, defaultId, policy, params) => {
    const report = await counterfactual(dir, defaultId, { policy, params });
    const c = report.counterfactual;
    return {
      reproduced: report.reproduced,
      figures: {
        totalCharged: c.totalCharged,
        unallocated: c.unallocated,
        overshoot: c.overshoot,
        participantsHit: c.participantsHit,
        largestHaircut: c.largestHaircut,
        largestHaircutShareOfProfit: c.largestHaircutShareOfProfit,
        gini: c.gini,
        topDecileShare: c.topDecileShare,
        notionalClosed: c.notionalClosed,
      },
    };
  },
};

const STUDIES = ['hyperliquid-2025-10-10'] as const;

function study(rest: string[]): void {
  const { values, positionals } = parsed(() =>
    parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, journals: { type: 'string' }, data: { type: 'string' } } }),
  );
  if (positionals.length !== 1 || !(STUDIES as readonly string[]).includes(positionals[0]!)) fail(`ccp study: name one study (${STUDIES.join(', ')})\n\n${USAGE}`);
  const root = process.cwd();
  const dataDir = resolve(values.data ?? join(root, '..', 'shared', 'data', 'hyperliquid-2025-10-10'));
  const outDir = resolve(values.out ?? join(root, 'docs', 'studies'));
  const journalDir = resolve(values.journals ?? join(root, 'tmp', 'studies', 'hyperliquid-2025-10-10'));
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) fail(`ccp study: data directory ${dataDir} does not exist (--data)`);
  void runHyperliquidStudy({ dataDir, outDir, journalDir, dataDirLabel: relative(root, dataDir) || '.', journalDirLabel: relative(root, journalDir) || '.', auditor: studyAuditor })
    .then((result) => {
      const audit = result.audit!;
      const equal = audit.rows.filter((r) => r.equal).length;
      process.stdout.write(
        `study hyperliquid-2025-10-10: ${result.imported.accepted.length} accounts kept, ${result.imported.rejected.length} rejected; ${result.basis.included.length} in the basis\n` +
          `  default ${result.journal.residual.defaultId}: residual ${result.journal.residual.residual}, ${result.journal.inputs} inputs journaled in ${journalDir}\n` +
          `  audit verify ${audit.verify.ok ? 'OK' : `FAILED: ${audit.verify.firstFinding ?? ''}`}; counterfactual figures equal to the table for ${equal} of ${audit.rows.length} policies; recorded allocation ${result.recordedReproduced ? 'reproduced' : 'NOT reproduced'}\n` +
          `  wrote ${relative(root, result.reportPath)}, ${relative(root, result.chartPath)}\n`,
      );
      if (!audit.verify.ok || equal !== audit.rows.length || !result.recordedReproduced) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      process.stderr.write(`ccp study: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    });
}

if (require.main === module) main(process.argv.slice(2));
