import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service's fold of its own journal through a signed head (docs/adr/0012-snapshots.md). */
@Entity({ name: 'fold_snapshot' })
export class FoldSnapshotEntity {
  /** the journal's physical topic (namespaced) */
  @PrimaryColumn({ name: 'journal_topic', type: 'text' })
  journalTopic!: string;

  @PrimaryColumn({ type: 'text' })
  producer!: string;

  /** seq of the last record folded (a signed head) */
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  /** that record's hash: the records after the snapshot must continue from it */
  @Column({ name: 'head_hash', type: 'text' })
  headHash!: string;

  /** the journal topic's offset to resume reading at (at or before the record after seq) */
  @Column({ name: 'resume_offset', type: 'bigint' })
  resumeOffset!: string;

  /** V8 structured clone of { state, guard, lastApplied } */
  @Column({ type: 'bytea' })
  state!: Buffer;

  @Column({ name: 'state_sha256', type: 'text' })
  stateSha256!: string;

  /** the owner's Ed25519 signature of the snapshot's description (engine: snapshotSigningText) */
  @Column({ type: 'text' })
  signature!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
