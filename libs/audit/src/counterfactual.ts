import {
  ALLOCATION_POLICY_VARIANTS,
  AllocationBasisCapturedPayload,
  AllocationPolicyParams,
  allocationPolicyParams,
  AllocationPolicySetPayload,
  canonicalJson,
  JOURNAL_TOPICS,
  LossAllocatedPayload,
  parseWith,
  ResidualLossReceivedPayload,
} from '@ccp/contracts';
import {
  ALLOCATION_POLICIES,
  AllocationBasis,
  AllocationInputError,
  compareIds,
  formatAmount,
  formatQuantity,
  normalizePolicyParams,
  parseAmount,
  parseQuantity,
  PolicyKey,
  prepareBasis,
  prepareDefaultedPositions,
  runAllocation,
} from '@ccp/loss-allocation-domain';
import { firstDifference } from './payload-diff';
import { hasJournal, JournalSource, recordsOf } from './journal-source';
import { profitReferenceOf } from './profit-reference';

/** A counterfactual that cannot be run: `field` names what is wrong (`policy`, `params.maxHaircutShare`, `defaultId`, …). */
export class CounterfactualError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'CounterfactualError';
  }
}

/** `--policy recorded`: the policy (and parameters) in force when the default was allocated. */
export const RECORDED_POLICY = 'recorded';

export interface PolicySpec {
  /** `recorded`, a registry key (`adl:binance`) or a policy name (`adl`: its first variant, or `variant`) */
  readonly policy: string;
  readonly variant?: string;
  /**
   * Parameter overrides. A string is read by the type of the parameter's default in the registry
   * (`true`/`false`, a number, or kept as a string such as a decimal share). When the policy is the
   * recorded one, unspecified parameters keep their recorded values; otherwise the policy's defaults.
   */
  readonly params?: Readonly<Record<string, string | boolean | number>>;
}

/** The policy keys of the registry (ALLOCATION_POLICIES), sorted. */
export const allocationPolicyKeys = (): string[] => Object.keys(ALLOCATION_POLICIES).sort(compareIds);

const registryEntry = (key: string) => (ALLOCATION_POLICIES as Readonly<Record<string, (typeof ALLOCATION_POLICIES)[PolicyKey] | undefined>>)[key];
const policyNames = (): string[] => Object.keys(ALLOCATION_POLICY_VARIANTS).sort(compareIds);
const variantsOf = (policy: string): readonly string[] => (ALLOCATION_POLICY_VARIANTS as Readonly<Record<string, readonly string[] | undefined>>)[policy] ?? [];
const validPolicies = (): string => `valid: ${RECORDED_POLICY}, ${policyNames().join(', ')}, or one of ${allocationPolicyKeys().join(', ')}`;

/** `k=v` arguments → a params object; a missing `=`, an empty name or value, or a repeated name is refused. */
export function parseParamArguments(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) throw new CounterfactualError('param', `expected name=value, got "${arg}"`);
    const name = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1).trim();
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new CounterfactualError('param', `"${name}" is not a parameter name`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new CounterfactualError(`params.${name}`, 'given twice');
    out[name] = value;
  }
  return out;
}

/** The registry key a spec names (`recordedKey` for `recorded`); unknown names list the valid ones. */
export function resolvePolicySpec(spec: PolicySpec, recordedKey: string | null): PolicyKey {
  const { policy, variant } = spec;
  if (policy === RECORDED_POLICY) {
    if (variant !== undefined) throw new CounterfactualError('variant', `--variant does not apply to the recorded policy; name the policy instead (${allocationPolicyKeys().join(', ')})`);
    if (recordedKey === null) throw new CounterfactualError('policy', 'no policy is recorded for this default');
    if (!registryEntry(recordedKey)) throw new CounterfactualError('policy', `the recorded policy ${recordedKey} is not in the policy registry (${allocationPolicyKeys().join(', ')})`);
    return recordedKey as PolicyKey;
  }
  if (registryEntry(policy)) {
    const own = registryEntry(policy)!.variant;
    if (variant !== undefined && variant !== own) throw new CounterfactualError('variant', `${policy} already names variant ${own}; got --variant ${variant}`);
    return policy as PolicyKey;
  }
  const variants = variantsOf(policy);
  if (variants.length === 0) throw new CounterfactualError('policy', `unknown allocation policy "${policy}"; ${validPolicies()}`);
  const chosen = variant ?? variants[0]!;
  const key = `${policy}:${chosen}`;
  if (!variants.includes(chosen) || !registryEntry(key)) throw new CounterfactualError('variant', `${policy} has no variant "${chosen}"; its variants: ${variants.join(', ')}`);
  return key as PolicyKey;
}

function coerceParam(key: string, name: string, raw: string | boolean | number, fallback: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (typeof fallback === 'boolean') {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new CounterfactualError(`params.${name}`, `${key} reads ${name} as true or false, got "${raw}"`);
  }
  if (typeof fallback === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new CounterfactualError(`params.${name}`, `${key} reads ${name} as a number, got "${raw}"`);
    return Number(raw);
  }
  return raw;
}

/** The parameters a counterfactual runs with: `base` (recorded, for the same policy) or the defaults, overridden by `overrides`. */
export function resolvePolicyParams(key: PolicyKey, overrides: PolicySpec['params'], base: AllocationPolicyParams = {}): AllocationPolicyParams {
  const entry = registryEntry(key);
  if (!entry) throw new CounterfactualError('policy', `unknown allocation policy ${key}; ${validPolicies()}`);
  const defaults = entry.defaults as Readonly<Record<string, unknown>>;
  const names = Object.keys(defaults);
  const merged: Record<string, unknown> = { ...base };
  for (const [name, raw] of Object.entries(overrides ?? {})) {
    if (!names.includes(name)) {
      throw new CounterfactualError(`params.${name}`, `${key} has no parameter ${name}; ${names.length > 0 ? `its parameters: ${names.join(', ')}` : 'it takes no parameters'}`);
    }
    merged[name] = coerceParam(key, name, raw, defaults[name]);
  }
  const parsed = parseWith(allocationPolicyParams, merged, 'params');
  if (!parsed.ok) throw new CounterfactualError(parsed.rejection.path || 'params', parsed.rejection.message);
  try {
    return normalizePolicyParams(key, parsed.value);
  } catch (error) {
    if (error instanceof AllocationInputError) throw new CounterfactualError(error.path, error.message);
    throw error;
  }
}

/** What the journals recorded about one allocated default: its residual, the basis, the policy in force and the allocation. */
export interface RecordedAllocation {
  readonly defaultId: string;
  readonly received: ResidualLossReceivedPayload;
  readonly basis: AllocationBasisCapturedPayload;
  /** the AllocationBasisCaptured record in margin's journal */
  readonly basisSeq: number;
  /** the AllocationPolicySet in force when the default was allocated (the latest one, if it is not allocated yet) */
  readonly policyInForce: AllocationPolicySetPayload;
  readonly recorded: LossAllocatedPayload | null;
  /** seq of the LossAllocated record in loss-allocation's journal */
  readonly recordedSeq: number | null;
}

const MAX_LISTED = 10;

/**
 * Reads, without changing anything, what a counterfactual needs: ResidualLossReceived, the policy in
 * force and LossAllocated from the loss-allocation journal; the AllocationBasisCaptured the
 * allocation was decided on from margin's journal (the record its DecideAllocation input cites).
 * File journals are streamed, and only lines that name this default (or set a policy) are parsed.
 */
export async function loadRecordedAllocation(source: JournalSource, defaultId: string): Promise<RecordedAllocation> {
  if (typeof defaultId !== 'string' || defaultId.length === 0) throw new CounterfactualError('defaultId', 'a default id is required');
  if (!hasJournal(source, 'loss-allocation')) throw new CounterfactualError('journals', 'the loss-allocation journal is missing');
  const idJson = JSON.stringify(defaultId);
  const names = (line: string) => line.includes(idJson);

  let policy: AllocationPolicySetPayload | null = null;
  let received: ResidualLossReceivedPayload | null = null;
  let recorded: LossAllocatedPayload | null = null;
  let recordedSeq: number | null = null;
  let policyAtAllocation: AllocationPolicySetPayload | null = null;
  let basisSeqCited: number | null = null;
  let citedInput: AllocationBasisCapturedPayload | null = null;
  const decideInputs = new Map<string, { payload: AllocationBasisCapturedPayload; marginSeq: number | null }>();
  const withResidual: string[] = [];
  let residualCount = 0;

  for await (const { record } of recordsOf(source, 'loss-allocation', (l) => l.includes('"AllocationPolicySet"') || l.includes('"ResidualLossReceived"') || names(l))) {
    const p = record.payload as { defaultId?: unknown } | null;
    const mine = p !== null && typeof p === 'object' && p.defaultId === defaultId;
    if (record.kind === 'input') {
      if (record.type === 'DecideAllocation' && mine) {
        const src = record.source;
        const fromMargin = src !== null && (src.topic === JOURNAL_TOPICS.margin || src.topic === 'margin') && /^\d+$/.test(src.offset);
        decideInputs.set(record.id, { payload: record.payload as AllocationBasisCapturedPayload, marginSeq: fromMargin ? Number(src.offset) : null });
      }
      continue;
    }
    switch (record.type) {
      case 'AllocationPolicySet':
        policy = record.payload as AllocationPolicySetPayload;
        break;
      case 'ResidualLossReceived':
        residualCount += 1;
        if (withResidual.length < MAX_LISTED) withResidual.push(String(p?.defaultId));
        if (mine) received = record.payload as ResidualLossReceivedPayload;
        break;
      case 'LossAllocated':
        if (mine) {
          recorded = record.payload as LossAllocatedPayload;
          recordedSeq = record.seq;
          policyAtAllocation = policy;
          const cause = record.causationId === null ? undefined : decideInputs.get(record.causationId);
          basisSeqCited = cause?.marginSeq ?? null;
          citedInput = cause?.payload ?? null;
        }
        break;
      default:
        break;
    }
  }

  if (received === null) {
    let covered: number | null = null;
    for await (const { record } of recordsOf(source, 'default-fund', names)) {
      if (record.kind === 'event' && record.type === 'DefaultCovered' && (record.payload as { defaultId?: unknown }).defaultId === defaultId) covered = record.seq;
    }
    if (covered !== null) throw new CounterfactualError('defaultId', `${defaultId} was covered by the waterfall (DefaultCovered at default-fund:${covered}): no residual was left to allocate`);
    const known = residualCount === 0 ? 'no default in these journals reached loss allocation' : `defaults with a residual: ${withResidual.join(', ')}${residualCount > withResidual.length ? ` (… ${residualCount - withResidual.length} more)` : ''}`;
    throw new CounterfactualError('defaultId', `no residual loss of ${defaultId} in the loss-allocation journal; ${known}`);
  }
  const inForce = recorded !== null ? policyAtAllocation : policy;
  if (inForce === null) throw new CounterfactualError('policy', 'no AllocationPolicySet precedes the allocation in the loss-allocation journal');

  let basis: AllocationBasisCapturedPayload | null = null;
  let basisSeq: number | null = null;
  for await (const { record } of recordsOf(source, 'margin', (l) => l.includes('"AllocationBasisCaptured"') && names(l))) {
    if (record.kind !== 'event' || record.type !== 'AllocationBasisCaptured' || (record.payload as { defaultId?: unknown }).defaultId !== defaultId) continue;
    if (basisSeqCited !== null ? record.seq === basisSeqCited : basis === null) {
      basis = record.payload as AllocationBasisCapturedPayload;
      basisSeq = record.seq;
    }
  }
  if (basis === null || basisSeq === null) {
    const where = basisSeqCited !== null ? ` at margin:${basisSeqCited} (cited by the DecideAllocation input)` : '';
    throw new CounterfactualError('basis', `no AllocationBasisCaptured for ${defaultId} in the margin journal${where}`);
  }
  if (citedInput !== null && canonicalJson(citedInput) !== canonicalJson(basis)) {
    const at = firstDifference(basis, citedInput, 'payload') ?? 'payload';
    throw new CounterfactualError('basis', `the basis at margin:${basisSeq} differs at ${at} from the DecideAllocation input that loss-allocation recorded; run \`ccp audit verify\``);
  }
  return { defaultId, received, basis, basisSeq, policyInForce: inForce, recorded, recordedSeq };
}

export interface AllocationFigures {
  readonly policy: string;
  readonly params: AllocationPolicyParams;
  readonly totalCharged: string;
  readonly unallocated: string;
  readonly overshoot: string;
  readonly participantsHit: number;
  readonly largestHaircut: string;
  readonly largestHaircutShareOfProfit: string;
  readonly gini: string;
  readonly topDecileShare: string;
  readonly notionalClosed: string;
  /** Σ charges + unallocated = residual + overshoot, to the cent */
  readonly conserved: boolean;
}

export interface ParticipantDifference {
  readonly accountId: string;
  readonly memberId: string;
  /** the account's profit reference in the basis (profit; the cycle's variation-margin gain for VMGH) */
  readonly profit: string;
  readonly recorded: string;
  readonly counterfactual: string;
  /** counterfactual − recorded */
  readonly delta: string;
  readonly recordedQuantityClosed: string;
  readonly counterfactualQuantityClosed: string;
}

export interface CounterfactualReport {
  readonly defaultId: string;
  readonly defaulterAccountId: string;
  readonly residual: string;
  readonly basis: { readonly journal: 'margin'; readonly seq: number; readonly participants: number };
  readonly recordedAt: { readonly journal: 'loss-allocation'; readonly seq: number } | null;
  /** the recorded LossAllocated's figures (null if the default is not allocated yet) */
  readonly recorded: AllocationFigures | null;
  readonly counterfactual: AllocationFigures;
  /** the recorded policy re-run on the recorded basis gives the recorded LossAllocated byte for byte (null: nothing recorded) */
  readonly reproduced: boolean | null;
  /** where the re-run first differs from the record (a payload path), when it does */
  readonly reproductionDifference: string | null;
  /** accounts whose charge differs */
  readonly participantsChanged: number;
  /** the largest differences by |delta| (accountId ascending on ties) */
  readonly largestDifferences: ParticipantDifference[];
  /** the LossAllocated payload the counterfactual would have recorded */
  readonly counterfactualAllocation: LossAllocatedPayload;
}

export const TOP_DIFFERENCES = 10;

interface AccountTotals {
  memberId: string;
  amount: bigint;
  quantity: bigint;
}

function totalsByAccount(payload: LossAllocatedPayload): Map<string, AccountTotals> {
  const out = new Map<string, AccountTotals>();
  payload.allocations.forEach((line, i) => {
    const t = out.get(line.accountId) ?? { memberId: line.memberId, amount: 0n, quantity: 0n };
    t.amount += parseAmount(line.amount, `allocations[${i}].amount`);
    if (line.quantityClosed !== undefined) t.quantity += parseQuantity(line.quantityClosed, `allocations[${i}].quantityClosed`);
    out.set(line.accountId, t);
  });
  return out;
}

function figuresOf(payload: LossAllocatedPayload, params: AllocationPolicyParams): AllocationFigures {
  const f = payload.fairness;
  let charged = 0n;
  for (const t of totalsByAccount(payload).values()) charged += t.amount;
  const conserved = charged + parseAmount(payload.unallocated, 'unallocated') === parseAmount(payload.residual, 'residual') + parseAmount(f.overshoot, 'fairness.overshoot');
  return {
    policy: payload.policy,
    params,
    totalCharged: f.totalCharged,
    unallocated: payload.unallocated,
    overshoot: f.overshoot,
    participantsHit: f.participantsHit,
    largestHaircut: f.largestHaircut,
    largestHaircutShareOfProfit: f.largestHaircutShareOfProfit,
    gini: f.gini,
    topDecileShare: f.topDecileShare,
    notionalClosed: f.notionalClosed,
    conserved,
  };
}

function differences(basis: AllocationBasis, profitKey: string, recorded: LossAllocatedPayload | null, cf: LossAllocatedPayload): { changed: number; top: ParticipantDifference[] } {
  const rec = recorded === null ? new Map<string, AccountTotals>() : totalsByAccount(recorded);
  const alt = totalsByAccount(cf);
  const profitOf = profitReferenceOf(profitKey);
  const rows: (ParticipantDifference & { abs: bigint })[] = [];
  for (const accountId of new Set([...rec.keys(), ...alt.keys()])) {
    const r = rec.get(accountId);
    const a = alt.get(accountId);
    const delta = (a?.amount ?? 0n) - (r?.amount ?? 0n);
    if (delta === 0n && (a?.quantity ?? 0n) === (r?.quantity ?? 0n)) continue;
    const account = basis.byAccountId.get(accountId);
    rows.push({
      accountId,
      memberId: a?.memberId ?? r?.memberId ?? account?.memberId ?? '',
      profit: formatAmount(account ? profitOf(account) : 0n),
      recorded: formatAmount(r?.amount ?? 0n),
      counterfactual: formatAmount(a?.amount ?? 0n),
      delta: formatAmount(delta),
      recordedQuantityClosed: formatQuantity(r?.quantity ?? 0n),
      counterfactualQuantityClosed: formatQuantity(a?.quantity ?? 0n),
      abs: delta < 0n ? -delta : delta,
    });
  }
  rows.sort((x, y) => (x.abs > y.abs ? -1 : x.abs < y.abs ? 1 : compareIds(x.accountId, y.accountId)));
  return { changed: rows.length, top: rows.slice(0, TOP_DIFFERENCES).map(({ abs: _abs, ...row }) => row) };
}

/**
 * Re-runs the allocation of a recorded default on its recorded basis under another policy or
 * parameters (design.md §2, loss allocation), with the loss-allocation domain's own policy
 * functions — the journals are only read. Every run also re-runs the recorded policy and says
 * whether it reproduces the recorded LossAllocated byte for byte.
 */
export async function counterfactual(source: JournalSource, defaultId: string, spec: PolicySpec): Promise<CounterfactualReport> {
  // refuse a bad policy or parameter before reading any journal
  if (spec.policy !== RECORDED_POLICY) resolvePolicyParams(resolvePolicySpec(spec, null), spec.params);
  const loaded = await loadRecordedAllocation(source, defaultId);
  return counterfactualOf(loaded, spec);
}

/** The counterfactual over an already loaded record (pure). */
export function counterfactualOf(loaded: RecordedAllocation, spec: PolicySpec): CounterfactualReport {
  const { received, policyInForce, recorded } = loaded;
  const recordedKey = policyInForce.policyKey;
  const key = resolvePolicySpec(spec, recordedKey);
  const params = resolvePolicyParams(key, spec.params, key === recordedKey ? policyInForce.params : {});

  let basis: AllocationBasis;
  let positions;
  let residual: bigint;
  try {
    basis = prepareBasis(loaded.basis, { path: 'basis', excludeAccountId: received.accountId });
    positions = prepareDefaultedPositions(received.positions, 'residual.positions');
    residual = parseAmount(received.residual, 'residual.residual');
  } catch (error) {
    if (error instanceof AllocationInputError) throw new CounterfactualError(error.path, error.message);
    throw error;
  }

  let reproduced: boolean | null = null;
  let reproductionDifference: string | null = null;
  if (recorded !== null) {
    if (!registryEntry(recordedKey)) {
      reproduced = false;
      reproductionDifference = `policy ${recordedKey} is not in the registry`;
    } else {
      const again = runAllocation(loaded.defaultId, recordedKey as PolicyKey, basis, residual, positions, policyInForce.params).payload;
      reproduced = canonicalJson(again) === canonicalJson(recorded);
      reproductionDifference = reproduced ? null : (firstDifference(recorded, again, 'payload') ?? 'payload');
    }
  }

  const cf = runAllocation(loaded.defaultId, key, basis, residual, positions, params).payload;
  const diff = differences(basis, key, recorded, cf);
  return {
    defaultId: loaded.defaultId,
    defaulterAccountId: received.accountId,
    residual: received.residual,
    basis: { journal: 'margin', seq: loaded.basisSeq, participants: basis.accounts.length },
    recordedAt: loaded.recordedSeq === null ? null : { journal: 'loss-allocation', seq: loaded.recordedSeq },
    recorded: recorded === null ? null : figuresOf(recorded, policyInForce.params),
    counterfactual: figuresOf(cf, params),
    reproduced,
    reproductionDifference,
    participantsChanged: diff.changed,
    largestDifferences: diff.top,
    counterfactualAllocation: cf,
  };
}
