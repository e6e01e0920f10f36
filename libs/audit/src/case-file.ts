import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccountDefaultedPayload,
  AllocationBasisCapturedPayload,
  DefaultedPosition,
  EventEnvelope,
  FairnessFigures,
  JOURNAL_TOPICS,
  LossAllocatedPayload,
  Producer,
  PRODUCERS,
} from '@ccp/contracts';
import { journalFileName } from '@ccp/engine';
import { AllocationInputError, formatAmount, parseAmount, prepareBasis, ratioString } from '@ccp/loss-allocation-domain';
import { lineForm } from './canonical-line';
import { checkDefault, DefaultFacts, emptyDefaultFacts, InvariantResult } from './default-invariants';
import { AnchorBook, AnchorCheck, AnchorStatus, GivenKeyring, JournalAnchorResult, KeyringProvenance, readAnchors, resolveTrust, signaturePrefix } from './journal-anchors';
import { readRawLines } from './journal-lines';
import { profitReferenceName, profitReferenceOf } from './profit-reference';

export interface TimelineEntry {
  readonly journal: Producer;
  readonly seq: number;
  readonly id: string;
  readonly kind: 'input' | 'event';
  readonly type: string;
  readonly occurredAt: string;
}

export interface CaseTranche {
  readonly order: number;
  readonly kind: string;
  readonly trancheId: string | null;
  readonly effect: string;
  readonly capacity: string;
  readonly amount: string;
  readonly remainingBefore: string;
  readonly remainingAfter: string;
}

export interface CaseAllocation {
  readonly accountId: string;
  readonly memberId: string;
  readonly amount: string;
  readonly instrumentId?: string;
  readonly side?: string;
  readonly quantityClosed?: string;
  readonly closePrice?: string;
  /** the account's profit reference in the basis (see `CaseFile.basis.profitReference`), when the basis was read */
  readonly profit?: string;
  /** Σ the account's charges ÷ its profit reference (6 decimals, half-even); null when it had none (a charge beyond any profit) */
  readonly shareOfProfit?: string | null;
}

/** The allocation basis the residual was allocated on (margin's AllocationBasisCaptured). */
export interface CaseBasis {
  readonly journal: 'margin';
  readonly seq: number;
  /** accounts in the basis, the defaulter excluded */
  readonly participants: number;
  /** accounts with a positive profit reference, or charged: the population the fairness figures measure */
  readonly eligible: number;
  /** what a haircut is measured against: the account's profit, or the cycle's variation-margin gain (VMGH) */
  readonly profitReference: 'profit' | 'variation-margin gain';
}

/** The latest anchor a journal was checked against, as the case file quotes it. */
export interface CaseAnchor {
  readonly seq: number;
  readonly hash: string;
  /** the first characters of the Ed25519 signature (base64url) */
  readonly signaturePrefix: string;
  readonly reason: AnchorCheck['reason'];
  readonly defaultId: string | null;
  /** where the anchor came from: `anchors.jsonl line 7`, or a file the auditor gave */
  readonly origin: string;
  readonly status: AnchorStatus;
  /** its signature is the journal owner's, and the journal's record at that seq has that hash */
  readonly verified: boolean;
}

export interface CaseJournalSignature {
  readonly journal: Producer;
  /** records in the journal; null when its file is missing */
  readonly records: number | null;
  /** seq of the last record a valid signed head of the owner covers; -1 if none */
  readonly signedThrough: number;
  /** the latest anchor (highest seq) of this journal; null if there is none */
  readonly latestAnchor: CaseAnchor | null;
}

/** Who wrote the journals the case file was read from (docs/adr/0007-signed-journal-heads.md). */
export interface CaseSignatures {
  /** where the public keys came from; null when there were none */
  readonly keyring: KeyringProvenance | null;
  /** e.g. keys from the audited directory itself, the development keyring; or why no signature could be checked */
  readonly warnings: string[];
  readonly journals: CaseJournalSignature[];
}

export interface CaseFileOptions {
  /** the journal owners' public keys; default the directory's own keyring.json */
  readonly keyring?: GivenKeyring;
  /** anchors files the auditor holds, besides the directory's anchors.jsonl */
  readonly anchorFiles?: readonly string[];
}

export interface CaseFile {
  readonly defaultId: string;
  readonly timeline: TimelineEntry[];
  readonly defaulter: {
    readonly accountId: string;
    readonly memberId: string;
    readonly marginApplied: string;
    readonly deficit: string;
    readonly positions: DefaultedPosition[];
  } | null;
  readonly tranches: CaseTranche[];
  /** how the waterfall ended: DefaultCovered, ResidualLossForwarded, or null if it never did */
  readonly outcome: 'DefaultCovered' | 'ResidualLossForwarded' | null;
  readonly covered: string | null;
  readonly residual: string | null;
  readonly policy: string | null;
  readonly allocations: CaseAllocation[];
  readonly unallocated: string | null;
  readonly fairness: FairnessFigures | null;
  /** null when no basis was captured (the waterfall covered the default) or it could not be read */
  readonly basis: CaseBasis | null;
  readonly invariants: InvariantResult[];
  /** per journal, the latest anchor it was checked against and whether it verified */
  readonly signatures: CaseSignatures;
}

const defaultIdOf = (r: EventEnvelope): string | null => {
  const p = r.payload as { defaultId?: unknown } | null;
  return p && typeof p === 'object' && typeof p.defaultId === 'string' ? p.defaultId : null;
};

/**
 * Everything the four journals say about one default, in journal order: the timeline, the
 * defaulter's resources, the waterfall, the allocation and the invariants checked on them, and
 * the latest anchor each journal was checked against. Streams the journals; keeps only this
 * default's records. (Whether every line is byte-exact is `verifyJournals`'s to say.)
 */
export async function caseFile(dir: string, defaultId: string, options: CaseFileOptions = {}): Promise<CaseFile> {
  const timeline: (TimelineEntry & { cause: string | null })[] = [];
  let basisRecord: { seq: number; payload: AllocationBasisCapturedPayload } | null = null;
  const facts: DefaultFacts = emptyDefaultFacts(defaultId);
  let defaulter: CaseFile['defaulter'] = null;
  const tranches: CaseTranche[] = [];
  let outcome: CaseFile['outcome'] = null;
  let covered: string | null = null;
  let residual: string | null = null;
  let allocation: LossAllocatedPayload | null = null;
  const missing = new Set<string>();
  const trust = resolveTrust(dir, options.keyring);
  const read = await readAnchors(dir, options.anchorFiles ?? [], trust.keyring);
  const book = new AnchorBook(read.entries);
  const signatures: CaseJournalSignature[] = [];

  for (const journal of PRODUCERS) {
    const path = join(dir, journalFileName(journal));
    const watch = book.watch(journal);
    if (!existsSync(path)) {
      missing.add(journal);
      signatures.push(journalSignature(journal, null, watch.settle(null, trust.keyring !== null)));
      continue;
    }
    let records = 0;
    for await (const line of readRawLines(path)) {
      const { position } = line;
      const text = lineForm(line).body;
      if (text === null) continue; // a blank line: verifyJournals reports it
      const index = records;
      records += 1;
      let r: EventEnvelope;
      try {
        r = JSON.parse(text) as EventEnvelope;
        if (typeof r !== 'object' || r === null) continue;
      } catch {
        continue; // verifyJournals reports unreadable lines
      }
      if (typeof r.hash === 'string') watch.observe(index, r.hash);
      if (r.correlationId !== defaultId && defaultIdOf(r) !== defaultId) continue;
      const cause = r.source ? `${producerOfTopic.get(r.source.topic) ?? r.source.topic}:${r.source.offset}` : r.causationId;
      timeline.push({ journal, seq: r.seq, id: r.id, kind: r.kind, type: r.type, occurredAt: r.occurredAt, cause });
      if (r.kind !== 'event') continue;
      const loc = { journal, position, recordId: r.id };
      switch (r.type) {
        case 'AccountDefaulted': {
          if (journal !== 'liquidation') break;
          const p = r.payload as AccountDefaultedPayload;
          defaulter = { accountId: p.accountId, memberId: p.memberId, marginApplied: p.marginApplied, deficit: p.deficit, positions: p.positions };
          facts.defaulted = { ...loc, deficit: p.deficit, marginApplied: p.marginApplied };
          break;
        }
        case 'WaterfallTrancheApplied': {
          const p = r.payload as Omit<CaseTranche, 'trancheId'> & { trancheId?: string };
          tranches.push({
            order: p.order,
            kind: p.kind,
            trancheId: p.trancheId ?? null,
            effect: p.effect,
            capacity: p.capacity,
            amount: p.amount,
            remainingBefore: p.remainingBefore,
            remainingAfter: p.remainingAfter,
          });
          facts.tranches.push({ ...loc, order: p.order, kind: p.kind, effect: p.effect, capacity: p.capacity, amount: p.amount });
          break;
        }
        case 'DefaultCovered': {
          const p = r.payload as { deficit: string };
          outcome = 'DefaultCovered';
          covered = p.deficit;
          residual = '0';
          facts.terminal = { ...loc, type: 'DefaultCovered', deficit: p.deficit, covered: p.deficit, residual: '0' };
          break;
        }
        case 'ResidualLossForwarded': {
          const p = r.payload as { deficit: string; covered: string; residual: string };
          outcome = 'ResidualLossForwarded';
          covered = p.covered;
          residual = p.residual;
          facts.terminal = { ...loc, type: 'ResidualLossForwarded', deficit: p.deficit, covered: p.covered, residual: p.residual };
          break;
        }
        case 'AllocationBasisCaptured':
          if (journal === 'margin') basisRecord = { seq: r.seq, payload: r.payload as AllocationBasisCapturedPayload };
          break;
        case 'LossAllocated': {
          const p = r.payload as LossAllocatedPayload;
          allocation = p;
          facts.allocation = { ...loc, residual: p.residual, amounts: p.allocations.map((a) => a.amount), unallocated: p.unallocated, overshoot: p.fairness.overshoot };
          break;
        }
        case 'LossAllocationApplied': {
          const p = r.payload as { totalCharged: string; lines: unknown[] };
          if (journal === 'margin') facts.applied = { ...loc, totalCharged: p.totalCharged, lines: p.lines.length };
          break;
        }
        default:
          break;
      }
    }
    signatures.push(journalSignature(journal, records, watch.settle(records, trust.keyring !== null)));
  }
  const warnings = [...trust.warnings, ...(trust.problem ? [trust.problem] : []), ...read.problems.map((p) => p.reason)];

  const invariants: InvariantResult[] = defaulter
    ? checkDefault(facts, (j) => !missing.has(j))
    : [{ name: 'default-declared', ok: false, detail: `no AccountDefaulted for ${defaultId} in the liquidation journal`, at: null }];
  const a = allocation as LossAllocatedPayload | null;
  const d = defaulter as CaseFile['defaulter'];
  const profits = a && basisRecord && d ? profitsOf(basisRecord, d.accountId, a) : null;
  return {
    defaultId,
    timeline: causalOrder(timeline),
    defaulter,
    tranches: [...tranches].sort((x, y) => x.order - y.order),
    outcome,
    covered,
    residual,
    policy: a?.policy ?? null,
    allocations: a
      ? a.allocations.map((l) => ({
          accountId: l.accountId,
          memberId: l.memberId,
          amount: l.amount,
          ...(l.instrumentId !== undefined ? { instrumentId: l.instrumentId } : {}),
          ...(l.side !== undefined ? { side: l.side } : {}),
          ...(l.quantityClosed !== undefined ? { quantityClosed: l.quantityClosed } : {}),
          ...(l.closePrice !== undefined ? { closePrice: l.closePrice } : {}),
          ...(profits ? { profit: profits.profit.get(l.accountId) ?? '0', shareOfProfit: profits.share.get(l.accountId) ?? null } : {}),
        }))
      : [],
    unallocated: a?.unallocated ?? null,
    fairness: a?.fairness ?? null,
    basis: profits?.basis ?? null,
    invariants,
    signatures: { keyring: trust.provenance, warnings, journals: signatures },
  };
}

function journalSignature(journal: Producer, records: number | null, settled: JournalAnchorResult): CaseJournalSignature {
  const a = settled.latest;
  return {
    journal,
    records,
    signedThrough: settled.signedThrough,
    latestAnchor: a
      ? {
          seq: a.seq,
          hash: a.hash,
          signaturePrefix: signaturePrefix(a.signature ?? ''),
          reason: a.reason,
          defaultId: a.defaultId,
          origin: a.origin,
          status: a.status,
          verified: a.status === 'verified',
        }
      : null,
  };
}

const producerOfTopic = new Map<string, Producer>(PRODUCERS.map((p) => [JOURNAL_TOPICS[p], p]));

/**
 * The four journals' records of one default merged into one timeline: by time, and within one
 * instant by causality — a routed input comes after the record it was routed from (when that record
 * is in the timeline), each journal keeps its own order, ties go to the journal order of PRODUCERS.
 */
function causalOrder(entries: readonly (TimelineEntry & { cause: string | null })[]): TimelineEntry[] {
  const lanes = PRODUCERS.map((p) => entries.filter((e) => e.journal === p));
  const ids = new Set(entries.map((e) => e.id));
  const emitted = new Set<string>();
  const heads = lanes.map(() => 0);
  const out: TimelineEntry[] = [];
  while (out.length < entries.length) {
    let pick = -1;
    let fallback = -1;
    for (let i = 0; i < lanes.length; i += 1) {
      const e = lanes[i]![heads[i]!];
      if (!e) continue;
      const earlier = (j: number) => j < 0 || e.occurredAt < lanes[j]![heads[j]!]!.occurredAt;
      if (earlier(fallback)) fallback = i;
      const ready = e.cause === null || !ids.has(e.cause) || emitted.has(e.cause);
      if (ready && earlier(pick)) pick = i;
    }
    const i = pick >= 0 ? pick : fallback; // a cycle only in a tampered journal: fall back to time order
    const { cause: _cause, ...entry } = lanes[i]![heads[i]!]!;
    heads[i] = heads[i]! + 1;
    emitted.add(entry.id);
    out.push(entry);
  }
  return out;
}

/** Each charged account's profit reference in the basis, and Σ its charges ÷ that reference. */
function profitsOf(
  basisRecord: { seq: number; payload: AllocationBasisCapturedPayload },
  defaulterAccountId: string,
  allocation: LossAllocatedPayload,
): { profit: Map<string, string>; share: Map<string, string | null>; basis: CaseBasis } | null {
  try {
    const basis = prepareBasis(basisRecord.payload, { path: 'basis', excludeAccountId: defaulterAccountId });
    const profitOf = profitReferenceOf(allocation.policy);
    const charged = new Map<string, bigint>();
    allocation.allocations.forEach((l, i) => charged.set(l.accountId, (charged.get(l.accountId) ?? 0n) + parseAmount(l.amount, `allocations[${i}].amount`)));
    const profit = new Map<string, string>();
    const share = new Map<string, string | null>();
    for (const [accountId, amount] of charged) {
      const account = basis.byAccountId.get(accountId);
      const reference = account ? profitOf(account) : 0n;
      profit.set(accountId, formatAmount(reference));
      share.set(accountId, reference > 0n ? ratioString(amount, reference) : null);
    }
    let eligible = 0;
    for (const account of basis.accounts) if (profitOf(account) > 0n || charged.has(account.accountId)) eligible += 1;
    return {
      profit,
      share,
      basis: { journal: 'margin', seq: basisRecord.seq, participants: basis.accounts.length, eligible, profitReference: profitReferenceName(allocation.policy) },
    };
  } catch (error) {
    if (error instanceof AllocationInputError) return null; // an unreadable basis: verifyJournals reports it
    throw error;
  }
}
