import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fold snapshots (docs/adr/0012-snapshots.md) replace the `snapshot` table no code wrote: a
 * service's fold of its own journal through a signed head — state, command guard, source positions
 * as V8 structured-clone bytes — keyed like the read-model positions by (journal topic, producer),
 * so a snapshot can only ever resume the journal it was taken from. The owner's signature covers
 * the journal, the seq and head hash, the offset to resume reading at and the SHA-256 of the bytes:
 * whoever can write this table can make a restart slow (a refused snapshot means a full fold), never
 * make it start from a state its owner did not fold.
 */
export class FoldSnapshots1796256000000 implements MigrationInterface {
  readonly name = 'FoldSnapshots1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE snapshot`);
    await queryRunner.query(`
      CREATE TABLE fold_snapshot (
        journal_topic text        NOT NULL,
        producer      text        NOT NULL CHECK (producer IN ('margin', 'liquidation', 'default-fund', 'loss-allocation')),
        seq           bigint      NOT NULL CHECK (seq >= 0),
        head_hash     text        NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$'),
        resume_offset bigint      NOT NULL CHECK (resume_offset >= 0),
        state         bytea       NOT NULL,
        state_sha256  text        NOT NULL CHECK (state_sha256 ~ '^[0-9a-f]{64}$'),
        signature     text        NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (journal_topic, producer, seq)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE fold_snapshot`);
    await queryRunner.query(`
      CREATE TABLE snapshot (
        service     text        NOT NULL,
        journal_seq bigint      NOT NULL CHECK (journal_seq >= 0),
        state       jsonb       NOT NULL,
        hash        text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service, journal_seq)
      )`);
  }
}
