import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Positions, snapshots and the first read models. Amounts are `numeric` (exact, unbounded scale:
 * what is written is what is read), offsets and sequence numbers `bigint`; nothing is a float.
 */
export class InitialSchema1795392000000 implements MigrationInterface {
  readonly name = 'InitialSchema1795392000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE journal_position (
        consumer    text        NOT NULL,
        topic       text        NOT NULL,
        partition   integer     NOT NULL CHECK (partition >= 0),
        next_offset bigint      NOT NULL CHECK (next_offset >= 0),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE snapshot (
        service     text        NOT NULL,
        journal_seq bigint      NOT NULL CHECK (journal_seq >= 0),
        state       jsonb       NOT NULL,
        hash        text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service, journal_seq)
      )`);
    await queryRunner.query(`
      CREATE TABLE account_read_model (
        account_id         text        PRIMARY KEY,
        status             text        NOT NULL,
        collateral         numeric     NOT NULL,
        equity             numeric     NOT NULL,
        initial_margin     numeric     NOT NULL,
        maintenance_margin numeric     NOT NULL,
        positions          jsonb       NOT NULL DEFAULT '[]'::jsonb,
        journal_seq        bigint      NOT NULL,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE fund_balance_read_model (
        fund_id     text        PRIMARY KEY,
        kind        text        NOT NULL,
        member_id   text,
        balance     numeric     NOT NULL,
        journal_seq bigint      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE default_case (
        default_id  text        PRIMARY KEY,
        account_id  text        NOT NULL,
        deficit     numeric     NOT NULL CHECK (deficit >= 0),
        covered     numeric     NOT NULL CHECK (covered >= 0),
        residual    numeric     NOT NULL CHECK (residual >= 0),
        policy      text,
        "case"      jsonb       NOT NULL,
        journal_seq bigint      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX default_case_account_id_idx ON default_case (account_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE default_case`);
    await queryRunner.query(`DROP TABLE fund_balance_read_model`);
    await queryRunner.query(`DROP TABLE account_read_model`);
    await queryRunner.query(`DROP TABLE snapshot`);
    await queryRunner.query(`DROP TABLE journal_position`);
  }
}
