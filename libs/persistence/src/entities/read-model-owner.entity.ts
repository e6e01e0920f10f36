import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The one topic namespace whose journals a schema's read models project (claimed by the first projection). */
@Entity({ name: 'read_model_owner' })
export class ReadModelOwnerEntity {
  @PrimaryColumn({ type: 'boolean', default: true })
  singleton!: boolean;

  @Column({ type: 'text' })
  namespace!: string;

  @Column({ name: 'claimed_at', type: 'timestamptz', default: () => 'now()' })
  claimedAt!: Date;
}
