import { z } from 'zod';
import { identifier, isoInstant, positiveDecimal } from '@ccp/contracts';
import { Decimal, canonicalDecimal } from '@ccp/money';
import type { ScenarioStep } from './scenario';
import { SeededRandom } from './seeded-random';

/**
 * Deterministic generators for large scenarios. Generated numbers are produced as integers of the
 * smallest unit and written as canonical decimal strings, so no float ever reaches a command.
 */
export const populationSpec = z
  .object({
    kind: z.literal('population'),
    seed: z.number().int(),
    at: isoInstant,
    /** clearing members; accounts are spread over them round-robin */
    members: z.number().int().min(1).max(10_000),
    /** accounts, an even number: they trade in long/short pairs so open interest balances */
    accounts: z.number().int().min(2).max(2_000_000),
    instrumentId: identifier,
    price: positiveDecimal,
    /** position size range in whole contracts */
    quantityMin: z.number().int().min(1),
    quantityMax: z.number().int().min(1),
    /** leverage range (notional ÷ collateral), whole numbers */
    leverageMin: z.number().int().min(1),
    leverageMax: z.number().int().min(1),
    /** each member's default-fund contribution, if the scenario funds one */
    memberContribution: positiveDecimal.optional(),
    idPrefix: z.string().regex(/^[a-z0-9-]*$/).default(''),
  })
  .strict();

export const pricePathSpec = z
  .object({
    kind: z.literal('price-path'),
    at: isoInstant,
    instrumentId: identifier,
    from: positiveDecimal,
    to: positiveDecimal,
    steps: z.number().int().min(1).max(100_000),
    /** markSeq of the first mark; later marks count up */
    firstMarkSeq: z.number().int().min(0),
    intervalSeconds: z.number().int().min(1).default(1),
  })
  .strict();

export const generatorSpec = z.discriminatedUnion('kind', [populationSpec, pricePathSpec]);
export type GeneratorSpec = z.infer<typeof generatorSpec>;

function plusSeconds(iso: string, seconds: number): string {
  const ms = Date.parse(iso) + seconds * 1000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function* expandGenerator(spec: GeneratorSpec): Generator<ScenarioStep> {
  switch (spec.kind) {
    case 'population':
      yield* population(spec);
      return;
    case 'price-path':
      yield* pricePath(spec);
      return;
  }
}

function* population(spec: z.infer<typeof populationSpec>): Generator<ScenarioStep> {
  if (spec.accounts % 2 !== 0) throw new RangeError('population.accounts must be even (long/short pairs)');
  const rng = new SeededRandom(spec.seed);
  const at = spec.at;
  const p = spec.idPrefix;
  const width = String(spec.accounts).length;
  const memberId = (m: number) => `${p}m${String(m).padStart(4, '0')}`;
  const accountId = (a: number) => `${p}a${String(a).padStart(width, '0')}`;
  for (let m = 0; m < spec.members; m += 1) {
    yield { at, to: 'margin', type: 'RegisterMember', payload: { memberId: memberId(m) } };
    if (spec.memberContribution) yield { at, to: 'default-fund', type: 'RecordContribution', payload: { memberId: memberId(m), amount: spec.memberContribution } };
  }
  const price = new Decimal(spec.price);
  for (let a = 0; a < spec.accounts; a += 2) {
    const quantity = rng.int(spec.quantityMin, spec.quantityMax);
    const notional = price.times(quantity);
    for (const [offset, side] of [
      [0, 'long'],
      [1, 'short'],
    ] as const) {
      const id = accountId(a + offset);
      const leverage = rng.int(spec.leverageMin, spec.leverageMax);
      // collateral = notional ÷ leverage, to the cent, rounded up
      const collateral = canonicalDecimal(notional.dividedBy(leverage).toDecimalPlaces(2, Decimal.ROUND_UP));
      yield { at, to: 'margin', type: 'OpenAccount', payload: { accountId: id, memberId: memberId((a + offset) % spec.members) } };
      yield { at, to: 'margin', type: 'DepositCollateral', payload: { accountId: id, amount: collateral } };
      yield {
        at,
        to: 'margin',
        type: 'ApplyTrade',
        payload: { tradeId: `${p}t${String(a / 2).padStart(width, '0')}-${side}`, accountId: id, instrumentId: spec.instrumentId, side, quantity: String(quantity), price: spec.price },
      };
    }
  }
}

function* pricePath(spec: z.infer<typeof pricePathSpec>): Generator<ScenarioStep> {
  const from = new Decimal(spec.from);
  const to = new Decimal(spec.to);
  for (let i = 1; i <= spec.steps; i += 1) {
    const mark = from.plus(to.minus(from).times(i).dividedBy(spec.steps)).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN);
    yield {
      at: plusSeconds(spec.at, (i - 1) * spec.intervalSeconds),
      to: 'margin',
      type: 'ApplyMarkPrice',
      payload: { instrumentId: spec.instrumentId, markPrice: canonicalDecimal(mark), markSeq: spec.firstMarkSeq + i - 1 },
    };
  }
}
