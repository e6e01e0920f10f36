import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read models the four services project from their own journals (libs/read-models):
 * - `read_model_position`: per journal, the next seq to project and the hash of the last record
 *   projected, so projecting a record twice changes nothing and a gap or a foreign chain is refused;
 * - `account_read_model` (margin), `fund_balance_read_model` and `parameter_read_model` (default
 *   fund, loss allocation), replaced with the shapes the journals can actually state;
 * - `default_case`: one row per default with one group of columns per journal, each written only
 *   by that journal's projector, so four services upsert their own part of the same row.
 * Read models are projections: the old tables held nothing a journal cannot rebuild, so they are
 * dropped and recreated (their projection positions start empty in the same migration).
 * Amounts are `numeric`, seqs `bigint`, instants the journal's own ISO-8601 text; no floats.
 */
export class ReadModels1795478400000 implements MigrationInterface {
  readonly name = 'ReadModels1795478400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE read_model_position (
        producer   text        PRIMARY KEY CHECK (producer IN ('margin', 'liquidation', 'default-fund', 'loss-allocation')),
        next_seq   bigint      NOT NULL CHECK (next_seq >= 0),
        head_hash  text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`DROP TABLE account_read_model`);
    await queryRunner.query(`
      CREATE TABLE account_read_model (
        account_id        text        PRIMARY KEY,
        member_id         text        NOT NULL,
        status            text        NOT NULL CHECK (status IN ('open', 'liquidated', 'defaulted')),
        cash_balance      numeric     NOT NULL,
        net_deposits      numeric     NOT NULL,
        realized_pnl      numeric     NOT NULL,
        equity            numeric,
        stated_equity     numeric,
        stated_equity_seq bigint      CHECK (stated_equity_seq >= 0),
        positions         jsonb       NOT NULL DEFAULT '[]'::jsonb,
        last_breach_id    text,
        default_id        text,
        journal_seq       bigint      NOT NULL CHECK (journal_seq >= 0),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CHECK ((stated_equity IS NULL) = (stated_equity_seq IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX account_read_model_member_id_idx ON account_read_model (member_id)`);

    await queryRunner.query(`DROP TABLE fund_balance_read_model`);
    await queryRunner.query(`
      CREATE TABLE fund_balance_read_model (
        fund_id               text        PRIMARY KEY,
        kind                  text        NOT NULL CHECK (kind IN ('insurance-fund', 'member-contribution', 'skin-in-the-game')),
        member_id             text,
        tranche_id            text,
        balance               numeric     NOT NULL CHECK (balance >= 0),
        replenishment_due     numeric     NOT NULL CHECK (replenishment_due >= 0),
        required_contribution numeric     CHECK (required_contribution >= 0),
        assessed_in_period    numeric     CHECK (assessed_in_period >= 0),
        defaulted             boolean,
        journal_seq           bigint      NOT NULL CHECK (journal_seq >= 0),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'member-contribution') = (member_id IS NOT NULL)),
        CHECK ((kind = 'skin-in-the-game') = (tranche_id IS NOT NULL))
      )`);

    await queryRunner.query(`
      CREATE TABLE parameter_read_model (
        producer    text        NOT NULL,
        name        text        NOT NULL,
        value       jsonb       NOT NULL,
        journal_seq bigint      NOT NULL CHECK (journal_seq >= 0),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (producer, name)
      )`);

    await queryRunner.query(`DROP TABLE default_case`);
    await queryRunner.query(`
      CREATE TABLE default_case (
        default_id          text        PRIMARY KEY,
        account_id          text,
        member_id           text,
        declared_at         text,
        deficit             numeric     CHECK (deficit > 0),
        margin_applied      numeric     CHECK (margin_applied >= 0),
        liquidation         jsonb,
        liquidation_seq     bigint,
        waterfall_outcome   text        CHECK (waterfall_outcome IN ('DefaultCovered', 'ResidualLossForwarded')),
        covered             numeric     CHECK (covered >= 0),
        residual            numeric     CHECK (residual >= 0),
        default_fund        jsonb,
        default_fund_seq    bigint,
        policy              text,
        allocated           numeric     CHECK (allocated >= 0),
        unallocated         numeric     CHECK (unallocated >= 0),
        loss_allocation     jsonb,
        loss_allocation_seq bigint,
        margin              jsonb,
        margin_seq          bigint,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX default_case_account_id_idx ON default_case (account_id)`);
    await queryRunner.query(`CREATE INDEX default_case_member_id_idx ON default_case (member_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE default_case`);
    await queryRunner.query(`DROP TABLE parameter_read_model`);
    await queryRunner.query(`DROP TABLE fund_balance_read_model`);
    await queryRunner.query(`DROP TABLE account_read_model`);
    await queryRunner.query(`DROP TABLE read_model_position`);
    // The shapes of 1795392000000, empty (read models are rebuilt from the journals).
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
}
