import type { z } from 'zod';
import type {
  AllocationBasisCapturedPayload,
  AllocationBasisRequestedPayload,
  Command,
  DomainEvent,
  MARGIN_COMMAND_SCHEMAS,
  MARGIN_EVENT_SCHEMAS,
  MaintenanceBreachedPayload,
  MarginTier,
} from '@ccp/contracts';
import type { LiquidationPriceIndex } from './liquidation-price.index';

type CommandSchemas = typeof MARGIN_COMMAND_SCHEMAS;
type EventSchemas = typeof MARGIN_EVENT_SCHEMAS;

export type MarginCommand = { [K in keyof CommandSchemas]: Command<K, z.infer<CommandSchemas[K]>> }[keyof CommandSchemas];
export type MarginCommandOf<K extends MarginCommand['type']> = Extract<MarginCommand, { type: K }>;

type MarginOwnEvent = { [K in keyof EventSchemas]: DomainEvent<K, z.infer<EventSchemas[K]>> }[keyof EventSchemas];
export type MarginEvent =
  | MarginOwnEvent
  | DomainEvent<'MaintenanceBreached', MaintenanceBreachedPayload>
  | DomainEvent<'AllocationBasisCaptured', AllocationBasisCapturedPayload>;
export type MarginEventOf<K extends MarginEvent['type']> = Extract<MarginEvent, { type: K }>;

/**
 * One notional bracket of an instrument's margin schedule, in fixed-point units (fixed-point.util.ts).
 * Brackets are incremental: rate i applies to the notional in [floor i, floor i+1).
 */
export interface Bracket {
  /** notional where the bracket starts, fine units (bracket 0 starts at 0) */
  readonly floorFine: bigint;
  readonly initialRate: bigint;
  readonly maintenanceRate: bigint;
  /** requirement of the notional below floorFine, superFine units */
  readonly initialBelowSuperFine: bigint;
  readonly maintenanceBelowSuperFine: bigint;
}

export interface MarginParameters {
  readonly initialMarginRate: string;
  readonly maintenanceMarginRate: string;
  readonly tiers: readonly MarginTier[];
}

/** Configured maxima of an instrument (contracts' instrumentLimitFields); null = no limit. */
export interface InstrumentLimits {
  /** qty units: the largest quantity of one trade */
  readonly maxQuantity: bigint | null;
  /** price units: the highest price of a trade or a mark */
  readonly maxPrice: bigint | null;
}

export interface InstrumentState {
  readonly instrumentId: string;
  /** size units */
  readonly contractSize: bigint;
  /** canonical text of the parameters in force (as in the last InstrumentListed / MarginParametersSet) */
  parameters: MarginParameters;
  /** the limits in force (as in the last InstrumentListed / MarginParametersSet) */
  limits: InstrumentLimits;
  brackets: readonly Bracket[];
  /** price units; null until the first mark */
  markPrice: bigint | null;
  markSeq: number | null;
  /** price units; values positions until the first mark */
  lastTradePrice: bigint | null;
  /** every account with a position in this instrument */
  readonly holders: Set<AccountState>;
  /** accounts with this and at least one other position (cross-margined): checked directly on a mark */
  readonly crossHolders: Set<AccountState>;
  /** single-position, not pending, not defaulted accounts, by liquidation-price bound */
  readonly longIndex: LiquidationPriceIndex;
  readonly shortIndex: LiquidationPriceIndex;
}

/** The numbers of a position, without its bookkeeping (also used for what-if books in decide). */
export interface PositionFigures {
  readonly instrument: InstrumentState;
  /** qty units, signed: > 0 long, < 0 short, never 0 while held */
  readonly quantity: bigint;
  /** Σ |fill quantity| × fill price of the open quantity, qty × price units: exact, never rounded */
  readonly entryCost: bigint;
}

export interface PositionState extends PositionFigures {
  quantity: bigint;
  entryCost: bigint;
}

/** Cash and positions: what margin figures are computed from. */
export interface Book {
  /** cents: collateral plus realized PnL minus fees and charges */
  readonly cash: bigint;
  readonly positions: readonly PositionFigures[];
}

export interface AccountState extends Book {
  readonly accountId: string;
  readonly memberId: string;
  /** open order, from 0: the tie-break of the liquidation-price index */
  readonly ordinal: number;
  cash: bigint;
  /** cents deposited minus withdrawn (the variation-margin gain is equity − netDeposits) */
  netDeposits: bigint;
  positions: PositionState[];
  liquidationPending: boolean;
  defaulted: boolean;
  /** the index holding this account and its key there, or null */
  indexedIn: LiquidationPriceIndex | null;
  indexKey: number;
}

export interface MarginState {
  readonly members: Set<string>;
  readonly accounts: Map<string, AccountState>;
  readonly instruments: Map<string, InstrumentState>;
  readonly tradeIds: Set<string>;
  /** per default: the marks captured with its allocation basis (price units) */
  readonly basisMarks: Map<string, ReadonlyMap<string, bigint>>;
  /** defaults whose LossAllocated was applied */
  readonly appliedAllocations: Set<string>;
  /** breaches margin raised whose liquidation has not completed yet (by breachId) */
  readonly breachesOutstanding: Set<string>;
  /** basis requests waiting for the outstanding breaches to resolve, in arrival order */
  readonly deferredBases: AllocationBasisRequestedPayload[];
  nextOrdinal: number;
}
