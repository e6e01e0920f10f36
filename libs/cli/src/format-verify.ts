import { AnchorCheck, formatFinding, MAX_FINDINGS, signaturePrefix, VerificationReport } from '@ccp/audit';

/** findings printed in full; the rest are counted (the JSON report, --json, has up to MAX_FINDINGS) */
export const FINDINGS_SHOWN = 20;

const STATUS: Readonly<Record<AnchorCheck['status'], string>> = {
  verified: 'verified',
  'signature-invalid': "NOT the owner's signature",
  unchecked: 'not checked (no keyring)',
  'journal-missing': 'journal MISSING',
  'beyond-end': 'BEYOND the end of the journal (truncated)',
  'hash-mismatch': 'hash DIFFERS from the journal (rewritten)',
};

function anchorLine(c: AnchorCheck): string {
  const what = c.signature === null ? `pinned head seq ${c.seq}` : `latest anchor seq ${c.seq} (${c.reason}${c.defaultId ? ` ${c.defaultId}` : ''})`;
  const signature = c.signature === null ? '' : `, signature ${signaturePrefix(c.signature)}`;
  return `${what} from ${c.origin}, hash ${c.hash.slice(0, 16)}…${signature}: ${STATUS[c.status]}`;
}

/** What `ccp audit verify` prints: each journal with its head and the anchors it was checked against, the warnings, the verdict and the findings. */
export function formatVerification(report: VerificationReport): string {
  const out: string[] = [];
  for (const j of report.journals) {
    out.push(`  ${j.producer.padEnd(16)} ${String(j.records).padStart(9)} records   head ${j.headHash}`);
    const signed = j.signedThrough >= 0 ? `signed through seq ${j.signedThrough}` : j.records > 0 ? 'signed by its owner: NOWHERE' : 'empty';
    out.push(`  ${' '.repeat(16)} ${signed}; ${j.latestAnchor ? `${anchorLine(j.latestAnchor)} (${j.anchorsChecked} anchor(s) checked)` : 'no anchor'}`);
    for (const e of j.expectedHeads) out.push(`  ${' '.repeat(16)} ${anchorLine(e)}`);
  }
  const k = report.keyring;
  out.push(k ? `  keyring: ${k.path} (${k.source === 'given' ? 'given' : 'from the audited directory'}${k.development ? ', DEVELOPMENT keys' : ''})` : '  keyring: none');
  for (const w of report.warnings) out.push(`warning: ${w}`);
  if (report.ok) {
    out.push(
      `audit verify: OK — every line is its record's canonical bytes, hash chains intact, every journal signed by its owner through its last record and consistent with every anchor, every input re-decided to identical events, ${report.defaultsChecked} defaults conserved to the cent`,
    );
    return out.join('\n');
  }
  const n = report.findings.length;
  out.push(`audit verify: FAILED — ${n}${n >= MAX_FINDINGS ? '+' : ''} finding(s); first: ${formatFinding(report.firstFinding!)}`);
  for (const f of report.findings.slice(0, FINDINGS_SHOWN)) out.push(`  ${formatFinding(f)}`);
  if (n > FINDINGS_SHOWN) out.push(`  … ${n - FINDINGS_SHOWN} more (--json lists them)`);
  return out.join('\n');
}
