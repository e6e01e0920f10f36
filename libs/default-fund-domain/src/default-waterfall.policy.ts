import { invariant, ReplenishmentCalledPayload, RunWaterfallPayload, WaterfallTranche, WaterfallTrancheAppliedPayload } from '@ccp/contracts';
import { allocateLargestRemainder, allocateProRataCapped, bigintMax, bigintMin, bigintSum, CappedShare, WeightedShare } from '@ccp/money';
import { cents, multipleOf, usd } from './usd-cents.util';
import type { DefaultFundEvent, DefaultFundState, MemberFund } from './default-fund.types';

/**
 * The walk of one default down the waterfall in force (design.md §1, §5). Pure: reads the state,
 * returns the events; the decider's evolve applies them.
 *
 * - Tranches are taken strictly in order; a tranche is reached only when every earlier one is
 *   exhausted (its amount equals its capacity) — the walk stops as soon as the deficit is covered.
 * - Every tranche reached gets one WaterfallTrancheApplied, zero-capacity ones included (amount 0),
 *   so the case file shows each tranche consumed or found empty; tranches after the deficit is
 *   covered are not reached and get no event.
 * - defaulter-margin is `recorded` (liquidation already applied it; AccountDefaulted.deficit is the
 *   loss beyond it), fund tranches are `covered`, recovery-tool is `forwarded` (the residual).
 * - Pro-rata splits are largest remainder in cents (tie-break: larger remainder, larger weight, key).
 * - Conservation: Σ covered + residual = deficit to the cent, asserted before anything is emitted.
 */

interface Replenishment {
  readonly fund: ReplenishmentCalledPayload['fund'];
  readonly memberId?: string;
  readonly trancheId?: string;
  readonly amount: bigint;
}

interface AssessmentLine {
  readonly memberId: string;
  readonly amount: bigint;
  readonly cap: bigint;
  readonly cumulativeAssessed: bigint;
  readonly cumulativeCap: bigint;
}

interface Draw {
  readonly capacity: bigint;
  readonly amount: bigint;
  /** memberId → amount paid (> 0), for tranches drawn from members */
  readonly contributors?: ReadonlyMap<string, bigint>;
  readonly skinInTheGameAmount?: bigint;
  readonly assessments: readonly AssessmentLine[];
  readonly replenishments: readonly Replenishment[];
}

const MEMBER_KEY = 'm:';
const SKIN_IN_THE_GAME_KEY = 's:';

/** Members who did not default (now or before), by memberId ascending. */
function survivors(state: DefaultFundState, defaulterId: string): [string, MemberFund][] {
  return [...state.members.entries()].filter(([id, m]) => id !== defaulterId && !m.defaulted).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function positive(map: ReadonlyMap<string, bigint>): Map<string, bigint> {
  return new Map([...map].filter(([, v]) => v > 0n));
}

function drawDefaulterContribution(state: DefaultFundState, defaulterId: string, remaining: bigint): Draw {
  const capacity = state.members.get(defaulterId)?.contribution ?? 0n;
  const amount = bigintMin(remaining, capacity);
  // The defaulter is not called to replenish: it is in default.
  return { capacity, amount, contributors: positive(new Map([[defaulterId, amount]])), assessments: [], replenishments: [] };
}

function drawSkinInTheGame(state: DefaultFundState, trancheId: string, remaining: bigint): Draw {
  const fund = state.skinInTheGame.get(trancheId);
  invariant(fund !== undefined, `skin-in-the-game tranche ${trancheId} is funded (checked before the walk)`);
  const amount = bigintMin(remaining, fund.balance);
  const replenishments = amount > 0n ? [{ fund: 'skin-in-the-game' as const, trancheId, amount }] : [];
  return { capacity: fund.balance, amount, assessments: [], replenishments };
}

/**
 * Survivors' contributions pro rata to contribution; with `trancheId` (Eurex) the clearinghouse
 * tranche joins the same pro-rata split as one more participant weighted by its balance.
 */
function drawMutualizedFund(state: DefaultFundState, defaulterId: string, remaining: bigint, trancheId?: string): Draw {
  const shares: WeightedShare[] = survivors(state, defaulterId)
    .filter(([, m]) => m.contribution > 0n)
    .map(([id, m]) => ({ key: `${MEMBER_KEY}${id}`, weight: m.contribution }));
  if (trancheId !== undefined) {
    const fund = state.skinInTheGame.get(trancheId);
    invariant(fund !== undefined, `skin-in-the-game tranche ${trancheId} is funded (checked before the walk)`);
    if (fund.balance > 0n) shares.push({ key: `${SKIN_IN_THE_GAME_KEY}${trancheId}`, weight: fund.balance });
  }
  const capacity = bigintSum(shares.map((s) => s.weight));
  const amount = bigintMin(remaining, capacity);
  const split = capacity > 0n ? allocateLargestRemainder(amount, shares) : new Map<string, bigint>();
  const contributors = new Map<string, bigint>();
  const replenishments: Replenishment[] = [];
  let skinInTheGameAmount = 0n;
  for (const share of shares) {
    const paid = split.get(share.key) ?? 0n;
    invariant(paid <= share.weight, `pro-rata charge of ${share.key} stays within its contribution`);
    if (paid === 0n) continue;
    if (share.key.startsWith(SKIN_IN_THE_GAME_KEY)) {
      skinInTheGameAmount = paid;
      replenishments.push({ fund: 'skin-in-the-game', trancheId: share.key.slice(SKIN_IN_THE_GAME_KEY.length), amount: paid });
    } else {
      const memberId = share.key.slice(MEMBER_KEY.length);
      contributors.set(memberId, paid);
      replenishments.push({ fund: 'default-fund', memberId, amount: paid });
    }
  }
  return { capacity, amount, contributors, ...(trancheId !== undefined ? { skinInTheGameAmount } : {}), assessments: [], replenishments };
}

/**
 * Cash calls on survivors pro rata to their contribution of record (funded + replenishment due, at
 * the time of the default: a contribution consumed by this or an earlier default still counts, as
 * CME and Eurex cap on the contribution requirement, not on what is left of it). Each member's cap
 * in this default: min(floor(capMultiple × base), floor(totalCapMultiple × base) − assessed so far in
 * the capped period). Split: water-filling pro rata with caps, largest remainder in cents.
 */
function drawAssessments(state: DefaultFundState, defaulterId: string, remaining: bigint, t: Extract<WaterfallTranche, { kind: 'assessments' }>): Draw {
  const lines = new Map<string, { base: bigint; cap: bigint; cumulativeCap: bigint; assessedBefore: bigint }>();
  const shares: CappedShare[] = [];
  for (const [id, m] of survivors(state, defaulterId)) {
    const base = m.contribution + m.replenishmentDue;
    if (base === 0n) continue;
    const perDefaultCap = multipleOf(base, t.capMultiple);
    const cumulativeCap = multipleOf(base, t.totalCapMultiple);
    const cap = bigintMin(perDefaultCap, bigintMax(0n, cumulativeCap - m.assessedInPeriod));
    lines.set(id, { base, cap, cumulativeCap, assessedBefore: m.assessedInPeriod });
    shares.push({ key: id, weight: base, cap });
  }
  const capacity = bigintSum(shares.map((s) => s.cap));
  const amount = bigintMin(remaining, capacity);
  const { allocated, unallocated } = allocateProRataCapped(amount, shares);
  invariant(unallocated === 0n, 'assessments place the whole amount when it is within the summed caps');
  const contributors = new Map<string, bigint>();
  const assessments: AssessmentLine[] = [];
  for (const [memberId, line] of lines) {
    const called = allocated.get(memberId) ?? 0n;
    invariant(called <= line.cap, `assessment of ${memberId} stays within its cap`);
    if (called === 0n) continue;
    contributors.set(memberId, called);
    assessments.push({ memberId, amount: called, cap: line.cap, cumulativeAssessed: line.assessedBefore + called, cumulativeCap: line.cumulativeCap });
  }
  // Assessments are cash calls, not a fund: nothing to replenish.
  return { capacity, amount, contributors, assessments, replenishments: [] };
}

function drawInsuranceFund(state: DefaultFundState, remaining: bigint): Draw {
  const capacity = state.insuranceFund.balance;
  const amount = bigintMin(remaining, capacity);
  return { capacity, amount, assessments: [], replenishments: amount > 0n ? [{ fund: 'insurance-fund', amount }] : [] };
}

type FundTranche = Exclude<WaterfallTranche, { kind: 'defaulter-margin' | 'recovery-tool' }>;

function drawTranche(state: DefaultFundState, t: FundTranche, defaulterId: string, remaining: bigint): Draw {
  switch (t.kind) {
    case 'defaulter-contribution':
      return drawDefaulterContribution(state, defaulterId, remaining);
    case 'skin-in-the-game':
      return drawSkinInTheGame(state, t.trancheId, remaining);
    case 'mutualized-fund':
      return drawMutualizedFund(state, defaulterId, remaining);
    case 'mutualized-fund-with-skin-in-the-game':
      return drawMutualizedFund(state, defaulterId, remaining, t.trancheId);
    case 'assessments':
      return drawAssessments(state, defaulterId, remaining, t);
    case 'insurance-fund':
      return drawInsuranceFund(state, remaining);
    default: {
      const exhaustive: never = t;
      throw new Error(`unexpected tranche ${JSON.stringify(exhaustive)}`);
    }
  }
}

function contributorList(map: ReadonlyMap<string, bigint>): { memberId: string; amount: string }[] {
  return [...map]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([memberId, amount]) => ({ memberId, amount: usd(amount) }));
}

/** Walks the waterfall for one default and returns every event of the walk, in order. */
export function walkWaterfall(state: DefaultFundState, tranches: readonly WaterfallTranche[], d: RunWaterfallPayload): DefaultFundEvent[] {
  const deficit = cents(d.deficit);
  const marginApplied = cents(d.marginApplied);
  const stream = d.defaultId;
  const correlationId = d.defaultId;
  const walk: DefaultFundEvent[] = [];
  const replenishments: Replenishment[] = [];
  let remaining = deficit;
  let covered = 0n;
  let residual = 0n;

  const applied = (order: number, t: WaterfallTranche, effect: WaterfallTrancheAppliedPayload['effect'], capacity: bigint, amount: bigint, draw?: Draw): void => {
    const payload: WaterfallTrancheAppliedPayload = {
      defaultId: d.defaultId,
      order,
      kind: t.kind,
      ...('trancheId' in t ? { trancheId: t.trancheId } : {}),
      effect,
      capacity: usd(capacity),
      amount: usd(amount),
      remainingBefore: usd(remaining),
      remainingAfter: usd(effect === 'recorded' ? remaining : remaining - amount),
      ...(draw?.contributors !== undefined ? { contributors: contributorList(draw.contributors) } : {}),
      ...(draw?.skinInTheGameAmount !== undefined ? { skinInTheGameAmount: usd(draw.skinInTheGameAmount) } : {}),
    };
    walk.push({ type: 'WaterfallTrancheApplied', stream, correlationId, payload });
  };

  for (const [index, t] of tranches.entries()) {
    const order = index + 1;
    if (t.kind === 'defaulter-margin') {
      applied(order, t, 'recorded', marginApplied, marginApplied);
      continue;
    }
    if (remaining === 0n) break; // covered: later tranches are not touched
    if (t.kind === 'recovery-tool') {
      applied(order, t, 'forwarded', remaining, remaining);
      residual = remaining;
      remaining = 0n;
      break;
    }
    const draw = drawTranche(state, t, d.memberId, remaining);
    invariant(draw.amount >= 0n && draw.amount <= draw.capacity, `tranche ${order} takes no more than its capacity`);
    invariant(draw.amount <= remaining, `tranche ${order} takes no more than the deficit left`);
    invariant(draw.amount === draw.capacity || draw.amount === remaining, `tranche ${order} is exhausted or covers the rest`);
    const paidByParts = bigintSum(draw.contributors?.values() ?? []) + (draw.skinInTheGameAmount ?? 0n);
    invariant(draw.contributors === undefined || paidByParts === draw.amount, `tranche ${order}'s parts sum to its amount`);
    applied(order, t, 'covered', draw.capacity, draw.amount, draw);
    for (const a of draw.assessments) {
      walk.push({
        type: 'AssessmentCalled',
        stream,
        correlationId,
        payload: { defaultId: d.defaultId, memberId: a.memberId, amount: usd(a.amount), cap: usd(a.cap), cumulativeAssessed: usd(a.cumulativeAssessed), cumulativeCap: usd(a.cumulativeCap) },
      });
    }
    replenishments.push(...draw.replenishments);
    covered += draw.amount;
    remaining -= draw.amount;
  }

  invariant(remaining === 0n, 'the waterfall ends with recovery-tool, which takes whatever is left');
  invariant(covered + residual === deficit, `conservation: covered ${covered} + residual ${residual} = deficit ${deficit}`);

  for (const r of replenishments) {
    walk.push({
      type: 'ReplenishmentCalled',
      stream,
      correlationId,
      payload: {
        defaultId: d.defaultId,
        fund: r.fund,
        ...(r.memberId !== undefined ? { memberId: r.memberId } : {}),
        ...(r.trancheId !== undefined ? { trancheId: r.trancheId } : {}),
        amount: usd(r.amount),
      },
    });
  }

  if (residual === 0n) {
    walk.push({ type: 'DefaultCovered', stream, correlationId, payload: { defaultId: d.defaultId, accountId: d.accountId, memberId: d.memberId, deficit: usd(deficit) } });
  } else {
    walk.push({
      type: 'ResidualLossForwarded',
      stream,
      correlationId,
      payload: {
        defaultId: d.defaultId,
        accountId: d.accountId,
        memberId: d.memberId,
        deficit: usd(deficit),
        covered: usd(covered),
        residual: usd(residual),
        positions: d.positions,
      },
    });
  }
  return walk;
}
