import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One default, assembled from the parts the four journals state. Each group of columns has one
 * writer — liquidation (declaration), default fund (waterfall), loss allocation (allocation),
 * margin (write-off, basis, applied charges) — so four services upsert one row without conflict.
 * `account_id` / `member_id` are set by whichever part arrives first (they all agree).
 */
@Entity({ name: 'default_case' })
export class DefaultCaseEntity {
  @PrimaryColumn({ name: 'default_id', type: 'text' })
  defaultId!: string;

  @Column({ name: 'account_id', type: 'text', nullable: true })
  accountId!: string | null;

  @Column({ name: 'member_id', type: 'text', nullable: true })
  memberId!: string | null;

  // ── liquidation's part ──
  /** occurredAt of AccountDefaulted (ISO-8601 text, as in the journal) */
  @Column({ name: 'declared_at', type: 'text', nullable: true })
  declaredAt!: string | null;

  @Column({ type: 'numeric', nullable: true })
  deficit!: string | null;

  @Column({ name: 'margin_applied', type: 'numeric', nullable: true })
  marginApplied!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  liquidation!: Record<string, unknown> | null;

  @Column({ name: 'liquidation_seq', type: 'bigint', nullable: true })
  liquidationSeq!: string | null;

  // ── default fund's part ──
  @Column({ name: 'waterfall_outcome', type: 'text', nullable: true })
  waterfallOutcome!: 'DefaultCovered' | 'ResidualLossForwarded' | null;

  @Column({ type: 'numeric', nullable: true })
  covered!: string | null;

  @Column({ type: 'numeric', nullable: true })
  residual!: string | null;

  @Column({ name: 'default_fund', type: 'jsonb', nullable: true })
  defaultFund!: Record<string, unknown> | null;

  @Column({ name: 'default_fund_seq', type: 'bigint', nullable: true })
  defaultFundSeq!: string | null;

  // ── loss allocation's part ──
  @Column({ type: 'text', nullable: true })
  policy!: string | null;

  /** Σ charged to participants */
  @Column({ type: 'numeric', nullable: true })
  allocated!: string | null;

  @Column({ type: 'numeric', nullable: true })
  unallocated!: string | null;

  @Column({ name: 'loss_allocation', type: 'jsonb', nullable: true })
  lossAllocation!: Record<string, unknown> | null;

  @Column({ name: 'loss_allocation_seq', type: 'bigint', nullable: true })
  lossAllocationSeq!: string | null;

  // ── margin's part ──
  @Column({ type: 'jsonb', nullable: true })
  margin!: Record<string, unknown> | null;

  @Column({ name: 'margin_seq', type: 'bigint', nullable: true })
  marginSeq!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
