import { PRODUCERS, type Producer } from '@ccp/contracts';
import { canonicalDecimal } from '@ccp/money';
import { AccountReadModelEntity, DefaultCaseEntity, FundBalanceReadModelEntity, ParameterReadModelEntity, ReadModelPositionEntity } from '@ccp/persistence';
import type { EntityManager } from 'typeorm';
import type { DefaultFundPart, LiquidationPart, LossAllocationPart, MarginPart, TimelineEntry } from '../projection/default-case.parts';
import {
  DEFAULT_PAGE_SIZE,
  type AccountView,
  type DefaultCaseView,
  type DefaultList,
  type DefaultSummary,
  type FundsView,
  type ListDefaultsQuery,
} from './read-model.views';

const money = (value: string): string => canonicalDecimal(value);
const moneyOrNull = (value: string | null): string | null => (value === null ? null : canonicalDecimal(value));
const seqOrNull = (value: string | null): number | null => (value === null ? null : Number(value));
const byId = <T>(key: (t: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export async function findAccount(manager: EntityManager, accountId: string): Promise<AccountView | null> {
  const row = await manager.findOneBy(AccountReadModelEntity, { accountId });
  if (row === null) return null;
  return {
    accountId: row.accountId,
    memberId: row.memberId,
    status: row.status,
    cashBalance: money(row.cashBalance),
    netDeposits: money(row.netDeposits),
    realizedPnl: money(row.realizedPnl),
    equity: moneyOrNull(row.equity),
    statedEquity: row.statedEquity === null ? null : { amount: money(row.statedEquity), journalSeq: Number(row.statedEquitySeq) },
    positions: row.positions.map((p) => ({ instrumentId: p.instrumentId, side: p.side, quantity: p.quantity, entryPrice: p.entryPrice })),
    lastBreachId: row.lastBreachId,
    defaultId: row.defaultId,
    journalSeq: Number(row.journalSeq),
  };
}

/** The default fund's balances as its read model holds them (the shape of the domain's fundBalances view). */
export async function readFunds(manager: EntityManager): Promise<FundsView> {
  const rows = await manager.find(FundBalanceReadModelEntity);
  const insurance = rows.find((r) => r.kind === 'insurance-fund');
  const members = rows.filter((r) => r.kind === 'member-contribution').sort(byId((r) => r.memberId!));
  const waterfall = await manager.findOneBy(ParameterReadModelEntity, { producer: 'default-fund', name: 'waterfall' });
  const position = await manager.findOneBy(ReadModelPositionEntity, { producer: 'default-fund' });
  return {
    insuranceFund: { balance: money(insurance?.balance ?? '0'), replenishmentDue: money(insurance?.replenishmentDue ?? '0') },
    skinInTheGame: rows
      .filter((r) => r.kind === 'skin-in-the-game')
      .sort(byId((r) => r.trancheId!))
      .map((r) => ({ trancheId: r.trancheId!, balance: money(r.balance), replenishmentDue: money(r.replenishmentDue) })),
    members: members.map((m) => ({
      memberId: m.memberId!,
      contribution: money(m.balance),
      requiredContribution: money(m.requiredContribution ?? '0'),
      replenishmentDue: money(m.replenishmentDue),
      assessedInPeriod: money(m.assessedInPeriod ?? '0'),
      defaulted: m.defaulted ?? false,
    })),
    totalContributions: await sumContributions(manager),
    waterfall: waterfall === null ? null : { preset: (waterfall.value['preset'] as string | null) ?? null, tranches: waterfall.value['tranches'] as Record<string, unknown>[] },
    journalSeq: position === null ? -1 : Number(position.nextSeq) - 1,
  };
}

async function sumContributions(manager: EntityManager): Promise<string> {
  const table = manager.getRepository(FundBalanceReadModelEntity).metadata.tablePath;
  const [row]: Array<{ total: string }> = await manager.query(`SELECT COALESCE(sum(balance), 0)::text AS total FROM ${table} WHERE kind = 'member-contribution'`);
  return money(row?.total ?? '0');
}

interface SummaryRow {
  default_id: string;
  account_id: string | null;
  member_id: string | null;
  declared_at: string | null;
  deficit: string | null;
  margin_applied: string | null;
  covered: string | null;
  residual: string | null;
  waterfall_outcome: 'DefaultCovered' | 'ResidualLossForwarded' | null;
  policy: string | null;
  allocated: string | null;
  unallocated: string | null;
  has_fills: boolean;
  applied: boolean;
}

const SUMMARY_COLUMNS = `default_id, account_id, member_id, declared_at, deficit::text AS deficit, margin_applied::text AS margin_applied,
  covered::text AS covered, residual::text AS residual, waterfall_outcome, policy, allocated::text AS allocated, unallocated::text AS unallocated,
  COALESCE(jsonb_array_length(liquidation->'fills') > 0, false) AS has_fills,
  COALESCE(jsonb_typeof(margin->'applied') = 'object', false) AS applied`;

function stageOf(row: Pick<SummaryRow, 'applied' | 'policy' | 'waterfall_outcome' | 'declared_at'>): DefaultSummary['stage'] {
  if (row.applied) return 'applied';
  if (row.policy !== null) return 'allocated';
  if (row.waterfall_outcome === 'DefaultCovered') return 'covered';
  if (row.waterfall_outcome === 'ResidualLossForwarded') return 'forwarded';
  if (row.declared_at !== null) return 'declared';
  return 'liquidating';
}

function summaryOf(row: SummaryRow, parts?: { defaultFund: DefaultFundPart | null; lossAllocation: LossAllocationPart | null }): DefaultSummary {
  // "as far as known": before liquidation's part arrives, the deficit is what the waterfall or loss allocation received
  const deficit = row.deficit ?? parts?.defaultFund?.deficit ?? parts?.lossAllocation?.deficit ?? null;
  return {
    defaultId: row.default_id,
    accountId: row.account_id,
    memberId: row.member_id,
    stage: stageOf(row),
    declaredAt: row.declared_at,
    deficit: moneyOrNull(deficit),
    marginApplied: moneyOrNull(row.margin_applied),
    covered: moneyOrNull(row.covered ?? parts?.lossAllocation?.covered ?? null),
    residual: moneyOrNull(row.residual ?? parts?.lossAllocation?.residual ?? null),
    policy: row.policy,
    allocated: moneyOrNull(row.allocated),
    unallocated: moneyOrNull(row.unallocated),
  };
}

export async function listDefaults(manager: EntityManager, query: ListDefaultsQuery): Promise<DefaultList> {
  const table = manager.getRepository(DefaultCaseEntity).metadata.tablePath;
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const offset = query.offset ?? 0;
  const where = `($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR member_id = $2)`;
  const filters = [query.accountId ?? null, query.memberId ?? null];
  const rows: SummaryRow[] = await manager.query(`SELECT ${SUMMARY_COLUMNS} FROM ${table} WHERE ${where} ORDER BY default_id LIMIT $3 OFFSET $4`, [...filters, limit, offset]);
  const [count]: Array<{ total: string }> = await manager.query(`SELECT count(*)::text AS total FROM ${table} WHERE ${where}`, filters);
  return { items: rows.map((r) => summaryOf(r)), total: Number(count?.total ?? 0), limit, offset };
}

const PRODUCER_ORDER = new Map(PRODUCERS.map((p, i) => [p, i]));

/** Across journals by occurredAt; within one instant, journal order, then seq (as the audit's case file). */
function mergeTimelines(parts: readonly (readonly TimelineEntry[])[]): TimelineEntry[] {
  return parts
    .flat()
    .sort(
      (a, b) =>
        (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0) ||
        PRODUCER_ORDER.get(a.journal)! - PRODUCER_ORDER.get(b.journal)! ||
        a.seq - b.seq,
    );
}

/** The case of one default assembled from the four parts, as far as each journal has been projected. */
export async function findDefaultCase(manager: EntityManager, defaultId: string): Promise<DefaultCaseView | null> {
  const table = manager.getRepository(DefaultCaseEntity).metadata.tablePath;
  const rows: Array<
    SummaryRow & {
      liquidation: LiquidationPart | null;
      default_fund: DefaultFundPart | null;
      loss_allocation: LossAllocationPart | null;
      margin: MarginPart | null;
      liquidation_seq: string | null;
      default_fund_seq: string | null;
      loss_allocation_seq: string | null;
      margin_seq: string | null;
    }
  > = await manager.query(
    `SELECT ${SUMMARY_COLUMNS}, liquidation, default_fund, loss_allocation, margin,
            liquidation_seq::text AS liquidation_seq, default_fund_seq::text AS default_fund_seq,
            loss_allocation_seq::text AS loss_allocation_seq, margin_seq::text AS margin_seq
       FROM ${table} WHERE default_id = $1`,
    [defaultId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  const { liquidation: l, default_fund: f, loss_allocation: a, margin: m } = row;
  const partsByJournal: Array<[Producer, { timeline: TimelineEntry[]; rejections: MarginPart['rejections'] } | null]> = [
    ['margin', m],
    ['liquidation', l],
    ['default-fund', f],
    ['loss-allocation', a],
  ];
  return {
    ...summaryOf(row, { defaultFund: f, lossAllocation: a }),
    liquidation: l === null ? null : { positions: l.positions, fills: l.fills.map((x) => ({ ...x })), completion: l.completion === null ? null : { ...l.completion } },
    waterfall:
      f === null
        ? null
        : {
            outcome: f.outcome,
            tranches: [...f.tranches].sort((x, y) => x.order - y.order).map((x) => ({ ...x })),
            assessments: f.assessments.map((x) => ({ ...x })),
            replenishments: f.replenishments.map((x) => ({ ...x })),
          },
    allocation:
      a === null
        ? null
        : {
            basisRequested: a.basisRequested,
            policy: a.policy,
            residual: a.residual,
            allocations: a.allocations.map((x) => ({ ...x })),
            totalCharged: a.totalCharged,
            unallocated: a.unallocated,
            fairness: a.fairness === null ? null : { ...a.fairness },
          },
    margin: m === null ? null : { fillsApplied: m.fillsApplied.map((x) => ({ ...x })), writtenOff: m.writtenOff, basis: m.basis, applied: m.applied === null ? null : { ...m.applied } },
    rejections: partsByJournal.flatMap(([journal, part]) => (part?.rejections ?? []).map((r) => ({ journal, ...r }))),
    timeline: mergeTimelines(partsByJournal.map(([, part]) => part?.timeline ?? [])),
    known: {
      margin: seqOrNull(row.margin_seq),
      liquidation: seqOrNull(row.liquidation_seq),
      'default-fund': seqOrNull(row.default_fund_seq),
      'loss-allocation': seqOrNull(row.loss_allocation_seq),
    },
  };
}
