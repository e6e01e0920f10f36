import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Margin's view of one account, for queries. Amounts are numeric in SQL and strings here. */
@Entity({ name: 'account_read_model' })
export class AccountReadModelEntity {
  @PrimaryColumn({ name: 'account_id', type: 'text' })
  accountId!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'numeric' })
  collateral!: string;

  @Column({ type: 'numeric' })
  equity!: string;

  @Column({ name: 'initial_margin', type: 'numeric' })
  initialMargin!: string;

  @Column({ name: 'maintenance_margin', type: 'numeric' })
  maintenanceMargin!: string;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  positions!: unknown[];

  /** the journal seq this row reflects */
  @Column({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
