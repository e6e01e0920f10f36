import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AccountStatus = 'open' | 'liquidated' | 'defaulted';

/** One open position as margin's journal last stated it (amounts and prices as decimal strings). */
export interface AccountPositionRow {
  readonly instrumentId: string;
  readonly side: 'long' | 'short';
  readonly quantity: string;
  /** average entry price, as margin states it (half-even to 8 decimals) */
  readonly entryPrice: string;
}

/** Margin's view of one account, for queries. Amounts are numeric in SQL and strings here. */
@Entity({ name: 'account_read_model' })
export class AccountReadModelEntity {
  @PrimaryColumn({ name: 'account_id', type: 'text' })
  accountId!: string;

  @Column({ name: 'member_id', type: 'text' })
  memberId!: string;

  /** open; liquidated (every position closed by liquidation); defaulted (written off, terminal) */
  @Column({ type: 'text' })
  status!: AccountStatus;

  /** collateral plus realized PnL minus fees and charges */
  @Column({ name: 'cash_balance', type: 'numeric' })
  cashBalance!: string;

  /** deposits minus withdrawals */
  @Column({ name: 'net_deposits', type: 'numeric' })
  netDeposits!: string;

  /** Σ realized PnL of trades, liquidation fills and allocation closes */
  @Column({ name: 'realized_pnl', type: 'numeric' })
  realizedPnl!: string;

  /** exact current equity where the journal makes it derivable (no open position: equity = cash), else null */
  @Column({ type: 'numeric', nullable: true })
  equity!: string | null;

  /** the equity margin last stated (breach, allocation basis) and the journal seq that stated it */
  @Column({ name: 'stated_equity', type: 'numeric', nullable: true })
  statedEquity!: string | null;

  @Column({ name: 'stated_equity_seq', type: 'bigint', nullable: true })
  statedEquitySeq!: string | null;

  /** sorted by instrument id */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  positions!: AccountPositionRow[];

  @Column({ name: 'last_breach_id', type: 'text', nullable: true })
  lastBreachId!: string | null;

  @Column({ name: 'default_id', type: 'text', nullable: true })
  defaultId!: string | null;

  /** the journal seq this row reflects */
  @Column({ name: 'journal_seq', type: 'bigint' })
  journalSeq!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
