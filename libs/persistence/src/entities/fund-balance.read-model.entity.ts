import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One fund or tranche of the default waterfall (insurance fund, SITG, a member's contribution). */
@Entity({ name: 'fund_balance_read_model' })
export class FundBalanceReadModelEntity {
  /** e.g. 'insurance-fund', 'sitg:1', 'default-fund:member-7' */
  @PrimaryColumn({ name: 'fund_id', type: 'text' })
  fundId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'member_id', type: 'text', nullable: true })
  memberId!: string | null;

  @Column({ type: 'numeric' })
  balance!: string;

  @Column({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
