import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How far a consumer has applied an input partition: the offset of the next record to apply
 * (last applied + 1). Written in the same database transaction as the read models it reflects, so
 * a crash can never leave a read model ahead of (or behind) its recorded position.
 */
@Entity({ name: 'journal_position' })
export class JournalPositionEntity {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ type: 'text' })
  topic!: string;

  @PrimaryColumn({ type: 'integer' })
  partition!: number;

  /** bigint: carried as a decimal string, never a JS number */
  @Column({ name: 'next_offset', type: 'bigint' })
  nextOffset!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
