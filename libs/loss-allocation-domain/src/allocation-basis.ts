import type { AllocationBasisCapturedPayload, DefaultedPosition, Side } from '@ccp/contracts';
import { AllocationInputError, compareIds, parseAmount, parseContractSize, parsePrice, parseQuantity, valueOf } from './fixed-point';

/**
 * The allocation basis in bigint fixed point, parsed once (design.md §7): amounts in cents,
 * prices/quantities/contract sizes at scale 8. Accounts are sorted by accountId, so every policy
 * sees the same order whatever order margin captured them in.
 */
export interface BasisPosition {
  readonly instrumentId: string;
  readonly side: Side;
  readonly quantity: bigint;
  readonly entryPrice: bigint;
  readonly markPrice: bigint;
  readonly contractSize: bigint;
  /** cents */
  readonly unrealizedPnl: bigint;
  /** cents */
  readonly maintenanceMargin: bigint;
}

export interface BasisAccount {
  /** position in `AllocationBasis.accounts` (accountId order) */
  readonly index: number;
  readonly accountId: string;
  readonly memberId: string;
  /** cents: collateral plus realized PnL */
  readonly cashBalance: bigint;
  /** cents: cash plus unrealized PnL */
  readonly equity: bigint;
  /** cents: realized + unrealized PnL of the current settlement cycle */
  readonly variationMarginGain: bigint;
  /** cents: Σ unrealized PnL of the open positions */
  readonly unrealizedPnl: bigint;
  /** cents: Σ maintenance margin required */
  readonly maintenanceMargin: bigint;
  /**
   * cents: the account's *profit*, the most a profit-based policy may take:
   * max(0, min(Σ unrealized PnL, equity)). Unrealized PnL is what the account gained on its open
   * positions; capping at equity keeps a haircut from ever turning the account negative.
   */
  readonly profit: bigint;
  readonly positions: readonly BasisPosition[];
}

/** One account's position on one instrument. */
export interface Holding {
  readonly account: BasisAccount;
  readonly position: BasisPosition;
}

export interface AllocationBasis {
  readonly defaultId: string;
  /** marks in force at capture, by instrument (scale 8) */
  readonly marks: ReadonlyMap<string, bigint>;
  readonly accounts: readonly BasisAccount[];
  readonly byAccountId: ReadonlyMap<string, BasisAccount>;
  /** holdings of an instrument, both sides, in accountId order */
  holdings(instrumentId: string): readonly Holding[];
}

/** A defaulted position in fixed point. `bankruptcyPrice` may be ≤ 0 (then nothing closes at it). */
export interface DefaultedPositionInput {
  readonly instrumentId: string;
  readonly side: Side;
  readonly quantity: bigint;
  readonly markPrice: bigint;
  readonly bankruptcyPrice: bigint;
  readonly contractSize: bigint;
}

export interface PrepareBasisOptions {
  /** the defaulter: dropped if margin included it (the basis is requested without it) */
  readonly excludeAccountId?: string;
  /** prefix of error paths, e.g. 'payload' */
  readonly path?: string;
}

/** Parses and indexes a captured basis; throws AllocationInputError naming the offending field. */
export function prepareBasis(payload: AllocationBasisCapturedPayload, options: PrepareBasisOptions = {}): AllocationBasis {
  const base = options.path ?? 'payload';
  const marks = new Map<string, bigint>();
  for (const [instrumentId, mark] of Object.entries(payload.marks)) marks.set(instrumentId, parsePrice(mark, `${base}.marks.${instrumentId}`));

  const parsed: { -readonly [K in keyof BasisAccount]: BasisAccount[K] }[] = [];
  const seen = new Set<string>();
  payload.participants.forEach((p, i) => {
    const at = `${base}.participants[${i}]`;
    if (seen.has(p.accountId)) throw new AllocationInputError('malformed', `${at}.accountId`, `account ${p.accountId} appears twice in the basis`);
    seen.add(p.accountId);
    if (p.accountId === options.excludeAccountId) return;
    const cashBalance = parseAmount(p.cashBalance, `${at}.cashBalance`);
    const equity = parseAmount(p.equity, `${at}.equity`);
    const variationMarginGain = parseAmount(p.variationMarginGain, `${at}.variationMarginGain`);
    const instruments = new Set<string>();
    let unrealizedPnl = 0n;
    let maintenanceMargin = 0n;
    const positions = p.positions.map((pos, j): BasisPosition => {
      const pat = `${at}.positions[${j}]`;
      if (instruments.has(pos.instrumentId)) throw new AllocationInputError('malformed', `${pat}.instrumentId`, `two positions on ${pos.instrumentId}`);
      instruments.add(pos.instrumentId);
      const position: BasisPosition = {
        instrumentId: pos.instrumentId,
        side: pos.side,
        quantity: parseQuantity(pos.quantity, `${pat}.quantity`),
        entryPrice: parsePrice(pos.entryPrice, `${pat}.entryPrice`),
        markPrice: parsePrice(pos.markPrice, `${pat}.markPrice`),
        contractSize: parseContractSize(pos.contractSize, `${pat}.contractSize`),
        unrealizedPnl: parseAmount(pos.unrealizedPnl, `${pat}.unrealizedPnl`),
        maintenanceMargin: parseAmount(pos.maintenanceMarginRequired, `${pat}.maintenanceMarginRequired`),
      };
      if (position.quantity <= 0n || position.entryPrice <= 0n || position.markPrice <= 0n || position.contractSize <= 0n) {
        throw new AllocationInputError('invalid_amount', pat, 'quantity, prices and contract size must be greater than zero');
      }
      unrealizedPnl += position.unrealizedPnl;
      maintenanceMargin += position.maintenanceMargin;
      return position;
    });
    const cap = unrealizedPnl < equity ? unrealizedPnl : equity;
    parsed.push({
      index: 0,
      accountId: p.accountId,
      memberId: p.memberId,
      cashBalance,
      equity,
      variationMarginGain,
      unrealizedPnl,
      maintenanceMargin,
      profit: cap > 0n ? cap : 0n,
      positions,
    });
  });
  parsed.sort((a, b) => compareIds(a.accountId, b.accountId));
  parsed.forEach((a, index) => {
    a.index = index;
  });
  const accounts: readonly BasisAccount[] = parsed;
  const byAccountId = new Map<string, BasisAccount>();
  const byInstrument = new Map<string, Holding[]>();
  for (const account of accounts) {
    byAccountId.set(account.accountId, account);
    for (const position of account.positions) {
      let list = byInstrument.get(position.instrumentId);
      if (list === undefined) {
        list = [];
        byInstrument.set(position.instrumentId, list);
      }
      list.push({ account, position });
    }
  }
  const none: readonly Holding[] = [];
  return {
    defaultId: payload.defaultId,
    marks,
    accounts,
    byAccountId,
    holdings: (instrumentId) => byInstrument.get(instrumentId) ?? none,
  };
}

/** Parses the defaulted positions; two positions on one instrument are malformed. */
export function prepareDefaultedPositions(positions: readonly DefaultedPosition[], path = 'payload.positions'): DefaultedPositionInput[] {
  const seen = new Set<string>();
  return positions.map((p, i) => {
    const at = `${path}[${i}]`;
    if (seen.has(p.instrumentId)) throw new AllocationInputError('malformed', `${at}.instrumentId`, `two defaulted positions on ${p.instrumentId}`);
    seen.add(p.instrumentId);
    const input: DefaultedPositionInput = {
      instrumentId: p.instrumentId,
      side: p.side,
      quantity: parseQuantity(p.quantity, `${at}.quantity`),
      markPrice: parsePrice(p.markPrice, `${at}.markPrice`),
      bankruptcyPrice: parsePrice(p.bankruptcyPrice, `${at}.bankruptcyPrice`),
      contractSize: parseContractSize(p.contractSize, `${at}.contractSize`),
    };
    if (input.quantity <= 0n || input.markPrice <= 0n || input.contractSize <= 0n) {
      throw new AllocationInputError('invalid_amount', at, 'quantity, mark price and contract size must be greater than zero');
    }
    return input;
  });
}

/**
 * What one defaulted position leaves to absorb, priced at the mark in force at capture
 * (`basis.marks`, else the mark carried by the default):
 * - `lossPerContract` (scale 16: price × contract size) = how far the mark is beyond the
 *   bankruptcy price — B − M for a defaulted long, M − B for a short; 0 when the mark is on the
 *   solvent side or B ≤ 0 (nothing can close at a non-positive price);
 * - `loss` (cents × 10^22) = lossPerContract × quantity: the deficit this position carries at the mark.
 */
export interface DefaultedExposure {
  readonly position: DefaultedPositionInput;
  readonly mark: bigint;
  readonly lossPerContract: bigint;
  readonly loss: bigint;
  /** quantity × mark × contract size (cents × 10^22) */
  readonly notional: bigint;
}

export function exposuresOf(basis: AllocationBasis, positions: readonly DefaultedPositionInput[]): DefaultedExposure[] {
  const seen = new Set<string>();
  return [...positions]
    .sort((a, b) => compareIds(a.instrumentId, b.instrumentId))
    .map((position) => {
      if (seen.has(position.instrumentId)) throw new AllocationInputError('malformed', 'positions', `two defaulted positions on ${position.instrumentId}`);
      seen.add(position.instrumentId);
      const mark = basis.marks.get(position.instrumentId) ?? position.markPrice;
      const beyond = position.side === 'long' ? position.bankruptcyPrice - mark : mark - position.bankruptcyPrice;
      const lossPerContract = position.bankruptcyPrice > 0n && beyond > 0n ? beyond * position.contractSize : 0n;
      return {
        position,
        mark,
        lossPerContract,
        loss: lossPerContract * position.quantity,
        notional: valueOf(position.quantity, mark, position.contractSize),
      };
    });
}
