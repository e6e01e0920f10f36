import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A signed journal head a service published on the anchor topic, projected with the records it signs. */
@Entity({ name: 'journal_anchor' })
export class JournalAnchorEntity {
  @PrimaryColumn({ name: 'journal_topic', type: 'text' })
  journalTopic!: string;

  @PrimaryColumn({ type: 'text' })
  producer!: string;

  /** bigint as a decimal string */
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'text' })
  signature!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'default_id', type: 'text', nullable: true })
  defaultId!: string | null;

  @Column({ name: 'occurred_at', type: 'text' })
  occurredAt!: string;
}
