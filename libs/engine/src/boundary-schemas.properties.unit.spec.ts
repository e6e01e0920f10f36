import fc from 'fast-check';
import {
  DEFAULT_FUND_COMMAND_SCHEMAS,
  FORBIDDEN_JSON_KEYS,
  LIQUIDATION_COMMAND_SCHEMAS,
  LOSS_ALLOCATION_COMMAND_SCHEMAS,
  MARGIN_COMMAND_SCHEMAS,
  parseUntrustedJson,
  Producer,
  REJECTION_CODES,
  Rejection,
  rejection,
  RejectionError,
} from '@ccp/contracts';
import { DECIMAL_STRING } from '@ccp/money';
import { DECIDERS } from './deciders';
import { loadScenario } from './scenario';

/**
 * Property tests over every boundary schema: each command type every decider's parseCommand accepts,
 * and the scenario step that carries it. Valid commands parse (to themselves); mutated ones — an
 * oversized decimal, a negative where none is allowed, an extra key, a forbidden key, a wrong type —
 * are rejected with a Rejection naming the path and a code from the closed set, never a thrown error.
 */
const RUNS = Number(process.env['FC_RUNS'] ?? 150);
const CODES = Object.keys(REJECTION_CODES);

// ── Valid values ────────────────────────────────────────────────────────────────────────────────

const id = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._:@/-]{0,11}$/).filter((s) => !FORBIDDEN_JSON_KEYS.has(s));
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const side = fc.constantFrom('long' as const, 'short' as const);

type Sign = 'positive' | 'nonNegative' | 'signed';
/** A plain decimal string with at most `integerDigits` integer and `fractionDigits` fraction digits. */
function decimal(integerDigits: number, fractionDigits: number, sign: Sign): fc.Arbitrary<string> {
  return fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** BigInt(integerDigits) - 1n }), fc.integer({ min: 0, max: fractionDigits }), fc.bigInt({ min: 0n, max: 10n ** BigInt(fractionDigits) - 1n }), fc.boolean())
    .map(([whole, places, fraction, negative]) => {
      const f = places === 0 ? '' : (fraction % 10n ** BigInt(places)).toString().padStart(places, '0');
      const body = `${whole}${f ? `.${f}` : ''}`;
      return sign === 'signed' && negative && /[1-9]/.test(body) ? `-${body}` : body;
    })
    .filter((s) => sign !== 'positive' || /[1-9]/.test(s));
}
/** inputs: ≤ 16 integer digits */
const usd = decimal(16, 2, 'positive');
const usdOrZero = decimal(16, 2, 'nonNegative');
const scaled = decimal(16, 8, 'positive');
const rate = fc.oneof(fc.constant('1'), decimal(0, 8, 'positive').map((s) => (s.startsWith('.') ? `0${s}` : s)));
const fractionBelowOne = fc.integer({ min: 0, max: 99_999_999 }).map((n) => (n === 0 ? '0' : `0.${String(n).padStart(8, '0')}`));
const multiple = decimal(3, 8, 'positive');
const share = fc.oneof(fc.constant('1'), fc.integer({ min: 1, max: 999_999 }).map((n) => `0.${String(n).padStart(6, '0')}`));
/** figures: ≤ 38 integer digits, ≤ 24 fraction digits */
const figure = decimal(38, 24, 'signed');
const figureOrZero = decimal(38, 24, 'nonNegative');
const positiveFigure = decimal(38, 24, 'positive');
const cents = decimal(20, 2, 'positive');
const centsOrZero = decimal(20, 2, 'nonNegative');

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Drops undefined members, as JSON would. */
const record = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) => fc.record(shape).map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);

const tier = record({ notionalFloor: usd, initialMarginRate: rate, maintenanceMarginRate: rate }).map((t) => ({ ...t, maintenanceMarginRate: t['initialMarginRate'] }));
const rates = fc.tuple(rate, opt(fc.array(tier, { maxLength: 3 })), opt(scaled), opt(scaled)).map(([r, tiers, maxQuantity, maxPrice]) =>
  JSON.parse(JSON.stringify({ initialMarginRate: r, maintenanceMarginRate: r, tiers, maxQuantity, maxPrice })) as Record<string, unknown>,
);
const positionView = record({
  instrumentId: id,
  side,
  quantity: positiveFigure,
  entryPrice: positiveFigure,
  markPrice: positiveFigure,
  contractSize: positiveFigure,
  unrealizedPnl: figure,
  maintenanceMarginRequired: figureOrZero,
});
const defaultedPosition = record({ instrumentId: id, side, quantity: positiveFigure, markPrice: positiveFigure, bankruptcyPrice: figure, contractSize: positiveFigure });
const accountDefaulted = record({ defaultId: id, accountId: id, memberId: id, marginApplied: centsOrZero, deficit: cents, positions: fc.array(defaultedPosition, { maxLength: 2 }) });
const fairness = record({
  participantsHit: fc.nat(),
  totalCharged: figureOrZero,
  overshoot: figure,
  largestHaircutShareOfProfit: figureOrZero,
  largestHaircut: figureOrZero,
  gini: figureOrZero,
  topDecileShare: figureOrZero,
  notionalClosed: figureOrZero,
});
const allocationLine = fc.oneof(
  record({ accountId: id, memberId: id, amount: positiveFigure }),
  record({ accountId: id, memberId: id, amount: positiveFigure, instrumentId: id, side, quantityClosed: positiveFigure, closePrice: positiveFigure }),
);
const tranches = fc
  .tuple(
    fc.boolean(),
    fc.subarray([
      fc.constant({ kind: 'defaulter-contribution' }),
      id.map((trancheId) => ({ kind: 'skin-in-the-game', trancheId })),
      fc.constant({ kind: 'mutualized-fund' }),
      fc.tuple(multiple, multiple).map(([capMultiple, totalCapMultiple]) => ({ kind: 'assessments', capMultiple, totalCapMultiple })),
      fc.constant({ kind: 'insurance-fund' }),
    ]),
  )
  .chain(([margin, middle]) => fc.tuple(...middle).map((ts) => [...(margin ? [{ kind: 'defaulter-margin' }] : []), ...ts, { kind: 'recovery-tool' }]));
const executionModel = fc.oneof(
  fc.constant({ kind: 'at-mark' }),
  fc.constant({ kind: 'external-fills' }),
  fc.tuple(decimal(4, 6, 'nonNegative'), fractionBelowOne).map(([impactPerNotional, maxSlippage]) => ({ kind: 'impact', impactPerNotional, maxSlippage })),
);
const policy = fc.oneof(
  fc.tuple(opt(fc.constant('pro-rata-profit')), opt(share)).map(([variant, maxHaircutShare]) => ({ policy: 'socialized-loss', ...(variant ? { variant } : {}), params: maxHaircutShare ? { maxHaircutShare } : {} })),
  fc.tuple(opt(fc.constantFrom('bitmex', 'binance', 'hyperliquid')), opt(fc.boolean())).map(([variant, close]) => ({ policy: 'adl', ...(variant ? { variant } : {}), params: close === undefined ? {} : { closeWholePosition: close } })),
  fc.tuple(opt(fc.constant('pro-rata-gain')), opt(share)).map(([variant, maxHaircutShare]) => ({ policy: 'vm-gains-haircut', ...(variant ? { variant } : {}), params: maxHaircutShare ? { maxHaircutShare } : {} })),
  fc.constant({ policy: 'partial-tear-up', params: {} }),
);

const PAYLOADS: Record<Producer, Record<string, fc.Arbitrary<unknown>>> = {
  margin: {
    RegisterMember: record({ memberId: id }),
    OpenAccount: record({ accountId: id, memberId: id }),
    DepositCollateral: record({ accountId: id, amount: usd }),
    WithdrawCollateral: record({ accountId: id, amount: usd }),
    ListInstrument: fc.tuple(id, scaled, rates).map(([instrumentId, contractSize, r]) => ({ instrumentId, contractSize, ...r })),
    SetMarginParameters: fc.tuple(id, rates).map(([instrumentId, r]) => ({ instrumentId, ...r })),
    ApplyTrade: record({ tradeId: id, accountId: id, instrumentId: id, side, quantity: scaled, price: scaled }),
    ApplyMarkPrice: record({ instrumentId: id, markPrice: scaled, markSeq: fc.nat() }),
    ApplyLiquidationFill: record({ liquidationId: id, accountId: id, memberId: id, instrumentId: id, side, quantity: positiveFigure, fillPrice: positiveFigure, realizedPnl: figure, liquidationFee: figureOrZero }),
    WriteOffDefaultedAccount: accountDefaulted,
    CaptureAllocationBasis: record({ defaultId: id, excludeAccountId: id }),
    ApplyLossAllocation: record({ defaultId: id, policy: id, residual: positiveFigure, allocations: fc.array(allocationLine, { maxLength: 2 }), unallocated: figureOrZero, fairness }),
    ResolveBreach: record({
      breachId: id,
      accountId: id,
      memberId: id,
      outcome: fc.constantFrom('restored', 'closed-out', 'defaulted'),
      step: fc.constantFrom('partial', 'full'),
      executionModel: fc.constantFrom('at-mark', 'impact', 'external-fills'),
      positionsClosed: fc.integer({ min: 1, max: 9 }),
      realizedPnl: figure,
      liquidationFees: figureOrZero,
      equityBefore: figure,
      equityAfter: figure,
      defaultId: fc.option(id, { nil: null }),
    }),
  },
  liquidation: {
    SetLiquidationParameters: fc.oneof(
      record({ mode: fc.constant('full'), liquidationFeeRate: fractionBelowOne, executionModel, partialNotionalThreshold: opt(usdOrZero) }),
      record({ mode: fc.constant('partial'), partialFraction: rate, liquidationFeeRate: fractionBelowOne, executionModel }),
    ),
    RecordExternalFill: record({ instrumentId: id, price: scaled, quantity: opt(scaled) }),
    LiquidateAccount: record({
      accountId: id,
      memberId: id,
      breachId: id,
      cashBalance: figure,
      equity: figure,
      maintenanceMarginRequired: figureOrZero,
      positions: fc.array(positionView, { minLength: 1, maxLength: 2 }),
    }),
  },
  'default-fund': {
    RecordContribution: record({ memberId: id, amount: usd }),
    WithdrawContribution: record({ memberId: id, amount: usd }),
    DepositInsuranceFund: record({ amount: usd }),
    CreditLiquidationFee: record({ liquidationId: id, accountId: id, memberId: id, amount: usd }),
    SetSkinInTheGame: record({ tranches: fc.uniqueArray(record({ trancheId: id, amount: usdOrZero }), { minLength: 1, maxLength: 3, selector: (t) => t['trancheId'] }) }),
    SetWaterfall: fc.oneof(fc.constantFrom('ccp', 'perpetual-exchange').map((preset) => ({ preset })), tranches.map((ts) => ({ tranches: ts }))),
    ResetAssessmentPeriod: record({ periodId: id }),
    RunWaterfall: accountDefaulted,
    SizeDefaultFund: record({
      scenarioId: id,
      stressLosses: fc.uniqueArray(record({ memberId: id, stressLoss: usdOrZero, margin: usdOrZero }), { minLength: 1, maxLength: 3, selector: (s) => s['memberId'] }),
    }),
  },
  'loss-allocation': {
    SetAllocationPolicy: policy,
    AllocateResidualLoss: record({ defaultId: id, accountId: id, memberId: id, deficit: positiveFigure, covered: figureOrZero, residual: positiveFigure, positions: fc.array(defaultedPosition, { maxLength: 2 }) }),
    DecideAllocation: record({
      defaultId: id,
      marks: fc.dictionary(id, positiveFigure, { maxKeys: 3 }),
      participants: fc.array(record({ accountId: id, memberId: id, cashBalance: figure, equity: figure, variationMarginGain: figure, positions: fc.array(positionView, { maxLength: 2 }) }), { maxLength: 2 }),
    }),
  },
};

const SCHEMAS: Record<Producer, Record<string, unknown>> = {
  margin: MARGIN_COMMAND_SCHEMAS,
  liquidation: LIQUIDATION_COMMAND_SCHEMAS,
  'default-fund': DEFAULT_FUND_COMMAND_SCHEMAS,
  'loss-allocation': LOSS_ALLOCATION_COMMAND_SCHEMAS,
};

interface RawCommand {
  readonly to: Producer;
  readonly type: string;
  readonly payload: unknown;
  readonly meta: { occurredAt: string; correlationId: string | null };
}
const commandOf = (to: Producer, type: string): fc.Arbitrary<RawCommand> =>
  fc.record({ payload: PAYLOADS[to][type]!, occurredAt: instant, correlationId: fc.option(id, { nil: null }) }).map(({ payload, occurredAt, correlationId }) => ({ to, type, payload, meta: { occurredAt, correlationId } }));
const COMMAND_TYPES = (Object.keys(PAYLOADS) as Producer[]).flatMap((to) => Object.keys(PAYLOADS[to]).map((type) => ({ to, type })));
const anyCommand = fc.constantFrom(...COMMAND_TYPES).chain(({ to, type }) => commandOf(to, type));

// ── Mutations ───────────────────────────────────────────────────────────────────────────────────

type Key = string | number;
interface Node {
  readonly keys: readonly Key[];
  readonly value: unknown;
}
/** Every node of a JSON value with its key path (root first). */
function nodesOf(value: unknown, keys: readonly Key[] = []): Node[] {
  const here: Node = { keys, value };
  if (Array.isArray(value)) return [here, ...value.flatMap((v, i) => nodesOf(v, [...keys, i]))];
  if (typeof value === 'object' && value !== null) return [here, ...Object.entries(value).flatMap(([k, v]) => nodesOf(v, [...keys, k]))];
  return [here];
}
const pathText = (keys: readonly Key[]): string => keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDecimal = (v: unknown): v is string => typeof v === 'string' && DECIMAL_STRING.test(v);
/** Fields that are signed by meaning: profit and loss, balances, equity, bankruptcy price, overshoot. */
const SIGNED_FIELDS = new Set(['realizedPnl', 'unrealizedPnl', 'cashBalance', 'equity', 'equityBefore', 'equityAfter', 'variationMarginGain', 'bankruptcyPrice', 'overshoot']);

function cloneWith(value: unknown, keys: readonly Key[], change: (v: unknown) => unknown): unknown {
  if (keys.length === 0) return change(value);
  const [head, ...rest] = keys;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) }) as Record<Key, unknown>;
  copy[head!] = cloneWith(copy[head!], rest, change);
  return copy;
}
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

type Expectation = { readonly code: readonly string[]; readonly path: string; readonly exact: boolean };
interface Mutation {
  readonly name: string;
  readonly value: unknown;
  readonly expect: Expectation;
}

/** The ways to break a valid value; each knows the rejection it must produce. */
function mutationsOf(valid: unknown): fc.Arbitrary<Mutation> {
  const nodes = nodesOf(valid);
  const decimals = nodes.filter((n) => isDecimal(n.value));
  const unsigned = decimals.filter((n) => !SIGNED_FIELDS.has(String(n.keys.at(-1))) && !(n.value as string).startsWith('-'));
  const objects = nodes.filter((n) => isObject(n.value));
  const leaves = nodes.filter((n) => n.keys.length > 0 && (n.value === null || typeof n.value !== 'object'));
  const choices: fc.Arbitrary<Mutation>[] = [];
  if (decimals.length > 0) {
    choices.push(
      fc.tuple(fc.constantFrom(...decimals), fc.integer({ min: 39, max: 450 })).map(([n, digits]) => ({
        name: `${digits}-digit integer part at ${pathText(n.keys)}`,
        value: cloneWith(valid, n.keys, () => `9${'0'.repeat(digits - 1)}`),
        expect: { code: ['invalid_amount'], path: pathText(n.keys), exact: true },
      })),
      fc.tuple(fc.constantFrom(...decimals), fc.integer({ min: 25, max: 120 })).map(([n, places]) => ({
        name: `${places} fraction digits at ${pathText(n.keys)}`,
        value: cloneWith(valid, n.keys, () => `0.${'0'.repeat(places - 1)}1`),
        expect: { code: ['invalid_amount'], path: pathText(n.keys), exact: true },
      })),
    );
  }
  if (unsigned.length > 0) {
    choices.push(
      fc.constantFrom(...unsigned).map((n) => ({
        name: `negative at ${pathText(n.keys)}`,
        value: cloneWith(valid, n.keys, (v) => `-${v as string}`),
        expect: { code: ['invalid_amount'], path: pathText(n.keys), exact: true },
      })),
    );
  }
  choices.push(
    fc.constantFrom(...objects).map((n) => ({
      name: `extra key at ${pathText(n.keys) || 'the top'}`,
      value: cloneWith(valid, n.keys, (v) => ({ ...(v as object), extraField: 1 })),
      expect: { code: ['malformed'], path: pathText([...n.keys, 'extraField']), exact: true },
    })),
    fc.tuple(fc.constantFrom(...objects), fc.constantFrom(...FORBIDDEN_JSON_KEYS)).map(([n, key]) => ({
      name: `forbidden key ${key} at ${pathText(n.keys) || 'the top'}`,
      value: cloneWith(valid, n.keys, (v) => defineOwn(v as Record<string, unknown>, key, { polluted: true })),
      expect: { code: ['malformed'], path: pathText([...n.keys, key]), exact: true },
    })),
  );
  if (leaves.length > 0) {
    choices.push(
      fc.tuple(fc.constantFrom(...leaves), fc.constantFrom<unknown>(42, true, [], {})).map(([n, other]) => {
        const replacement = typeof n.value === 'string' ? other : typeof n.value === 'number' ? '7' : typeof n.value === 'boolean' ? 'true' : 5;
        return {
          name: `wrong type (${JSON.stringify(replacement)}) at ${pathText(n.keys)}`,
          value: cloneWith(valid, n.keys, () => replacement),
          expect: { code: ['malformed', 'invalid_amount', 'unknown_type'], path: pathText(n.keys), exact: false },
        };
      }),
    );
  }
  return fc.oneof(...choices);
}

function expectRejection(r: Rejection, expected: Expectation, prefix = ''): void {
  const path = [prefix, expected.path].filter(Boolean).join(expected.path.startsWith('[') ? '' : '.');
  expect(CODES).toContain(r.code);
  expect(expected.code).toContain(r.code);
  expect(typeof r.message).toBe('string');
  expect(r.message.length).toBeGreaterThan(0);
  if (expected.exact) expect(r.path).toBe(path);
  else expect(r.path.startsWith(path)).toBe(true);
}

const envelope = (c: RawCommand) => ({ type: c.type, payload: c.payload, meta: c.meta });

// ── Decider boundaries ──────────────────────────────────────────────────────────────────────────

describe('every command schema a decider accepts', () => {
  it('the generators cover every command type of every decider', () => {
    for (const to of Object.keys(SCHEMAS) as Producer[]) expect(Object.keys(PAYLOADS[to]).sort()).toEqual(Object.keys(SCHEMAS[to]).sort());
  });

  it.each(COMMAND_TYPES)('$to $type: valid commands parse, to themselves', ({ to, type }) => {
    fc.assert(
      fc.property(commandOf(to, type), (c) => {
        const parsed = DECIDERS[c.to].parseCommand(envelope(c));
        if (!parsed.ok) throw new Error(`rejected ${JSON.stringify(parsed.rejection)} for ${JSON.stringify(envelope(c))}`);
        expect(parsed.value).toEqual(envelope(c));
      }),
      { numRuns: RUNS },
    );
  });

  it.each(COMMAND_TYPES)('$to $type: mutated commands are rejected with a path and a code, never thrown', ({ to, type }) => {
    fc.assert(
      fc.property(
        commandOf(to, type).chain((c) => mutationsOf(envelope(c)).map((m) => ({ c, m }))),
        ({ c, m }) => {
          let parsed: ReturnType<(typeof DECIDERS)[Producer]['parseCommand']>;
          try {
            parsed = DECIDERS[c.to].parseCommand(m.value);
          } catch (error) {
            throw new Error(`${m.name}: parseCommand threw ${String(error)}`);
          }
          if (parsed.ok) throw new Error(`${m.name}: accepted ${JSON.stringify(m.value)}`);
          expectRejection(parsed.rejection, m.expect);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ── Scenario steps (the file text, as `ccp simulate` reads it) ──────────────────────────────────

/** What `ccp simulate` does with a scenario file's text before anything runs, as one result. */
function loadScenarioText(text: string): { ok: true; count: number } | { ok: false; rejection: Rejection } {
  const json = parseUntrustedJson(text);
  if (!json.ok) return { ok: false, rejection: rejection('malformed', json.path, json.message) };
  try {
    return { ok: true, count: [...loadScenario(json.value, DECIDERS)].length };
  } catch (error) {
    if (error instanceof RejectionError) return { ok: false, rejection: error.rejection };
    throw error;
  }
}

const stepOf = (c: RawCommand) => ({ at: c.meta.occurredAt, to: c.to, type: c.type, payload: c.payload, ...(c.meta.correlationId === null ? {} : { correlationId: c.meta.correlationId }) });
const scenarioText = (step: unknown) => JSON.stringify({ name: 'boundary', description: 'one step', steps: [step] });

describe('scenario steps', () => {
  it('property: a valid step of any command type loads', () => {
    fc.assert(
      fc.property(anyCommand, (c) => {
        expect(loadScenarioText(scenarioText(stepOf(c)))).toEqual({ ok: true, count: 1 });
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('property: a mutated step is refused with a Rejection under steps[0], never thrown — a forbidden key is never dropped', () => {
    fc.assert(
      fc.property(
        anyCommand.chain((c) => mutationsOf(stepOf(c)).map((m) => ({ c, m }))),
        ({ m }) => {
          const loaded = loadScenarioText(scenarioText(m.value));
          if (loaded.ok) throw new Error(`${m.name}: loaded ${scenarioText(m.value)}`);
          const r = loaded.rejection;
          expect(CODES).toContain(r.code);
          // Problems inside the payload are reported exactly, as the decider names them; a step's own
          // fields by the scenario loader (which names the step, and the key where it can).
          if (m.expect.path.startsWith('payload') || m.name.startsWith('forbidden')) expectRejection(r, m.expect, 'steps[0]');
          else expect(r.path.startsWith('steps[0]')).toBe(true);
        },
      ),
      { numRuns: RUNS * 4 },
    );
  });
});
