import type {
  AccountOpenedPayload,
  AccountWrittenOffPayload,
  AllocationBasisCapturedPayload,
  CollateralDepositedPayload,
  CollateralWithdrawnPayload,
  EventEnvelope,
  LiquidationFillAppliedPayload,
  LossAllocationAppliedPayload,
  MaintenanceBreachedPayload,
  MarginPositionAfter,
  TradeAppliedPayload,
} from '@ccp/contracts';
import { canonicalDecimal, Decimal } from '@ccp/money';
import { AccountReadModelEntity, type AccountPositionRow, type AccountStatus } from '@ccp/persistence';
import { In, type EntityManager } from 'typeorm';
import { bulkUpsert, chunks, ColumnSpec, RowCache } from './bulk-upsert.sql';
import { DefaultCaseStore } from './default-case.store';
import type { Projector } from './projector';

interface AccountRow {
  accountId: string;
  memberId: string;
  status: AccountStatus;
  cashBalance: string;
  netDeposits: string;
  realizedPnl: string;
  equity: string | null;
  statedEquity: string | null;
  statedEquitySeq: string | null;
  positions: AccountPositionRow[];
  lastBreachId: string | null;
  defaultId: string | null;
  journalSeq: string;
}

const ACCOUNT_COLUMNS: readonly ColumnSpec<AccountRow>[] = [
  { property: 'accountId', column: 'account_id', sqlType: 'text' },
  { property: 'memberId', column: 'member_id', sqlType: 'text' },
  { property: 'status', column: 'status', sqlType: 'text' },
  { property: 'cashBalance', column: 'cash_balance', sqlType: 'numeric' },
  { property: 'netDeposits', column: 'net_deposits', sqlType: 'numeric' },
  { property: 'realizedPnl', column: 'realized_pnl', sqlType: 'numeric' },
  { property: 'equity', column: 'equity', sqlType: 'numeric' },
  { property: 'statedEquity', column: 'stated_equity', sqlType: 'numeric' },
  { property: 'statedEquitySeq', column: 'stated_equity_seq', sqlType: 'bigint' },
  { property: 'positions', column: 'positions', sqlType: 'jsonb' },
  { property: 'lastBreachId', column: 'last_breach_id', sqlType: 'text' },
  { property: 'defaultId', column: 'default_id', sqlType: 'text' },
  { property: 'journalSeq', column: 'journal_seq', sqlType: 'bigint' },
];

const add = (a: string, b: string): string => canonicalDecimal(new Decimal(a).plus(b));
const sub = (a: string, b: string): string => canonicalDecimal(new Decimal(a).minus(b));
const byInstrument = (a: AccountPositionRow, b: AccountPositionRow): number => (a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0);

function withPosition(positions: readonly AccountPositionRow[], instrumentId: string, after: MarginPositionAfter): AccountPositionRow[] {
  const others = positions.filter((p) => p.instrumentId !== instrumentId);
  if (after === null) return others;
  return [...others, { instrumentId, side: after.side, quantity: after.quantity, entryPrice: after.entryPrice }].sort(byInstrument);
}

/** An allocation close reduces the position by the quantity closed; the entry price stays. */
function reducePosition(positions: readonly AccountPositionRow[], instrumentId: string, quantityClosed: string, where: string): AccountPositionRow[] {
  const current = positions.find((p) => p.instrumentId === instrumentId);
  if (current === undefined) throw new Error(`${where}: closes ${instrumentId}, which the account read model holds no position in`);
  const left = new Decimal(current.quantity).minus(quantityClosed);
  if (left.isNegative()) throw new Error(`${where}: closes ${quantityClosed} of ${instrumentId}, more than the ${current.quantity} held`);
  const others = positions.filter((p) => p.instrumentId !== instrumentId);
  return left.isZero() ? others : [...others, { ...current, quantity: canonicalDecimal(left) }].sort(byInstrument);
}

export const MARGIN_PROJECTED_TYPES = [
  'AccountOpened',
  'CollateralDeposited',
  'CollateralWithdrawn',
  'TradeApplied',
  'MaintenanceBreached',
  'LiquidationFillApplied',
  'AccountWrittenOff',
  'AllocationBasisCaptured',
  'LossAllocationApplied',
  'CommandRejected',
] as const;

/** Event types of this journal the read models do not need (they change nothing projected here). */
export const MARGIN_NOT_PROJECTED_TYPES = ['MemberRegistered', 'InstrumentListed', 'MarginParametersSet', 'MarkPriceApplied', 'BreachResolved', 'AllocationBasisDeferred'] as const;

/** margin's journal → account_read_model and margin's part of each default case. */
export class MarginProjector implements Projector {
  private readonly accounts: RowCache<AccountRow>;
  private readonly cases: DefaultCaseStore<'margin'>;

  constructor(private readonly manager: EntityManager) {
    this.accounts = new RowCache((keys) => this.loadAccounts(keys));
    this.cases = new DefaultCaseStore(manager, 'margin');
  }

  private async loadAccounts(keys: readonly string[]): Promise<Map<string, AccountRow>> {
    const found = new Map<string, AccountRow>();
    for (const chunk of chunks(keys)) {
      for (const e of await this.manager.findBy(AccountReadModelEntity, { accountId: In(chunk) })) {
        const { updatedAt: _updatedAt, ...row } = e;
        found.set(e.accountId, row);
      }
    }
    return found;
  }

  async prefetch(records: readonly EventEnvelope[]): Promise<void> {
    const ids = new Set<string>();
    for (const r of records) {
      if (r.kind !== 'event') continue;
      const p = r.payload as { accountId?: unknown; participants?: { accountId: string }[]; lines?: { accountId: string }[] };
      if (typeof p.accountId === 'string') ids.add(p.accountId);
      for (const x of p.participants ?? []) ids.add(x.accountId);
      for (const x of p.lines ?? []) ids.add(x.accountId);
    }
    await this.accounts.prefetch(ids);
    await this.cases.prefetch(records);
  }

  private async account(accountId: string, record: EventEnvelope): Promise<AccountRow> {
    const row = await this.accounts.get(accountId);
    if (row === undefined) throw new Error(`margin:${record.seq} ${record.type}: account ${accountId} was never opened in the read model`);
    return row;
  }

  /** Marks the row changed at this record and keeps `equity` honest: exact only when no position is open. */
  private touched(row: AccountRow, record: EventEnvelope): void {
    row.equity = row.positions.length === 0 ? row.cashBalance : null;
    row.journalSeq = String(record.seq);
    this.accounts.set(row.accountId, row);
  }

  async apply(record: EventEnvelope): Promise<void> {
    const c = await this.cases.touch(record);
    if (record.kind !== 'event') return;
    const where = `margin:${record.seq} ${record.type}`;
    switch (record.type as (typeof MARGIN_PROJECTED_TYPES)[number]) {
      case 'AccountOpened': {
        const p = record.payload as AccountOpenedPayload;
        const row: AccountRow = {
          accountId: p.accountId,
          memberId: p.memberId,
          status: 'open',
          cashBalance: '0',
          netDeposits: '0',
          realizedPnl: '0',
          equity: '0',
          statedEquity: null,
          statedEquitySeq: null,
          positions: [],
          lastBreachId: null,
          defaultId: null,
          journalSeq: String(record.seq),
        };
        this.touched(row, record);
        return;
      }
      case 'CollateralDeposited':
      case 'CollateralWithdrawn': {
        const p = record.payload as CollateralDepositedPayload | CollateralWithdrawnPayload;
        const row = await this.account(p.accountId, record);
        row.cashBalance = p.cashBalance;
        row.netDeposits = record.type === 'CollateralDeposited' ? add(row.netDeposits, p.amount) : sub(row.netDeposits, p.amount);
        this.touched(row, record);
        return;
      }
      case 'TradeApplied': {
        const p = record.payload as TradeAppliedPayload;
        const row = await this.account(p.accountId, record);
        row.cashBalance = p.cashBalance;
        row.realizedPnl = add(row.realizedPnl, p.realizedPnl);
        row.positions = withPosition(row.positions, p.instrumentId, p.position);
        if (row.status !== 'defaulted') row.status = 'open';
        this.touched(row, record);
        return;
      }
      case 'MaintenanceBreached': {
        const p = record.payload as MaintenanceBreachedPayload;
        const row = await this.account(p.accountId, record);
        row.lastBreachId = p.breachId;
        row.statedEquity = p.equity;
        row.statedEquitySeq = String(record.seq);
        this.touched(row, record);
        return;
      }
      case 'LiquidationFillApplied': {
        const p = record.payload as LiquidationFillAppliedPayload;
        const row = await this.account(p.accountId, record);
        row.cashBalance = p.cashBalance;
        row.realizedPnl = add(row.realizedPnl, p.realizedPnl);
        row.positions = withPosition(row.positions, p.instrumentId, p.position);
        if (row.positions.length === 0 && row.status !== 'defaulted') row.status = 'liquidated';
        this.touched(row, record);
        c?.part.fillsApplied.push({
          seq: record.seq,
          liquidationId: p.liquidationId,
          realizedPnl: p.realizedPnl,
          reportedRealizedPnl: p.reportedRealizedPnl,
          liquidationFee: p.liquidationFee,
          cashBalance: p.cashBalance,
        });
        return;
      }
      case 'AccountWrittenOff': {
        const p = record.payload as AccountWrittenOffPayload;
        const row = await this.account(p.accountId, record);
        row.cashBalance = '0';
        row.positions = [];
        row.status = 'defaulted';
        row.defaultId = p.defaultId;
        this.touched(row, record);
        if (c) c.part.writtenOff = { cashWrittenOff: p.cashWrittenOff, deficit: p.deficit, seq: record.seq };
        return;
      }
      case 'AllocationBasisCaptured': {
        const p = record.payload as AllocationBasisCapturedPayload;
        for (const participant of p.participants) {
          const row = await this.account(participant.accountId, record);
          row.statedEquity = participant.equity;
          row.statedEquitySeq = String(record.seq);
          this.touched(row, record);
        }
        if (c) c.part.basis = { seq: record.seq, participants: p.participants.length, marks: p.marks };
        return;
      }
      case 'LossAllocationApplied': {
        const p = record.payload as LossAllocationAppliedPayload;
        for (const line of p.lines) {
          const row = await this.account(line.accountId, record);
          row.cashBalance = line.cashBalance;
          row.realizedPnl = add(row.realizedPnl, line.realizedPnl);
          if (line.instrumentId !== undefined && line.quantityClosed !== undefined) {
            row.positions = reducePosition(row.positions, line.instrumentId, line.quantityClosed, where);
          }
          this.touched(row, record);
        }
        if (c) {
          c.part.applied = {
            seq: record.seq,
            policy: p.policy,
            totalCharged: p.totalCharged,
            lines: p.lines.map((l) => ({
              accountId: l.accountId,
              memberId: l.memberId,
              amount: l.amount,
              cashDebit: l.cashDebit,
              closeCharge: l.closeCharge,
              realizedPnl: l.realizedPnl,
              cashBalance: l.cashBalance,
              ...(l.instrumentId !== undefined ? { instrumentId: l.instrumentId } : {}),
              ...(l.side !== undefined ? { side: l.side } : {}),
              ...(l.quantityClosed !== undefined ? { quantityClosed: l.quantityClosed } : {}),
              ...(l.closePrice !== undefined ? { closePrice: l.closePrice } : {}),
            })),
          };
        }
        return;
      }
      default:
        // Known but without effect on these read models (NOT_PROJECTED), or new: the classification
        // unit test fails on an event type the contracts add until it is placed in one list or the other.
        return;
    }
  }

  async flush(): Promise<void> {
    const table = this.manager.getRepository(AccountReadModelEntity).metadata.tablePath;
    await bulkUpsert(this.manager, table, ['account_id'], ACCOUNT_COLUMNS, this.accounts.changed());
    await this.cases.flush();
  }
}
