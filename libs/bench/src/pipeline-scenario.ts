import { DECIDERS, loadScenario, type LoadedStep } from '@ccp/engine';
import { inputChannelOf, type InputChannel } from '@ccp/kafka-runtime';

/**
 * The scenarios of the pipeline benchmark and how they are fed: split into *rounds* (the set-up
 * inputs, then a shock), the set-up published channel by channel so that the order in which a
 * service happens to read its input topics cannot matter.
 */

/** Order of the set-up phases: accounts exist before they are funded, and are funded before they trade. */
export const SETUP_CHANNEL_ORDER: readonly InputChannel[] = ['parameters', 'collateral', 'trades'];

export interface Round {
  /** set-up phases, each published without per-step settling and settled as a whole before the next */
  readonly setup: LoadedStep[][];
  /** the shock: mark prices, each settled before the next (the embedded engine also runs each step to quiescence) */
  readonly shock: LoadedStep[];
}

/**
 * Splits a scenario into rounds: a round's set-up is every step before its run of ApplyMarkPrice
 * steps, regrouped by input channel (parameters → collateral → trades); its shock is that run of
 * marks. Throws if a set-up step would go on the prices channel.
 */
export function roundsOf(scenario: unknown): Round[] {
  const rounds: Round[] = [];
  let setup: LoadedStep[] = [];
  let shock: LoadedStep[] = [];
  const close = () => {
    if (setup.length === 0 && shock.length === 0) return;
    const phases = SETUP_CHANNEL_ORDER.map((c) => setup.filter((s) => inputChannelOf(s.command.type) === c)).filter((p) => p.length > 0);
    const placed = phases.reduce((n, p) => n + p.length, 0);
    if (placed !== setup.length) {
      const stray = setup.find((s) => !SETUP_CHANNEL_ORDER.includes(inputChannelOf(s.command.type)));
      throw new Error(`set-up step ${stray?.origin} (${stray?.command.type}) is on the ${stray ? inputChannelOf(stray.command.type) : '?'} channel; set-up must use ${SETUP_CHANNEL_ORDER.join(', ')}`);
    }
    rounds.push({ setup: phases, shock });
    setup = [];
    shock = [];
  };
  for (const step of loadScenario(scenario, DECIDERS)) {
    const isMark = step.command.type === 'ApplyMarkPrice';
    if (!isMark && shock.length > 0) close();
    (isMark ? shock : setup).push(step);
  }
  close();
  return rounds;
}

export interface RepeatedShockOptions {
  /** accounts of the population added before each shock (even) */
  readonly accounts: number;
  readonly shocks: number;
}

/** The two marks the price alternates between: a 6% fall, then a 6.38% rise back. */
export const SHOCK_PRICES = ['60000', '56400'] as const;

/**
 * A synthetic cascade, repeated: before shock k a fresh population of `accounts` accounts opens
 * long/short pairs at the current mark (leverage 11× or 12×: at a 6% move the 12× side breaches
 * and is liquidated at mark with equity left, the 11× side holds), plus one pair at 20× whose
 * losing side goes below zero and defaults. Liquidation fees are 0 and the insurance fund is empty,
 * so each shock's one default goes all the way to loss socialization (pro rata to profit) and margin
 * applies the allocation: every shock ends with a LossAllocationApplied. The mark alternates
 * 60,000 ↔ 56,400, so each shock hurts the side that the newest population's losers are on;
 * older populations' survivors return to their entry mark and hold.
 */
export function repeatedShockScenario(options: RepeatedShockOptions): { name: string; description: string; steps: unknown[] } {
  if (options.accounts < 2 || options.accounts % 2 !== 0) throw new RangeError(`accounts must be an even number ≥ 2; got ${options.accounts}`);
  if (!Number.isInteger(options.shocks) || options.shocks < 1) throw new RangeError(`shocks must be an integer ≥ 1; got ${options.shocks}`);
  const at = (minute: number) => `2025-10-10T${String(20 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00Z`;
  const steps: unknown[] = [
    { at: at(0), to: 'liquidation', type: 'SetLiquidationParameters', payload: { mode: 'full', liquidationFeeRate: '0', executionModel: { kind: 'at-mark' } } },
    { at: at(0), to: 'default-fund', type: 'SetWaterfall', payload: { preset: 'perpetual-exchange' } },
    { at: at(0), to: 'loss-allocation', type: 'SetAllocationPolicy', payload: { policy: 'socialized-loss', variant: 'pro-rata-profit', params: {} } },
    { at: at(0), to: 'margin', type: 'ListInstrument', payload: { instrumentId: 'BTC-PERP', contractSize: '1', initialMarginRate: '0.05', maintenanceMarginRate: '0.025' } },
  ];
  for (let k = 1; k <= options.shocks; k += 1) {
    const from = SHOCK_PRICES[(k - 1) % 2]!;
    const to = SHOCK_PRICES[k % 2]!;
    const common = { kind: 'population', at: at(2 * k - 1), instrumentId: 'BTC-PERP', price: from, quantityMin: 1 };
    steps.push({ generate: { ...common, seed: 1000 + k, members: 4, accounts: options.accounts, quantityMax: 5, leverageMin: 11, leverageMax: 12, idPrefix: `s${k}-` } });
    steps.push({ generate: { ...common, seed: 2000 + k, members: 1, accounts: 2, quantityMax: 1, leverageMin: 20, leverageMax: 20, idPrefix: `d${k}-` } });
    steps.push({ generate: { kind: 'price-path', at: at(2 * k), instrumentId: 'BTC-PERP', from, to, steps: 1, firstMarkSeq: k } });
  }
  return {
    name: `pipeline-repeated-shocks-${options.accounts}x${options.shocks}`,
    description: `${options.shocks} price shocks (60,000 ↔ 56,400), each after a fresh population of ${options.accounts} accounts (11-12× leverage) and one 20× pair: many breaches, one default per shock, socialized (libs/bench/src/pipeline-scenario.ts)`,
    steps,
  };
}

/** Where each step of a round goes (for logs). */
export const describeRound = (round: Round): string =>
  `${round.setup.map((p) => `${p.length} ${p[0] ? inputChannelOf(p[0].command.type) : ''}`).join(' + ')} set-up inputs, ${round.shock.length} mark(s)`;

