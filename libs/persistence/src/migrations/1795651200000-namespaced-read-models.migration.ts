import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models keyed by what they read (issue: journal integrity, item 6):
 * - `read_model_owner`: one row, the topic namespace whose journals this schema's read models project.
 *   The first projection claims it; a service of any other namespace is refused (it never serves, nor
 *   writes into, state projected from another namespace's journals). A deployment runs one namespace
 *   per schema; the services derive the schema from the namespace unless CCP_DATABASE_SCHEMA says.
 * - `read_model_position` keyed by (journal topic, producer), the topic being the namespaced physical
 *   name, so a position can only ever continue the journal it was read from.
 * - `journal_anchor`: the signed heads each service publishes on the anchor topic (interval and
 *   default-close anchors, docs/adr/0007), projected with the records they sign, so an auditor can
 *   ask the read API which heads to pin.
 * The positions before this migration did not say which namespace they came from, so they and every
 * read model are emptied: read models are projections, and each service re-projects its journal from
 * seq 0 at its next start.
 */
export class NamespacedReadModels1795651200000 implements MigrationInterface {
  readonly name = 'NamespacedReadModels1795651200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`TRUNCATE account_read_model, fund_balance_read_model, parameter_read_model, default_case, read_model_position`);
    await queryRunner.query(`
      CREATE TABLE read_model_owner (
        singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
        namespace  text        NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE read_model_position ADD COLUMN journal_topic text NOT NULL`);
    await queryRunner.query(`ALTER TABLE read_model_position DROP CONSTRAINT read_model_position_pkey`);
    await queryRunner.query(`ALTER TABLE read_model_position ADD CONSTRAINT read_model_position_pkey PRIMARY KEY (journal_topic, producer)`);
    await queryRunner.query(`
      CREATE TABLE journal_anchor (
        journal_topic text   NOT NULL,
        producer      text   NOT NULL CHECK (producer IN ('margin', 'liquidation', 'default-fund', 'loss-allocation')),
        seq           bigint NOT NULL CHECK (seq >= 0),
        hash          text   NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        signature     text   NOT NULL,
        reason        text   NOT NULL CHECK (reason IN ('interval', 'default-closed', 'head')),
        default_id    text,
        occurred_at   text   NOT NULL,
        PRIMARY KEY (journal_topic, producer, seq),
        CHECK ((reason = 'default-closed') = (default_id IS NOT NULL))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE journal_anchor`);
    await queryRunner.query(`TRUNCATE account_read_model, fund_balance_read_model, parameter_read_model, default_case, read_model_position`);
    await queryRunner.query(`ALTER TABLE read_model_position DROP CONSTRAINT read_model_position_pkey`);
    await queryRunner.query(`ALTER TABLE read_model_position DROP COLUMN journal_topic`);
    await queryRunner.query(`ALTER TABLE read_model_position ADD CONSTRAINT read_model_position_pkey PRIMARY KEY (producer)`);
    await queryRunner.query(`DROP TABLE read_model_owner`);
  }
}
