import { Column, Entity, PrimaryColumn } from 'typeorm';

export type FundKind = 'insurance-fund' | 'member-contribution' | 'skin-in-the-game';

/** One fund of the default waterfall: the insurance fund, a member's contribution, a SITG tranche. */
@Entity({ name: 'fund_balance_read_model' })
export class FundBalanceReadModelEntity {
  /** 'insurance-fund', 'member-contribution:<memberId>', 'skin-in-the-game:<trancheId>' */
  @PrimaryColumn({ name: 'fund_id', type: 'text' })
  fundId!: string;

  @Column({ type: 'text' })
  kind!: FundKind;

  @Column({ name: 'member_id', type: 'text', nullable: true })
  memberId!: string | null;

  @Column({ name: 'tranche_id', type: 'text', nullable: true })
  trancheId!: string | null;

  @Column({ type: 'numeric' })
  balance!: string;

  /** consumed by defaults and not yet restored */
  @Column({ name: 'replenishment_due', type: 'numeric' })
  replenishmentDue!: string;

  /** member contributions only: what the last Cover 2 sizing required */
  @Column({ name: 'required_contribution', type: 'numeric', nullable: true })
  requiredContribution!: string | null;

  /** member contributions only: assessed in the current capped period */
  @Column({ name: 'assessed_in_period', type: 'numeric', nullable: true })
  assessedInPeriod!: string | null;

  /** member contributions only */
  @Column({ type: 'boolean', nullable: true })
  defaulted!: boolean | null;

  @Column({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
