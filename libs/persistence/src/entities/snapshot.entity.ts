import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service's state after applying its journal up to and including `journalSeq`. */
@Entity({ name: 'snapshot' })
export class SnapshotEntity {
  @PrimaryColumn({ type: 'text' })
  service!: string;

  @PrimaryColumn({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  /** canonical JSON of the state (amounts as decimal strings) */
  @Column({ type: 'jsonb' })
  state!: Record<string, unknown>;

  /** hash of the journal event at journalSeq: the snapshot is valid only on that chain */
  @Column({ type: 'text' })
  hash!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
