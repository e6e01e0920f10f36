import { accept, assertNever, Decider, Decision, invariant, reject, rejection, WaterfallTranche } from '@ccp/contracts';
import { bigintMin, canonicalDecimal } from '@ccp/money';
import { cents, usd } from './usd-cents.util';
import { checkCommand } from './default-fund.command';
import { initialDefaultFundState, newMemberFund } from './default-fund.state';
import type { DefaultFundCommand, DefaultFundEvent, DefaultFundState, FundBalance, MemberFund } from './default-fund.types';
import { walkWaterfall } from './default-waterfall.policy';
import { sizeCoverTwo } from './cover-two.policy';
import { skinInTheGameIds, WATERFALL_PRESET_TRANCHES } from './waterfall-presets.policy';

/** Stream (aggregate id) of the fund's own events; a default's events go to the default id. */
export const DEFAULT_FUND_STREAM = 'default-fund';

type Cmd<T extends DefaultFundCommand['type']> = Extract<DefaultFundCommand, { type: T }>;
type EventOf<T extends DefaultFundEvent['type']> = Extract<DefaultFundEvent, { type: T }>;
/** A fund-level event (stream `default-fund`); the payload is checked against the type. */
function fundEvent<T extends DefaultFundEvent['type']>(type: T, payload: EventOf<T>['payload']): DefaultFundEvent {
  return { type, stream: DEFAULT_FUND_STREAM, payload } as EventOf<T>;
}

function decideRecordContribution(c: Cmd<'RecordContribution'>, state: DefaultFundState): Decision<DefaultFundEvent> {
  const amount = cents(c.payload.amount);
  const member = state.members.get(c.payload.memberId);
  const before = member?.contribution ?? 0n;
  const replenished = bigintMin(member?.replenishmentDue ?? 0n, amount);
  return accept([
    fundEvent('ContributionRecorded', { memberId: c.payload.memberId, amount: usd(amount), balanceAfter: usd(before + amount), replenished: usd(replenished) }),
  ]);
}

/** A member may withdraw only its excess: not below its Cover 2 requirement, not while it owes replenishment. */
function decideWithdrawContribution(c: Cmd<'WithdrawContribution'>, state: DefaultFundState): Decision<DefaultFundEvent> {
  const member = state.members.get(c.payload.memberId);
  if (member === undefined) return reject(rejection('unknown_member', 'payload.memberId', `member ${c.payload.memberId} has no default-fund contribution`));
  const amount = cents(c.payload.amount);
  if (amount > member.contribution) return reject(rejection('insufficient_collateral', 'payload.amount', `exceeds the contribution of ${usd(member.contribution)}`));
  if (member.replenishmentDue > 0n) return reject(rejection('insufficient_collateral', 'payload.amount', `replenishment of ${usd(member.replenishmentDue)} is outstanding`));
  if (member.contribution - amount < member.requiredContribution) {
    return reject(rejection('insufficient_collateral', 'payload.amount', `would leave less than the required contribution of ${usd(member.requiredContribution)}`));
  }
  return accept([fundEvent('ContributionWithdrawn', { memberId: c.payload.memberId, amount: usd(amount), balanceAfter: usd(member.contribution - amount) })]);
}

function decideInsuranceCredit(c: Cmd<'DepositInsuranceFund'> | Cmd<'CreditLiquidationFee'>, state: DefaultFundState): Decision<DefaultFundEvent> {
  const amount = cents(c.payload.amount);
  const figures = {
    amount: usd(amount),
    balanceAfter: usd(state.insuranceFund.balance + amount),
    replenished: usd(bigintMin(state.insuranceFund.replenishmentDue, amount)),
  };
  if (c.type === 'DepositInsuranceFund') return accept([fundEvent('InsuranceFundDeposited', figures)]);
  const { liquidationId, accountId, memberId } = c.payload;
  return accept([fundEvent('LiquidationFeeCredited', { liquidationId, accountId, memberId, ...figures })]);
}

function canonicalTranche(t: WaterfallTranche): WaterfallTranche {
  return t.kind === 'assessments' ? { kind: t.kind, capMultiple: canonicalDecimal(t.capMultiple), totalCapMultiple: canonicalDecimal(t.totalCapMultiple) } : t;
}

function decideRunWaterfall(c: Cmd<'RunWaterfall'>, state: DefaultFundState): Decision<DefaultFundEvent> {
  const d = c.payload;
  if (state.defaultsRun.has(d.defaultId)) return reject(rejection('duplicate', 'payload.defaultId', `the waterfall for ${d.defaultId} has already run`));
  if (state.waterfall === null) return reject(rejection('parameters_missing', 'payload', 'no waterfall is configured (SetWaterfall)'));
  const unfunded = skinInTheGameIds(state.waterfall.tranches).find((id) => !state.skinInTheGame.has(id));
  if (unfunded !== undefined) return reject(rejection('parameters_missing', 'payload', `skin-in-the-game tranche ${unfunded} is not set (SetSkinInTheGame)`));
  return accept(walkWaterfall(state, state.waterfall.tranches, d));
}

function decideCommand(command: DefaultFundCommand, state: DefaultFundState): Decision<DefaultFundEvent> {
  switch (command.type) {
    case 'RecordContribution':
      return decideRecordContribution(command, state);
    case 'WithdrawContribution':
      return decideWithdrawContribution(command, state);
    case 'DepositInsuranceFund':
    case 'CreditLiquidationFee':
      return decideInsuranceCredit(command, state);
    case 'SetSkinInTheGame':
      return accept([fundEvent('SkinInTheGameSet', { tranches: command.payload.tranches.map((t) => ({ trancheId: t.trancheId, amount: usd(cents(t.amount)) })) })]);
    case 'SetWaterfall': {
      const { preset, tranches } = command.payload;
      const explicit = preset !== undefined ? WATERFALL_PRESET_TRANCHES[preset] : (tranches ?? []);
      return accept([fundEvent('WaterfallConfigured', { preset: preset ?? null, tranches: explicit.map(canonicalTranche) })]);
    }
    case 'ResetAssessmentPeriod':
      if (state.assessmentPeriodsReset.has(command.payload.periodId)) {
        return reject(rejection('duplicate', 'payload.periodId', `capped period ${command.payload.periodId} is already closed`));
      }
      return accept([fundEvent('AssessmentPeriodReset', { periodId: command.payload.periodId })]);
    case 'RunWaterfall':
      return decideRunWaterfall(command, state);
    case 'SizeDefaultFund':
      return accept([fundEvent('DefaultFundSized', sizeCoverTwo(command.payload))]);
    default:
      return assertNever(command, 'default-fund command');
  }
}

function decide(command: DefaultFundCommand, state: DefaultFundState): Decision<DefaultFundEvent> {
  const problem = checkCommand(command);
  if (problem !== null) return reject(problem);
  return decideCommand(command, state);
}

// ── evolve ───────────────────────────────────────────────────────────────────────────────────────

function memberOf(state: DefaultFundState, memberId: string): MemberFund {
  let m = state.members.get(memberId);
  if (m === undefined) {
    m = newMemberFund();
    state.members.set(memberId, m);
  }
  return m;
}

function skinInTheGameOf(state: DefaultFundState, trancheId: string): FundBalance {
  const f = state.skinInTheGame.get(trancheId);
  invariant(f !== undefined, `skin-in-the-game tranche ${trancheId} exists`);
  return f;
}

function assertMember(memberId: string, m: MemberFund): void {
  invariant(m.contribution >= 0n, `contribution of ${memberId} is not negative`);
  invariant(m.replenishmentDue >= 0n, `replenishment due of ${memberId} is not negative`);
  invariant(m.assessedInPeriod >= 0n, `assessments of ${memberId} are not negative`);
}

function assertFund(name: string, f: FundBalance): void {
  invariant(f.balance >= 0n, `${name} balance is not negative`);
  invariant(f.replenishmentDue >= 0n, `${name} replenishment due is not negative`);
}

/** Adding money to a fund first discharges what it was owed by replenishment calls. */
function credit(f: FundBalance, amount: bigint, replenished: bigint, name: string): void {
  invariant(replenished === bigintMin(f.replenishmentDue, amount), `${name}: the deposit discharges the replenishment due first`);
  f.balance += amount;
  f.replenishmentDue -= replenished;
}

function evolveTranche(state: DefaultFundState, e: Extract<DefaultFundEvent, { type: 'WaterfallTrancheApplied' }>): void {
  const p = e.payload;
  const amount = cents(p.amount);
  const takeFromMembers = (): void => {
    for (const c of p.contributors ?? []) {
      const m = memberOf(state, c.memberId);
      m.contribution -= cents(c.amount);
      assertMember(c.memberId, m);
    }
  };
  switch (p.kind) {
    case 'defaulter-contribution':
    case 'mutualized-fund':
      takeFromMembers();
      return;
    case 'mutualized-fund-with-skin-in-the-game': {
      takeFromMembers();
      invariant(p.trancheId !== undefined, 'the combined tranche names its skin-in-the-game tranche');
      const f = skinInTheGameOf(state, p.trancheId);
      f.balance -= cents(p.skinInTheGameAmount ?? '0');
      assertFund(p.trancheId, f);
      return;
    }
    case 'skin-in-the-game': {
      invariant(p.trancheId !== undefined, 'a skin-in-the-game tranche names its trancheId');
      const f = skinInTheGameOf(state, p.trancheId);
      f.balance -= amount;
      assertFund(p.trancheId, f);
      return;
    }
    case 'insurance-fund':
      state.insuranceFund.balance -= amount;
      assertFund('insurance fund', state.insuranceFund);
      return;
    case 'defaulter-margin': // applied by liquidation
    case 'assessments': // cash calls: AssessmentCalled records them
    case 'recovery-tool': // forwarded to loss allocation
      return;
    default:
      assertNever(p.kind, 'tranche kind');
  }
}

function closeDefault(state: DefaultFundState, defaultId: string, memberId: string): void {
  invariant(!state.defaultsRun.has(defaultId), `default ${defaultId} closes once`);
  state.defaultsRun.add(defaultId);
  memberOf(state, memberId).defaulted = true;
}

/** Applies one event; mutates and returns the same state (contracts/decider.ts allows it). */
function evolve(state: DefaultFundState, event: DefaultFundEvent): DefaultFundState {
  switch (event.type) {
    case 'ContributionRecorded': {
      const p = event.payload;
      const m = memberOf(state, p.memberId);
      const fund = { balance: m.contribution, replenishmentDue: m.replenishmentDue };
      credit(fund, cents(p.amount), cents(p.replenished), p.memberId);
      invariant(fund.balance === cents(p.balanceAfter), `contribution of ${p.memberId} matches the event`);
      m.contribution = fund.balance;
      m.replenishmentDue = fund.replenishmentDue;
      assertMember(p.memberId, m);
      break;
    }
    case 'ContributionWithdrawn': {
      const m = memberOf(state, event.payload.memberId);
      m.contribution -= cents(event.payload.amount);
      invariant(m.contribution === cents(event.payload.balanceAfter), `contribution of ${event.payload.memberId} matches the event`);
      assertMember(event.payload.memberId, m);
      break;
    }
    case 'InsuranceFundDeposited':
    case 'LiquidationFeeCredited':
      credit(state.insuranceFund, cents(event.payload.amount), cents(event.payload.replenished), 'insurance fund');
      invariant(state.insuranceFund.balance === cents(event.payload.balanceAfter), 'insurance fund matches the event');
      assertFund('insurance fund', state.insuranceFund);
      break;
    case 'SkinInTheGameSet':
      for (const t of event.payload.tranches) {
        const f = state.skinInTheGame.get(t.trancheId) ?? { balance: 0n, replenishmentDue: 0n };
        const next = cents(t.amount);
        const added = next > f.balance ? next - f.balance : 0n;
        state.skinInTheGame.set(t.trancheId, { balance: next, replenishmentDue: f.replenishmentDue - bigintMin(f.replenishmentDue, added) });
      }
      break;
    case 'WaterfallConfigured':
      state.waterfall = { preset: event.payload.preset, tranches: event.payload.tranches };
      break;
    case 'AssessmentPeriodReset':
      state.assessmentPeriodsReset.add(event.payload.periodId);
      for (const m of state.members.values()) m.assessedInPeriod = 0n;
      break;
    case 'WaterfallTrancheApplied':
      evolveTranche(state, event);
      break;
    case 'AssessmentCalled': {
      const m = memberOf(state, event.payload.memberId);
      m.assessedInPeriod += cents(event.payload.amount);
      invariant(m.assessedInPeriod === cents(event.payload.cumulativeAssessed), `assessments of ${event.payload.memberId} match the event`);
      invariant(m.assessedInPeriod <= cents(event.payload.cumulativeCap), `assessments of ${event.payload.memberId} stay within the period cap`);
      break;
    }
    case 'ReplenishmentCalled': {
      const p = event.payload;
      const amount = cents(p.amount);
      if (p.fund === 'default-fund') {
        invariant(p.memberId !== undefined, 'a member replenishment names the member');
        memberOf(state, p.memberId).replenishmentDue += amount;
      } else if (p.fund === 'insurance-fund') {
        state.insuranceFund.replenishmentDue += amount;
      } else {
        invariant(p.trancheId !== undefined, 'a skin-in-the-game replenishment names the tranche');
        skinInTheGameOf(state, p.trancheId).replenishmentDue += amount;
      }
      break;
    }
    case 'DefaultCovered':
    case 'ResidualLossForwarded':
      closeDefault(state, event.payload.defaultId, event.payload.memberId);
      break;
    case 'DefaultFundSized':
      for (const m of state.members.values()) m.requiredContribution = 0n;
      for (const s of event.payload.memberShares) memberOf(state, s.memberId).requiredContribution = cents(s.requiredContribution);
      break;
    default:
      return assertNever(event, 'default-fund event');
  }
  return state;
}

/**
 * The default fund's Decider: member contributions, insurance fund, the clearinghouse's own capital
 * (SITG), the waterfall in force, its walk per default, replenishment and Cover 2 sizing.
 */
export const defaultFundDecider: Decider<DefaultFundCommand, DefaultFundEvent, DefaultFundState> = {
  name: 'default-fund',
  initialState: initialDefaultFundState,
  decide,
  evolve,
};
