import type {
  AccountDefaultedPayload,
  AssessmentCalledPayload,
  ContributionRecordedPayload,
  ContributionWithdrawnPayload,
  DefaultCoveredPayload,
  DefaultFundSizedPayload,
  EventEnvelope,
  InsuranceFundDepositedPayload,
  LiquidationFeeCreditedPayload,
  ReplenishmentCalledPayload,
  ResidualLossForwardedPayload,
  SkinInTheGameSetPayload,
  WaterfallTrancheAppliedPayload,
} from '@ccp/contracts';
import { canonicalDecimal, Decimal } from '@ccp/money';
import { FundBalanceReadModelEntity, type FundKind } from '@ccp/persistence';
import type { EntityManager } from 'typeorm';
import { bulkUpsert, ColumnSpec, RowCache } from './bulk-upsert.sql';
import { DefaultCaseStore } from './default-case.store';
import { setParameter } from './parameter.store';
import type { Projector } from './projector';

export const DEFAULT_FUND_PROJECTED_TYPES = [
  'ContributionRecorded',
  'ContributionWithdrawn',
  'InsuranceFundDeposited',
  'LiquidationFeeCredited',
  'SkinInTheGameSet',
  'WaterfallConfigured',
  'AssessmentPeriodReset',
  'WaterfallTrancheApplied',
  'AssessmentCalled',
  'ReplenishmentCalled',
  'DefaultCovered',
  'ResidualLossForwarded',
  'DefaultFundSized',
  'CommandRejected',
] as const;

/** Event types of this journal the read models do not need (they change nothing projected here). */
export const DEFAULT_FUND_NOT_PROJECTED_TYPES = [] as const satisfies readonly string[];

interface FundRow {
  fundId: string;
  kind: FundKind;
  memberId: string | null;
  trancheId: string | null;
  balance: string;
  replenishmentDue: string;
  requiredContribution: string | null;
  assessedInPeriod: string | null;
  defaulted: boolean | null;
  journalSeq: string;
}

const FUND_COLUMNS: readonly ColumnSpec<FundRow>[] = [
  { property: 'fundId', column: 'fund_id', sqlType: 'text' },
  { property: 'kind', column: 'kind', sqlType: 'text' },
  { property: 'memberId', column: 'member_id', sqlType: 'text' },
  { property: 'trancheId', column: 'tranche_id', sqlType: 'text' },
  { property: 'balance', column: 'balance', sqlType: 'numeric' },
  { property: 'replenishmentDue', column: 'replenishment_due', sqlType: 'numeric' },
  { property: 'requiredContribution', column: 'required_contribution', sqlType: 'numeric' },
  { property: 'assessedInPeriod', column: 'assessed_in_period', sqlType: 'numeric' },
  { property: 'defaulted', column: 'defaulted', sqlType: 'boolean' },
  { property: 'journalSeq', column: 'journal_seq', sqlType: 'bigint' },
];

export const INSURANCE_FUND_ID = 'insurance-fund';
export const memberFundId = (memberId: string): string => `member-contribution:${memberId}`;
export const skinInTheGameFundId = (trancheId: string): string => `skin-in-the-game:${trancheId}`;

const add = (a: string, b: string): string => canonicalDecimal(new Decimal(a).plus(b));
const sub = (a: string, b: string): string => canonicalDecimal(new Decimal(a).minus(b));
const min = (a: string, b: string): string => canonicalDecimal(Decimal.min(a, b));

/**
 * default fund's journal → fund_balance_read_model (insurance fund, each member's contribution, each
 * SITG tranche, with what defaults consumed and is still to be replenished), the waterfall in force,
 * and the waterfall part of each default case. Mirrors the default-fund decider's `evolve`.
 */
export class DefaultFundProjector implements Projector {
  private readonly funds: RowCache<FundRow>;
  private readonly cases: DefaultCaseStore<'default-fund'>;
  private allLoaded = false;

  constructor(private readonly manager: EntityManager) {
    this.funds = new RowCache(() => this.loadFunds());
    this.cases = new DefaultCaseStore(manager, 'default-fund');
  }

  /** The first lookup loads every fund; after it, a fund not loaded does not exist yet. */
  private async loadFunds(): Promise<Map<string, FundRow>> {
    const found = new Map<string, FundRow>();
    if (this.allLoaded) return found;
    this.allLoaded = true;
    for (const e of await this.manager.find(FundBalanceReadModelEntity)) {
      const { updatedAt: _updatedAt, ...row } = e;
      found.set(e.fundId, row);
    }
    return found;
  }

  /** The funds are few (one per member, tranche, and the insurance fund): a batch loads them all. */
  async prefetch(records: readonly EventEnvelope[]): Promise<void> {
    await this.funds.prefetch([INSURANCE_FUND_ID]);
    await this.cases.prefetch(records);
  }

  private async fund(fundId: string, kind: FundKind, id: string | null, record: EventEnvelope): Promise<FundRow> {
    const existing = await this.funds.get(fundId);
    const row: FundRow = existing ?? {
      fundId,
      kind,
      memberId: kind === 'member-contribution' ? id : null,
      trancheId: kind === 'skin-in-the-game' ? id : null,
      balance: '0',
      replenishmentDue: '0',
      requiredContribution: kind === 'member-contribution' ? '0' : null,
      assessedInPeriod: kind === 'member-contribution' ? '0' : null,
      defaulted: kind === 'member-contribution' ? false : null,
      journalSeq: String(record.seq),
    };
    row.journalSeq = String(record.seq);
    this.funds.set(fundId, row);
    return row;
  }

  private member(memberId: string, record: EventEnvelope): Promise<FundRow> {
    return this.fund(memberFundId(memberId), 'member-contribution', memberId, record);
  }

  private insurance(record: EventEnvelope): Promise<FundRow> {
    return this.fund(INSURANCE_FUND_ID, 'insurance-fund', null, record);
  }

  private sitg(trancheId: string, record: EventEnvelope): Promise<FundRow> {
    return this.fund(skinInTheGameFundId(trancheId), 'skin-in-the-game', trancheId, record);
  }

  private members(): FundRow[] {
    return [...this.funds.values()].filter((f) => f.kind === 'member-contribution');
  }

  async apply(record: EventEnvelope): Promise<void> {
    const c = await this.cases.touch(record);
    if (record.kind === 'input') {
      if (record.type === 'RunWaterfall' && c !== null) c.part.deficit = (record.payload as AccountDefaultedPayload).deficit;
      return;
    }
    switch (record.type as (typeof DEFAULT_FUND_PROJECTED_TYPES)[number]) {
      case 'ContributionRecorded': {
        const p = record.payload as ContributionRecordedPayload;
        const m = await this.member(p.memberId, record);
        m.balance = p.balanceAfter;
        m.replenishmentDue = sub(m.replenishmentDue, p.replenished);
        return;
      }
      case 'ContributionWithdrawn': {
        const p = record.payload as ContributionWithdrawnPayload;
        (await this.member(p.memberId, record)).balance = p.balanceAfter;
        return;
      }
      case 'InsuranceFundDeposited':
      case 'LiquidationFeeCredited': {
        const p = record.payload as InsuranceFundDepositedPayload | LiquidationFeeCreditedPayload;
        const f = await this.insurance(record);
        f.balance = p.balanceAfter;
        f.replenishmentDue = sub(f.replenishmentDue, p.replenished);
        return;
      }
      case 'SkinInTheGameSet': {
        // a higher balance discharges what the tranche was owed first, as the decider does
        for (const t of (record.payload as SkinInTheGameSetPayload).tranches) {
          const f = await this.sitg(t.trancheId, record);
          const added = new Decimal(t.amount).gt(f.balance) ? sub(t.amount, f.balance) : '0';
          f.replenishmentDue = sub(f.replenishmentDue, min(f.replenishmentDue, added));
          f.balance = t.amount;
        }
        return;
      }
      case 'WaterfallConfigured':
        await setParameter(this.manager, 'default-fund', 'waterfall', record);
        return;
      case 'AssessmentPeriodReset':
        for (const m of this.members()) {
          m.assessedInPeriod = '0';
          await this.member(m.memberId!, record);
        }
        return;
      case 'WaterfallTrancheApplied':
        await this.applyTranche(record, record.payload as WaterfallTrancheAppliedPayload);
        return;
      case 'AssessmentCalled': {
        const p = record.payload as AssessmentCalledPayload;
        (await this.member(p.memberId, record)).assessedInPeriod = p.cumulativeAssessed;
        c?.part.assessments.push({ memberId: p.memberId, amount: p.amount, cap: p.cap, cumulativeAssessed: p.cumulativeAssessed, cumulativeCap: p.cumulativeCap });
        return;
      }
      case 'ReplenishmentCalled': {
        const p = record.payload as ReplenishmentCalledPayload;
        const f =
          p.fund === 'default-fund' ? await this.member(p.memberId!, record) : p.fund === 'insurance-fund' ? await this.insurance(record) : await this.sitg(p.trancheId!, record);
        f.replenishmentDue = add(f.replenishmentDue, p.amount);
        c?.part.replenishments.push({ fund: p.fund, memberId: p.memberId ?? null, trancheId: p.trancheId ?? null, amount: p.amount });
        return;
      }
      case 'DefaultCovered':
      case 'ResidualLossForwarded': {
        const p = record.payload as DefaultCoveredPayload | ResidualLossForwardedPayload;
        (await this.member(p.memberId, record)).defaulted = true;
        if (c === null) return;
        const covered = record.type === 'DefaultCovered' ? p.deficit : (p as ResidualLossForwardedPayload).covered;
        const residual = record.type === 'DefaultCovered' ? '0' : (p as ResidualLossForwardedPayload).residual;
        c.part.outcome = record.type as 'DefaultCovered' | 'ResidualLossForwarded';
        c.part.deficit = p.deficit;
        c.part.covered = covered;
        c.part.residual = residual;
        c.summary['waterfall_outcome'] = record.type;
        c.summary['covered'] = covered;
        c.summary['residual'] = residual;
        return;
      }
      case 'DefaultFundSized': {
        const p = record.payload as DefaultFundSizedPayload;
        for (const m of this.members()) {
          m.requiredContribution = '0';
          await this.member(m.memberId!, record);
        }
        for (const s of p.memberShares) (await this.member(s.memberId, record)).requiredContribution = s.requiredContribution;
        await setParameter(this.manager, 'default-fund', 'cover-2-sizing', record);
        return;
      }
      default:
        // Known but without effect on these read models (NOT_PROJECTED), or new: the classification
        // unit test fails on an event type the contracts add until it is placed in one list or the other.
        return;
    }
  }

  private async applyTranche(record: EventEnvelope, p: WaterfallTrancheAppliedPayload): Promise<void> {
    const c = await this.cases.open(p.defaultId);
    c.part.tranches.push({
      order: p.order,
      kind: p.kind,
      trancheId: p.trancheId ?? null,
      effect: p.effect,
      capacity: p.capacity,
      amount: p.amount,
      remainingBefore: p.remainingBefore,
      remainingAfter: p.remainingAfter,
      contributors: p.contributors ?? [],
      skinInTheGameAmount: p.skinInTheGameAmount ?? null,
    });
    const takeFromMembers = async (): Promise<void> => {
      for (const x of p.contributors ?? []) {
        const m = await this.member(x.memberId, record);
        m.balance = sub(m.balance, x.amount);
      }
    };
    switch (p.kind) {
      case 'defaulter-contribution':
      case 'mutualized-fund':
        await takeFromMembers();
        return;
      case 'mutualized-fund-with-skin-in-the-game': {
        await takeFromMembers();
        const f = await this.sitg(p.trancheId!, record);
        f.balance = sub(f.balance, p.skinInTheGameAmount ?? '0');
        return;
      }
      case 'skin-in-the-game': {
        const f = await this.sitg(p.trancheId!, record);
        f.balance = sub(f.balance, p.amount);
        return;
      }
      case 'insurance-fund': {
        const f = await this.insurance(record);
        f.balance = sub(f.balance, p.amount);
        return;
      }
      case 'defaulter-margin': // applied by liquidation
      case 'assessments': // cash calls: AssessmentCalled records them
      case 'recovery-tool': // forwarded to loss allocation
        return;
      default:
        throw new Error(`default-fund:${record.seq} WaterfallTrancheApplied: unknown tranche kind ${String(p.kind)}`);
    }
  }

  async flush(): Promise<void> {
    const table = this.manager.getRepository(FundBalanceReadModelEntity).metadata.tablePath;
    await bulkUpsert(this.manager, table, ['fund_id'], FUND_COLUMNS, this.funds.changed());
    await this.cases.flush();
  }
}
