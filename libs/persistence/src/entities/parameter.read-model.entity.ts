import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A parameter in force as a journal stated it (the default fund's waterfall, the allocation policy). */
@Entity({ name: 'parameter_read_model' })
export class ParameterReadModelEntity {
  @PrimaryColumn({ type: 'text' })
  producer!: string;

  /** e.g. 'waterfall', 'allocation-policy' */
  @PrimaryColumn({ type: 'text' })
  name!: string;

  /** the event payload that set it (canonical JSON: amounts as decimal strings) */
  @Column({ type: 'jsonb' })
  value!: Record<string, unknown>;

  @Column({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
