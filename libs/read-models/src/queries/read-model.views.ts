import { z } from 'zod';

/**
 * What the read API returns, as zod schemas: one source for the TypeScript types, the OpenAPI
 * document (z.toJSONSchema) and the tests that check responses against it. Amounts are canonical
 * decimal strings (USD), never numbers.
 */

const amount = z.string().regex(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/, 'a canonical decimal string');
const seq = z.number().int().nonnegative();
const side = z.enum(['long', 'short']);
const producer = z.enum(['margin', 'liquidation', 'default-fund', 'loss-allocation']);

export const accountPositionSchema = z.object({ instrumentId: z.string(), side, quantity: amount, entryPrice: amount }).strict();

export const accountViewSchema = z
  .object({
    accountId: z.string(),
    memberId: z.string(),
    status: z.enum(['open', 'liquidated', 'defaulted']).describe('liquidated: every position closed by liquidation; defaulted: written off'),
    cashBalance: amount.describe('collateral plus realized PnL minus fees and charges'),
    netDeposits: amount.describe('deposits minus withdrawals'),
    realizedPnl: amount,
    equity: amount.nullable().describe('exact current equity where derivable from the journal (no open position: equity = cash), else null'),
    statedEquity: z
      .object({ amount, journalSeq: seq })
      .strict()
      .nullable()
      .describe('the equity margin last stated (at a breach or an allocation basis) and the margin journal seq that stated it'),
    positions: z.array(accountPositionSchema),
    lastBreachId: z.string().nullable(),
    defaultId: z.string().nullable(),
    journalSeq: seq.describe('the margin journal seq this account reflects'),
  })
  .strict();
export type AccountView = z.infer<typeof accountViewSchema>;

export const fundsViewSchema = z
  .object({
    insuranceFund: z.object({ balance: amount, replenishmentDue: amount }).strict(),
    skinInTheGame: z.array(z.object({ trancheId: z.string(), balance: amount, replenishmentDue: amount }).strict()),
    members: z.array(
      z
        .object({
          memberId: z.string(),
          contribution: amount,
          requiredContribution: amount,
          replenishmentDue: amount,
          assessedInPeriod: amount,
          defaulted: z.boolean(),
        })
        .strict(),
    ),
    totalContributions: amount,
    waterfall: z.object({ preset: z.string().nullable(), tranches: z.array(z.record(z.string(), z.unknown())) }).strict().nullable(),
    journalSeq: z.number().int().min(-1).describe('the default-fund journal seq the balances reflect (-1: none yet)'),
  })
  .strict();
export type FundsView = z.infer<typeof fundsViewSchema>;

export const anchorListSchema = z
  .object({
    anchors: z
      .array(
        z
          .object({
            journal: z.enum(['margin', 'liquidation', 'default-fund', 'loss-allocation']),
            seq: z.number().int().min(0),
            hash: z.string().regex(/^[0-9a-f]{64}$/),
            signature: z.string().describe("base64url Ed25519 signature by the journal's owner of `ccp.journal-head.v1\\n<journal>\\n<seq>\\n<hash>`"),
            reason: z.enum(['interval', 'default-closed', 'head']),
            defaultId: z.string().nullable(),
            occurredAt: z.string(),
          })
          .strict(),
      )
      .describe('the latest anchor of each journal, in journal order; pin them with `ccp audit verify --expect-head journal=hash@seq`'),
  })
  .strict();
export type AnchorList = z.infer<typeof anchorListSchema>;

export const DEFAULT_STAGES = ['liquidating', 'declared', 'forwarded', 'covered', 'allocated', 'applied'] as const;
const stage = z
  .enum(DEFAULT_STAGES)
  .describe(
    'furthest step known: liquidating (fills only), declared (AccountDefaulted), forwarded (residual sent to loss allocation), covered (funds covered it all), allocated (LossAllocated), applied (margin applied the charges)',
  );

const timelineEntry = z.object({ journal: producer, seq, id: z.string(), kind: z.enum(['input', 'event']), type: z.string(), occurredAt: z.string() }).strict();
const rejectionEntry = z.object({ journal: producer, seq, commandType: z.string(), code: z.string(), path: z.string(), message: z.string() }).strict();
const loose = z.record(z.string(), z.unknown());

export const defaultSummarySchema = z
  .object({
    defaultId: z.string(),
    accountId: z.string().nullable(),
    memberId: z.string().nullable(),
    stage,
    declaredAt: z.string().nullable(),
    deficit: amount.nullable(),
    marginApplied: amount.nullable(),
    covered: amount.nullable(),
    residual: amount.nullable(),
    policy: z.string().nullable(),
    allocated: amount.nullable(),
    unallocated: amount.nullable(),
  })
  .strict();
export type DefaultSummary = z.infer<typeof defaultSummarySchema>;

export const defaultCaseViewSchema = defaultSummarySchema
  .extend({
    liquidation: z
      .object({ positions: z.array(loose), fills: z.array(loose), completion: loose.nullable() })
      .strict()
      .nullable()
      .describe("liquidation's part: the close-out fills and the positions at the default"),
    waterfall: z
      .object({
        outcome: z.enum(['DefaultCovered', 'ResidualLossForwarded']).nullable(),
        tranches: z.array(loose),
        assessments: z.array(loose),
        replenishments: z.array(loose),
      })
      .strict()
      .nullable()
      .describe("the default fund's part: each tranche reached, assessments, replenishment calls"),
    allocation: z
      .object({
        basisRequested: z.boolean(),
        policy: z.string().nullable(),
        residual: amount.nullable(),
        allocations: z.array(loose),
        totalCharged: amount.nullable(),
        unallocated: amount.nullable(),
        fairness: loose.nullable(),
      })
      .strict()
      .nullable()
      .describe("loss allocation's part: the policy, what each participant was charged, fairness figures"),
    margin: z
      .object({ fillsApplied: z.array(loose), writtenOff: loose.nullable(), basis: loose.nullable(), applied: loose.nullable() })
      .strict()
      .nullable()
      .describe("margin's part: fills applied, the write-off, the allocation basis captured, the charges applied"),
    rejections: z.array(rejectionEntry),
    timeline: z.array(timelineEntry).describe('every record of this default across the journals, by occurredAt, then journal, then seq'),
    known: z.object({ margin: seq.nullable(), liquidation: seq.nullable(), 'default-fund': seq.nullable(), 'loss-allocation': seq.nullable() }).strict().describe('the journal seq each part reflects (null: that journal has said nothing about this default yet)'),
  })
  .strict();
export type DefaultCaseView = z.infer<typeof defaultCaseViewSchema>;

export const defaultListSchema = z.object({ items: z.array(defaultSummarySchema), total: z.number().int().nonnegative(), limit: z.number().int(), offset: z.number().int() }).strict();
export type DefaultList = z.infer<typeof defaultListSchema>;

export const MAX_PAGE_SIZE = 100;

/** GET /defaults query: strings in, validated and typed out; unknown parameters are refused. */
export const listDefaultsQuerySchema = z
  .object({
    limit: z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`))
      .optional()
      .describe(`page size, 1–${MAX_PAGE_SIZE} (default 20)`),
    offset: z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(0).max(1_000_000_000, 'must be at most 1000000000'))
      .optional()
      .describe('defaults to skip, in default id order (default 0)'),
    accountId: z.string().min(1).max(200).optional().describe('only the defaults of this account'),
    memberId: z.string().min(1).max(200).optional().describe("only the defaults of this member's accounts"),
  })
  .strict();
export type ListDefaultsQuery = z.infer<typeof listDefaultsQuerySchema>;
export const DEFAULT_PAGE_SIZE = 20;
