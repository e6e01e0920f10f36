import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How far the read models reflect one journal: the next seq to project and the hash of the last
 * record projected (the genesis hash before the first). Advanced in the transaction that writes
 * the read models, so a record is projected exactly once and a gap or another chain is refused.
 */
@Entity({ name: 'read_model_position' })
export class ReadModelPositionEntity {
  /** the journal's physical topic (namespace included): a position only continues the journal it read */
  @PrimaryColumn({ name: 'journal_topic', type: 'text' })
  journalTopic!: string;

  @PrimaryColumn({ type: 'text' })
  producer!: string;

  /** bigint as a decimal string */
  @Column({ name: 'next_seq', type: 'bigint' })
  nextSeq!: string;

  @Column({ name: 'head_hash', type: 'text' })
  headHash!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
