import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One default, as the audit explains it: deficit, what the waterfall covered, what was allocated. */
@Entity({ name: 'default_case' })
export class DefaultCaseEntity {
  @PrimaryColumn({ name: 'default_id', type: 'text' })
  defaultId!: string;

  @Column({ name: 'account_id', type: 'text' })
  accountId!: string;

  @Column({ type: 'numeric' })
  deficit!: string;

  @Column({ type: 'numeric' })
  covered!: string;

  @Column({ type: 'numeric' })
  residual!: string;

  /** the loss-allocation policy applied to the residual, once decided */
  @Column({ type: 'text', nullable: true })
  policy!: string | null;

  /** the case file: timeline, tranches, allocations (canonical JSON) */
  @Column({ name: 'case', type: 'jsonb' })
  caseFile!: Record<string, unknown>;

  @Column({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
