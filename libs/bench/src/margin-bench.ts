import { SeededRandom } from '@ccp/engine';
import { findBreaches, marginDecider, naiveScanBreaches, type MarginCommand, type MarginState } from '@ccp/margin-domain';
import { Decimal, canonicalDecimal } from '@ccp/money';
import { collectGarbage, median, timeMs } from './timing';

const META = { occurredAt: '2025-10-10T20:00:00Z', correlationId: null } as const;
const INSTRUMENT = 'BTC-PERP';
const ENTRY = 60_000;
const MMR = 0.025;
const REPEATS = 5;

function cmd(type: MarginCommand['type'], payload: unknown): MarginCommand {
  return { type, payload, meta: META } as MarginCommand;
}

function apply(state: MarginState, c: MarginCommand): void {
  const decision = marginDecider.decide(c, state);
  if (decision.kind === 'rejected') throw new Error(`${c.type} rejected: ${decision.rejection.code} at ${decision.rejection.path}: ${decision.rejection.message}`);
  for (const e of decision.events) marginDecider.evolve(state, e);
}

export interface MarkResult {
  readonly label: string;
  readonly mark: string;
  readonly breached: number;
  readonly indexedExamined: number;
  readonly naiveExamined: number;
  readonly indexedMs: number;
  readonly naiveMs: number;
}

export interface MarginSizeResult {
  readonly accounts: number;
  readonly buildMs: number;
  readonly heapBytesPerAccount: number | null;
  readonly marks: MarkResult[];
  /** ApplyMarkPrice for the small move: decide alone (median of REPEATS, pure) and one decide + evolve */
  readonly decideMs: number;
  readonly decideEvolveMs: number;
  readonly decideEvents: number;
}

/** Builds N single-position accounts (alternating long/short, qty 1–5, leverage uniform in [2, 20)) through the decider. */
function build(n: number, seed: number): { state: MarginState; longThresholds: Float64Array; shortThresholds: Float64Array } {
  const rng = new SeededRandom(seed);
  const state = marginDecider.initialState();
  apply(state, cmd('ListInstrument', { instrumentId: INSTRUMENT, contractSize: '1', initialMarginRate: '0.05', maintenanceMarginRate: String(MMR) }));
  const members = 20;
  for (let m = 0; m < members; m += 1) apply(state, cmd('RegisterMember', { memberId: `m${m}` }));
  const width = String(n).length;
  const longs: number[] = [];
  const shorts: number[] = [];
  for (let a = 0; a < n; a += 1) {
    const accountId = `a${String(a).padStart(width, '0')}`;
    const side = a % 2 === 0 ? 'long' : 'short';
    const quantity = rng.int(1, 5);
    const leverage = 2 + rng.next() * 18;
    const cash = Math.ceil(((ENTRY * quantity) / leverage) * 100) / 100;
    apply(state, cmd('OpenAccount', { accountId, memberId: `m${a % members}` }));
    apply(state, cmd('DepositCollateral', { accountId, amount: canonicalDecimal(new Decimal(cash.toFixed(2))) }));
    apply(state, cmd('ApplyTrade', { tradeId: `t${a}`, accountId, instrumentId: INSTRUMENT, side, quantity: String(quantity), price: String(ENTRY) }));
    // approximate breach marks (equity < maintenance, ignoring cent rounding): used only to pick marks
    if (side === 'long') longs.push((ENTRY - cash / quantity) / (1 - MMR));
    else shorts.push((ENTRY + cash / quantity) / (1 + MMR));
  }
  return { state, longThresholds: Float64Array.from(longs).sort().reverse(), shortThresholds: Float64Array.from(shorts).sort() };
}

/** A mark halfway between the k-th and (k+1)-th threshold, so about k accounts cross it. */
function markCrossing(sorted: Float64Array, k: number): string {
  const i = Math.max(1, Math.min(sorted.length - 1, k));
  return new Decimal((sorted[i - 1]! + sorted[i]!) / 2).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed();
}

export class BreachMismatchError extends Error {}

export function benchMarginSize(n: number, log: (s: string) => void): MarginSizeResult {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let built!: ReturnType<typeof build>;
  const buildMs = timeMs(() => {
    built = build(n, 20251010 + n);
  });
  const { state } = built;
  collectGarbage();
  const gcAvailable = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const heapBytesPerAccount = gcAvailable ? (process.memoryUsage().heapUsed - heapBefore) / n : null;
  log(`  built ${n.toLocaleString('en-US')} accounts in ${(buildMs / 1000).toFixed(1)} s`);

  const marks = [
    { label: 'small down (~0.1%)', mark: markCrossing(built.longThresholds, Math.round(n * 0.001)) },
    { label: 'large down (~5%)', mark: markCrossing(built.longThresholds, Math.round(n * 0.05)) },
    { label: 'small up (~0.1%)', mark: markCrossing(built.shortThresholds, Math.round(n * 0.001)) },
    { label: 'entry price (none)', mark: String(ENTRY) },
  ];
  built = undefined as unknown as ReturnType<typeof build>;
  const results: MarkResult[] = [];
  for (const { label, mark } of marks) {
    const indexed = findBreaches(state, INSTRUMENT, mark);
    const naive = naiveScanBreaches(state, INSTRUMENT, mark);
    const a = indexed.accountIds;
    const b = naive.accountIds;
    if (a.length !== b.length || a.some((id, i) => id !== b[i])) {
      const sa = new Set(a);
      const sb = new Set(b);
      throw new BreachMismatchError(
        `breach sets differ at N=${n}, mark ${mark}: indexed ${a.length}, naive ${b.length}; only indexed: ${a.filter((x) => !sb.has(x)).slice(0, 10).join(',')}; only naive: ${b.filter((x) => !sa.has(x)).slice(0, 10).join(',')}`,
      );
    }
    const indexedTimes: number[] = [];
    const naiveTimes: number[] = [];
    for (let r = 0; r < REPEATS; r += 1) {
      indexedTimes.push(timeMs(() => void findBreaches(state, INSTRUMENT, mark)));
      naiveTimes.push(timeMs(() => void naiveScanBreaches(state, INSTRUMENT, mark)));
    }
    results.push({
      label,
      mark,
      breached: a.length,
      indexedExamined: indexed.examined,
      naiveExamined: naive.examined,
      indexedMs: median(indexedTimes),
      naiveMs: median(naiveTimes),
    });
  }

  const small = marks[0]!.mark;
  const markCommand = cmd('ApplyMarkPrice', { instrumentId: INSTRUMENT, markPrice: small, markSeq: 1 });
  const decideTimes: number[] = [];
  for (let r = 0; r < REPEATS; r += 1) decideTimes.push(timeMs(() => void marginDecider.decide(markCommand, state)));
  let decideEvents = 0;
  const decideEvolveMs = timeMs(() => {
    const decision = marginDecider.decide(markCommand, state);
    if (decision.kind === 'rejected') throw new Error(`ApplyMarkPrice rejected: ${decision.rejection.message}`);
    for (const e of decision.events) marginDecider.evolve(state, e);
    decideEvents = decision.events.length;
  });
  return { accounts: n, buildMs, heapBytesPerAccount, marks: results, decideMs: median(decideTimes), decideEvolveMs, decideEvents };
}
